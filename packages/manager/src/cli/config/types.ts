/**
 * The typed result of validating a `mqttx run` config file. Field names follow the manager's options
 * (`addSession({ name, brokers, clientId, ... })`, forwarder configs); durations are milliseconds unless the
 * name says otherwise (`keepAlive` is in seconds). Optional fields that were absent stay absent: the
 * manager applies its own defaults.
 * @module
 */

/** QoS level. */
export type QoS = 0 | 1 | 2;

/** TLS files and verification of a session. */
export interface TlsConfig {
  /** CA certificate(s) to trust (PEM file). */
  caFile?: string;
  /** Client certificate (PEM file), with `keyFile`. */
  certFile?: string;
  /** Client private key (PEM file), with `certFile`. */
  keyFile?: string;
  /** Do not verify the broker's certificate (logged as a warning). */
  skipVerify?: boolean;
}

/** Connection behaviour of a session. */
export interface ConnectPropsConfig {
  /** Keep alive, seconds (0 disables). */
  keepAlive?: number;
  /** Clean Session (3.1.1) / Clean Start (5.0). */
  cleanSession?: boolean;
  /** Reconnect after a lost connection. */
  autoReconnect?: boolean;
  /** Connect (and CONNACK) timeout, ms. */
  connectTimeout?: number;
  /** First reconnect delay bound, ms. */
  initialReconnectInterval?: number;
  /** Largest reconnect delay bound, ms. */
  maxReconnectInterval?: number;
  /** Growth of the reconnect delay per failed attempt (>= 1). */
  backoffFactor?: number;
  /** Keep the session (broker side and in the store) across connections. */
  persistentSession?: boolean;
  /** Subscribe again to the session's topics after a reconnect that lost the session. */
  resumeSubs?: boolean;
}

/** Performance knobs of a session (see the manager's options table). */
export interface PerformanceConfig {
  /** Socket writable high-water mark, bytes. */
  writeBufferSize?: number;
  /** Largest chunk read before yielding, bytes. */
  readBufferSize?: number;
  /** Bounded buffer of each route and listener, messages. */
  messageChanSize?: number;
  /** Maximum Packet Size, bytes. */
  maxMessageSize?: number;
  /** Offline queue bound, messages. */
  maxPendingMessages?: number;
  /** A write not drained within this many ms kills the link. */
  writeTimeout?: number;
  /** No inbound byte for this many ms kills the link. */
  readTimeout?: number;
}

/** Session store in memory (the default). */
export interface MemoryStorageConfig {
  type: 'memory';
}

/** Session store in a directory. */
export interface FileStorageConfig {
  type: 'file';
  /** Directory of the store (created when missing). */
  dir: string;
  /** Durability policy of the file store (default `'batch'`). */
  fsync?: 'always' | 'batch' | 'none';
}

/** Session store in Redis. */
export interface RedisStorageConfig {
  type: 'redis';
  /** `redis://` or `rediss://` URL. */
  address: string;
  /** Redis user name (ACL). */
  username?: string;
  /** Redis password. */
  password?: string;
  /** Database number. */
  db?: number;
  /** Prefix of every key. */
  keyPrefix?: string;
}

/** Where a session keeps its state. */
export type StorageConfig = MemoryStorageConfig | FileStorageConfig | RedisStorageConfig;

/** A subscription made by a session. */
export interface TopicConfig {
  /** Topic filter. */
  topic: string;
  /** Maximum QoS (default 0). */
  qos: QoS;
}

/** Will message of a session. */
export interface WillConfig {
  /** Topic name (no wildcards). */
  topic: string;
  /** Payload text (default empty). */
  payload?: string;
  /** QoS (default 0). */
  qos?: QoS;
  /** RETAIN flag (default false). */
  retain?: boolean;
}

/** One session. */
export interface SessionConfig {
  /** Unique name. */
  name: string;
  /** Broker URLs, tried in order (failover). */
  brokers: string[];
  /** Client identifier. */
  clientId?: string;
  /** User name. */
  username?: string;
  /** Password (usually `${ENV_VAR}`). */
  password?: string;
  /** 4 (MQTT 3.1.1) or 5 (MQTT 5.0); `'3.1.1'` and `'5.0'` are accepted too. */
  protocolVersion?: 4 | 5;
  /** TLS settings. */
  tls?: TlsConfig;
  /** Connection behaviour. */
  connectProps?: ConnectPropsConfig;
  /** Performance knobs. */
  performance?: PerformanceConfig;
  /** Session store. */
  storage?: StorageConfig;
  /** Subscriptions. */
  topics?: TopicConfig[];
  /** Will message. */
  will?: WillConfig;
}

/** Declarative message filter of a forwarder: every given condition must hold. */
export interface MessageFilterConfig {
  /** The topic matches this regular expression. */
  topicRegex?: string;
  /** The payload (UTF-8) contains this text. */
  payloadContains?: string;
  /** The payload (UTF-8) matches this regular expression. */
  payloadRegex?: string;
}

/** What a forwarder does when its buffer is full. */
export type DropPolicy = 'backpressure' | 'drop-oldest' | 'drop-newest';

/** One forwarder. */
export interface ForwarderConfig {
  /** Unique name. */
  name: string;
  /** Sessions messages come from. */
  sourceSessions: string[];
  /** Topic filters subscribed on the sources. */
  sourceTopics: string[];
  /** Session messages are published on. */
  targetSession: string;
  /** Source filter -> target topic template (`{1}`, `{2}`... stand for the filter's wildcard levels). */
  topicMapping?: Record<string, string>;
  /** QoS of the target publish (default: the message's). */
  qos?: QoS;
  /** Added as MQTT 5 user properties (3.1.1 targets: optional JSON envelope). */
  metadata?: Record<string, string>;
  /** Message filter. */
  filter?: MessageFilterConfig;
  /** Started with the run (default true). */
  enabled?: boolean;
  /** Bound of the buffer, messages. */
  bufferSize?: number;
  /** Full-buffer policy. */
  dropPolicy?: DropPolicy;
}

/** A route: messages matching `filter` (on one session or all) go to `action`. */
export interface RouteConfig {
  /** Name (metrics label). */
  name?: string;
  /** Session to listen on (default: all sessions). */
  session?: string;
  /** Topic filter. */
  filter: string;
  /** QoS of the route's subscription (default 0). */
  qos?: QoS;
  /** What to do with each message. */
  action: 'log';
  /** Log line format (default `text`). */
  format?: 'text' | 'json';
}

/** The `/metrics` endpoint. */
export interface MetricsConfig {
  /** TCP port (0 picks a free one). */
  port: number;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Path (default `/metrics`). */
  path?: string;
  /** Metric name prefix (default `mqtt`). */
  prefix?: string;
}

/** The live status output. */
export interface StatusConfig {
  /** Refresh (terminal) or log (otherwise) interval, ms. */
  intervalMs: number;
}

/** A whole `mqttx run` config, validated. */
export interface RunConfig {
  /** At least one session. */
  sessions: SessionConfig[];
  /** Forwarders (possibly none). */
  forwarders: ForwarderConfig[];
  /** Routes (possibly none). */
  routes: RouteConfig[];
  /** The `/metrics` endpoint, when wanted. */
  metrics?: MetricsConfig;
  /** Status output. */
  status: StatusConfig;
}
