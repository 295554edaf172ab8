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

/** Counters of sessions that were removed, kept so manager totals never go down. */
type Retired = Pick<
  SessionMetricsSnapshot,
  'messagesSent' | 'messagesReceived' | 'bytesSent' | 'bytesReceived' | 'errors' | 'reconnects' | 'lastMessageAt' | 'lastErrorAt'
>;

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
    if (this.sessions.has(metrics.name)) {
      throw newConfigurationError(`session metrics "${metrics.name}" already registered`).withContext({
        session: metrics.name,
      });
    }
    this.sessions.set(metrics.name, metrics);
  }

  /**
   * Unregisters a session's metrics; its counters stay in the manager totals. Returns false when unknown.
   */
  removeSession(name: string): boolean {
    const m = this.sessions.get(name);
    if (m === undefined) return false;
    const r = this.retired;
    r.messagesSent += m.messagesSent;
    r.messagesReceived += m.messagesReceived;
    r.bytesSent += m.bytesSent;
    r.bytesReceived += m.bytesReceived;
    r.errors += m.errors;
    r.reconnects += m.reconnects;
    if (m.lastMessageAt > r.lastMessageAt) r.lastMessageAt = m.lastMessageAt;
    if (m.lastErrorAt > r.lastErrorAt) r.lastErrorAt = m.lastErrorAt;
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
    if (this.forwarders.has(metrics.name)) {
      throw newConfigurationError(`forwarder metrics "${metrics.name}" already registered`).withContext({
        forwarder: metrics.name,
      });
    }
    this.forwarders.set(metrics.name, metrics);
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
    if (this.routes.has(metrics.name)) {
      throw newConfigurationError(`route metrics "${metrics.name}" already registered`).withContext({
        route: metrics.name,
      });
    }
    this.routes.set(metrics.name, metrics);
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
    const sessions: SessionMetricsSnapshot[] = [];
    for (const m of this.sessions.values()) sessions.push(m.snapshot(now));
    return this.aggregate(sessions, now);
  }

  /** Everything at `now`: the input of the exporters. Session snapshots are taken once and aggregated. */
  collect(now: number): MetricsSnapshot {
    const sessions: SessionMetricsSnapshot[] = [];
    for (const m of this.sessions.values()) sessions.push(m.snapshot(now));
    const forwarders = [];
    for (const f of this.forwarders.values()) forwarders.push(f.snapshot(now));
    const routes = [];
    for (const r of this.routes.values()) routes.push(r.snapshot(now));
    return { timestamp: now, manager: this.aggregate(sessions, now), sessions, forwarders, routes };
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
      out.messagesSent += s.messagesSent;
      out.messagesReceived += s.messagesReceived;
      out.bytesSent += s.bytesSent;
      out.bytesReceived += s.bytesReceived;
      out.errors += s.errors;
      out.reconnects += s.reconnects;
      out.subscriptions += s.subscriptions;
      out.messageRate += s.messageRate;
      out.bytesRate += s.bytesRate;
      if (s.lastMessageAt > out.lastMessageAt) out.lastMessageAt = s.lastMessageAt;
      if (s.lastErrorAt > out.lastErrorAt) out.lastErrorAt = s.lastErrorAt;
    }
    const age = (now - this.startedAt) / 1000;
    out.avgMessageRate = (out.messagesSent + out.messagesReceived) / (age > 1 ? age : 1);
    return out;
  }
}
