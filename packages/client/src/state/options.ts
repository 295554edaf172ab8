/**
 * Options of the protocol core and their validation. The driver maps the public client options onto
 * {@link CoreOptions} (resolving the password, choosing the persistence mode from the store), and the core
 * normalises them once into {@link ResolvedOptions} (every field present, fixed shape; the settings that do
 * not identify the session are one interned {@link SharedOptions} object, shared by cores configured alike).
 * @module
 */
import { isValidTopicName, type Properties, type Will } from '@mqttx/codec';
import { ConfigError } from '../errors.js';

/** What to do when a bounded queue is full. */
export type QueuePolicy = 'reject-new' | 'drop-oldest';

/** Bounds of one publish queue. */
export interface QueueLimits {
  /** Most messages waiting (default: see {@link CoreOptions.queueQos0} / {@link CoreOptions.queueQos12}). */
  maxCount?: number;
  /** Most payload + topic bytes waiting. */
  maxBytes?: number;
  /** `reject-new` settles the new publish with `OfflineQueueFullError`; `drop-oldest` settles the oldest
   * waiting one with `MessageDroppedError` and queues the new one. */
  policy?: QueuePolicy;
}

/**
 * How the core uses the session store:
 * - `none`: no `persist` / `unpersist` effects (the core's memory is the session; the default store);
 * - `async`: records are written as the session changes, sending does not wait for them;
 * - `durable`: like `async`, and a QoS 1/2 PUBLISH is sent only after the driver reported its record
 *   written (`core.persisted(op)`).
 */
export type PersistenceMode = 'none' | 'async' | 'durable';

/** Options of the protocol core. */
export interface CoreOptions {
  /** 4 (MQTT 3.1.1) or 5 (MQTT 5.0). Default 5. */
  protocolVersion?: 4 | 5;
  /** Client identifier; empty asks the server to assign one (5.0; 3.1.1 needs `clean`). Default ''. */
  clientId?: string;
  /** Clean Session (3.1.1) / Clean Start (5.0). Default true. */
  clean?: boolean;
  /** Keepalive in seconds (0 disables). Default 60. */
  keepalive?: number;
  /** User name. */
  username?: string;
  /** Password, already resolved by the driver (it may come from an async function). */
  password?: Buffer;
  /** Will message. */
  will?: Will;
  /** MQTT 5 CONNECT properties, sent as given (no invented defaults). */
  properties?: Properties;
  /** Lower QoS / clear RETAIN to what the server supports instead of rejecting. Default false. */
  downgradeQos?: boolean;
  /** MQTT 5 outbound topic aliases: `auto` assigns them up to the server's maximum. Default `off`. */
  topicAliases?: 'off' | 'auto';
  /** The driver calls `core.ack(message)` after the handler settled; otherwise acks follow delivery. */
  manualAck?: boolean;
  /** Milliseconds to wait for any packet after a PINGREQ. Default: half the keepalive, at least 1000 ms. */
  pingTimeout?: number;
  /** Milliseconds to wait for CONNACK after CONNECT. Default 30000 (0 disables). */
  connectTimeout?: number;
  /** Our own cap on QoS 1/2 publishes in flight, below the server's Receive Maximum. Default 65535. */
  maxInflight?: number;
  /** Bounds of the QoS 0 queue (offline). Default 10,000 messages, 64 MiB, `drop-oldest`. */
  queueQos0?: QueueLimits;
  /** Bounds of the QoS 1/2 queue (offline, or waiting for ids / quota). Default unbounded, `reject-new`. */
  queueQos12?: QueueLimits;
  /** Subscribe / unsubscribe while offline: `queue` (default) or `reject` with `NotConnectedError`. */
  offlineSubscribe?: 'queue' | 'reject';
  /** Session store use. Default `none`. */
  persistence?: PersistenceMode;
  /**
   * Session lost (CONNACK Session Present 0) with QoS 1/2 publishes unacknowledged: `resend` (default)
   * sends them again as new publishes (DUP 0) in their original order, `fail` settles them with
   * `MessageDroppedError`.
   */
  onSessionLost?: 'resend' | 'fail';
}

/** Normalised {@link QueueLimits}. */
export interface ResolvedQueueLimits {
  maxCount: number;
  maxBytes: number;
  policy: QueuePolicy;
}

/**
 * The resolved settings that do not identify the session: interned, so cores with equal settings (the
 * common case: thousands of sessions configured alike) share one object.
 */
