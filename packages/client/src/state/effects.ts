/**
 * What the core asks of its driver. The architecture describes the core as `step(input, nowMs) -> actions`;
 * to keep the hot path free of per-message arrays, the core reports each action as a call on an injected
 * {@link CoreEffects} object instead of returning a list. The observable contract is the same: for one
 * input the calls happen synchronously, in order, before the input method returns. A recording
 * implementation (`RecordingEffects`) turns the calls back into a list of plain action objects.
 * @module
 */
import type { AuthPacket, ConnackPacket, DisconnectPacket, Packet, PublishPacket } from '@mqttx/codec';
import type { Keyspace, StoreKey } from '../store/types.js';
import type { Op, PublishOp } from './ops.js';

/** Limits and features the server announced in its CONNACK (defaults where a property was absent). */
export interface ServerLimits {
  /** Server Receive Maximum: QoS 1/2 publishes it accepts in flight (65535 when absent). */
  receiveMaximum: number;
  /** Largest packet the server accepts, in bytes (Infinity when absent). */
  maximumPacketSize: number;
  /** Highest topic alias the server accepts (0 when absent: no aliases). */
  topicAliasMaximum: number;
  /** Highest QoS the server accepts for PUBLISH (2 when absent). */
  maximumQoS: 0 | 1 | 2;
  /** Whether retained messages are supported (true when absent). */
  retainAvailable: boolean;
  /** Whether wildcard subscriptions are supported (true when absent). */
  wildcardSubscriptionAvailable: boolean;
  /** Whether subscription identifiers are supported (true when absent). */
  subscriptionIdentifiersAvailable: boolean;
  /** Whether shared subscriptions are supported (true when absent). */
  sharedSubscriptionAvailable: boolean;
}

/** What a successful CONNACK established; passed to `connected()` and as the connect op's value. */
export interface ConnectedInfo {
  /** Session Present flag of the CONNACK. */
  sessionPresent: boolean;
  /** The client id in use (the server-assigned one when it assigned one). */
  clientId: string;
  /** Keepalive in effect, in seconds (the server's Server Keep Alive when sent). */
  keepalive: number;
  /** Server limits in effect on this connection. */
  limits: ServerLimits;
  /** The CONNACK itself (reason code, all properties: response information, authentication data, ...). */
  connack: ConnackPacket;
}

/**
 * A session record to write (`persist`). `op` is the publish whose record it is, when there is one: with
 * `persistence: 'durable'` the core sends that publish only after the driver called `core.persisted(op)`.
 */
export interface PersistRecord {
  /** Keyspace the record belongs to (`outbound`, `inbound`, `subscriptions` or `meta`). */
  keyspace: Keyspace;
  /** Key within the keyspace: a packet id in `outbound` / `inbound`, a string otherwise. */
  key: StoreKey;
  /**
   * Insertion sequence; the store lists records in ascending `seq` (original send order, across packet id wraps).
   */
  seq: number;
  /** The encoded record (for `outbound`, the packet to resend: PUBLISH or PUBREL). */
  bytes: Buffer;
  /**
   * The publish this record belongs to; with `persistence: 'durable'` it is sent only after `core.persisted(op)`.
   */
  op: PublishOp | undefined;
}

/** The effects the driver implements. Every call is synchronous; none may throw. */
export interface CoreEffects {
  /**
   * Encode and write `packet` to the link now (encode synchronously: the core may reuse or change the
   * object afterwards). When `op` is given it is a QoS 0 publish the core handed over: the driver settles
   * it itself once the bytes are written (or fail to be).
   */
  send(packet: Packet, op: PublishOp | undefined): void;
  /**
   * Hand an incoming application message to the application. The message is the decoded PUBLISH packet
   * (topic already resolved from a topic alias). With `manualAck`, call `core.ack(message, now)` once the
   * handler is done; acks leave in the order the messages arrived [MQTT-4.6.0-2] [MQTT-4.6.0-3].
   */
  deliver(message: PublishPacket): void;
  /** Settle `op`: with `error`, or with `value` (see each op class for its value). Called once per op. */
  settle(op: Op, error: Error | undefined, value: unknown): void;
  /** Write a session record (fire and forget; report completion with `core.persisted(record.op)`). */
  persist(record: PersistRecord): void;
  /** Delete a session record. */
  unpersist(keyspace: Keyspace, key: StoreKey): void;
  /**
   * Close the link after writing what was sent. `error` is why (undefined for a graceful disconnect). The
   * driver then calls `core.closed(error, now)` once the link is down.
   */
  close(error: Error | undefined): void;
  /** A CONNACK with Success arrived. */
  connected(info: ConnectedInfo): void;
  /** The subscriptions the session needs are in place (after the resubscribe SUBACKs, or at once). */
  ready(): void;
  /** The server sent DISCONNECT (MQTT 5); `close()` follows with a `ServerDisconnectError`. */
  serverDisconnect(packet: DisconnectPacket): void;
  /**
   * The server sent AUTH 0x18 (continue authentication). The driver asks its authenticator for the next
   * step (possibly async) and answers with `core.authContinue(data, now)` or `core.authFailed(error, now)`.
   */
  auth(packet: AuthPacket): void;
}

/**
 * A pluggable enhanced-authentication mechanism (MQTT 5, section 4.12), used by the driver: it calls
 * `start()` before each connect (the data goes into CONNECT through `core.open`) and before a
 * re-authentication, and `step()` for each AUTH 0x18 the core reports through `auth()`.
 */
export interface Authenticator {
  /** The Authentication Method, e.g. `SCRAM-SHA-256`. */
  readonly method: string;
  /** First authentication data. */
  start(): Buffer | undefined | Promise<Buffer | undefined>;
  /** Answer to a server challenge. */
  step(packet: AuthPacket): Buffer | undefined | Promise<Buffer | undefined>;
}

