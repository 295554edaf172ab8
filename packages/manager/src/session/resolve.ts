/**
 * Validation of the `addSession` options ({@link SessionOptions}) and their mapping onto the options of the
 * underlying {@link MqttClient}. Every field changes the client or the session; a misspelt or unknown field
 * is an error (`ERR_CONFIGURATION`, `context.field` naming it), never ignored.
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
import type { MessageHandler } from './message.js';
import {
  SESSION_NEVER_EXPIRES,
  type ConnectProps,
  type FileStorageOptions,
  type MemoryStorageOptions,
  type PerformanceOptions,
  type RedisStorageOptions,
  type ResolvedSessionOptions,
  type SessionOptions,
  type SessionTlsOptions,
  type SessionWillOptions,
  type TopicOptions,
} from './options.js';

/**
 * Every key of `T`, in the order given: a key added to `T` and not listed here (or listed and not in `T`) is
 * a compile error, so the unknown-key checks cannot fall behind the option types.
 */
function keysOf<T>(keys: { [K in keyof T]-?: true }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

const TOP_KEYS = keysOf<SessionOptions>({
  name: true,
  brokers: true,
  clientId: true,
  username: true,
  password: true,
  protocolVersion: true,
  tls: true,
  connectProps: true,
  performance: true,
  storage: true,
  topics: true,
  will: true,
  autoConnect: true,
  clientOptions: true,
});
const TLS_KEYS = keysOf<SessionTlsOptions>({ caFile: true, certFile: true, keyFile: true, skipVerify: true });
const CONNECT_KEYS = keysOf<ConnectProps>({
  keepAlive: true,
  cleanSession: true,
  autoReconnect: true,
  connectTimeout: true,
  initialReconnectInterval: true,
  maxReconnectInterval: true,
  backoffFactor: true,
  persistentSession: true,
  resumeSubs: true,
});
const PERF_KEYS = keysOf<PerformanceOptions>({
  writeBufferSize: true,
  readBufferSize: true,
  messageChanSize: true,
  maxMessageSize: true,
  maxPendingMessages: true,
  writeTimeout: true,
  readTimeout: true,
});
const MEMORY_KEYS = keysOf<MemoryStorageOptions>({ type: true });
const FILE_KEYS = keysOf<FileStorageOptions>({ type: true, dir: true, fsync: true });
const REDIS_KEYS = keysOf<RedisStorageOptions>({ type: true, address: true, username: true, password: true, db: true, keyPrefix: true });
const TOPIC_KEYS = keysOf<TopicOptions>({ topic: true, qos: true, handler: true });
const WILL_KEYS = keysOf<SessionWillOptions>({ topic: true, payload: true, qos: true, retain: true, properties: true });
const OWNED_CLIENT_KEYS = ['brokers', 'username', 'password', 'manualAck'] as const;
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
      checkKeys(s, MEMORY_KEYS, 'storage');
      return undefined; // the client's own memory is the session (no store round trips)
    case 'file':
      checkKeys(s, FILE_KEYS, 'storage');
      if (s.fsync === undefined) return { type: 'file', dir: reqString(s.dir, 'storage.dir') };
      if (s.fsync !== 'always' && s.fsync !== 'batch' && s.fsync !== 'none') throw badField('storage.fsync', "must be 'always', 'batch' or 'none'");
      return { type: 'file', dir: reqString(s.dir, 'storage.dir'), fsync: s.fsync };
    case 'redis':
      checkKeys(s, REDIS_KEYS, 'storage');
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
    checkKeys(t, TOPIC_KEYS, field);
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
  checkKeys(w, WILL_KEYS, 'will');
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
