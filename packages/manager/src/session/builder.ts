/**
 * Fluent builders of session options: `sessionBuilder(name)`, and the shortcuts `quickConnect(name,
 * broker)` and `secureConnect(name, broker, caFile)`. Every method checks its arguments at once (the error
 * names the method's field); `build()` checks the whole and returns a plain {@link SessionOptions}.
 * @module
 */
import type { ClientOptions } from '@mqttx/client';
import type { Properties } from '@mqttx/codec';
import {
  badField,
  isRecord,
  optBool,
  optFunction,
  optInt,
  optNumber,
  optQos,
  optString,
  reqString,
} from '../validate.js';
import type { MessageHandler, QoS } from './message.js';
import type {
  ConnectProps,
  FileStorageOptions,
  PerformanceOptions,
  SessionOptions,
  SessionTlsOptions,
  StorageOptions,
  TopicOptions,
} from './options.js';
import { resolveSessionOptions } from './resolve.js';

/** Arguments of {@link SessionBuilder.reconnect}, ms. */
export interface ReconnectPolicy {
  /** Bound of the first delay, ms. */
  initial?: number;
  /** Growth per failed attempt (>= 1). */
  factor?: number;
  /** Largest bound, ms. */
  max?: number;
}

/** Arguments of {@link SessionBuilder.timeouts}, ms. */
export interface SessionTimeouts {
  /** Connect and CONNACK timeout. */
  connect?: number;
  /** A write making no progress for this long kills the link. */
  write?: number;
  /** No inbound byte for this long kills the link. */
  read?: number;
}

const MAX_MS = 2_147_483_647;

/**
 * Builds {@link SessionOptions} step by step. `manager.addSession(builder)` accepts the builder itself.
 *
 * ```ts
 * manager.addSession(
 *   sessionBuilder('edge')
 *     .brokers('mqtts://broker:8883')
 *     .auth('user', process.env.PASSWORD)
 *     .tls({ caFile: 'ca.pem' })
 *     .keepAlive(30)
 *     .reconnect({ initial: 500, factor: 2, max: 10_000 })
 *     .subscribe('sensors/#', 1, onReading),
 * );
 * ```
 */
export class SessionBuilder {
  private readonly name: string;
  private brokerList: string[] = [];
  private id: string | undefined;
  private user: string | undefined;
  private pass: string | Buffer | undefined;
  private version: 4 | 5 | undefined;
  private tlsOptions: SessionTlsOptions | undefined;
  private readonly connectProps: ConnectProps = {};
  private readonly perf: PerformanceOptions = {};
  private storage: StorageOptions | undefined;
  private redisCredentials: { password: string; username: string | undefined } | undefined;
  private readonly topics: TopicOptions[] = [];
  private willOptions: SessionOptions['will'];
  private connectNow: boolean | undefined;
  private extra: Partial<ClientOptions> | undefined;

  /**
   * @param name - session name
   * @throws {@link ManagerError} `ERR_CONFIGURATION` (field `name`) for an empty name
   */
  constructor(name: string) {
    this.name = reqString(name, 'name');
  }

  /** Broker URLs, tried in order (failover). Replaces earlier ones. */
  brokers(...urls: Array<string | string[]>): this {
    const list = urls.flat();
    if (list.length === 0) throw badField('brokers', 'needs at least one URL');
    list.forEach((u, i) => reqString(u, `brokers[${i}]`));
    this.brokerList = list;
    return this;
  }

  /** Client identifier. */
  clientId(id: string): this {
    this.id = optString(id, 'clientId') ?? '';
    return this;
  }

  /** User name and password. */
  auth(username: string, password?: string | Buffer): this {
    this.user = reqString(username, 'username');
    if (password !== undefined && typeof password !== 'string' && !(password instanceof Uint8Array)) {
      throw badField('password', 'must be a string or a Buffer');
    }
    this.pass = password;
    return this;
  }

  /** TLS settings: an object, or the CA file alone. */
  tls(options: SessionTlsOptions | string): this {
    const o: SessionTlsOptions = typeof options === 'string' ? { caFile: options } : options;
    if (!isRecord(o)) throw badField('tls', 'must be an object or a CA file path');
    optString(o.caFile, 'tls.caFile');
    optString(o.certFile, 'tls.certFile');
    optString(o.keyFile, 'tls.keyFile');
    optBool(o.skipVerify, 'tls.skipVerify');
    this.tlsOptions = { ...this.tlsOptions, ...o };
    return this;
  }

