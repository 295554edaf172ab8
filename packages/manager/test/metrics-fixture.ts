/**
 * Shared by the Prometheus tests: a hand-made snapshot with a distinct value in every field, a session name
 * built to break naive label escaping, and a typed wrapper around parse-prometheus-text-format.
 */
import parseRaw from 'parse-prometheus-text-format';
import { LATENCY_BUCKETS_MS, type MetricsSnapshot } from 'mqttx';

/** One sample as the parser returns it (values stay strings). */
export interface ParsedSample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

/** One family as the parser returns it. */
export interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: ParsedSample[];
}

/** parse-prometheus-text-format, typed. */
export const parsePrometheus = parseRaw as unknown as (text: string) => ParsedFamily[];

/**
 * The samples of histogram family `name`, labels included. parse-prometheus-text-format folds histogram
 * samples into one label-less object (it loses the labels, `_sum` and `_count` of labelled histograms), so
 * the family is re-announced as untyped first: its `_bucket`, `_sum` and `_count` samples then parse as
 * families of their own, every label kept, merged here by name.
 */
export function parseHistogramSamples(text: string, name: string): Map<string, ParsedFamily> {
  const untyped = text.replace(`# TYPE ${name} histogram\n`, `# TYPE ${name} untyped\n`);
  const out = new Map<string, ParsedFamily>();
  for (const f of parsePrometheus(untyped)) {
    if (f.name !== `${name}_bucket` && f.name !== `${name}_sum` && f.name !== `${name}_count`) continue;
    // one label set's _bucket, _sum and _count lines come together, so each name recurs per label set
    const seen = out.get(f.name);
    if (seen === undefined) out.set(f.name, { ...f, metrics: [...f.metrics] });
    else seen.metrics.push(...f.metrics);
  }
  return out;
}

/** A session name with a backslash, double quotes, a line feed, braces, a comma and non-ASCII. */
export const NASTY = 'we"ird\\name\nline2 {x="y"},é ✓';

/** Builds a snapshot where each value is distinct, so a swapped field shows up. */
export function fixtureSnapshot(): MetricsSnapshot {
  const T = 1_700_000_000_000;
  const cumulative = [1, 2, 4, 7, 7, 7, 8, 8, 8, 9, 9, 9, 9, 9, 10];
  return {
    timestamp: T + 60_000,
    manager: {
      sessions: 2,
      sessionsConnected: 1,
      forwarders: 1,
      routes: 1,
      messagesSent: 101,
      messagesReceived: 102,
      bytesSent: 103,
      bytesReceived: 104,
      errors: 105,
      reconnects: 106,
      subscriptions: 107,
      messageRate: 1.5,
      avgMessageRate: 2.25,
      bytesRate: 3.125,
      lastMessageAt: T + 1,
      lastErrorAt: T + 2,
      startedAt: T,
    },
    sessions: [
      {
        name: 'plain',
        status: 'connected',
        connected: true,
        persistent: true,
        cleanSession: false,
        autoReconnect: true,
        messagesSent: 11,
        messagesReceived: 12,
        bytesSent: 13,
        bytesReceived: 14,
        errors: 15,
        reconnects: 16,
        subscriptions: 17,
        messageRate: 0.5,
        avgMessageRate: 0.25,
        bytesRate: 64.5,
        lastMessageAt: T + 1500,
        lastErrorAt: T + 2500,
        startedAt: T,
      },
      {
        name: NASTY,
        status: 'reconnecting',
        connected: false,
        persistent: false,
        cleanSession: true,
        autoReconnect: false,
        messagesSent: 21,
        messagesReceived: 22,
        bytesSent: 23,
        bytesReceived: 24,
        errors: 25,
        reconnects: 26,
        subscriptions: 27,
        messageRate: 7,
        avgMessageRate: 8,
        bytesRate: 9,
        lastMessageAt: 0,
        lastErrorAt: T + 3000,
        startedAt: T,
      },
    ],
    forwarders: [
      {
        name: 'fwd "1"',
        running: true,
        buffered: 31,
        received: 32,
        forwarded: 33,
        filtered: 34,
        dropped: 35,
        failed: 36,
        messageRate: 37.5,
        avgMessageRate: 38,
        lastMessageAt: T + 4000,
        lastErrorAt: T + 5000,
        startedAt: T,
        latency: {
          count: 10,
          sumMs: 12_345,
          minMs: 0.1,
          maxMs: 9000,
          avgMs: 1234.5,
          p50Ms: 4,
          p99Ms: 9000,
          buckets: [...LATENCY_BUCKETS_MS, Infinity].map((le, i) => ({ le, count: cumulative[i]! })),
        },
      },
    ],
    routes: [
      {
        name: 'route-1',
        filter: 'sensors/+/temp',
        received: 41,
        delivered: 42,
        filtered: 43,
        dropped: 44,
        errors: 45,
        bytesReceived: 46,
        messageRate: 47,
        avgMessageRate: 48,
        bytesRate: 49,
        lastMessageAt: T + 6000,
        lastErrorAt: T + 7000,
        startedAt: T,
      },
    ],
  };
}
