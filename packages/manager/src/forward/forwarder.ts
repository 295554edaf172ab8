/**
 * `Forwarder`: takes the messages of some topic filters on some source sessions and publishes them on a
 * target session, with topic mapping, a filter and a transform (sync or async), metadata, a loop guard,
 * a bounded buffer with backpressure or a drop policy, and metrics.
 * @module
 */
import { ManagerError, newForwarderError, toMqttxError } from '../errors.js';
import type { EventBus } from '../events.js';
import { ForwarderMetrics } from '../metrics/forwarder.js';
import type { ManagerMetrics } from '../metrics/manager.js';
import type { ForwarderMetricsSnapshot } from '../metrics/types.js';
import type { SessionMessage } from '../session/message.js';
import type { Session } from '../session/session.js';
import type { Consumer } from '../session/subscriptions.js';
import { resolveForwarderConfig, type ForwarderConfig, type ResolvedForwarderConfig } from './config.js';
import { Fifo } from '../fifo.js';
import { envelopePayload, forwardProperties, hopsOf } from './metadata.js';

/** What a forwarder needs from the session manager. @internal */
export interface ForwarderHost {
  readonly bus: EventBus;
  readonly metrics: ManagerMetrics;
  getSession(name: string): Session | undefined;
  now(): number;
  /** A forwarder was created (the manager stops it on close). */
  forwarderOpened(forwarder: Forwarder): void;
  /** A forwarder was closed. */
  forwarderClosed(forwarder: Forwarder): void;
}

/** One message on its way: from receipt to the target publish settling. */
class Item {
  readonly message: SessionMessage;
  readonly hops: number;
  /** Releases the source's acknowledgement (backpressure), if it is withheld. */
  release: (() => void) | undefined;
  bytes: number;

  constructor(message: SessionMessage, hops: number, release: (() => void) | undefined) {
    this.message = message;
    this.hops = hops;
    this.release = release;
    this.bytes = 0;
  }
}

interface Waiting {
  message: SessionMessage;
  hops: number;
  resolve: () => void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * A forwarder. `new Forwarder(config, manager)` registers its metrics; {@link Forwarder.start} subscribes
 * the source topics on the source sessions (shared with routes and handlers), {@link Forwarder.stop}
 * leaves them, {@link Forwarder.close} also unregisters the metrics.
 *
 * Every message received ends as forwarded, filtered (filter false, transform null), dropped (drop policy,
 * loop guard, stop) or failed (target publish rejected, target missing, a throwing filter / transform, a
 * mapped topic that is not valid). Between receipt and then it counts against `bufferSize`:
 * - `backpressure` (default): the source's QoS 1/2 acknowledgement is withheld until the target publish
 *   resolved, and a message finding the buffer full waits outside it (acknowledgement withheld too), so the
 *   broker's in-flight window holds the sources back, nothing is lost and the buffer never exceeds its
 *   bound; a QoS 0 message finding it full has nothing to withhold and is dropped (counted);
 * - `drop-newest` / `drop-oldest`: sources are acknowledged at once; a message finding the buffer full is
 *   dropped (counted), or the oldest one not yet handed to the target is (the newest when all are already
 *   with the target).
 */
export class Forwarder implements Consumer {
  /** Forwarder name. */
  readonly name: string;
  /** Validated configuration. */
  readonly config: ResolvedForwarderConfig;
  /** Live counters. */
  readonly metrics: ForwarderMetrics;
  private readonly host: ForwarderHost;
  private readonly sources = new Set<Session>();
  private running: boolean;
  private closed: boolean;
  /** Items admitted and not settled (the buffer). */
  private count: number;
  /** Items waiting for the filter / transform stage while an async step runs. */
  private queue: Fifo<Item>;
  private busy: boolean;
  private waiting: Fifo<Waiting>;
  /** The message last accepted (one message matching two source filters is forwarded once). */
  private last: SessionMessage | undefined;
  private stopping: Promise<void> | undefined;

  /**
   * @param config - the configuration
   * @param manager - the session manager
   * @throws {@link ManagerError} `ERR_CONFIGURATION` for a bad configuration or a forwarder name in use
   */
  constructor(config: ForwarderConfig, manager: ForwarderHost) {
    this.config = resolveForwarderConfig(config);
    this.name = this.config.name;
    this.host = manager;
    this.metrics = new ForwarderMetrics(this.name, manager.now());
    this.running = false;
    this.closed = false;
    this.count = 0;
    this.queue = new Fifo();
    this.busy = false;
    this.waiting = new Fifo();
    this.last = undefined;
    this.stopping = undefined;
    manager.metrics.addForwarder(this.metrics);
    manager.forwarderOpened(this);
  }

