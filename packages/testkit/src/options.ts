/**
 * Options of {@link startBroker}, the authentication callback and the scripting hooks.
 * @module
 */
import type { ConnectPacket, Properties, QoS } from '@mqttx/codec';
import type { Clock } from './clock.js';
import { TestkitError } from './errors.js';
import type { BrokerConnection } from './connection-types.js';
import type { FaultAction, PacketContext } from './faults.js';

/** TLS listener settings (a second port next to the plain TCP one). */
export interface BrokerTlsOptions {
  /** Server private key (PEM). */
  key: string | Buffer;
  /** Server certificate chain (PEM). */
  cert: string | Buffer;
  /** CAs trusted for client certificates. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask clients for a certificate. Default false. */
  requestCert?: boolean;
  /** With `requestCert`, refuse clients whose certificate does not verify. Default true when `requestCert`. */
  rejectUnauthorized?: boolean;
  /** Port of the TLS listener. Default 0 (any free port). */
  port?: number;
}

/** What {@link BrokerOptions.authenticate} sees. Never logged by the broker. */
export interface AuthContext {
  /** Client id as sent (empty string when the client asked for an assigned one). */
  clientId: string;
  /** User Name from the CONNECT; `undefined` when absent. */
  username: string | undefined;
  /** Password from the CONNECT; `undefined` when absent. */
  password: Buffer | undefined;
  /** The whole CONNECT packet. */
  connect: ConnectPacket;
  /** The link the CONNECT came on (transport, TLS peer certificate, ...). */
  connection: BrokerConnection;
}

/**
 * Result of {@link BrokerOptions.authenticate}: `true` accepts, `false` refuses with "not authorized"
 * (0x87 in 5.0, return code 5 in 3.1.1), a number refuses with that CONNACK reason code (5.0 codes are
 * mapped to the nearest 3.1.1 return code for 3.1.1 clients; 0 accepts).
 */
export type AuthResult = boolean | number;

/**
 * Changes to the CONNACK the broker would send. Properties are merged over the broker's own (a key set to
 * `undefined` removes it). The broker then enforces what the final CONNACK advertises (receive maximum,
 * maximum packet size, topic alias maximum, server keepalive, maximum QoS, retain available, ...).
 */
export interface ConnackOverride {
  /**
   * Reason code to send; non-zero refuses the connection and closes it. 5.0 codes are mapped to the nearest
   * 3.1.1 return code for 3.1.1 clients (and 1..5 to 5.0 codes for 5.0 clients), as for `authenticate`.
   */
  reasonCode?: number;
  /** Session Present flag to send (the broker's session handling is not changed by this). */
  sessionPresent?: boolean;
  /** Properties to merge over the broker's (5.0 only). */
  properties?: Properties;
}

/** What {@link BrokerOptions.authorizeSubscribe} sees. */
export interface SubscribeContext {
  /** Client id of the subscribing session. */
  clientId: string;
  /** The filter as subscribed (with `$share/{name}/` for shared subscriptions). */
  topicFilter: string;
  /** Requested QoS. */
  qos: QoS;
  /** The link the SUBSCRIBE came on. */
  connection: BrokerConnection;
}

/** Scripting hooks, all optional. */
export interface BrokerHooks {
  /** Called for each new link before anything is read; return false to close it at once. */
  accept?: (connection: BrokerConnection) => boolean | void;
  /** Called for each CONNECT that passed validation and authentication; may change the CONNACK. */
  connack?: (
    connect: ConnectPacket,
    connection: BrokerConnection,
  ) => ConnackOverride | undefined | void | Promise<ConnackOverride | undefined | void>;
  /**
   * Called for every packet in both directions (after the fault rules counted it); a returned action is
   * applied unless a fault rule already acts on this packet.
   */
  packet?: (ctx: PacketContext) => FaultAction | undefined | void;
}