export interface SharedOptions {
  readonly clean: boolean;
  readonly keepalive: number;
  readonly downgradeQos: boolean;
  readonly topicAliases: boolean;
  readonly manualAck: boolean;
  /** Explicit ping timeout in ms, or 0 for the default rule. */
  readonly pingTimeout: number;
  readonly connectTimeout: number;
  readonly maxInflight: number;
  readonly queueQos0: ResolvedQueueLimits;
  readonly queueQos12: ResolvedQueueLimits;
  readonly offlineSubscribe: 'queue' | 'reject';
  readonly onSessionLost: 'resend' | 'fail';
  /** Our Receive Maximum (5.0 CONNECT property; 65535 when absent). */
  readonly receiveMaximum: number;
  /** Our Topic Alias Maximum (5.0 CONNECT property; 0 when absent). */
  readonly topicAliasMaximum: number;
}

/**
 * {@link CoreOptions} with every field resolved but the client id (the session's: see `SessionState`), and
 * the {@link SharedOptions}. Cores configured alike share one frozen object (see {@link resolveOptions}).
 */
export interface ResolvedOptions {
  protocolVersion: 4 | 5;
  username: string | undefined;
  password: Buffer | undefined;
  will: Will | undefined;
  properties: Properties | undefined;
  persistence: PersistenceMode;
  /** Authentication method of the CONNECT, if any (enhanced authentication). */
  authenticationMethod: string | undefined;
  /** Everything else (shared with the cores configured alike). */
  shared: SharedOptions;
}

/**
 * True when every field of `a` is identical (`===`) in `b`, two objects of one shape: how the settings and
 * limits made last are reused for equal ones (every field counts, so a field added later is compared too).
 * @internal
 */
export function sameFields<T extends object>(a: T, b: T): boolean {
  for (const key in a) if (a[key] !== b[key]) return false;
  return true;
}

/** The shared options made last: the next equal settings get the same object. */
let lastShared: SharedOptions | undefined;

/** `shared`, or an equal object made before (frozen either way). */
function intern(shared: SharedOptions): SharedOptions {
  const last = lastShared;
  if (last !== undefined && sameFields(shared, last)) return last;
  lastShared = Object.freeze(shared);
  return lastShared;
}

function fail(message: string, option: string): never {
  throw new ConfigError(message, { option });
}

