/**
 * The metric families, as one table read by both the text exporter and the prom-client bridge, so the two
 * always expose the same names, types, help texts and values. Names are given without the prefix (`mqtt`
 * by default).
 * @module
 */
import {
  SESSION_STATUS_CODES,
  type ForwarderMetricsSnapshot,
  type ManagerMetricsSnapshot,
  type RouteMetricsSnapshot,
  type SessionMetricsSnapshot,
} from './types.js';

/** One scalar family: a counter or gauge with one sample per entity. */
export interface Family<S> {
  /** Name after the prefix and its underscore, such as `session_messages_sent_total`. */
  readonly name: string;
  /** Prometheus type. */
  readonly type: 'counter' | 'gauge';
  /** `# HELP` text (plain ASCII, no escaping needed). */
  readonly help: string;
  /** Reads the value from a snapshot. */
  readonly value: (s: S) => number;
}

/** Milliseconds since the epoch to seconds, 0 staying 0 ("never"). */
const seconds = (ms: number): number => ms / 1000;
const bool = (b: boolean): number => (b ? 1 : 0);

/** Families labelled `session="..."`, one sample per session (the names the issue lists). */
export const SESSION_FAMILIES: readonly Family<SessionMetricsSnapshot>[] = [
  {
    name: 'session_messages_sent_total',
    type: 'counter',
    help: 'Messages published by the session.',
    value: (s) => s.messagesSent,
  },
  {
    name: 'session_messages_received_total',
    type: 'counter',
    help: 'Messages received by the session.',
    value: (s) => s.messagesReceived,
  },
  {
    name: 'session_bytes_sent_total',
    type: 'counter',
    help: 'Bytes of the messages published by the session.',
    value: (s) => s.bytesSent,
  },
  {
    name: 'session_bytes_received_total',
    type: 'counter',
    help: 'Bytes of the messages received by the session.',
    value: (s) => s.bytesReceived,
  },
  {
    name: 'session_errors_total',
    type: 'counter',
    help: 'Errors counted against the session.',
    value: (s) => s.errors,
  },
  {
    name: 'session_reconnects_total',
    type: 'counter',
    help: 'Reconnect attempts of the session.',
    value: (s) => s.reconnects,
  },
  {
    name: 'session_connected',
    type: 'gauge',
    help: '1 when the session is connected, else 0.',
    value: (s) => bool(s.connected),
  },
  {
    name: 'session_status',
    type: 'gauge',
    help: 'Session state: 0 disconnected, 1 connecting, 2 connected, 3 reconnecting, 4 closed.',
    value: (s) => SESSION_STATUS_CODES[s.status],
  },
  {
    name: 'session_subscriptions',
    type: 'gauge',
    help: 'Current subscriptions of the session.',
    value: (s) => s.subscriptions,
  },
  {
    name: 'session_message_rate',
    type: 'gauge',
    help: 'Messages per second, both directions, over the last 10 seconds.',
    value: (s) => s.messageRate,
  },
  {
    name: 'session_avg_message_rate',
    type: 'gauge',
    help: 'Messages per second, both directions, since the session started.',
    value: (s) => s.avgMessageRate,
  },
  {
    name: 'session_bytes_rate',
    type: 'gauge',
    help: 'Bytes per second, both directions, over the last 10 seconds.',
    value: (s) => s.bytesRate,
  },
  {
    name: 'session_last_message_timestamp_seconds',
    type: 'gauge',
    help: 'Unix time of the last message in either direction, 0 if none.',
    value: (s) => seconds(s.lastMessageAt),
  },
  {
    name: 'session_last_error_timestamp_seconds',
    type: 'gauge',
    help: 'Unix time of the last error, 0 if none.',
    value: (s) => seconds(s.lastErrorAt),
  },
  {
    name: 'session_persistent',
    type: 'gauge',
    help: '1 when the session state is persisted, else 0.',
    value: (s) => bool(s.persistent),
  },
  {
    name: 'session_clean_session',
    type: 'gauge',
    help: '1 when the session connects with a clean session, else 0.',
    value: (s) => bool(s.cleanSession),
  },
  {
    name: 'session_auto_reconnect',
    type: 'gauge',
    help: '1 when the session reconnects by itself, else 0.',
    value: (s) => bool(s.autoReconnect),
  },
];

