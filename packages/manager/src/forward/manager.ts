/**
 * `forwarderBuilder(name)` and `ForwarderManager`: building forwarder configurations fluently and running
 * a set of forwarders on one session manager.
 * @module
 */
import type { ForwarderMetricsSnapshot } from '../metrics/types.js';
import type { QoS } from '../session/message.js';
import { badField, isRecord, optBool, optFunction, optInt, optQos, reqString } from '../validate.js';
import {
  resolveForwarderConfig,
  type DropPolicy,
  type ForwardFilter,
  type ForwarderConfig,
  type ForwardTransform,
} from './config.js';
import { Forwarder, type ForwarderHost } from './forwarder.js';

/**
 * Builds a {@link ForwarderConfig}.
 *
 * ```ts
 * const config = forwarderBuilder('to-cloud')
 *   .source('edge-1', 'sensors/+/temperature')
 *   .source('edge-2', 'sensors/+/temperature')
 *   .target('cloud')
 *   .qos(1)
 *   .mapTopic('sensors/+/temperature', 'storage/{1}/temp')
 *   .metadata('site', 'lyon')
 *   .build();
 * ```
 */
export class ForwarderBuilder {
  private readonly config: ForwarderConfig;

  /** @param name - forwarder name */
  constructor(name: string) {
    this.config = { name: reqString(name, 'name'), sourceSessions: [], sourceTopics: [], targetSession: '' };
  }

  /** Adds a source session and the topic filters to take from it (the filters apply to every source). */
  source(session: string, ...filters: string[]): this {
    const s = reqString(session, 'source.session');
    if (!this.config.sourceSessions.includes(s)) this.config.sourceSessions.push(s);
    filters.forEach((f, i) => {
      reqString(f, `source.filters[${i}]`);
      if (!this.config.sourceTopics.includes(f)) this.config.sourceTopics.push(f);
    });
    return this;
  }

  /** The session to publish on. */
  target(session: string): this {
    this.config.targetSession = reqString(session, 'target');
    return this;
  }

  /** QoS of the target publish (default: the message's). */
  qos(qos: QoS): this {
    this.config.qos = optQos(qos, 'qos');
    return this;
  }

  /** Maps a source topic or filter onto a target template (`{1}`, `{2}`... the wildcards). */
  mapTopic(from: string, to: string): this {
    reqString(from, 'mapTopic.from');
    reqString(to, 'mapTopic.to');
    this.config.topicMapping = { ...this.config.topicMapping, [from]: to };
    return this;
  }

  /** Adds metadata: one key and value, or an object of them. */
  metadata(key: string | Record<string, string>, value?: string): this {
    const add = typeof key === 'string' ? { [reqString(key, 'metadata.key')]: value } : key;
    if (!isRecord(add)) throw badField('metadata', 'must be a key and a value, or an object');
    for (const [k, v] of Object.entries(add)) if (typeof v !== 'string') throw badField(`metadata.${k}`, 'must be a string');
    this.config.metadata = { ...this.config.metadata, ...(add as Record<string, string>) };
    return this;
  }

  /** Keeps a message (true) or filters it out; sync or async. */
  filter(fn: ForwardFilter): this {
    this.config.filter = optFunction<ForwardFilter>(fn, 'filter');
    return this;
  }

  /** Rewrites a message (null drops it); sync or async. */
  transform(fn: ForwardTransform): this {
    this.config.transform = optFunction<ForwardTransform>(fn, 'transform');
    return this;
  }

  /** Keep (default) or clear the RETAIN flag. */
  retain(mode: 'keep' | 'clear'): this {
    if (mode !== 'keep' && mode !== 'clear') throw badField('retain', "must be 'keep' or 'clear'");
    this.config.retain = mode;
    return this;
  }

  /** Wrap messages for MQTT 3.1.1 targets in a JSON envelope carrying metadata and hop count. */
  envelope(enabled = true): this {
    this.config.envelope = optBool(enabled, 'envelope');
    return this;
  }

  /** Buffer bound, messages. */
  bufferSize(size: number): this {
    this.config.bufferSize = optInt(size, 'bufferSize', 1);
    return this;
  }

