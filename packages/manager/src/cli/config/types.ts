/**
 * The typed result of validating a `mqttx run` config file. The types are derived from the manager's own
 * options (`addSession`, forwarder configs, route options), so an option added to the manager is a compile
 * error here (in the schema's `FieldsOf` checks) until the config format takes it or names it as left out.
 * Durations are milliseconds unless the name says otherwise (`keepAlive` is in seconds). Optional fields
 * that were absent stay absent: the manager applies its own defaults.
 * @module
 */
import type { ForwarderConfig as ManagerForwarderConfig } from '../../forward/config.js';
import type { RouteOptions } from '../../routing/route.js';
import type { QoS } from '../../session/message.js';
import type {
  ConnectProps,
  FileStorageOptions,
  MemoryStorageOptions,
  PerformanceOptions,
  RedisStorageOptions,
  SessionOptions,
  SessionTlsOptions,
  SessionWillOptions,
  StorageOptions,
  TopicOptions,
} from '../../session/options.js';

export type { QoS };

/** TLS files and verification of a session (the manager's {@link SessionTlsOptions}). */
export type TlsConfig = SessionTlsOptions;

/** Connection behaviour of a session (the manager's {@link ConnectProps}). */
export type ConnectPropsConfig = ConnectProps;

/** Performance knobs of a session (the manager's {@link PerformanceOptions}). */
export type PerformanceConfig = PerformanceOptions;

/** Session store in memory, the default (the manager's {@link MemoryStorageOptions}). */
export type MemoryStorageConfig = MemoryStorageOptions;

/** Session store in a directory (the manager's {@link FileStorageOptions}). */
export type FileStorageConfig = FileStorageOptions;

/** Session store in Redis (the manager's {@link RedisStorageOptions}). */
export type RedisStorageConfig = RedisStorageOptions;

/** Where a session keeps its state (the manager's {@link StorageOptions}). */
export type StorageConfig = StorageOptions;

/** A subscription made by a session: {@link TopicOptions} without a handler, QoS defaulted (0) by the schema. */
export type TopicConfig = Required<Omit<TopicOptions, 'handler'>>;

/** Will message of a session: {@link SessionWillOptions} with a text payload and no properties. */
export interface WillConfig extends Omit<SessionWillOptions, 'payload' | 'properties'> {
  /** Payload text (default empty). */
  payload?: string;
}

/**
 * Session options a config file does not set: `autoConnect` (`mqttx run` connects once every session,
 * forwarder and route is in place) and `clientOptions` (client internals and functions).
 */
type SessionOptionsNotInConfig = 'autoConnect' | 'clientOptions';

/** One session: {@link SessionOptions} as JSON can say them (normalised by the schema). */
export interface SessionConfig
  extends Omit<SessionOptions, SessionOptionsNotInConfig | 'brokers' | 'password' | 'protocolVersion' | 'topics' | 'will'> {
  /** Broker URLs, tried in order (failover); a single URL in the file becomes a list of one. */
  brokers: string[];
  /** Password (usually `${ENV_VAR}`). */
  password?: string;
  /** 4 (MQTT 3.1.1) or 5 (MQTT 5.0); `'3.1.1'` and `'5.0'` in the file are normalised to these. */
  protocolVersion?: 4 | 5;
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

/** Forwarder options a config file does not set: `transform` (a function). */
type ForwarderOptionsNotInConfig = 'transform';

/** One forwarder: the manager's forwarder config with a declarative filter in place of the predicate. */
export interface ForwarderConfig extends Omit<ManagerForwarderConfig, ForwarderOptionsNotInConfig | 'filter'> {
  /** Message filter (compiled to the manager's `filter` predicate). */
  filter?: MessageFilterConfig;
}

/** Route options a config file does not set: the buffer (manager defaults) and the function filters. */
type RouteOptionsNotInConfig = 'bufferSize' | 'overflow' | 'filters' | 'transforms';

/** A route: messages matching `filter` (on one session or all) go to `action`. */
export interface RouteConfig extends Omit<RouteOptions, RouteOptionsNotInConfig> {
  /** Session to listen on (default: all sessions). */
  session?: string;
  /** Topic filter. */
  filter: string;
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
