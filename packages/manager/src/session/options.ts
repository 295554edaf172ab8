/**
 * The options object of `addSession` (the seed's fields, camelCased) and what it resolves to. Every field
 * changes the client or the session; a misspelt or unknown field is an error (`ERR_CONFIGURATION`,
 * `context.field` naming it), never ignored. Validation and the mapping onto the underlying
 * {@link MqttClient}'s options are in `resolve.ts` ({@link resolveSessionOptions}).
 * Durations are milliseconds unless the name says otherwise (`keepAlive` is in seconds).
 * @module
 */
import type { ClientOptions } from '@mqttx/client';
import type { Properties } from '@mqttx/codec';
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

/** Session Expiry Interval meaning "never expires" (MQTT 5 section 3.1.2.11.2). */
export const SESSION_NEVER_EXPIRES = 0xffffffff;
