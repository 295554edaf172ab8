/**
 * Routes: `handle` / `handleTo` (a handler) and `listen` / `listenTo` (an async iterable), on one session
 * or on every session (those added later included). A route joins the shared, reference-counted
 * subscription of its filter on each of its sessions, passes matching messages through its own filters
 * and transformers into a bounded buffer, and counts everything in its {@link RouteMetrics}.
 * @module
 */
import { isValidTopicFilter, matchTopic } from '@mqttx/codec';
import { ManagerError } from '../errors.js';
import { RouteMetrics } from '../metrics/route.js';
import type { Session } from '../session/session.js';
import type { MessageHandler, QoS, SessionMessage } from '../session/message.js';
import type { Consumer } from '../session/subscriptions.js';
import { badField, isRecord, optInt, optQos, optString, checkKeys } from '../validate.js';
import { Mailbox, OVERFLOW_POLICIES, type MailboxSink, type OverflowPolicy } from './mailbox.js';

/**
 * A route filter: a topic filter with wildcards (`sensors/+/temp`), a regular expression tested against
 * the topic, or a predicate of the message (payload checks and anything else).
 */
export type RouteFilter = string | RegExp | ((message: SessionMessage) => boolean);

/** A transformer: returns the message to pass on (`message.with({...})`), or null / undefined to drop it. */
export type RouteTransform = (message: SessionMessage) => SessionMessage | null | undefined;

/** Options of `handle`, `handleTo`, `listen` and `listenTo`. */
export interface RouteOptions {
  /** Name of the route (the `route` metric label). Default `route-<n>`. */
  name?: string;
  /** QoS of the subscription. Default 0. */
  qos?: QoS;
  /** Bound of the route's buffer, messages. Default: the session's `messageChanSize` (or the manager's). */
  bufferSize?: number;
  /** What happens when the buffer is full. Default `backpressure`. */
  overflow?: OverflowPolicy;
  /** Every filter must accept a message (after the subscription filter matched). */
  filters?: RouteFilter[];
  /** Applied in order after the filters. */
  transforms?: RouteTransform[];
}

/** Route options with defaults applied. @internal */
export interface ResolvedRouteOptions {
  name: string | undefined;
  qos: QoS;
  bufferSize: number | undefined;
  overflow: OverflowPolicy;
  filters: Array<(message: SessionMessage) => boolean>;
  transforms: RouteTransform[];
}

/** What a route needs from its manager. @internal */
export interface RouteHost {
  /** Wall clock, ms. */
  now(): number;
  /** A route failed (filter, transformer, handler, subscription): counted and reported. */
  routeFailed(route: Route, error: unknown): void;
  /** The route stopped: forget it. */
  routeStopped(route: Route): void;
}

const ROUTE_KEYS = ['name', 'qos', 'bufferSize', 'overflow', 'filters', 'transforms'];

function compileFilter(filter: unknown, field: string): (message: SessionMessage) => boolean {
  if (typeof filter === 'string') {
    if (!isValidTopicFilter(filter)) throw badField(field, 'is not a valid topic filter');
    return (m) => matchTopic(filter, m.topic);
  }
  if (filter instanceof RegExp) {
    const re = filter;
    return (m) => {
      re.lastIndex = 0;
      return re.test(m.topic);
    };
  }
  if (typeof filter === 'function') return filter as (message: SessionMessage) => boolean;
  throw badField(field, 'must be a topic filter, a RegExp or a function');
}

/**
 * Checks route options.
 * @throws {@link ManagerError} `ERR_CONFIGURATION` naming the bad field
 */
