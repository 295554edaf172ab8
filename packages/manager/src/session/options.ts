/**
 * The options object of `addSession` (the seed's fields, camelCased), its validation, and its mapping onto
 * the options of the underlying {@link MqttClient}. Every field changes the client or the session; a
 * misspelt or unknown field is an error (`ERR_CONFIGURATION`, `context.field` naming it), never ignored.
 * Durations are milliseconds unless the name says otherwise (`keepAlive` is in seconds).
 * @module
 */
import type { ClientOptions } from '@mqttx/client';
import type { Properties } from '@mqttx/codec';
import {
  badField,
  checkKeys,
  isRecord,
  optBool,
  optFunction,
  optInt,
  optNumber,
  optQos,
  optRecord,
  optString,
  reqString,
} from '../validate.js';
import type { MessageHandler, QoS } from './message.js';

/** TLS settings of a session (files are read at connect time). */
export interface SessionTlsOptions {
  /** CA certificate(s) to trust, PEM file. */
  caFile?: string;
  /** Client certificate, PEM file (mutual TLS, with `keyFile`). */
  certFile?: string;
  /** Client private key, PEM file (with `certFile`). */
  keyFile?: string;
  /** Accept any server certificate (`rejectUnauthorized: false`); a warning is logged. Default false. */
  skipVerify?: boolean;
}

/** Connection behaviour of a session. */
export interface ConnectProps {
  /** Keep alive in seconds (0 disables). Client default 60. */
  keepAlive?: number;
  /** Clean Session (3.1.1) / Clean Start (5.0). Default true, false when `persistentSession`. */
  cleanSession?: boolean;
  /** Reconnect after a lost connection (and retry a failed first connect). Default true. */
  autoReconnect?: boolean;
  /** TCP/TLS connect timeout and, separately, CONNACK timeout, ms. Client default 30000. */
  connectTimeout?: number;
  /** Bound of the first reconnect delay, ms. Client default 1000. */
  initialReconnectInterval?: number;
  /** Largest reconnect delay bound, ms. Client default 30000. */
  maxReconnectInterval?: number;
  /** Growth of the delay bound per failed attempt (>= 1). Client default 2. */
  backoffFactor?: number;
  /**
   * Keep the session across connections: Clean Session / Clean Start 0 and, in 5.0, a Session Expiry
   * Interval of 0xFFFFFFFF (never expires) unless `clientOptions.properties` gives one. Default false.
   */
  persistentSession?: boolean;
  /**
   * After a reconnect on which the broker had lost the session, subscribe again to the session's own topics
   * (`topics`, `session.subscribe`). Default true. With false they are dropped instead (unsubscribed and
   * forgotten; routes and forwarders keep theirs).
   */
  resumeSubs?: boolean;
}

/** Performance knobs of a session. */
export interface PerformanceOptions {
  /** Socket writable high-water mark, bytes (transport `highWaterMark`). */
  writeBufferSize?: number;
  /** Largest chunk handed to the decoder at once, bytes (transport `maxReadChunk`). */
  readBufferSize?: number;
  /** Bound of each route and handler buffer of this session, messages. Default: the manager's (1000). */
  messageChanSize?: number;
  /** Our Maximum Packet Size, bytes (MQTT 5 CONNECT property; bigger inbound packets are refused). */
  maxMessageSize?: number;
  /** Bound of the offline queues (QoS 0 and QoS 1/2), messages. */
  maxPendingMessages?: number;
  /** Queued bytes making no progress for this long kill the link, ms (transport `writeTimeout`). */
  writeTimeout?: number;
  /** No inbound byte for this long kills the link, ms, on top of keepalive (transport `readTimeout`). */
  readTimeout?: number;
}

/** Session state in the client's memory (the default). */
export interface MemoryStorageOptions {
  /** Selects the in-memory store: the session's state lives as long as the process. */
  type: 'memory';
}

/** Session state in a directory (`FileStore`). */
export interface FileStorageOptions {
  /** Selects the file store: the session's state survives a restart of the process. */
  type: 'file';
  /** Directory of the store. */
  dir: string;
  /**
   * When a record counts as durable (the client's `FileStore` policy): `'always'` fsyncs every write,
   * `'batch'` (the default) shares one fsync among the writes of a moment (group commit), `'none'` leaves
   * it to the operating system.
   */
  fsync?: 'always' | 'batch' | 'none';
}