/** Families without labels, one sample for the manager. */
export const MANAGER_FAMILIES: readonly Family<ManagerMetricsSnapshot>[] = [
  { name: 'manager_sessions', type: 'gauge', help: 'Sessions managed.', value: (m) => m.sessions },
  { name: 'manager_sessions_connected', type: 'gauge', help: 'Sessions connected.', value: (m) => m.sessionsConnected },
  { name: 'manager_forwarders', type: 'gauge', help: 'Forwarders managed.', value: (m) => m.forwarders },
  { name: 'manager_routes', type: 'gauge', help: 'Routes registered.', value: (m) => m.routes },
  {
    name: 'manager_messages_sent_total',
    type: 'counter',
    help: 'Messages published by all sessions.',
    value: (m) => m.messagesSent,
  },
  {
    name: 'manager_messages_received_total',
    type: 'counter',
    help: 'Messages received by all sessions.',
    value: (m) => m.messagesReceived,
  },
  {
    name: 'manager_bytes_sent_total',
    type: 'counter',
    help: 'Bytes of the messages published by all sessions.',
    value: (m) => m.bytesSent,
  },
  {
    name: 'manager_bytes_received_total',
    type: 'counter',
    help: 'Bytes of the messages received by all sessions.',
    value: (m) => m.bytesReceived,
  },
  {
    name: 'manager_errors_total',
    type: 'counter',
    help: 'Errors of all sessions and of the manager.',
    value: (m) => m.errors,
  },
  {
    name: 'manager_reconnects_total',
    type: 'counter',
    help: 'Reconnect attempts of all sessions.',
    value: (m) => m.reconnects,
  },
  {
    name: 'manager_subscriptions',
    type: 'gauge',
    help: 'Subscriptions of all sessions.',
    value: (m) => m.subscriptions,
  },
  {
    name: 'manager_message_rate',
    type: 'gauge',
    help: 'Messages per second of all sessions over the last 10 seconds.',
    value: (m) => m.messageRate,
  },
  {
    name: 'manager_avg_message_rate',
    type: 'gauge',
    help: 'Messages per second since the manager started.',
    value: (m) => m.avgMessageRate,
  },
  {
    name: 'manager_bytes_rate',
    type: 'gauge',
    help: 'Bytes per second of all sessions over the last 10 seconds.',
    value: (m) => m.bytesRate,
  },
  {
    name: 'manager_start_time_seconds',
    type: 'gauge',
    help: 'Unix time the manager started.',
    value: (m) => seconds(m.startedAt),
  },
];

/** Families labelled `forwarder="..."`. */
export const FORWARDER_FAMILIES: readonly Family<ForwarderMetricsSnapshot>[] = [
  {
    name: 'forwarder_received_total',
    type: 'counter',
    help: 'Messages received from the source sessions.',
    value: (f) => f.received,
  },
  {
    name: 'forwarder_forwarded_total',
    type: 'counter',
    help: 'Messages published to the target session.',
    value: (f) => f.forwarded,
  },
  {
    name: 'forwarder_filtered_total',
    type: 'counter',
    help: 'Messages rejected by the filter or transform.',
    value: (f) => f.filtered,
  },
  {
    name: 'forwarder_dropped_total',
    type: 'counter',
    help: 'Messages dropped by the drop policy or loop guard.',
    value: (f) => f.dropped,
  },
  {
    name: 'forwarder_failed_total',
    type: 'counter',
    help: 'Messages whose target publish failed.',
    value: (f) => f.failed,
  },
  {
    name: 'forwarder_buffered',
    type: 'gauge',
    help: 'Messages waiting in the forwarder buffer.',
    value: (f) => f.buffered,
  },
  {
    name: 'forwarder_running',
    type: 'gauge',
    help: '1 when the forwarder is started, else 0.',
    value: (f) => bool(f.running),
  },
  {
    name: 'forwarder_message_rate',
    type: 'gauge',
    help: 'Messages forwarded per second over the last 10 seconds.',
    value: (f) => f.messageRate,
  },
];

/** The forwarder latency histogram (seconds), labelled `forwarder="..."`. */
export const FORWARDER_LATENCY_FAMILY = {
  name: 'forwarder_latency_seconds',
  help: 'Latency from source receipt to target publish resolved, seconds.',
} as const;

/** Families labelled `route="..."` and `filter="..."`. */
export const ROUTE_FAMILIES: readonly Family<RouteMetricsSnapshot>[] = [
  { name: 'route_messages_total', type: 'counter', help: 'Messages that matched the route.', value: (r) => r.received },
  {
    name: 'route_delivered_total',
    type: 'counter',
    help: 'Messages handed to the route handler or iterator.',
    value: (r) => r.delivered,
  },
  {
    name: 'route_filtered_total',
    type: 'counter',
    help: 'Messages rejected by the route filters.',
    value: (r) => r.filtered,
  },
  {
    name: 'route_dropped_total',
    type: 'counter',
    help: 'Messages dropped by the route overflow policy.',
    value: (r) => r.dropped,
  },
  { name: 'route_errors_total', type: 'counter', help: 'Route handler failures.', value: (r) => r.errors },
  {
    name: 'route_message_rate',
    type: 'gauge',
    help: 'Messages per second matched over the last 10 seconds.',
    value: (r) => r.messageRate,
  },
];

/** Metric names must match this (and so must the prefix, when not empty). */
export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** `prefix_name`, or `name` when the prefix is empty. */
export function metricName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}_${name}`;
}