export function resolveRouteOptions(options: RouteOptions | undefined): ResolvedRouteOptions {
  if (options === undefined) {
    return { name: undefined, qos: 0, bufferSize: undefined, overflow: 'backpressure', filters: [], transforms: [] };
  }
  if (!isRecord(options as unknown)) throw badField('options', 'must be an object');
  checkKeys(options as Record<string, unknown>, ROUTE_KEYS, '');
  const overflow = options.overflow ?? 'backpressure';
  if (!OVERFLOW_POLICIES.includes(overflow)) throw badField('overflow', `must be one of ${OVERFLOW_POLICIES.join(', ')}`);
  const filters = options.filters ?? [];
  if (!Array.isArray(filters)) throw badField('filters', 'must be a list');
  const transforms = options.transforms ?? [];
  if (!Array.isArray(transforms)) throw badField('transforms', 'must be a list');
  transforms.forEach((t, i) => {
    if (typeof t !== 'function') throw badField(`transforms[${i}]`, 'must be a function');
  });
  const name = optString(options.name, 'name');
  if (name === '') throw badField('name', 'must not be empty');
  return {
    name,
    qos: optQos(options.qos, 'qos') ?? 0,
    bufferSize: optInt(options.bufferSize, 'bufferSize', 1),
    overflow,
    filters: filters.map((f, i) => compileFilter(f, `filters[${i}]`)),
    transforms: [...transforms],
  };
}

/**
 * A route. Messages matching its topic filter on its sessions go through its filters and transformers
 * into a bounded buffer drained by its handler (`handle`) or by async iteration (`listen`, see
 * {@link Listener}). {@link Route.stop} leaves every subscription (the last user of a filter on a session
 * unsubscribes it) and discards what is buffered.
 */
export class Route implements Consumer, MailboxSink {
  /** Route name (metric label). */
  readonly name: string;
  /** The topic filter subscribed. */
  readonly filter: string;
  /** QoS of the subscription. */
  readonly qos: QoS;
  /** The session it is bound to, or undefined for a route on every session. */
  readonly session: string | undefined;
  /** Counters of the route. */
  readonly metrics: RouteMetrics;
  /** Resolves once the subscriptions on the sessions present at creation are granted; rejects on a refusal. */
  readonly ready: Promise<void>;
  /** @internal */
  protected readonly mailbox: Mailbox;
  private readonly host: RouteHost;
  private readonly filters: ReadonlyArray<(message: SessionMessage) => boolean>;
  private readonly transforms: readonly RouteTransform[];
  private readonly sessions = new Set<Session>();
  private stopping: Promise<void> | undefined;

  /**
   * @internal Routes are made by the manager (`handle`, `listen`, ...).
   * @param name - unique route name
   * @param filter - topic filter to subscribe
   * @param options - resolved options
   * @param bufferSize - buffer bound
   * @param session - bound session name, or undefined for every session
   * @param sessions - sessions to join now
   * @param handler - the handler, or undefined for a listener
   * @param host - the manager
   */
  constructor(
    name: string,
    filter: string,
    options: ResolvedRouteOptions,
    bufferSize: number,
    session: string | undefined,
    sessions: readonly Session[],
    handler: MessageHandler | undefined,
    host: RouteHost,
  ) {
    this.name = name;
    this.filter = filter;
    this.qos = options.qos;
    this.session = session;
    this.host = host;
    this.filters = options.filters;
    this.transforms = options.transforms;
    this.metrics = new RouteMetrics(name, filter, host.now());
    this.mailbox = new Mailbox(bufferSize, options.overflow, this, handler);
    this.stopping = undefined;
    const joins: Array<Promise<unknown>> = [];
    for (const s of sessions) joins.push(this.attach(s));
    this.ready = Promise.all(joins).then(() => undefined);
    this.ready.catch(noop); // failures are also reported as events; an unread `ready` is not an unhandled rejection
  }

  /** True once {@link Route.stop} was called. */
  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /** Messages waiting in the buffer. */
  get buffered(): number {
    return this.mailbox.size;
  }

  /** Highest number of messages buffered at once. */
  get highWater(): number {
    return this.mailbox.highWater;
  }

  /** Names of the sessions the route is on now. */
  sessionNames(): string[] {
    return [...this.sessions].map((s) => s.name);
  }