/** Session state in Redis (`RedisStore`, needs the optional `ioredis` package). */
export interface RedisStorageOptions {
  /** Selects the Redis store: the session's state survives a restart and can move between hosts. */
  type: 'redis';
  /** `redis://host:port[/db]` or `rediss://...`. */
  address: string;
  /** Redis ACL user name. */
  username?: string;
  /** Redis password. */
  password?: string;
  /** Database number. */
  db?: number;
  /** Prefix of every key (client default `mqttx:`). */
  keyPrefix?: string;
}

/** Where a session keeps its state. */
export type StorageOptions = MemoryStorageOptions | FileStorageOptions | RedisStorageOptions;

/** A subscription made when the session is added. */
export interface TopicOptions {
  /** Topic filter. */
  topic: string;
  /** Maximum QoS. Default 0. */
  qos?: QoS;
  /** Called with each message matching `topic`. */
  handler?: MessageHandler;
}

/** Will message of a session. */
export interface SessionWillOptions {
  /** Will topic: a topic name without wildcards. */
  topic: string;
  /** Will payload; a string is sent as UTF-8. Any other type is refused with `ERR_CONFIGURATION`. */
  payload: string | Buffer | Uint8Array;
  /** Default 0. */
  qos?: QoS;
  /** Default false. */
  retain?: boolean;
  /** MQTT 5 will properties (will delay interval, ...). */
  properties?: Properties;
}

/** Options of `SessionManager.addSession`. */
export interface SessionOptions {
  /** Unique name of the session. */
  name: string;
  /** Broker URL, or a list tried in order (failover; round robin across reconnects). */
  brokers: string | string[];
  /** Client identifier. Default '' (assigned by the broker in 5.0; 3.1.1 needs a clean session). */
  clientId?: string;
  /** User name. */
  username?: string;
  /** Password (never appears in events or errors). */
  password?: string | Buffer;
  /** 4 (3.1.1) or 5 (5.0); `'3.1.1'` and `'5.0'` are accepted too. Default 5. */
  protocolVersion?: 4 | 5 | '3.1.1' | '5.0';
  /** TLS settings (for `mqtts://` brokers). */
  tls?: SessionTlsOptions;
  /** Connection behaviour. */
  connectProps?: ConnectProps;
  /** Performance knobs. */
  performance?: PerformanceOptions;
  /** Session store. Default memory. */
  storage?: StorageOptions;
  /** Subscriptions made when the session is added (restored after reconnects). */
  topics?: TopicOptions[];
  /** Will message. */
  will?: SessionWillOptions;
  /** Connect in the background when added. Default true; false leaves it to `connectAll` / `connect`. */
  autoConnect?: boolean;
  /**
   * Further client options, applied over the ones above (5.0 CONNECT `properties`, `maxInflight`,
   * `topicAliases`, `followRedirects`, `reconnect` fields such as `random` and `maxAttempts`, ...). Not
   * `brokers`, `username`, `password` or `manualAck`, which the session owns.
   */
  clientOptions?: Partial<ClientOptions>;
}

/** Everything a session needs, validated. */
export interface ResolvedSessionOptions {
  /** Unique name of the session. */
  name: string;
  /** Options for `new MqttClient` (the session adds its connect gate to `username`). */
  client: ClientOptions;
  /** The user name to send (the session wraps it in its connect gate). */
  username: string | undefined;
  /** Connect in the background when added (default true). */
  autoConnect: boolean;
  /** Buffer bound of this session's routes and handlers, undefined for the manager's default. */
  messageChanSize: number | undefined;
  /** The `topics` option with defaults applied, subscribed when the session is added. */
  topics: Array<{
    /** Topic filter. */
    topic: string;
    /** Maximum QoS (default 0 applied). */
    qos: QoS;
    /** Handler of the messages matching `topic`, if any. */
    handler: MessageHandler | undefined;
  }>;
  /** `connectProps.persistentSession`: the session is kept across connections (default false). */
  persistent: boolean;
  /** Clean Session (3.1.1) / Clean Start (5.0) sent in CONNECT: default true, false when `persistent`. */
  cleanSession: boolean;
  /** Reconnect after a lost connection and retry a failed first connect (default true). */
  autoReconnect: boolean;
  /** Subscribe again to the session's own topics when the broker lost the session (default true). */
  resumeSubs: boolean;
  /** `tls.skipVerify`: the server certificate is not verified (default false). */
  skipVerify: boolean;
  /** Protocol level: 4 (3.1.1) or 5 (5.0), normalised from `'3.1.1'` / `'5.0'`. */
  protocolVersion: 4 | 5;
}

