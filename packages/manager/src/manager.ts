/**
 * `SessionManager`: many named MQTT sessions with background connects (a bounded number in flight),
 * lifecycle events, waits, publish / subscribe helpers, metrics and an orderly close.
 * @module
 */
import type { PublishPromise, SubscriptionGrant } from '@mqttx/client';
import { isValidTopicFilter } from '@mqttx/codec';
import { ManagerError, newConnectionError, newPublishError, toMqttxError } from './errors.js';
import { EventBus, type ManagerEventHandler, type ManagerEventType } from './events.js';
import { ManagerMetrics } from './metrics/manager.js';
import { PrometheusExporter } from './metrics/prometheus.js';
import type { MetricsSnapshot } from './metrics/types.js';
import type { Forwarder, ForwarderHost } from './forward/forwarder.js';
import { DEFAULT_BUFFER_SIZE } from './routing/mailbox.js';
import { Listener, Route, resolveRouteOptions, type RouteOptions } from './routing/route.js';
import { SessionBuilder } from './session/builder.js';
import { ConnectLimiter } from './session/limiter.js';
import type { MessageHandler, QoS } from './session/message.js';
import type { SessionOptions } from './session/options.js';
import { resolveSessionOptions } from './session/resolve.js';
import {
  Session,
  type SessionPublishOptions,
  type SessionStatusInfo,
  type TimerScheduler,
} from './session/session.js';
import { waitTimeoutError } from './session/waiters.js';
import { badField, checkKeys, isRecord, optFunction, optInt, optNumber, optString } from './validate.js';

/** Where the manager's warnings go. */
export interface ManagerLogger {
  /** A warning (such as TLS verification turned off). */
  warn(message: string, context?: Record<string, unknown>): void;
}

/** Options of {@link SessionManager}. */
export interface SessionManagerOptions {
  /** Most connection attempts in flight across all sessions (connect storms). Default 16. */
  maxConcurrentConnects?: number;
  /** Buffer bound of routes and handlers of sessions that set no `messageChanSize`, messages. Default 1000. */
  messageChanSize?: number;
  /** Clock and timers for waits, also given to every client (fake clocks in tests). Default: real timers. */
  scheduler?: TimerScheduler;
  /** Wall clock for metrics and event timestamps, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Prefix of the Prometheus metric names. Default `mqtt`. */
  metricsPrefix?: string;
  /** Milliseconds a closing session waits for its in-flight messages before DISCONNECT. Default 5000. */
  endTimeout?: number;
  /** Receives warnings. Default: `process.emitWarning`. */
  logger?: ManagerLogger;
}

/** Timers of Node, unref'd so a pending wait never keeps a process alive. */
const systemScheduler: TimerScheduler = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const defaultLogger: ManagerLogger = {
  warn(message, context) {
    process.emitWarning(context?.session === undefined ? message : `${message} (session ${String(context.session)})`, 'MqttxWarning');
  },
};

const MANAGER_KEYS = ['maxConcurrentConnects', 'messageChanSize', 'scheduler', 'now', 'metricsPrefix', 'endTimeout', 'logger'];

function noop(): void {}

/**
 * Manages named sessions. `addSession` returns at once and connects in the background; at most
 * `maxConcurrentConnects` connection attempts (first connects and reconnects alike) are in flight.
 *
 * ```ts
 * const manager = new SessionManager();
 * manager.addSession({ name: 'edge', brokers: 'mqtt://127.0.0.1:1883', topics: [{ topic: 'sensors/#', qos: 1, handler }] });
 * await manager.waitForSession('edge', 5000);
 * await manager.publishTo('edge', 'status', 'up', 1);
 * await manager.close();
 * ```
 */