  /** True while started. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Messages in the buffer now. */
  get buffered(): number {
    return this.count;
  }

  /** Messages waiting for a place (backpressure). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** A snapshot of the metrics. */
  getMetrics(): ForwarderMetricsSnapshot {
    return this.metrics.snapshot(this.host.now());
  }

  /**
   * Starts: subscribes the source topics on every source session. Resolves once the subscriptions are
   * granted. Rejects with `ERR_SESSION_NOT_FOUND` for a missing session (nothing started),
   * `ERR_FORWARDER_CLOSED` after {@link Forwarder.close}, or the subscription error (the forwarder stays
   * started on the rest). Starting a started forwarder does nothing.
   */
  async start(): Promise<void> {
    if (this.closed) throw new ManagerError('ERR_FORWARDER_CLOSED', `forwarder ${this.name} is closed`, 'forwarder');
    if (this.stopping !== undefined) await this.stopping;
    if (this.running) return;
    const cfg = this.config;
    const sessions: Session[] = [];
    for (const name of [...cfg.sourceSessions, cfg.targetSession]) {
      const s = this.host.getSession(name);
      if (s === undefined) {
        throw new ManagerError('ERR_SESSION_NOT_FOUND', `forwarder ${this.name}: no session named ${name}`, 'forwarder', undefined, {
          session: name,
          context: { forwarder: this.name },
        });
      }
      if (name !== cfg.targetSession || cfg.sourceSessions.includes(name)) sessions.push(s);
    }
    this.running = true;
    this.metrics.setRunning(true);
    const joins: Array<Promise<unknown>> = [];
    for (const s of sessions) {
      this.sources.add(s);
      // The highest QoS: every message arrives with the QoS it was published with.
      for (const topic of cfg.sourceTopics) joins.push(s.addConsumer(topic, 2, this));
    }
    const results = await Promise.allSettled(joins);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      const err = newForwarderError(`forwarder ${this.name}: a source subscription failed`, failed.reason, {
        context: { forwarder: this.name },
      });
      this.report(err);
      throw err;
    }
  }

  /**
   * Stops: leaves the source subscriptions; messages not yet handed to the target, and those waiting for
   * a place, are dropped (counted) and their acknowledgements released; publishes already with the target
   * finish on their own. Resolves once the UNSUBSCRIBEs of connected sessions were answered.
   */
  stop(): Promise<void> {
    if (!this.running) return this.stopping ?? Promise.resolve();
    this.running = false;
    this.metrics.setRunning(false);
    this.stopping = this.shutdown().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    for (const item of this.queue.drain()) this.settle(item, 'dropped', undefined);
    for (const w of this.waiting.drain()) {
      this.metrics.recordDropped();
      w.resolve();
    }
    const sources = [...this.sources];
    this.sources.clear();
    const waits: Array<Promise<unknown>> = [];
    for (const s of sources) {
      for (const topic of this.config.sourceTopics) {
        const left = s.removeConsumer(topic, this).catch((err: unknown) => this.report(err));
        if (s.isConnected()) waits.push(left);
      }
    }
    await Promise.all(waits);
  }

  /** Stops, then starts again. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops and unregisters the metrics; the forwarder cannot start again. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stop();
    this.host.metrics.removeForwarder(this.name);
    this.host.forwarderClosed(this);
  }

  /** @internal The session was removed: forget it. */
  detach(session: Session): void {
    this.sources.delete(session);
  }

  // ------------------------------------------------------------------ the message path

  /**
   * Takes a message from a source session (called by the session). Messages at `maxHops` are dropped (the
   * loop guard); a full buffer applies the drop policy. With `backpressure` a QoS 1/2 message gets a
   * promise that settles once the target handled it, withholding the broker's acknowledgement until then.
   */
  accept(message: SessionMessage): Promise<void> | undefined {
    if (!this.running || message === this.last) return undefined;
    this.last = message;
    const metrics = this.metrics;
    metrics.recordReceived();
    const hops = hopsOf(message);
    if (hops >= this.config.maxHops) {
      metrics.recordDropped(); // the loop guard
      return undefined;
    }
    const policy = this.config.dropPolicy;
    if (this.count >= this.config.bufferSize) {
      if (policy === 'drop-newest' || (policy === 'backpressure' && message.qos === 0)) {
        metrics.recordDropped();
        return undefined;
      }
      if (policy === 'drop-oldest') {
        const oldest = this.queue.shift();
        if (oldest === undefined) {
          metrics.recordDropped();
          return undefined;
        }
        this.settle(oldest, 'dropped', undefined);
      } else {
        return new Promise<void>((resolve) => this.waiting.push({ message, hops, resolve }));
      }
    }
    if (policy !== 'backpressure' || message.qos === 0) {
      this.admit(new Item(message, hops, undefined));
      return undefined;
    }
    return new Promise<void>((resolve) => this.admit(new Item(message, hops, resolve)));
  }

