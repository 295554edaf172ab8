/**
 * Plain snapshot types read by the exporters. Every snapshot is a fresh object of numbers, booleans and
 * strings (no live references), so an exporter may format it at leisure while counting goes on.
 *
 * Conventions: times are milliseconds since the Unix epoch, `0` meaning "never"; rates are per second;
 * counters only grow for the life of their owner.
 * @module
 */

/** Lifecycle states of a session, as reported by `session_state_changed` and `mqtt_session_status`. */
export type SessionStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** The `mqtt_session_status` code of each {@link SessionStatus}. */
export const SESSION_STATUS_CODES: Readonly<Record<SessionStatus, number>> = Object.freeze({
  disconnected: 0,
  connecting: 1,
  connected: 2,
  reconnecting: 3,
  closed: 4,
});

/** Snapshot of one session's counters, rates and configuration flags. */
export interface SessionMetricsSnapshot {
  /** Session name (the `session` label). */
  name: string;
  /** Current lifecycle state. */
  status: SessionStatus;
  /** `status === 'connected'`. */
  connected: boolean;
  /** Whether the session state is kept in a persistent store. */
  persistent: boolean;
  /** Whether the session connects with Clean Session / Clean Start. */
  cleanSession: boolean;
  /** Whether the session reconnects by itself after a dropped link. */
  autoReconnect: boolean;
  /** Application messages published by this session. */
  messagesSent: number;
  /** Application messages delivered to this session. */
  messagesReceived: number;
  /** Bytes attributed to the messages sent. */
  bytesSent: number;
  /** Bytes attributed to the messages received. */
  bytesReceived: number;
  /** Errors counted against this session. */
  errors: number;
  /** Reconnect attempts. */
  reconnects: number;
  /** Current number of subscriptions (a gauge). */
  subscriptions: number;
  /** Messages (both directions) per second over the last 10 seconds. */
  messageRate: number;
  /** Messages (both directions) per second since `startedAt`. */
  avgMessageRate: number;
  /** Bytes (both directions) per second over the last 10 seconds. */
  bytesRate: number;
  /** Time of the last message in either direction, 0 if none. */
  lastMessageAt: number;
  /** Time of the last error, 0 if none. */
  lastErrorAt: number;
  /** Time the metrics were created. */
  startedAt: number;
}

/** Snapshot of a latency distribution (milliseconds). */
export interface LatencySnapshot {
  /** Number of observations. */
  count: number;
  /** Sum of all observations, ms. */
  sumMs: number;
  /** Smallest observation, ms (0 when `count` is 0). */
  minMs: number;
  /** Largest observation, ms (0 when `count` is 0). */
  maxMs: number;
  /** `sumMs / count`, 0 when `count` is 0. */
  avgMs: number;
  /** Median estimated from the buckets (linear within a bucket, clamped to min/max). */
  p50Ms: number;
  /** 99th percentile estimated the same way. */
  p99Ms: number;
  /** Cumulative bucket counts: observations `<= le` ms; the last bucket has `le: Infinity`. */
  buckets: {
    /** Upper bound of the bucket, ms (inclusive); `Infinity` for the last. */
    le: number;
    /** Observations `<= le` ms (cumulative). */
    count: number;
  }[];
}

/** Snapshot of one forwarder. */
export interface ForwarderMetricsSnapshot {
  /** Forwarder name (the `forwarder` label). */
  name: string;
  /** Whether the forwarder is started. */
  running: boolean;
  /** Messages waiting in the forwarder's buffer now (a gauge). */
  buffered: number;
  /** Messages received from the source sessions. */
  received: number;
  /** Messages whose target publish resolved. */
  forwarded: number;
  /** Messages rejected by the filter (or mapped to `null` by the transform). */
  filtered: number;
  /** Messages dropped by the drop policy or the loop guard. */
  dropped: number;
  /** Messages whose target publish failed. */
  failed: number;
  /** Forwarded messages per second over the last 10 seconds. */
  messageRate: number;
  /** Forwarded messages per second since `startedAt`. */
  avgMessageRate: number;
  /** Time of the last forwarded message, 0 if none. */
  lastMessageAt: number;
  /** Time of the last failure, 0 if none. */
  lastErrorAt: number;
  /** Time the metrics were created. */
  startedAt: number;
  /** Latency from source receipt to target publish resolved. */
  latency: LatencySnapshot;
}

/** Snapshot of one route (`handle`, `listen`, ...). */
export interface RouteMetricsSnapshot {
  /** Route identifier (the `route` label). */
  name: string;
  /** The route's topic filter (the `filter` label). */
  filter: string;
  /** Messages that matched the route's topic filter. */
  received: number;
  /** Messages handed to the handler or iterator. */
  delivered: number;
  /** Messages rejected by the route's own filters. */
  filtered: number;
  /** Messages dropped by the route's overflow policy. */
  dropped: number;
  /** Handler failures. */
  errors: number;
  /** Bytes of the messages received. */
  bytesReceived: number;
  /** Received messages per second over the last 10 seconds. */
  messageRate: number;
  /** Received messages per second since `startedAt`. */
  avgMessageRate: number;
  /** Received bytes per second over the last 10 seconds. */
  bytesRate: number;
  /** Time of the last received message, 0 if none. */
  lastMessageAt: number;
  /** Time of the last handler failure, 0 if none. */
  lastErrorAt: number;
  /** Time the metrics were created. */
  startedAt: number;
}

/**
 * Manager-wide aggregate. Counters include sessions that were removed, so they never go down; gauges and
 * rates cover the sessions present now.
 */
export interface ManagerMetricsSnapshot {
  /** Sessions present. */
  sessions: number;
  /** Sessions whose status is `connected`. */
  sessionsConnected: number;
  /** Forwarders present. */
  forwarders: number;
  /** Routes present. */
  routes: number;
  /** Sum of the sessions' `messagesSent`. */
  messagesSent: number;
  /** Sum of the sessions' `messagesReceived`. */
  messagesReceived: number;
  /** Sum of the sessions' `bytesSent`. */
  bytesSent: number;
  /** Sum of the sessions' `bytesReceived`. */
  bytesReceived: number;
  /** Sessions' errors plus errors counted against the manager itself. */
  errors: number;
  /** Sum of the sessions' `reconnects`. */
  reconnects: number;
  /** Sum of the present sessions' `subscriptions`. */
  subscriptions: number;
  /** Sum of the present sessions' `messageRate`. */
  messageRate: number;
  /** All messages counted since the manager started, per second. */
  avgMessageRate: number;
  /** Sum of the present sessions' `bytesRate`. */
  bytesRate: number;
  /** Latest `lastMessageAt` of any session (removed ones included), 0 if none. */
  lastMessageAt: number;
  /** Latest error time of any session (removed ones included) or of the manager, 0 if none. */
  lastErrorAt: number;
  /** Time the manager metrics were created. */
  startedAt: number;
}

/** Everything an exporter formats: the input of {@link PrometheusExporter.export}. */
export interface MetricsSnapshot {
  /** When the snapshot was taken (ms since the epoch). */
  timestamp: number;
  /** Manager-wide aggregate. */
  manager: ManagerMetricsSnapshot;
  /** One entry per session. */
  sessions: SessionMetricsSnapshot[];
  /** One entry per forwarder. */
  forwarders: ForwarderMetricsSnapshot[];
  /** One entry per route (optional: absent means none). */
  routes?: RouteMetricsSnapshot[];
}