/** Options of {@link startBroker}. Every limit defaults to "no limit / feature available". */
export interface BrokerOptions {
  /** Address to bind. Default `127.0.0.1`. */
  host?: string;
  /** TCP port. Default 0 (any free port). Use `listen: false` for a duplex-only broker. */
  port?: number;
  /** Open the TCP listener. Default true. */
  listen?: boolean;
  /** Also listen with TLS on a second port. */
  tls?: BrokerTlsOptions;
  /** Time source for every broker timer (keepalive, will delay, session expiry, delays). Default wall clock. */
  clock?: Clock;
  /** Decides whether a CONNECT is accepted. Default: everyone is. */
  authenticate?: (ctx: AuthContext) => AuthResult | Promise<AuthResult>;
  /**
   * Decides each subscription of a SUBSCRIBE (well-formed filters only: malformed ones are rejected by the
   * codec). `true` grants (up to `maximumQoS`); `false` refuses (0x87 Not authorized in 5.0, 0x80 in 3.1.1);
   * 0..2 grants at most that QoS; a number >= 0x80 refuses with that SUBACK reason code (5.0; 0x80 in 3.1.1),
   * for example 0x8F Topic Filter invalid.
   */
  authorizeSubscribe?: (ctx: SubscribeContext) => boolean | number;
  /** Scripting hooks (see also `broker.fault(...)`). */
  hooks?: BrokerHooks;
  /** Highest QoS accepted and granted (advertised as Maximum QoS in 5.0 when below 2). Default 2. */
  maximumQoS?: QoS;
  /** Retained messages supported. Default true. */
  retainAvailable?: boolean;
  /** Wildcard subscriptions supported. Default true. */
  wildcardSubscriptionAvailable?: boolean;
  /** Subscription identifiers supported. Default true. */
  subscriptionIdentifiersAvailable?: boolean;
  /** Shared subscriptions supported. Default true. */
  sharedSubscriptionAvailable?: boolean;
  /** Receive Maximum advertised and enforced (1..65535). Default: not sent (65,535). */
  receiveMaximum?: number;
  /** Maximum Packet Size advertised and enforced on input. Default: not sent (no limit). */
  maximumPacketSize?: number;
  /** Topic Alias Maximum advertised (inbound aliases). Default 10; 0 disables aliases. */
  topicAliasMaximum?: number;
  /** Keepalive imposed on 5.0 clients (Server Keep Alive). Default: the client's own. */
  serverKeepAlive?: number;
  /** Upper bound of a 5.0 session expiry interval, in seconds. Default: none. */
  maximumSessionExpiryInterval?: number;
  /** Accept empty client ids (and assign one). Default true. */
  allowEmptyClientId?: boolean;
  /** Milliseconds a new link may take to send CONNECT before it is closed. Default 10,000. */
  connectTimeout?: number;
  /** Milliseconds to wait for the peer to close after the broker ended a link, then destroy. Default 2000. */
  closeGrace?: number;
  /** Messages kept per session (queued while offline or beyond the client's window). Default 1,000,000. */
  maxQueuedMessages?: number;
  /** Queue QoS 0 messages for offline persistent sessions. Default false. */
  queueQoS0?: boolean;
  /** Answer a 5.0 QoS 1/2 PUBLISH that matched nobody with reason 0x10 (No matching subscribers). Default true. */
  noMatchingSubscribersReasonCode?: boolean;
  /** Keep `broker.records`. Default true (waitFor and the `packet` event work either way). */
  records?: boolean;
}

/**
 * {@link BrokerOptions} with defaults applied, as the broker runs with them ({@link Broker.options}). Every
 * field but `clock` (see {@link Broker.clock}) has its resolved value; `undefined` means "not advertised / no
 * limit" where the option says so.
 */