  private admit(item: Item): void {
    this.count++;
    this.metrics.setBuffered(this.count);
    if (this.busy || this.queue.length > 0) this.queue.push(item);
    else this.step(item);
  }

  /** Filter, transform (sync fast path), then publish. */
  private step(item: Item): void {
    const cfg = this.config;
    let message: SessionMessage | null | undefined = item.message;
    try {
      if (cfg.filter !== undefined) {
        const keep = cfg.filter(message);
        if (isThenable(keep)) return this.slow(item, keep as Promise<boolean>);
        if (!keep) return this.settle(item, 'filtered', undefined);
      }
      if (cfg.transform !== undefined) {
        const out = cfg.transform(message);
        if (isThenable(out)) return this.slow(item, undefined, out as Promise<SessionMessage | null | undefined>);
        message = out;
        if (message === null || message === undefined) return this.settle(item, 'filtered', undefined);
      }
    } catch (err) {
      return this.settle(item, 'failed', err);
    }
    this.publish(item, message);
  }

  /** The async part of the filter / transform stage; later items wait in order. */
  private slow(item: Item, keep: Promise<boolean> | undefined, out?: Promise<SessionMessage | null | undefined>): void {
    this.busy = true;
    const cfg = this.config;
    const run = async (): Promise<SessionMessage | null | undefined> => {
      if (keep !== undefined) {
        if (!(await keep)) return null;
        if (cfg.transform === undefined) return item.message;
        return await cfg.transform(item.message);
      }
      return await out!;
    };
    run().then(
      (message) => {
        this.busy = false;
        if (message === null || message === undefined) this.settle(item, 'filtered', undefined);
        else this.publish(item, message);
        this.drain();
      },
      (err: unknown) => {
        this.busy = false;
        this.settle(item, 'failed', err);
        this.drain();
      },
    );
  }

  private drain(): void {
    while (!this.busy && this.queue.length > 0) this.step(this.queue.shift()!);
  }

  private publish(item: Item, message: SessionMessage): void {
    const cfg = this.config;
    const target = this.host.getSession(cfg.targetSession);
    if (target === undefined || target.status === 'closed') {
      return this.settle(item, 'failed', new ManagerError('ERR_SESSION_NOT_FOUND', `target session ${cfg.targetSession} is gone`, 'forwarder'));
    }
    const topic = cfg.mapper.empty ? message.topic : cfg.mapper.map(message.topic, message.session);
    if (topic === undefined) {
      return this.settle(item, 'failed', newForwarderError('the mapped topic is not a valid topic name', undefined, { context: { topic: message.topic } }));
    }
    const hops = item.hops + 1;
    let payload = message.payload;
    let properties;
    if (target.protocolVersion === 5) properties = forwardProperties(message.properties, cfg.metadata, hops);
    else if (cfg.envelope) payload = envelopePayload(message, cfg.metadata, hops);
    item.bytes = payload.length;
    target
      .publish(topic, payload, { qos: cfg.qos ?? message.qos, retain: cfg.clearRetain ? false : message.retain, properties })
      .then(
        () => this.settle(item, 'forwarded', undefined),
        (err: unknown) => this.settle(item, 'failed', err),
      );
  }

  /** Ends an item: counts it, frees its place, releases its acknowledgement, admits a waiting message. */
  private settle(item: Item, outcome: 'forwarded' | 'filtered' | 'dropped' | 'failed', error: unknown): void {
    const metrics = this.metrics;
    const now = this.host.now();
    switch (outcome) {
      case 'forwarded':
        metrics.recordForwarded(performance.now() - item.message.receivedAtMono, now, item.bytes);
        break;
      case 'filtered':
        metrics.recordFiltered();
        break;
      case 'dropped':
        metrics.recordDropped();
        break;
      default:
        metrics.recordFailed(now);
        this.report(
          newForwarderError(`forwarder ${this.name}: a message was not forwarded`, error, {
            session: item.message.session,
            context: { forwarder: this.name, topic: item.message.topic },
          }),
        );
    }
    this.count--;
    const release = item.release;
    item.release = undefined;
    release?.();
    const w = this.waiting.length > 0 && this.running && this.count < this.config.bufferSize ? this.waiting.shift() : undefined;
    if (w !== undefined) this.admit(new Item(w.message, w.hops, w.resolve));
    else metrics.setBuffered(this.count);
  }

  private report(error: unknown): void {
    const err = toMqttxError(error, 'forwarder');
    this.host.bus.emitEvent('error', err.session, { error: err, forwarder: this.name });
  }
}