export class SessionManager implements ForwarderHost {
  // Also the host of its sessions and routes (`SessionHost`, `RouteHost`): internal contracts, checked where
  // the manager passes itself to `new Session` / `new Route`, so they stay out of the public class signature.
  /** The event bus (`onEvent` / `offEvent` are shortcuts to it). */
  readonly bus: EventBus;
  /** The metrics registry (sessions, forwarders, routes). */
  readonly metrics: ManagerMetrics;
  /** @internal */
  readonly limiter: ConnectLimiter;
  /** @internal */
  readonly scheduler: TimerScheduler;
  /** @internal */
  readonly customScheduler: boolean;
  /** @internal */
  readonly defaultBufferSize: number;
  /** @internal */
  readonly metricsPrefix: string;
  /** @internal */
  readonly endTimeout: number;
  private readonly clock: () => number;
  private readonly logger: ManagerLogger;
  private readonly sessions = new Map<string, Session>();
  /** Every live route, by name. */
  private readonly routes = new Map<string, Route>();
  /** Routes on every session (joined by sessions added later). */
  private readonly globalRoutes = new Set<Route>();
  private routeSeq = 0;
  /** Every forwarder made on this manager (closed with it). */
  private readonly forwarders = new Set<Forwarder>();
  private readonly exporter: PrometheusExporter;
  private closing: Promise<void> | undefined;

  /**
   * @param options - limits, clocks and logging
   * @throws {@link ManagerError} `ERR_CONFIGURATION` naming a bad option
   */
  constructor(options: SessionManagerOptions = {}) {
    if (!isRecord(options as unknown)) throw badField('options', 'must be an object');
    checkKeys(options as Record<string, unknown>, MANAGER_KEYS, '');
    this.limiter = new ConnectLimiter(optInt(options.maxConcurrentConnects, 'maxConcurrentConnects', 1) ?? 16);
    this.defaultBufferSize = optInt(options.messageChanSize, 'messageChanSize', 1) ?? DEFAULT_BUFFER_SIZE;
    const s = options.scheduler;
    if (s !== undefined && !hasFunctions(s, ['now', 'setTimeout', 'clearTimeout'])) {
      throw badField('scheduler', 'must have now, setTimeout and clearTimeout');
    }
    this.scheduler = s ?? systemScheduler;
    this.customScheduler = s !== undefined;
    this.clock = optFunction<() => number>(options.now, 'now') ?? Date.now;
    this.metricsPrefix = optString(options.metricsPrefix, 'metricsPrefix') ?? 'mqtt';
    this.exporter = new PrometheusExporter(this.metricsPrefix);
    this.endTimeout = optNumber(options.endTimeout, 'endTimeout', 0, 2_147_483_647) ?? 5000;
    const logger = options.logger;
    if (logger !== undefined && !hasFunctions(logger, ['warn'])) throw badField('logger', 'must have a warn function');
    this.logger = logger ?? defaultLogger;
    this.bus = new EventBus({ now: this.clock });
    this.metrics = new ManagerMetrics(this.clock());
    this.closing = undefined;
  }

  /** @internal Wall clock, ms. */
  now(): number {
    return this.clock();
  }

  /** @internal */
  warn(message: string, context: Record<string, unknown>): void {
    this.logger.warn(message, context);
  }

  // ------------------------------------------------------------------ events

  /** Adds an event handler (see {@link EventBus.onEvent}); returns its remover. */
  onEvent<T extends ManagerEventType>(type: T | '*', handler: ManagerEventHandler<T>): () => void {
    return this.bus.onEvent(type as T, handler);
  }

  /** Removes an event handler. */
  offEvent<T extends ManagerEventType>(type: T | '*', handler: ManagerEventHandler<T>): boolean {
    return this.bus.offEvent(type, handler);
  }

  // ------------------------------------------------------------------ sessions

