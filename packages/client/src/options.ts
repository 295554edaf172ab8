/**
 * Public options of {@link MqttClient} and their validation. Protocol options are passed through to the
 * core (which validates them too); the driver's own options (brokers, credentials, reconnect, store,
 * scheduler, connector, ...) are checked here. Every problem is a `ConfigError` (`ERR_CONFIG`) whose
 * `context.option` names the offending field.
 * @module
 */
import type { Properties, Will } from '@mqttx/codec';
import type { Connection, TargetSpec, TimerScheduler, TlsConnectOptions } from '@mqttx/transport';
import { ConfigError } from './errors.js';
import { sameFields, type CoreOptions } from './state/options.js';
import type { Authenticator } from './state/effects.js';
import type { StoreSpec } from './store/create.js';

/** A value, or a function (possibly async) called before every connection attempt. */
export type Refreshable<T> = T | (() => T | Promise<T>);

/** Will message as given to the client: the payload may be a string. */
export interface WillOptions extends Omit<Will, 'payload' | 'retain'> {
  /** Will payload. */
  payload: string | Buffer | Uint8Array;
  /** Will retain flag. Default false. */
  retain?: boolean;
}

/**
 * Anything that opens a network connection: `createConnector(...)` from `@mqttx/transport`, or a function
 * of your own (an in-memory duplex, a proxy tunnel). `redirect`, when present, is used for MQTT 5 server
 * references.
 */
export interface ClientConnector {
  (signal: AbortSignal): Promise<Connection>;
  /** Next call tries `target` first (server reference, option `followRedirects`). */
  redirect?(target: string): void;
}

/** Reconnect policy (exponential backoff with full jitter). */
export interface ReconnectOptions {
  /** Delay bound of the first retry, in ms. Default 1000. */
  initialDelay?: number;
  /** Growth of the delay bound per failed attempt. Default 2. */
  factor?: number;
  /** Largest delay bound, in ms. Default 30000. */
  maxDelay?: number;
  /** Jitter: `full` (the delay is uniform in [0, bound)). Default `full`. */
  jitter?: 'full';
  /** Random source in [0, 1) (seedable in tests). Default `Math.random`. */
  random?: () => number;
  /** A connection that lasted this many ms resets the backoff. Default 10000. */
  stableAfter?: number;
  /** Give up (close the client) after this many consecutive failed attempts. Default Infinity. */
  maxAttempts?: number;
  /** Reconnect after DISCONNECT 0x8E (session taken over). Default false: no ping-pong with the other client. */
  onTakenOver?: boolean;
  /** Retry the very first connection too (temporary failures only). Default false: `connect()` rejects. */
  retryInitial?: boolean;
}

/** Options of {@link MqttClient} and {@link @mqttx/client!connect | connect}. */
export interface ClientOptions extends Omit<CoreOptions, 'username' | 'password' | 'will' | 'persistence'> {
  /** Broker URL(s): one, or a list tried in order with failover (round robin across reconnects). */
  brokers?: string | TargetSpec | Array<string | TargetSpec>;
  /** User name, or a function called before every connection attempt. URL credentials are used when absent. */
  username?: Refreshable<string | undefined>;
  /** Password, or a function called before every connection attempt (tokens refresh on reconnect). */
  password?: Refreshable<string | Buffer | undefined>;
  /** Will message. */
  will?: WillOptions;
  /** TLS options for `mqtts://` brokers (CA, client certificate, servername, ...). */
  tls?: TlsConnectOptions;
  /** Milliseconds for the TCP/TLS connect and, separately, for the CONNACK. Default 30000. */
  connectTimeout?: number;
  /** Reconnect policy, or false to stay offline after a lost connection. Default: enabled with defaults. */
  reconnect?: false | ReconnectOptions;
  /** Follow MQTT 5 server references (DISCONNECT / CONNACK 0x9C, 0x9D). Default false. */
  followRedirects?: boolean;
  /**
   * Session store: a `SessionStore` object (left open for you at `end()`), `'memory'`, or a spec that
   * `createStore` opens before the first connect (`{ type: 'file', dir }`, `{ type: 'redis', ... }`; closed
   * by the client). Default: none (the core's memory is the session, persistence `none`).
   */
  store?: StoreSpec;
  /** How the store is used. Default `durable` when `store` is given, else `none`. */
  persistence?: CoreOptions['persistence'];
  /** MQTT 5 enhanced authentication mechanism (sets the CONNECT Authentication Method). */
  authenticator?: Authenticator;
  /** Clock and timers (keepalive, backoff, end timeout). Default: `performance.now()` and Node timers. */
  scheduler?: TimerScheduler;
  /** Opens connections; replaces `brokers`. */
  connector?: ClientConnector;
  /** Most messages held while nobody listens (`message` listener or `messages()`); oldest dropped beyond. Default 10000. */
  maxHeldMessages?: number;
}