const TOP_KEYS = [
  'name',
  'brokers',
  'clientId',
  'username',
  'password',
  'protocolVersion',
  'tls',
  'connectProps',
  'performance',
  'storage',
  'topics',
  'will',
  'autoConnect',
  'clientOptions',
] as const;
const TLS_KEYS = ['caFile', 'certFile', 'keyFile', 'skipVerify'] as const;
const CONNECT_KEYS = [
  'keepAlive',
  'cleanSession',
  'autoReconnect',
  'connectTimeout',
  'initialReconnectInterval',
  'maxReconnectInterval',
  'backoffFactor',
  'persistentSession',
  'resumeSubs',
] as const;
const PERF_KEYS = [
  'writeBufferSize',
  'readBufferSize',
  'messageChanSize',
  'maxMessageSize',
  'maxPendingMessages',
  'writeTimeout',
  'readTimeout',
] as const;
const OWNED_CLIENT_KEYS = ['brokers', 'username', 'password', 'manualAck'] as const;
/** Session Expiry Interval meaning "never expires" (MQTT 5 section 3.1.2.11.2). */
export const SESSION_NEVER_EXPIRES = 0xffffffff;
const MAX_MS = 2_147_483_647;

/** The transport options a broker entry carries (`TargetSpec.options`). */
interface TransportKnobs {
  highWaterMark?: number;
  maxReadChunk?: number;
  writeTimeout?: number;
  readTimeout?: number;
}

function protocolOf(value: unknown): 4 | 5 {
  if (value === undefined || value === 5 || value === '5.0' || value === '5') return 5;
  if (value === 4 || value === '3.1.1' || value === '4') return 4;
  throw badField('protocolVersion', "must be 4, 5, '3.1.1' or '5.0'");
}

function brokersOf(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) throw badField('brokers', 'must be a URL or a non-empty list of URLs');
  list.forEach((b, i) => reqString(b, `brokers[${i}]`));
  return list as string[];
}

function storageOf(value: unknown): ClientOptions['store'] {
  const s = optRecord(value, 'storage');
  if (s === undefined) return undefined;
  switch (s.type) {
    case 'memory':
      checkKeys(s, ['type'], 'storage');
      return undefined; // the client's own memory is the session (no store round trips)
    case 'file':
      checkKeys(s, ['type', 'dir', 'fsync'], 'storage');
      if (s.fsync === undefined) return { type: 'file', dir: reqString(s.dir, 'storage.dir') };
      if (s.fsync !== 'always' && s.fsync !== 'batch' && s.fsync !== 'none') throw badField('storage.fsync', "must be 'always', 'batch' or 'none'");
      return { type: 'file', dir: reqString(s.dir, 'storage.dir'), fsync: s.fsync };
    case 'redis':
      checkKeys(s, ['type', 'address', 'username', 'password', 'db', 'keyPrefix'], 'storage');
      return redisStore(s);
    default:
      throw badField('storage.type', "must be 'memory', 'file' or 'redis'");
  }
}

function redisStore(s: Record<string, unknown>): ClientOptions['store'] {
  const address = reqString(s.address, 'storage.address');
  const username = optString(s.username, 'storage.username');
  const password = optString(s.password, 'storage.password');
  const db = optInt(s.db, 'storage.db', 0, 65535);
  const prefix = optString(s.keyPrefix, 'storage.keyPrefix');
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw badField('storage.address', 'must be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw badField('storage.address', 'must be a redis:// or rediss:// URL');
  let connection: string | Record<string, unknown> = address;
  if (username !== undefined || password !== undefined || db !== undefined) {
    const path = url.pathname.replace(/^\//, '');
    const options: Record<string, unknown> = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? 6379 : Number(url.port),
      username: username ?? (url.username === '' ? undefined : decodeURIComponent(url.username)),
      password: password ?? (url.password === '' ? undefined : decodeURIComponent(url.password)),
      db: db ?? (path === '' ? 0 : Number(path)),
    };
    if (url.protocol === 'rediss:') options.tls = {};
    connection = options;
  }
  return prefix === undefined ? { type: 'redis', connection } : { type: 'redis', connection, prefix };
}

function topicsOf(value: unknown): ResolvedSessionOptions['topics'] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badField('topics', 'must be a list');
  return value.map((t: unknown, i) => {
    const field = `topics[${i}]`;
    if (!isRecord(t)) throw badField(field, 'must be an object');
    checkKeys(t, ['topic', 'qos', 'handler'], field);
    return {
      topic: reqString(t.topic, `${field}.topic`),
      qos: optQos(t.qos, `${field}.qos`) ?? 0,
      handler: optFunction<MessageHandler>(t.handler, `${field}.handler`),
    };
  });
}