  /** Full-buffer policy. */
  dropPolicy(policy: DropPolicy): this {
    this.config.dropPolicy = policy;
    resolveDropPolicy(policy);
    return this;
  }

  /** Loop guard: most forwarders a message may have gone through. */
  maxHops(hops: number): this {
    this.config.maxHops = optInt(hops, 'maxHops', 1);
    return this;
  }

  /** Started when added (default true). */
  enabled(enabled = true): this {
    this.config.enabled = optBool(enabled, 'enabled');
    return this;
  }

  /**
   * The configuration, checked as a whole.
   * @throws {@link ManagerError} `ERR_CONFIGURATION` naming the bad field
   */
  build(): ForwarderConfig {
    const c: ForwarderConfig = {
      ...this.config,
      sourceSessions: [...this.config.sourceSessions],
      sourceTopics: [...this.config.sourceTopics],
    };
    if (c.targetSession === '') throw badField('targetSession', 'is needed (call target())');
    resolveForwarderConfig(c);
    return c;
  }
}

function resolveDropPolicy(policy: unknown): void {
  if (policy !== 'backpressure' && policy !== 'drop-oldest' && policy !== 'drop-newest') {
    throw badField('dropPolicy', 'must be one of backpressure, drop-oldest, drop-newest');
  }
}

/** A builder for forwarder `name`. */
export function forwarderBuilder(name: string): ForwarderBuilder {
  return new ForwarderBuilder(name);
}

/** Runs the forwarders of one session manager. */
export class ForwarderManager {
  private readonly manager: ForwarderHost;
  private readonly forwarders = new Map<string, Forwarder>();

  /** @param manager - the session manager */
  constructor(manager: ForwarderHost) {
    this.manager = manager;
  }

  /**
   * Creates a forwarder and, when `enabled` (default), starts it. Resolves once started.
   * @throws {@link ManagerError} `ERR_CONFIGURATION` (bad configuration or name in use), and the errors of
   *   {@link Forwarder.start} (then nothing stays added)
   */
  async addForwarder(config: ForwarderConfig | ForwarderBuilder): Promise<Forwarder> {
    const c = config instanceof ForwarderBuilder ? config.build() : config;
    const name = (c as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && this.forwarders.has(name)) throw badField('name', `is in use by another forwarder (${name})`);
    const forwarder = new Forwarder(c, this.manager);
    this.forwarders.set(forwarder.name, forwarder);
    if (forwarder.config.enabled) {
      try {
        await forwarder.start();
      } catch (err) {
        // Nothing half-added: the forwarder goes again.
        this.forwarders.delete(forwarder.name);
        await forwarder.close();
        throw err;
      }
    }
    return forwarder;
  }

  /** Stops and removes a forwarder; false when unknown. */
  async removeForwarder(name: string): Promise<boolean> {
    const f = this.forwarders.get(name);
    if (f === undefined) return false;
    this.forwarders.delete(name);
    await f.close();
    return true;
  }

  /** The forwarder named `name`. */
  get(name: string): Forwarder | undefined {
    return this.forwarders.get(name);
  }

  /** Every forwarder, in the order added. */
  list(): Forwarder[] {
    return [...this.forwarders.values()];
  }

  /** Starts every enabled forwarder that is stopped; rejects with the first failure after trying all. */
  async startAll(): Promise<void> {
    const results = await Promise.allSettled(this.list().filter((f) => f.config.enabled).map((f) => f.start()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** Stops every forwarder. */
  async stopAll(): Promise<void> {
    await Promise.all(this.list().map((f) => f.stop()));
  }

  /** Metrics of every forwarder, by name. */
  getAllMetrics(): Record<string, ForwarderMetricsSnapshot> {
    const out: Record<string, ForwarderMetricsSnapshot> = {};
    for (const [name, f] of this.forwarders) out[name] = f.getMetrics();
    return out;
  }

  /** Removes every forwarder. */
  async close(): Promise<void> {
    await Promise.all([...this.forwarders.keys()].map((n) => this.removeForwarder(n)));
  }
}
