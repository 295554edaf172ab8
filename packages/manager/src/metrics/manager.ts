/**
 * The manager's metrics registry: the live {@link SessionMetrics}, {@link ForwarderMetrics} and
 * {@link RouteMetrics} objects plus manager-wide aggregates. Exporters read {@link ManagerMetrics.collect}.
 * @module
 */
import { newConfigurationError } from '../errors.js';
import type { ForwarderMetrics } from './forwarder.js';
import type { RouteMetrics } from './route.js';
import type { SessionMetrics } from './session.js';
import type { ManagerMetricsSnapshot, MetricsSnapshot, SessionMetricsSnapshot } from './types.js';

/** What the registry holds: one kind of metrics object, named (the `session` / `forwarder` / `route` label). */
type Kind = 'session' | 'forwarder' | 'route';

/**
 * Adds `metrics` to `map` under its name.
 * @throws {@link ManagerError} `ERR_CONFIGURATION` (context `{ [kind]: name }`) when the name is taken
 */
function register<M extends { readonly name: string }>(map: Map<string, M>, kind: Kind, metrics: M): void {
  if (map.has(metrics.name)) {
    throw newConfigurationError(`${kind} metrics "${metrics.name}" already registered`).withContext({ [kind]: metrics.name });
  }
  map.set(metrics.name, metrics);
}

/** The snapshot of every object of `map` at `now`, in registration order. */
function snapshots<S>(map: Map<string, { snapshot(now: number): S }>, now: number): S[] {
  const out: S[] = [];
  for (const m of map.values()) out.push(m.snapshot(now));
  return out;
}

/** Counters of sessions that were removed, kept so manager totals never go down. */
type Retired = Pick<
  SessionMetricsSnapshot,
  'messagesSent' | 'messagesReceived' | 'bytesSent' | 'bytesReceived' | 'errors' | 'reconnects' | 'lastMessageAt' | 'lastErrorAt'
>;

/** Adds the counters of `from` to `into` and keeps the later of each time. */
function accumulate(into: Retired, from: Retired): void {
  into.messagesSent += from.messagesSent;
  into.messagesReceived += from.messagesReceived;
  into.bytesSent += from.bytesSent;
  into.bytesReceived += from.bytesReceived;
  into.errors += from.errors;
  into.reconnects += from.reconnects;
  if (from.lastMessageAt > into.lastMessageAt) into.lastMessageAt = from.lastMessageAt;
  if (from.lastErrorAt > into.lastErrorAt) into.lastErrorAt = from.lastErrorAt;
}

/**
 * Holds every metrics object of one manager. Adding and removing happen on session, forwarder and route
 * lifecycle (rare); counting happens on the objects themselves; aggregation happens only when a snapshot
 * is taken.
 */
export class ManagerMetrics {
  private readonly sessions = new Map<string, SessionMetrics>();
  private readonly forwarders = new Map<string, ForwarderMetrics>();
  private readonly routes = new Map<string, RouteMetrics>();
  private readonly retired: Retired = {
    messagesSent: 0,
    messagesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    errors: 0,
    reconnects: 0,
    lastMessageAt: 0,
    lastErrorAt: 0,
  };
  /** Errors counted against the manager itself (not a session). */
  errors: number;
  /** Time of the last manager-level error, 0 if none. */
  lastErrorAt: number;
  /** Time the manager metrics were created, ms. */
  readonly startedAt: number;

  /** @param now - the caller's clock at creation, ms */
  constructor(now: number) {
    this.errors = 0;
    this.lastErrorAt = 0;
    this.startedAt = now;
  }

  /**
   * Registers a session's metrics.
   * @throws {@link ManagerError} `ERR_CONFIGURATION` when a session of that name is registered already
   */
  addSession(metrics: SessionMetrics): void {
    register(this.sessions, 'session', metrics);
  }

  /**
   * Unregisters a session's metrics; its counters stay in the manager totals. Returns false when unknown.
   */
  removeSession(name: string): boolean {
    const m = this.sessions.get(name);
    if (m === undefined) return false;
    accumulate(this.retired, m);
    this.sessions.delete(name);
    return true;
  }

  /** The metrics of session `name`, if registered. */
  getSession(name: string): SessionMetrics | undefined {
    return this.sessions.get(name);
  }

  /**
   * Registers a forwarder's metrics.
   * @throws {@link ManagerError} `ERR_CONFIGURATION` when one of that name is registered already
   */
  addForwarder(metrics: ForwarderMetrics): void {
    register(this.forwarders, 'forwarder', metrics);
  }

  /** Unregisters a forwarder's metrics. Returns false when unknown. */
  removeForwarder(name: string): boolean {
    return this.forwarders.delete(name);
  }

  /**
   * Registers a route's metrics.
   * @throws {@link ManagerError} `ERR_CONFIGURATION` when one of that name is registered already
   */
  addRoute(metrics: RouteMetrics): void {
    register(this.routes, 'route', metrics);
  }

  /** Unregisters a route's metrics. Returns false when unknown. */
  removeRoute(name: string): boolean {
    return this.routes.delete(name);
  }

  /** Counts one manager-level error (one not tied to a session) at `now`. */
  recordError(now: number): void {
    this.errors++;
    this.lastErrorAt = now;
  }

  /** The manager-wide aggregate at `now`. */
  snapshot(now: number): ManagerMetricsSnapshot {
    return this.aggregate(snapshots(this.sessions, now), now);
  }

  /** Everything at `now`: the input of the exporters. Session snapshots are taken once and aggregated. */
  collect(now: number): MetricsSnapshot {
    const sessions = snapshots(this.sessions, now);
    return {
      timestamp: now,
      manager: this.aggregate(sessions, now),
      sessions,
      forwarders: snapshots(this.forwarders, now),
      routes: snapshots(this.routes, now),
    };
  }

  /** Sums the session snapshots with the retired counters. */
  private aggregate(sessions: SessionMetricsSnapshot[], now: number): ManagerMetricsSnapshot {
    const r = this.retired;
    const out: ManagerMetricsSnapshot = {
      sessions: sessions.length,
      sessionsConnected: 0,
      forwarders: this.forwarders.size,
      routes: this.routes.size,
      messagesSent: r.messagesSent,
      messagesReceived: r.messagesReceived,
      bytesSent: r.bytesSent,
      bytesReceived: r.bytesReceived,
      errors: r.errors + this.errors,
      reconnects: r.reconnects,
      subscriptions: 0,
      messageRate: 0,
      avgMessageRate: 0,
      bytesRate: 0,
      lastMessageAt: r.lastMessageAt,
      lastErrorAt: r.lastErrorAt > this.lastErrorAt ? r.lastErrorAt : this.lastErrorAt,
      startedAt: this.startedAt,
    };
    for (const s of sessions) {
      if (s.connected) out.sessionsConnected++;
      accumulate(out, s);
      out.subscriptions += s.subscriptions;
      out.messageRate += s.messageRate;
      out.bytesRate += s.bytesRate;
    }
    const age = (now - this.startedAt) / 1000;
    out.avgMessageRate = (out.messagesSent + out.messagesReceived) / (age > 1 ? age : 1);
    return out;
  }
}