function willOf(value: unknown, version: 4 | 5): ClientOptions['will'] {
  const w = optRecord(value, 'will');
  if (w === undefined) return undefined;
  checkKeys(w, ['topic', 'payload', 'qos', 'retain', 'properties'], 'will');
  const payload = w.payload;
  if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) throw badField('will.payload', 'must be a string or a Buffer');
  if (w.properties !== undefined && version === 4) throw badField('will.properties', 'need MQTT 5');
  return {
    topic: reqString(w.topic, 'will.topic'),
    payload,
    qos: optQos(w.qos, 'will.qos') ?? 0,
    retain: optBool(w.retain, 'will.retain') ?? false,
    properties: optRecord(w.properties, 'will.properties') as Properties | undefined,
  };
}

/**
 * Validates `options` and maps them onto the client's options.
 * @throws {@link ManagerError} `ERR_CONFIGURATION` naming the bad field (`context.field`)
 */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  if (!isRecord(options)) throw badField('options', 'must be an object');
  const o = options as unknown as Record<string, unknown>;
  checkKeys(o, TOP_KEYS, '');
  const name = reqString(o.name, 'name');
  const brokers = brokersOf(o.brokers);
  const version = protocolOf(o.protocolVersion);
  const clientId = optString(o.clientId, 'clientId');
  const username = optString(o.username, 'username');
  const password = o.password;
  if (password !== undefined && typeof password !== 'string' && !(password instanceof Uint8Array)) {
    throw badField('password', 'must be a string or a Buffer');
  }

  const tls = optRecord(o.tls, 'tls');
  if (tls !== undefined) checkKeys(tls, TLS_KEYS, 'tls');
  const caFile = optString(tls?.caFile, 'tls.caFile');
  const certFile = optString(tls?.certFile, 'tls.certFile');
  const keyFile = optString(tls?.keyFile, 'tls.keyFile');
  const skipVerify = optBool(tls?.skipVerify, 'tls.skipVerify') ?? false;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw badField(certFile === undefined ? 'tls.certFile' : 'tls.keyFile', 'is needed with the other of tls.certFile / tls.keyFile');
  }

  const cp = optRecord(o.connectProps, 'connectProps');
  if (cp !== undefined) checkKeys(cp, CONNECT_KEYS, 'connectProps');
  const keepAlive = optInt(cp?.keepAlive, 'connectProps.keepAlive', 0, 65535);
  const persistentSession = optBool(cp?.persistentSession, 'connectProps.persistentSession') ?? false;
  const cleanGiven = optBool(cp?.cleanSession, 'connectProps.cleanSession');
  if (persistentSession && cleanGiven === true) {
    throw badField('connectProps.cleanSession', 'cannot be true with connectProps.persistentSession');
  }
  const cleanSession = cleanGiven ?? !persistentSession;
  const autoReconnect = optBool(cp?.autoReconnect, 'connectProps.autoReconnect') ?? true;
  const connectTimeout = optNumber(cp?.connectTimeout, 'connectProps.connectTimeout', 0, MAX_MS);
  const initialDelay = optNumber(cp?.initialReconnectInterval, 'connectProps.initialReconnectInterval', 0, MAX_MS);
  const maxDelay = optNumber(cp?.maxReconnectInterval, 'connectProps.maxReconnectInterval', 0, MAX_MS);
  if (maxDelay !== undefined && maxDelay < (initialDelay ?? 1000)) {
    throw badField('connectProps.maxReconnectInterval', 'must be >= connectProps.initialReconnectInterval');
  }
  const factor = optNumber(cp?.backoffFactor, 'connectProps.backoffFactor', 1, 1000);
  const resumeSubs = optBool(cp?.resumeSubs, 'connectProps.resumeSubs') ?? true;

  const perf = optRecord(o.performance, 'performance');
  if (perf !== undefined) checkKeys(perf, PERF_KEYS, 'performance');
  const knobs: TransportKnobs = {};
  const hwm = optInt(perf?.writeBufferSize, 'performance.writeBufferSize', 1);
  if (hwm !== undefined) knobs.highWaterMark = hwm;
  const chunk = optInt(perf?.readBufferSize, 'performance.readBufferSize', 1);
  if (chunk !== undefined) knobs.maxReadChunk = chunk;
  const writeTimeout = optNumber(perf?.writeTimeout, 'performance.writeTimeout', 0, MAX_MS);
  if (writeTimeout !== undefined) knobs.writeTimeout = writeTimeout;
  const readTimeout = optNumber(perf?.readTimeout, 'performance.readTimeout', 0, MAX_MS);
  if (readTimeout !== undefined) knobs.readTimeout = readTimeout;
  const messageChanSize = optInt(perf?.messageChanSize, 'performance.messageChanSize', 1);
  const maxMessageSize = optInt(perf?.maxMessageSize, 'performance.maxMessageSize', 1, 268_435_460);
  if (maxMessageSize !== undefined && version === 4) {
    throw badField('performance.maxMessageSize', 'needs MQTT 5 (it is the Maximum Packet Size CONNECT property)');
  }
  const maxPending = optInt(perf?.maxPendingMessages, 'performance.maxPendingMessages', 0);

  const extra = optRecord(o.clientOptions, 'clientOptions') as Partial<ClientOptions> | undefined;
  if (extra !== undefined) {
    for (const key of OWNED_CLIENT_KEYS) {
      if (key in extra) throw badField(`clientOptions.${key}`, 'is set by the session itself (use the session option)');
    }
  }

  // Client defaults (version 5, clean) are left out: thousands of sessions keep these objects.
  const client: ClientOptions = {
    brokers: Object.keys(knobs).length > 0 ? brokers.map((url) => ({ url, options: knobs })) : brokers.length === 1 ? brokers[0] : brokers,
    manualAck: true,
  };
  if (version === 4) client.protocolVersion = 4;
  if (!cleanSession) client.clean = false;
  if (clientId !== undefined) client.clientId = clientId;
  if (password !== undefined) client.password = password as string | Buffer;
  if (keepAlive !== undefined) client.keepalive = keepAlive;
  if (connectTimeout !== undefined) client.connectTimeout = connectTimeout;
  if (caFile !== undefined || certFile !== undefined || skipVerify) {
    client.tls = {};
    if (caFile !== undefined) client.tls.caFile = caFile;
    if (certFile !== undefined) client.tls.certFile = certFile;
    if (keyFile !== undefined) client.tls.keyFile = keyFile;
    if (skipVerify) client.tls.rejectUnauthorized = false;
  }
  client.reconnect = autoReconnect ? { retryInitial: true } : false;
  if (autoReconnect) {
    const r = client.reconnect as Exclude<ClientOptions['reconnect'], false | undefined>;
    if (initialDelay !== undefined) r.initialDelay = initialDelay;
    if (maxDelay !== undefined) r.maxDelay = maxDelay;
    if (factor !== undefined) r.factor = factor;
  }
  const properties: Properties = {};
  if (persistentSession && version === 5) properties.sessionExpiryInterval = SESSION_NEVER_EXPIRES;
  if (maxMessageSize !== undefined) properties.maximumPacketSize = maxMessageSize;
  if (Object.keys(properties).length > 0) client.properties = properties;
  if (maxPending !== undefined) {
    client.queueQos0 = { maxCount: maxPending };
    client.queueQos12 = { maxCount: maxPending };
  }
  const store = storageOf(o.storage);
  if (store !== undefined) client.store = store;
  const will = willOf(o.will, version);
  if (will !== undefined) client.will = will;

  if (extra !== undefined) {
    for (const [key, value] of Object.entries(extra)) {
      if (key === 'reconnect' && isRecord(value) && isRecord(client.reconnect)) {
        client.reconnect = { ...client.reconnect, ...value };
      } else if (key === 'properties' && isRecord(value)) {
        client.properties = { ...client.properties, ...(value as Properties) };
      } else {
        (client as Record<string, unknown>)[key] = value;
      }
    }
  }

  return {
    name,
    client,
    username,
    autoConnect: optBool(o.autoConnect, 'autoConnect') ?? true,
    messageChanSize,
    topics: topicsOf(o.topics),
    persistent: persistentSession,
    cleanSession,
    autoReconnect,
    resumeSubs,
    skipVerify,
    protocolVersion: version,
  };
}