export interface ResolvedBrokerOptions {
  /** Address bound. */
  host: string;
  /** TCP port asked for (0: any free port; the bound one is {@link Broker.port}). */
  port: number;
  /** The TCP listener is open. */
  listen: boolean;
  /** TLS listener settings, when there is one. */
  tls: BrokerTlsOptions | undefined;
  /** See {@link BrokerOptions.authenticate}; `undefined` accepts everyone. */
  authenticate: BrokerOptions['authenticate'];
  /** See {@link BrokerOptions.authorizeSubscribe}; `undefined` grants every subscription. */
  authorizeSubscribe: BrokerOptions['authorizeSubscribe'];
  /** Scripting hooks (an empty object when none were given). */
  hooks: BrokerHooks;
  /** Highest QoS accepted and granted. */
  maximumQoS: QoS;
  /** Retained messages supported. */
  retainAvailable: boolean;
  /** Wildcard subscriptions supported. */
  wildcardSubscriptionAvailable: boolean;
  /** Subscription identifiers supported. */
  subscriptionIdentifiersAvailable: boolean;
  /** Shared subscriptions supported. */
  sharedSubscriptionAvailable: boolean;
  /** Receive Maximum advertised and enforced; `undefined`: not sent (65,535). */
  receiveMaximum: number | undefined;
  /** Maximum Packet Size advertised and enforced on input; `undefined`: not sent (no limit). */
  maximumPacketSize: number | undefined;
  /** Topic Alias Maximum advertised (0: aliases disabled). */
  topicAliasMaximum: number;
  /** Server Keep Alive imposed on 5.0 clients; `undefined`: the client's own. */
  serverKeepAlive: number | undefined;
  /** Upper bound of a 5.0 session expiry interval, seconds; `undefined`: none. */
  maximumSessionExpiryInterval: number | undefined;
  /** Empty client ids are accepted (and assigned one). */
  allowEmptyClientId: boolean;
  /** Milliseconds a new link may take to send CONNECT. */
  connectTimeout: number;
  /** Milliseconds to wait for the peer to close after the broker ended a link. */
  closeGrace: number;
  /** Messages kept per session. */
  maxQueuedMessages: number;
  /** QoS 0 messages are queued for offline persistent sessions. */
  queueQoS0: boolean;
  /** A 5.0 QoS 1/2 PUBLISH that matched nobody is answered with reason 0x10. */
  noMatchingSubscribersReasonCode: boolean;
  /** `broker.records` is kept. */
  records: boolean;
}

function checkInt(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TestkitError('ERR_INVALID_OPTIONS', `${name} must be an integer in ${min}..${max}`, {
      context: { option: name, value },
    });
  }
}

/** Validates options and fills in defaults. Throws `ERR_INVALID_OPTIONS`. */
export function resolveOptions(o: BrokerOptions): ResolvedBrokerOptions {
  checkInt('port', o.port, 0, 65535);
  checkInt('maximumQoS', o.maximumQoS, 0, 2);
  checkInt('receiveMaximum', o.receiveMaximum, 1, 65535);
  checkInt('maximumPacketSize', o.maximumPacketSize, 1, 268_435_460);
  checkInt('topicAliasMaximum', o.topicAliasMaximum, 0, 65535);
  checkInt('serverKeepAlive', o.serverKeepAlive, 0, 65535);
  checkInt('maximumSessionExpiryInterval', o.maximumSessionExpiryInterval, 0, 0xffffffff);
  checkInt('connectTimeout', o.connectTimeout, 1, 2 ** 31 - 1);
  checkInt('closeGrace', o.closeGrace, 0, 2 ** 31 - 1);
  checkInt('maxQueuedMessages', o.maxQueuedMessages, 0, Number.MAX_SAFE_INTEGER);
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    listen: o.listen ?? true,
    tls: o.tls,
    authenticate: o.authenticate,
    authorizeSubscribe: o.authorizeSubscribe,
    hooks: o.hooks ?? {},
    maximumQoS: o.maximumQoS ?? 2,
    retainAvailable: o.retainAvailable ?? true,
    wildcardSubscriptionAvailable: o.wildcardSubscriptionAvailable ?? true,
    subscriptionIdentifiersAvailable: o.subscriptionIdentifiersAvailable ?? true,
    sharedSubscriptionAvailable: o.sharedSubscriptionAvailable ?? true,
    receiveMaximum: o.receiveMaximum,
    maximumPacketSize: o.maximumPacketSize,
    topicAliasMaximum: o.topicAliasMaximum ?? 10,
    serverKeepAlive: o.serverKeepAlive,
    maximumSessionExpiryInterval: o.maximumSessionExpiryInterval,
    allowEmptyClientId: o.allowEmptyClientId ?? true,
    connectTimeout: o.connectTimeout ?? 10_000,
    closeGrace: o.closeGrace ?? 2_000,
    maxQueuedMessages: o.maxQueuedMessages ?? 1_000_000,
    queueQoS0: o.queueQoS0 ?? false,
    noMatchingSubscribersReasonCode: o.noMatchingSubscribersReasonCode ?? true,
    records: o.records ?? true,
  };
}