  /** Clean Session / Clean Start. */
  cleanSession(clean = true): this {
    this.connectProps.cleanSession = optBool(clean, 'cleanSession');
    return this;
  }

  /** Keep alive, seconds (0 disables). */
  keepAlive(seconds: number): this {
    this.connectProps.keepAlive = optInt(seconds, 'keepAlive', 0, 65535);
    return this;
  }

  /** Reconnect after a lost connection (default on). */
  autoReconnect(enabled = true): this {
    this.connectProps.autoReconnect = optBool(enabled, 'autoReconnect');
    return this;
  }

  /** Stay disconnected after a lost connection. */
  disableReconnect(): this {
    this.connectProps.autoReconnect = false;
    return this;
  }

  /** Reconnect backoff (turns reconnecting on): `{ initial, factor, max }`, ms. */
  reconnect(policy: ReconnectPolicy): this {
    if (!isRecord(policy)) throw badField('reconnect', 'must be an object');
    const initial = optNumber(policy.initial, 'reconnect.initial', 0, MAX_MS);
    const factor = optNumber(policy.factor, 'reconnect.factor', 1, 1000);
    const max = optNumber(policy.max, 'reconnect.max', 0, MAX_MS);
    if (max !== undefined && max < (initial ?? this.connectProps.initialReconnectInterval ?? 1000)) {
      throw badField('reconnect.max', 'must be >= reconnect.initial');
    }
    this.connectProps.autoReconnect = true;
    if (initial !== undefined) this.connectProps.initialReconnectInterval = initial;
    if (factor !== undefined) this.connectProps.backoffFactor = factor;
    if (max !== undefined) this.connectProps.maxReconnectInterval = max;
    return this;
  }

  /** Timeouts, ms: `{ connect, write, read }`. */
  timeouts(timeouts: SessionTimeouts): this {
    if (!isRecord(timeouts)) throw badField('timeouts', 'must be an object');
    const connect = optNumber(timeouts.connect, 'timeouts.connect', 0, MAX_MS);
    const write = optNumber(timeouts.write, 'timeouts.write', 0, MAX_MS);
    const read = optNumber(timeouts.read, 'timeouts.read', 0, MAX_MS);
    if (connect !== undefined) this.connectProps.connectTimeout = connect;
    if (write !== undefined) this.perf.writeTimeout = write;
    if (read !== undefined) this.perf.readTimeout = read;
    return this;
  }

  /** Performance knobs (merged over earlier ones; see {@link PerformanceOptions}). */
  performance(options: PerformanceOptions): this {
    if (!isRecord(options)) throw badField('performance', 'must be an object');
    Object.assign(this.perf, options);
    return this;
  }

  /** Buffer bound of this session's routes and handlers, messages. */
  messageChannelSize(size: number): this {
    this.perf.messageChanSize = optInt(size, 'messageChannelSize', 1);
    return this;
  }

  /** Keep the session across connections (broker side and store). */
  persistent(enabled = true): this {
    this.connectProps.persistentSession = optBool(enabled, 'persistent');
    return this;
  }

  /** Subscribe again to the session's topics when a reconnect finds the session lost (default true). */
  resumeSubs(enabled = true): this {
    this.connectProps.resumeSubs = optBool(enabled, 'resumeSubs');
    return this;
  }

  /** Session state in memory (the default). */
  memoryStorage(): this {
    this.storage = { type: 'memory' };
    return this;
  }

  /**
   * Session state in files under `dir`.
   * @param dir - directory of the store
   * @param fsync - durability policy (`'batch'` when omitted; see {@link FileStorageOptions.fsync})
   */
  fileStorage(dir: string, fsync?: 'always' | 'batch' | 'none'): this {
    const storage: FileStorageOptions = { type: 'file', dir: reqString(dir, 'fileStorage') };
    if (fsync !== undefined) {
      if (fsync !== 'always' && fsync !== 'batch' && fsync !== 'none') throw badField('fileStorage', "fsync must be 'always', 'batch' or 'none'");
      storage.fsync = fsync;
    }
    this.storage = storage;
    return this;
  }

  /** Session state in Redis at `address` (`redis://host:port[/db]`). */
  redisStorage(address: string): this {
    this.storage = { type: 'redis', address: reqString(address, 'redisStorage') };
    return this;
  }