/** The reconnect policy with every field resolved. */
export interface ResolvedReconnect {
  enabled: boolean;
  initialDelay: number;
  factor: number;
  maxDelay: number;
  random: () => number;
  stableAfter: number;
  maxAttempts: number;
  onTakenOver: boolean;
  retryInitial: boolean;
}

function fail(message: string, option: string): never {
  throw new ConfigError(message, { option });
}

function ms(value: unknown, option: string, dflt: number, min = 0): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) fail(`${option} must be a number >= ${min}`, option);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * The resolved policies of `reconnect: undefined` and `reconnect: false`, shared by every client that uses
 * them (never written): most clients keep the default.
 */
let defaultPolicy: ResolvedReconnect | undefined;
let disabledPolicy: ResolvedReconnect | undefined;

/** Validates and resolves the reconnect policy (the default and `false` resolve to shared objects). */
export function resolveReconnect(value: ClientOptions['reconnect']): ResolvedReconnect {
  if (value === undefined) return (defaultPolicy ??= Object.freeze(resolvePolicy(undefined)));
  if (value === false) return (disabledPolicy ??= Object.freeze(resolvePolicy(false)));
  // Many clients built from one configuration (a manager's sessions) resolve equal policies: the last one
  // resolved is reused when every field is equal, so they share one frozen object.
  const policy = resolvePolicy(value);
  if (lastPolicy !== undefined && sameFields(policy, lastPolicy)) return lastPolicy;
  return (lastPolicy = Object.freeze(policy));
}

/** The last object policy resolved (see {@link resolveReconnect}). */
let lastPolicy: ResolvedReconnect | undefined;

/** `Math.random`, looked up at each call (a shared policy sees a stubbed `Math.random` too). */
function mathRandom(): number {
  return Math.random();
}

function resolvePolicy(value: ClientOptions['reconnect']): ResolvedReconnect {
  const r: ReconnectOptions = value === undefined || value === false ? {} : value;
  if (value !== undefined && value !== false && !isObject(value)) fail('reconnect must be false or an object', 'reconnect');
  if (r.jitter !== undefined && r.jitter !== 'full') fail("reconnect.jitter must be 'full'", 'reconnect.jitter');
  if (r.random !== undefined && typeof r.random !== 'function') fail('reconnect.random must be a function', 'reconnect.random');
  const maxAttempts = r.maxAttempts ?? Infinity;
  if (maxAttempts !== Infinity && (!Number.isInteger(maxAttempts) || maxAttempts < 1)) {
    fail('reconnect.maxAttempts must be an integer >= 1', 'reconnect.maxAttempts');
  }
  const initialDelay = ms(r.initialDelay, 'reconnect.initialDelay', 1000);
  const maxDelay = ms(r.maxDelay, 'reconnect.maxDelay', 30_000);
  if (maxDelay < initialDelay) fail('reconnect.maxDelay must be >= reconnect.initialDelay', 'reconnect.maxDelay');
  return {
    enabled: value !== false,
    initialDelay,
    factor: ms(r.factor, 'reconnect.factor', 2, 1),
    maxDelay,
    random: r.random ?? mathRandom,
    stableAfter: ms(r.stableAfter, 'reconnect.stableAfter', 10_000),
    maxAttempts,
    onTakenOver: bool(r.onTakenOver, 'reconnect.onTakenOver'),
    retryInitial: bool(r.retryInitial, 'reconnect.retryInitial'),
  };
}

function bool(value: unknown, option: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(`${option} must be a boolean`, option);
  return value;
}

function refreshable(value: unknown, option: string, buffer: boolean): void {
  if (value === undefined || typeof value === 'function' || typeof value === 'string') return;
  if (buffer && value instanceof Uint8Array) return;
  fail(`${option} must be a string${buffer ? ', a Buffer' : ''} or a function`, option);
}

/** Converts a string / Uint8Array payload to a Buffer without copying a Buffer or Uint8Array. */
export function toBuffer(value: string | Buffer | Uint8Array): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Checks the driver's own options (the core checks the protocol ones) and builds the core options.
 * @throws ConfigError naming the bad field
 */
