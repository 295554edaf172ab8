/**
 * Fixed metrics snapshots for the status rendering tests: two snapshots 2 s apart, three sessions in
 * different states, one forwarder.
 */
import type { ForwarderMetricsSnapshot, LatencySnapshot, MetricsSnapshot, SessionMetricsSnapshot, SessionStatus } from 'mqttx';

/** Start of the run. */
export const T0 = Date.UTC(2026, 0, 2, 3, 0, 0);

/** A session snapshot with the given counters (everything else fixed). */
export function session(name: string, status: SessionStatus, received: number, sent: number, errors = 0): SessionMetricsSnapshot {
  return {
    name,
    status,
    connected: status === 'connected',
    persistent: false,
    cleanSession: true,
    autoReconnect: true,
    messagesSent: sent,
    messagesReceived: received,
    bytesSent: sent * 10,
    bytesReceived: received * 10,
    errors,
    reconnects: 0,
    subscriptions: 1,
    messageRate: 0,
    avgMessageRate: 0,
    bytesRate: 0,
    lastMessageAt: 0,
    lastErrorAt: 0,
    startedAt: T0,
  };
}

/** An empty latency distribution. */
export function emptyLatency(): LatencySnapshot {
  return { count: 0, sumMs: 0, minMs: 0, maxMs: 0, avgMs: 0, p50Ms: 0, p99Ms: 0, buckets: [] };
}

/** A forwarder snapshot. */
export function forwarder(name: string, forwarded: number, dropped: number, p99Ms: number): ForwarderMetricsSnapshot {
  return {
    name,
    running: true,
    buffered: 3,
    received: forwarded + dropped,
    forwarded,
    filtered: 0,
    dropped,
    failed: 0,
    messageRate: 0,
    avgMessageRate: 0,
    lastMessageAt: 0,
    lastErrorAt: 0,
    startedAt: T0,
    latency: { ...emptyLatency(), count: forwarded, p50Ms: 1, p99Ms },
  };
}

/** A snapshot at `T0 + atMs`. */
export function snapshot(atMs: number, sessions: SessionMetricsSnapshot[], forwarders: ForwarderMetricsSnapshot[], errors = 0): MetricsSnapshot {
  return {
    timestamp: T0 + atMs,
    manager: {
      sessions: sessions.length,
      sessionsConnected: sessions.filter((s) => s.connected).length,
      forwarders: forwarders.length,
      routes: 0,
      messagesSent: 0,
      messagesReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
      errors,
      reconnects: 0,
      subscriptions: 0,
      messageRate: 0,
      avgMessageRate: 0,
      bytesRate: 0,
      lastMessageAt: 0,
      lastErrorAt: 0,
      startedAt: T0,
    },
    sessions,
    forwarders,
  };
}

/** 60 s into the run. */
export const BEFORE = snapshot(
  60_000,
  [session('sensor-1', 'connected', 100, 600), session('sensor-2', 'reconnecting', 0, 300), session('storage-with-a-very-long-session-name', 'connected', 900, 0, 1)],
  [forwarder('temperatures', 800, 0, 4.5)],
  1,
);

/** 2 s later: sensor-1 sent 20 more, storage received 30 more, 5 forwarded, 2 dropped. */
export const AFTER = snapshot(
  62_000,
  [session('sensor-1', 'connected', 100, 620), session('sensor-2', 'reconnecting', 0, 300), session('storage-with-a-very-long-session-name', 'connected', 930, 0, 1)],
  [forwarder('temperatures', 805, 2, 4.5)],
  1,
);