  /**
   * Adds a session (options, or a builder from `sessionBuilder` / `quickConnect` / `secureConnect`) and,
   * unless `autoConnect: false`, starts connecting it in the background (events tell how it goes;
   * {@link SessionManager.waitForSession} waits for it). Emits `session_added`.
   * @throws {@link ManagerError} `ERR_CONFIGURATION` for bad options (naming the field),
   *   `ERR_SESSION_EXISTS` for a name in use, `ERR_MANAGER_CLOSED` after {@link SessionManager.close}
   */
  addSession(options: SessionOptions | SessionBuilder): Session {
    this.checkOpen();
    const resolved = resolveSessionOptions(options instanceof SessionBuilder ? options.build() : options);
    if (this.sessions.has(resolved.name)) {
      throw new ManagerError('ERR_SESSION_EXISTS', `a session named ${resolved.name} exists`, 'configuration', undefined, {
        session: resolved.name,
        context: { field: 'name' },
      });
    }
    const session = new Session(resolved, this);
    this.sessions.set(session.name, session);
    this.metrics.addSession(session.metrics);
    this.bus.emitEvent('session_added', session.name, {
      clientId: resolved.client.clientId ?? '',
      protocolVersion: resolved.protocolVersion,
      brokers: brokerList(resolved.client.brokers),
    });
    for (const route of this.globalRoutes) route.attach(session).catch(noop);
    if (resolved.autoConnect) session.connect().catch(noop);
    return session;
  }

  /**
   * Disconnects a session (graceful) and removes it: `session_disconnected` (when it was up or trying),
   * then `session_removed`. Resolves false when there is no such session.
   */
  async removeSession(name: string): Promise<boolean> {
    const session = this.sessions.get(name);
    if (session === undefined) return false;
    this.sessions.delete(name);
    for (const route of this.routes.values()) route.detach(session);
    for (const f of this.forwarders) f.detach(session);
    await session.disconnect();
    this.metrics.removeSession(name);
    this.bus.emitEvent('session_removed', name, {});
    return true;
  }

  /** The session named `name`, if any. */
  getSession(name: string): Session | undefined {
    return this.sessions.get(name);
  }

  /** Names of the sessions, in the order they were added. */
  listSessions(): string[] {
    return [...this.sessions.keys()];
  }

  /** Status of every session, by name. */
  getAllSessionsStatus(): Record<string, SessionStatusInfo> {
    const out: Record<string, SessionStatusInfo> = {};
    for (const [name, s] of this.sessions) out[name] = s.getStatus();
    return out;
  }