  /** @internal Joins `session`'s subscription of the filter. */
  attach(session: Session): Promise<void> {
    if (this.stopping !== undefined || this.sessions.has(session)) return Promise.resolve();
    this.sessions.add(session);
    return session.addConsumer(this.filter, this.qos, this).then(
      () => undefined,
      (err: unknown) => {
        this.sessions.delete(session);
        if (this.stopping === undefined) this.host.routeFailed(this, err);
        throw err;
      },
    );
  }

  /** @internal The session is gone (removed): forget it without unsubscribing. */
  detach(session: Session): void {
    this.sessions.delete(session);
  }

  /**
   * Takes a message matching the route's filter (called by the session): runs the filters and transforms,
   * then offers the result to the route's buffer. A returned promise (overflow policy `backpressure`, buffer
   * full) withholds the broker's acknowledgement of the message (QoS 1/2) until it settles.
   */
  accept(message: SessionMessage): Promise<void> | undefined {
    if (this.stopping !== undefined) return undefined;
    this.metrics.recordReceived(message.payload.length, message.receivedAt);
    let m: SessionMessage | null | undefined = message;
    try {
      const filters = this.filters;
      for (let i = 0; i < filters.length; i++) {
        if (!filters[i]!(m)) {
          this.metrics.recordFiltered();
          return undefined;
        }
      }
      const transforms = this.transforms;
      for (let i = 0; i < transforms.length; i++) {
        m = transforms[i]!(m);
        if (m === null || m === undefined) {
          this.metrics.recordFiltered();
          return undefined;
        }
      }
    } catch (err) {
      this.failed(err, message);
      return undefined;
    }
    return this.mailbox.offer(m);
  }

  /** Counts a message handed to the handler or the iterator (called by the route's buffer). */
  delivered(): void {
    this.metrics.recordDelivered();
  }

  /** Counts a message dropped by the overflow policy or discarded at stop (called by the route's buffer). */
  dropped(): void {
    this.metrics.recordDropped();
  }

  /**
   * Reports a handler, filter or transform that threw or rejected: counts it and emits an `error` event with
   * code `ERR_ROUTE` (the failure as `cause`).
   */
  failed(error: unknown, message: SessionMessage): void {
    this.metrics.recordError(this.host.now());
    this.host.routeFailed(
      this,
      new ManagerError('ERR_ROUTE', `route ${this.name} failed`, 'subscription', error, {
        session: message.session,
        context: { route: this.name, topic: message.topic },
      }),
    );
  }

  /**
   * Stops the route: the buffer is discarded (counted as dropped; held acknowledgements are released), a
   * pending iteration ends, and the route leaves its subscriptions (the last user of a filter on a session
   * unsubscribes it). Idempotent; resolves once the UNSUBSCRIBEs of the connected sessions were answered
   * (an offline session sends its own once it is connected again).
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.mailbox.close();
    const sessions = [...this.sessions];
    this.sessions.clear();
    this.host.routeStopped(this);
    const waits: Array<Promise<void>> = [];
    for (const s of sessions) {
      const left = s.removeConsumer(this.filter, this).catch((err: unknown) => this.host.routeFailed(this, err));
      // An offline session sends its UNSUBSCRIBE once connected (or drops it when closed): not waited for.
      if (s.isConnected()) waits.push(left);
    }
    await Promise.all(waits);
  }
}

/**
 * A route read by async iteration (`listen`, `listenTo`). Breaking out of `for await` (or `return()`)
 * stops the route; {@link Route.stop} ends a pending iteration.
 *
 * ```ts
 * for await (const msg of manager.listen('alerts/#', { bufferSize: 100, overflow: 'drop-oldest' })) {
 *   console.log(msg.session, msg.topic, msg.payloadString());
 * }
 * ```
 */
export class Listener extends Route implements AsyncIterableIterator<SessionMessage> {
  /** The next message; done once the route stopped. */
  next(): Promise<IteratorResult<SessionMessage>> {
    return this.mailbox.next();
  }

  /** Stops the route and ends the iteration. */
  async return(): Promise<IteratorResult<SessionMessage>> {
    await this.stop();
    return { value: undefined, done: true };
  }

  /** Returns the listener itself, so it works with `for await ... of`. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}

function noop(): void {}