function int(value: unknown, option: string, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${option} must be an integer in ${min}..${max}`, option);
  }
  return value;
}

function count(value: unknown, option: string, dflt: number): number {
  if (value === undefined) return dflt;
  if (value === Infinity) return Infinity;
  return int(value, option, 0, Number.MAX_SAFE_INTEGER, dflt);
}

/** Default bounds of the QoS 0 queue (shared by every core; never written). */
const DEFAULT_QOS0: ResolvedQueueLimits = { maxCount: 10_000, maxBytes: 64 * 1024 * 1024, policy: 'drop-oldest' };
/** Default bounds of the QoS 1/2 queue (shared by every core; never written). */
const DEFAULT_QOS12: ResolvedQueueLimits = { maxCount: Infinity, maxBytes: Infinity, policy: 'reject-new' };

function limits(value: QueueLimits | undefined, option: string, dflt: ResolvedQueueLimits): ResolvedQueueLimits {
  if (value === undefined) return dflt;
  if (value === null || typeof value !== 'object') fail(`${option} must be an object`, option);
  const policy = value.policy ?? dflt.policy;
  if (policy !== 'reject-new' && policy !== 'drop-oldest') fail(`${option}.policy must be reject-new or drop-oldest`, option);
  return {
    maxCount: count(value.maxCount, `${option}.maxCount`, dflt.maxCount),
    maxBytes: count(value.maxBytes, `${option}.maxBytes`, dflt.maxBytes),
    policy,
  };
}

/** The resolved options made last: the next equal settings get the same object. */
let lastResolved: ResolvedOptions | undefined;

/**
 * `resolved`, or an equal object made before (frozen either way; fields compared by identity). Settings
 * with credentials, a will or authentication data are never kept here (no secret outlives its client).
 */
function internResolved(resolved: ResolvedOptions): ResolvedOptions {
  if (resolved.username !== undefined || resolved.password !== undefined || resolved.will !== undefined || resolved.properties?.authenticationData !== undefined) {
    return resolved;
  }
  const last = lastResolved;
  if (last !== undefined && sameFields(resolved, last)) return last;
  lastResolved = Object.freeze(resolved);
  return lastResolved;
}

/**
 * Validates `options` (the client id too) and fills in defaults. Equal settings give one shared, frozen
 * object (thousands of clients of a process are usually configured alike).
 * @throws ConfigError (`ERR_CONFIG`) naming the offending option
 */
export function resolveOptions(options: CoreOptions = {}): ResolvedOptions {
  const protocolVersion = options.protocolVersion ?? 5;
  if (protocolVersion !== 4 && protocolVersion !== 5) fail('protocolVersion must be 4 or 5', 'protocolVersion');
  const clientId = options.clientId ?? '';
  if (typeof clientId !== 'string') fail('clientId must be a string', 'clientId');
  const clean = options.clean ?? true;
  if (typeof clean !== 'boolean') fail('clean must be a boolean', 'clean');
  // [MQTT-3.1.3-7] (3.1.1): a zero-byte client id requires Clean Session 1.
  if (protocolVersion === 4 && clientId === '' && !clean) fail('an empty clientId needs clean: true in MQTT 3.1.1', 'clientId');
  const keepalive = int(options.keepalive, 'keepalive', 0, 65535, 60);
  if (options.username !== undefined && typeof options.username !== 'string') fail('username must be a string', 'username');
  if (options.password !== undefined && !Buffer.isBuffer(options.password)) fail('password must be a Buffer', 'password');
  // [MQTT-3.1.2-22] (3.1.1): no password without a user name.
  if (protocolVersion === 4 && options.password !== undefined && options.username === undefined) {
    fail('a password needs a username in MQTT 3.1.1', 'password');
  }
  const will = options.will;
  if (will !== undefined) {
    if (will === null || typeof will !== 'object') fail('will must be an object', 'will');
    if (!isValidTopicName(will.topic)) fail('will.topic must be a valid topic name', 'will.topic');
    if (!Buffer.isBuffer(will.payload)) fail('will.payload must be a Buffer', 'will.payload');
    if (will.qos !== 0 && will.qos !== 1 && will.qos !== 2) fail('will.qos must be 0, 1 or 2', 'will.qos');
    if (protocolVersion === 4 && will.properties !== undefined) fail('will.properties need MQTT 5', 'will.properties');
  }
  const properties = options.properties;
  if (properties !== undefined && protocolVersion === 4) fail('properties need MQTT 5', 'properties');
  const receiveMaximum = int(properties?.receiveMaximum, 'properties.receiveMaximum', 1, 65535, 65535);
  const topicAliasMaximum = int(properties?.topicAliasMaximum, 'properties.topicAliasMaximum', 0, 65535, 0);
  const topicAliases = options.topicAliases ?? 'off';
  if (topicAliases !== 'off' && topicAliases !== 'auto') fail('topicAliases must be off or auto', 'topicAliases');
  if (topicAliases === 'auto' && protocolVersion === 4) fail('topic aliases need MQTT 5', 'topicAliases');
  const offlineSubscribe = options.offlineSubscribe ?? 'queue';
  if (offlineSubscribe !== 'queue' && offlineSubscribe !== 'reject') fail('offlineSubscribe must be queue or reject', 'offlineSubscribe');
  const persistence = options.persistence ?? 'none';
  if (persistence !== 'none' && persistence !== 'async' && persistence !== 'durable') {
    fail('persistence must be none, async or durable', 'persistence');
  }
  const onSessionLost = options.onSessionLost ?? 'resend';
  if (onSessionLost !== 'resend' && onSessionLost !== 'fail') fail('onSessionLost must be resend or fail', 'onSessionLost');
  const authenticationMethod = properties?.authenticationMethod;
  return internResolved({
    protocolVersion,
    username: options.username,
    password: options.password,
    will,
    properties,
    persistence,
    authenticationMethod,
    shared: intern({
      clean,
      keepalive,
      downgradeQos: options.downgradeQos ?? false,
      topicAliases: topicAliases === 'auto',
      manualAck: options.manualAck ?? false,
      pingTimeout: int(options.pingTimeout, 'pingTimeout', 0, 2 ** 31 - 1, 0),
      connectTimeout: int(options.connectTimeout, 'connectTimeout', 0, 2 ** 31 - 1, 30_000),
      maxInflight: int(options.maxInflight, 'maxInflight', 1, 65535, 65535),
      queueQos0: limits(options.queueQos0, 'queueQos0', DEFAULT_QOS0),
      queueQos12: limits(options.queueQos12, 'queueQos12', DEFAULT_QOS12),
      offlineSubscribe,
      onSessionLost,
      receiveMaximum,
      topicAliasMaximum,
    }),
  });
}