  /** Credentials of the Redis store (with {@link SessionBuilder.redisStorage}). */
  redisAuth(password: string, username?: string): this {
    this.redisCredentials = { password: reqString(password, 'redisAuth.password'), username: optString(username, 'redisAuth.username') };
    return this;
  }

  /** 4 (3.1.1) or 5 (5.0). */
  protocolVersion(version: 4 | 5 | '3.1.1' | '5.0'): this {
    if (version === 4 || version === '3.1.1') this.version = 4;
    else if (version === 5 || version === '5.0') this.version = 5;
    else throw badField('protocolVersion', "must be 4, 5, '3.1.1' or '5.0'");
    return this;
  }

  /** Will message. */
  will(topic: string, payload: string | Buffer, qos: QoS = 0, retain = false, properties?: Properties): this {
    reqString(topic, 'will.topic');
    if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) throw badField('will.payload', 'must be a string or a Buffer');
    this.willOptions = { topic, payload, qos: optQos(qos, 'will.qos') ?? 0, retain: optBool(retain, 'will.retain') ?? false };
    if (properties !== undefined) this.willOptions.properties = properties;
    return this;
  }

  /** Subscribes `handler` to `topic` when the session is added. */
  subscribe(topic: string, qos: QoS = 0, handler?: MessageHandler): this {
    this.topics.push({
      topic: reqString(topic, 'subscribe.topic'),
      qos: optQos(qos, 'subscribe.qos') ?? 0,
      handler: optFunction<MessageHandler>(handler, 'subscribe.handler'),
    });
    return this;
  }

  /** Connect when added (default true). */
  autoConnect(enabled = true): this {
    this.connectNow = optBool(enabled, 'autoConnect');
    return this;
  }

  /** Further client options (see {@link SessionOptions.clientOptions}), merged over earlier ones. */
  clientOptions(options: Partial<ClientOptions>): this {
    if (!isRecord(options)) throw badField('clientOptions', 'must be an object');
    this.extra = { ...this.extra, ...options };
    return this;
  }

  /**
   * The options, checked as a whole.
   * @throws {@link ManagerError} `ERR_CONFIGURATION` naming the bad field (`brokers` when none were given)
   */
  build(): SessionOptions {
    if (this.brokerList.length === 0) throw badField('brokers', 'needs at least one URL (call brokers())');
    let storage = this.storage;
    if (this.redisCredentials !== undefined) {
      if (storage?.type !== 'redis') throw badField('redisAuth', 'needs redisStorage()');
      storage = { ...storage, password: this.redisCredentials.password };
      if (this.redisCredentials.username !== undefined) storage.username = this.redisCredentials.username;
    }
    const options: SessionOptions = { name: this.name, brokers: [...this.brokerList] };
    if (this.id !== undefined) options.clientId = this.id;
    if (this.user !== undefined) options.username = this.user;
    if (this.pass !== undefined) options.password = this.pass;
    if (this.version !== undefined) options.protocolVersion = this.version;
    if (this.tlsOptions !== undefined) options.tls = { ...this.tlsOptions };
    if (Object.keys(this.connectProps).length > 0) options.connectProps = { ...this.connectProps };
    if (Object.keys(this.perf).length > 0) options.performance = { ...this.perf };
    if (storage !== undefined) options.storage = { ...storage };
    if (this.topics.length > 0) options.topics = this.topics.map((t) => ({ ...t }));
    if (this.willOptions !== undefined) options.will = { ...this.willOptions };
    if (this.connectNow !== undefined) options.autoConnect = this.connectNow;
    if (this.extra !== undefined) options.clientOptions = { ...this.extra };
    resolveSessionOptions(options);
    return options;
  }
}

/** A builder for session `name`. */
export function sessionBuilder(name: string): SessionBuilder {
  return new SessionBuilder(name);
}

/** A builder for a session to one broker with the defaults (chain more calls, or pass it to `addSession`). */
export function quickConnect(name: string, broker: string): SessionBuilder {
  return new SessionBuilder(name).brokers(broker);
}

/** A builder for a TLS session to one broker, trusting the CA in `caFile`. */
export function secureConnect(name: string, broker: string, caFile: string): SessionBuilder {
  return new SessionBuilder(name).brokers(broker).tls({ caFile: reqString(caFile, 'caFile') });
}