export function toCoreOptions(options: ClientOptions, persistence: CoreOptions['persistence']): CoreOptions {
  if (!isObject(options as unknown)) fail('options must be an object', 'options');
  const b = options.brokers;
  if (options.connector === undefined) {
    const ok = typeof b === 'string' || (Array.isArray(b) && b.length > 0) || (isObject(b) && !Array.isArray(b));
    if (!ok) fail('brokers must be a URL or a non-empty list of URLs (or give a connector)', 'brokers');
  } else if (typeof options.connector !== 'function') {
    fail('connector must be a function', 'connector');
  }
  refreshable(options.username, 'username', false);
  refreshable(options.password, 'password', true);
  if (options.tls !== undefined && !isObject(options.tls as unknown)) fail('tls must be an object', 'tls');
  const store = options.store as unknown;
  if (store !== undefined && store !== 'memory') {
    const ok = isObject(store) && (typeof store.type === 'string' || (typeof store.put === 'function' && typeof store.list === 'function'));
    if (!ok) fail("store must be a SessionStore, 'memory' or a store spec", 'store');
  }
  const s = options.scheduler;
  if (s !== undefined && (!isObject(s as unknown) || typeof s.now !== 'function' || typeof s.setTimeout !== 'function' || typeof s.clearTimeout !== 'function')) {
    fail('scheduler must have now, setTimeout and clearTimeout', 'scheduler');
  }
  const auth = options.authenticator;
  if (auth !== undefined) {
    if (!isObject(auth as unknown) || typeof auth.method !== 'string' || typeof auth.start !== 'function' || typeof auth.step !== 'function') {
      fail('authenticator must have method, start and step', 'authenticator');
    }
    if (options.protocolVersion === 4) fail('enhanced authentication needs MQTT 5', 'authenticator');
  }
  bool(options.followRedirects, 'followRedirects');
  const held = options.maxHeldMessages;
  if (held !== undefined && (!Number.isInteger(held) || held < 0)) fail('maxHeldMessages must be an integer >= 0', 'maxHeldMessages');
  ms(options.connectTimeout, 'connectTimeout', 30_000);
  const will = options.will;
  if (will !== undefined && !isObject(will as unknown)) fail('will must be an object', 'will');
  if (will !== undefined && !(typeof will.payload === 'string' || will.payload instanceof Uint8Array)) {
    fail('will.payload must be a string or a Buffer', 'will.payload');
  }
  let properties: Properties | undefined = options.properties;
  if (auth !== undefined && properties?.authenticationMethod === undefined) {
    properties = { ...properties, authenticationMethod: auth.method };
  }
  return {
    protocolVersion: options.protocolVersion,
    clientId: options.clientId,
    clean: options.clean,
    keepalive: options.keepalive,
    // Static credentials are validated by the core; functions are resolved before each connect.
    username: typeof options.username === 'string' ? options.username : undefined,
    password: typeof options.password === 'function' || options.password === undefined ? undefined : toBuffer(options.password),
    will:
      will === undefined
        ? undefined
        : { topic: will.topic, payload: toBuffer(will.payload), qos: will.qos, retain: will.retain ?? false, properties: will.properties },
    properties,
    downgradeQos: options.downgradeQos,
    topicAliases: options.topicAliases,
    manualAck: options.manualAck,
    pingTimeout: options.pingTimeout,
    connectTimeout: options.connectTimeout,
    maxInflight: options.maxInflight,
    queueQos0: options.queueQos0,
    queueQos12: options.queueQos12,
    offlineSubscribe: options.offlineSubscribe,
    persistence,
    onSessionLost: options.onSessionLost,
  };
}

/**
 * What the driver reads from the options after construction (the rest is resolved into the core options,
 * the connector and the reconnect policy), so the caller's options object is not kept. @internal
 */
export interface DriverOptions {
  /** As given: a string, or a function called before every connect. */
  readonly username: ClientOptions['username'];
  /** As given: a string or Buffer, or a function called before every connect. */
  readonly password: ClientOptions['password'];
  /** MQTT 5 enhanced authentication. */
  readonly authenticator: Authenticator | undefined;
  /** The application acknowledges messages itself. */
  readonly manualAck: boolean;
  /** Most messages held while nobody listens. */
  readonly maxHeldMessages: number;
  /** Follow server references. */
  readonly followRedirects: boolean;
}

/** The driver options of every client that sets none of them (shared). */
const DEFAULT_DRIVER_OPTIONS: DriverOptions = Object.freeze({
  username: undefined,
  password: undefined,
  authenticator: undefined,
  manualAck: false,
  maxHeldMessages: 10_000,
  followRedirects: false,
});

/**
 * The {@link DriverOptions} of validated client options: one shared object when all are defaults, else one
 * of the client's own (never cached here, so no credential outlives its client).
 * @param options - validated client options
 */
export function driverOptionsOf(options: ClientOptions): DriverOptions {
  const { username, password, authenticator } = options;
  const manualAck = options.manualAck ?? false;
  const maxHeldMessages = options.maxHeldMessages ?? 10_000;
  const followRedirects = options.followRedirects ?? false;
  const d = DEFAULT_DRIVER_OPTIONS;
  if (
    username === undefined &&
    password === undefined &&
    authenticator === undefined &&
    manualAck === d.manualAck &&
    maxHeldMessages === d.maxHeldMessages &&
    followRedirects === d.followRedirects
  ) {
    return d;
  }
  return { username, password, authenticator, manualAck, maxHeldMessages, followRedirects };
}