  /**
   * Connects every session that is not connected (bounded by `maxConcurrentConnects`). Resolves once each
   * connected; rejects with `ERR_CONNECTION` (context `failed`: the names, `cause`: the first error) when
   * some failed for good. Sessions that keep retrying are waited for; bound the wait with
   * {@link SessionManager.waitForAllSessions}.
   */
  async connectAll(): Promise<void> {
    this.checkOpen();
    const sessions = [...this.sessions.values()].filter((s) => s.status !== 'closed');
    const results = await Promise.allSettled(sessions.map((s) => s.connect()));
    const failed: string[] = [];
    let first: unknown;
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        failed.push(sessions[i]!.name);
        first ??= r.reason;
      }
    });
    if (failed.length > 0) {
      throw newConnectionError(`${failed.length} session(s) failed to connect`, first, { context: { failed } });
    }
  }

  /**
   * Resolves once session `name` is connected with its subscriptions in place. Rejects with
   * `ERR_SESSION_NOT_FOUND`, `ERR_SESSION_CLOSED` (closed or removed meanwhile) or `ERR_TIMEOUT` after
   * `timeoutMs` (`Infinity`: no timeout). Nothing stays registered once it settled.
   */
  waitForSession(name: string, timeoutMs: number): Promise<void> {
    const session = this.sessions.get(name);
    if (session === undefined) return Promise.reject(notFound(name));
    const t = checkTimeout(timeoutMs);
    return t instanceof ManagerError ? Promise.reject(t) : session.waitReady(t);
  }

  /**
   * Resolves once every session present now is ready (sessions removed or closed no longer count). Rejects
   * with `ERR_TIMEOUT` after `timeoutMs` (context `pending`: up to 20 names, `pendingCount`). One timer for
   * the whole wait; nothing stays registered once it settled.
   */
  waitForAllSessions(timeoutMs: number): Promise<void> {
    const t = checkTimeout(timeoutMs);
    if (t instanceof ManagerError) return Promise.reject(t);
    const waiting = new Map<Session, () => void>();
    return new Promise<void>((resolve, reject) => {
      let timer: unknown;
      const finish = (err: Error | undefined): void => {
        if (timer !== undefined) this.scheduler.clearTimeout(timer);
        timer = undefined;
        for (const remove of waiting.values()) remove();
        waiting.clear();
        if (err === undefined) resolve();
        else reject(err);
      };
      for (const s of this.sessions.values()) {
        if (s.isReady() || s.status === 'closed') continue; // a closed session never becomes ready
        const done = (): void => {
          if (!waiting.delete(s)) return;
          if (waiting.size === 0) finish(undefined);
        };
        waiting.set(s, s.addReadyListener(done, done)); // removed or closed: no longer awaited
      }
      if (waiting.size === 0) return resolve();
      if (t !== Infinity) {
        timer = this.scheduler.setTimeout(() => {
          timer = undefined;
          const pending = [...waiting.keys()].map((s) => s.name);
          finish(waitTimeoutError('sessions', t, { pending: pending.slice(0, 20), pendingCount: pending.length }));
        }, t);
      }
    });
  }

  /** Publishes on session `name` (see {@link Session.publish}); rejects with `ERR_SESSION_NOT_FOUND`. */
  publishTo(
    name: string,
    topic: string,
    payload: string | Buffer | Uint8Array,
    qos?: QoS | SessionPublishOptions,
    retain?: boolean,
  ): Promise<unknown> {
    const session = this.sessions.get(name);
    if (session === undefined) return Promise.reject(notFound(name));
    return session.publish(topic, payload, qos, retain) as PublishPromise;
  }

  /**
   * Publishes on every session that is not closed. Resolves once all publishes settled; rejects with
   * `ERR_PUBLISH` (context `failed`: the session names, `cause`: the first error) when some failed.
   */
  async publishToAll(
    topic: string,
    payload: string | Buffer | Uint8Array,
    qos?: QoS | SessionPublishOptions,
    retain?: boolean,
  ): Promise<void> {
    const sessions = [...this.sessions.values()].filter((s) => s.status !== 'closed');
    const results = await Promise.allSettled(sessions.map((s) => s.publish(topic, payload, qos, retain)));
    const failed: string[] = [];
    let first: unknown;
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        failed.push(sessions[i]!.name);
        first ??= r.reason;
      }
    });
    if (failed.length > 0) throw newPublishError(`publish failed on ${failed.length} session(s)`, first, { context: { failed, topic } });
  }

  /** Subscribes `handler` on session `name` (see {@link Session.subscribe}). */
  subscribeTo(name: string, topic: string, qos: QoS, handler: MessageHandler): Promise<SubscriptionGrant> {
    const session = this.sessions.get(name);
    if (session === undefined) return Promise.reject(notFound(name));
    return session.subscribe(topic, qos, handler);
  }

  // ------------------------------------------------------------------ routing

  /**
   * Calls `handler` with every message matching `filter` on every session, including sessions added
   * later; one message at a time through a bounded buffer (see {@link RouteOptions}). Several routes and
   * handlers on one filter share one subscription per session.
   * @throws {@link ManagerError} `ERR_CONFIGURATION` for a bad filter or option (naming it)
   */
  handle(filter: string, handler: MessageHandler, options?: RouteOptions): Route {
    if (typeof handler !== 'function') throw badField('handler', 'must be a function');
    return this.route(filter, undefined, handler, options, false) as Route;
  }

  /**
   * Like {@link SessionManager.handle} on session `session` only.
   * @throws {@link ManagerError} `ERR_SESSION_NOT_FOUND`, `ERR_CONFIGURATION`
   */
  handleTo(session: string, filter: string, handler: MessageHandler, options?: RouteOptions): Route {
    if (typeof handler !== 'function') throw badField('handler', 'must be a function');
    return this.route(filter, session, handler, options, false) as Route;
  }

  /** An async iterable of the messages matching `filter` on every session (sessions added later too). */
  listen(filter: string, options?: RouteOptions): Listener {
    return this.route(filter, undefined, undefined, options, true) as Listener;
  }

  /** An async iterable of the messages matching `filter` on session `session`. */
  listenTo(session: string, filter: string, options?: RouteOptions): Listener {
    return this.route(filter, session, undefined, options, true) as Listener;
  }

  /** Every live route. */
  listRoutes(): Route[] {
    return [...this.routes.values()];
  }

  private route(
    filter: string,
    sessionName: string | undefined,
    handler: MessageHandler | undefined,
    options: RouteOptions | undefined,
    listener: boolean,
  ): Route {
    this.checkOpen();
    if (typeof filter !== 'string' || !isValidTopicFilter(filter)) throw badField('filter', 'must be a valid topic filter');
    const o = resolveRouteOptions(options);
    let sessions: Session[];
    let size = o.bufferSize;
    if (sessionName !== undefined) {
      const session = this.sessions.get(sessionName);
      if (session === undefined) throw notFound(sessionName);
      sessions = [session];
      size ??= session.bufferSize;
    } else {
      sessions = [...this.sessions.values()].filter((s) => s.status !== 'closed');
      size ??= this.defaultBufferSize;
    }
    let name = o.name;
    if (name === undefined) {
      do name = `route-${++this.routeSeq}`;
      while (this.routes.has(name));
    } else if (this.routes.has(name)) {
      throw badField('name', `is in use by another route (${name})`);
    }
    const Kind = listener ? Listener : Route;
    const route = new Kind(name, filter, o, size, sessionName, sessions, handler, this);
    this.routes.set(name, route);
    if (sessionName === undefined) this.globalRoutes.add(route);
    this.metrics.addRoute(route.metrics);
    return route;
  }

  /** @internal */
  routeFailed(route: Route, error: unknown): void {
    this.metrics.recordError(this.clock());
    const err = toMqttxError(error, 'subscription');
    this.bus.emitEvent('error', err.session, { error: err, route: route.name });
  }

  /** @internal */
  routeStopped(route: Route): void {
    if (this.routes.get(route.name) === route) this.routes.delete(route.name);
    this.globalRoutes.delete(route);
    this.metrics.removeRoute(route.name);
  }

  /** @internal */
  forwarderOpened(forwarder: Forwarder): void {
    this.forwarders.add(forwarder);
  }

  /** @internal */
  forwarderClosed(forwarder: Forwarder): void {
    this.forwarders.delete(forwarder);
  }

  // ------------------------------------------------------------------ metrics

  /** Everything measured now: manager aggregate, sessions, forwarders, routes. */
  getMetrics(): MetricsSnapshot {
    return this.metrics.collect(this.clock());
  }

  /** {@link SessionManager.getMetrics} in Prometheus text format. */
  prometheusMetrics(): string {
    return this.exporter.export(this.getMetrics());
  }

  // ------------------------------------------------------------------ close

  /** True once {@link SessionManager.close} was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Closes every forwarder, stops every route, removes every session (gracefully, in parallel) and
   * settles every wait. Idempotent; later calls to `addSession` and the like fail with `ERR_MANAGER_CLOSED`.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.all([...this.forwarders].map((f) => f.close()));
    await Promise.all([...this.routes.values()].map((r) => r.stop()));
    await Promise.all([...this.sessions.keys()].map((name) => this.removeSession(name)));
  }

  private checkOpen(): void {
    if (this.closing !== undefined) throw new ManagerError('ERR_MANAGER_CLOSED', 'the session manager is closed', 'configuration');
  }
}

function hasFunctions(value: unknown, names: readonly string[]): boolean {
  return isRecord(value) && names.every((n) => typeof value[n] === 'function');
}

function notFound(name: string): ManagerError {
  return new ManagerError('ERR_SESSION_NOT_FOUND', `no session named ${name}`, 'configuration', undefined, {
    session: name,
  });
}

function checkTimeout(timeoutMs: unknown): number | ManagerError {
  if (timeoutMs === Infinity) return Infinity;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    return badField('timeoutMs', 'must be a number of milliseconds >= 0 (or Infinity)');
  }
  return timeoutMs;
}

/** The broker URLs of a session, for `session_added` (the bus redacts URL credentials). */
function brokerList(brokers: unknown): string[] {
  const list = Array.isArray(brokers) ? brokers : [brokers];
  return list.map((b) => (typeof b === 'string' ? b : String((b as { url?: string }).url)));
}

