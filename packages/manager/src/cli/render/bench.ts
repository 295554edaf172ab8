/**
 * Output of `mqttx bench`: the progress bar shown while it runs, the summary table and latency histogram
 * at the end, and the `--json` object. Pure functions over a {@link BenchSummary}.
 * @module
 */
import type { LatencySnapshot } from '../../metrics/types.js';
import { cell, formatBytes, formatCount, formatDuration, formatMs, formatRate } from './format.js';

/** Benchmark modes. */
export type BenchMode = 'conn' | 'pub' | 'sub';

/** What a finished (or interrupted) benchmark measured. */
export interface BenchSummary {
  /** Mode. */
  mode: BenchMode;
  /** Broker, credentials redacted. */
  broker: string;
  /** MQTT version. */
  protocolVersion: 4 | 5;
  /** Sessions asked for. */
  sessions: number;
  /** Sessions that connected. */
  connected: number;
  /** Sessions whose connect failed. */
  connectFailed: number;
  /** QoS of the messages. */
  qos: 0 | 1 | 2;
  /** Payload size, bytes. */
  payloadSize: number;
  /** Wall time of the whole run, ms. */
  elapsedMs: number;
  /** Wall time from the first connect to the last, ms. */
  connectMs: number;
  /** Connect latency (TCP + CONNECT/CONNACK). */
  connectLatency: LatencySnapshot;
  /** Messages published (resolved). */
  messagesSent: number;
  /** Messages received. */
  messagesReceived: number;
  /** Wall time of the message phase, ms (0 for `conn`). */
  messageMs: number;
  /** `pub`: publish call to resolution (written / PUBACK / PUBCOMP); `sub`: publish to receipt. */
  latency: LatencySnapshot;
  /** Failures, by error code. */
  errors: Record<string, number>;
  /** Stopped by a signal before the end. */
  interrupted: boolean;
}

/** Total of {@link BenchSummary.errors}. */
export function errorCount(summary: BenchSummary): number {
  let n = 0;
  for (const v of Object.values(summary.errors)) n += v;
  return n;
}

function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/**
 * A one-line progress bar: `pub  [##########..........]  50%  5,000/10,000 msgs  2.5s`. `fraction` is
 * clamped to [0, 1].
 */
export function renderProgress(label: string, fraction: number, detail: string, elapsedMs: number, barWidth = 30): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * barWidth);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}`;
  return `${label.padEnd(5)}[${bar}] ${String(Math.floor(f * 100)).padStart(3)}%  ${detail}  ${formatDuration(elapsedMs)}`;
}

/** Label of bucket `i` of a latency snapshot: `<= 0.5 ms` ... `> 10000 ms`. */
function bucketLabel(buckets: LatencySnapshot['buckets'], i: number): string {
  const le = buckets[i]!.le;
  return le === Infinity ? `> ${buckets[i - 1]?.le ?? 0} ms` : `<= ${le} ms`;
}

/**
 * A latency histogram as an ASCII bar chart, one line per bucket from the first non-empty bucket to the
 * last (the snapshot's buckets are cumulative; bars show each bucket's own count, scaled to the largest).
 * Empty when nothing was observed.
 */
export function renderHistogram(latency: LatencySnapshot, barWidth = 40): string[] {
  if (latency.count === 0) return [];
  const counts = latency.buckets.map((b, i) => b.count - (i === 0 ? 0 : latency.buckets[i - 1]!.count));
  const first = counts.findIndex((n) => n > 0);
  let last = counts.length - 1;
  while (last > first && counts[last] === 0) last--;
  const max = Math.max(...counts);
  const labels = counts.map((_, i) => bucketLabel(latency.buckets, i));
  const lw = Math.max(...labels.slice(first, last + 1).map((l) => l.length));
  const lines: string[] = [];
  for (let i = first; i <= last; i++) {
    const n = counts[i]!;
    const len = n === 0 ? 0 : Math.max(1, Math.round((n / max) * barWidth));
    const pct = ((n / latency.count) * 100).toFixed(1);
    lines.push(`  ${cell(labels[i]!, lw, 'right')} |${'#'.repeat(len).padEnd(barWidth)} ${cell(formatCount(n), 8, 'right')} ${cell(pct, 5, 'right')}%`);
  }
  return lines;
}

function latencyLine(l: LatencySnapshot): string {
  if (l.count === 0) return '-';
  return `p50 ${formatMs(l.p50Ms)} ms · p99 ${formatMs(l.p99Ms)} ms · min ${formatMs(l.minMs)} · avg ${formatMs(l.avgMs)} · max ${formatMs(l.maxMs)} ms`;
}

/** The summary table printed at the end of a benchmark (lines, no trailing line feed). */
export function renderBenchSummary(s: BenchSummary): string[] {
  const version = s.protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
  const title = `mqttx bench ${s.mode} · ${s.broker} · ${version} · ${formatCount(s.sessions)} sessions${s.mode === 'conn' ? '' : ` · QoS ${s.qos} · ${formatBytes(s.payloadSize)} payload`} · ${formatDuration(s.elapsedMs)}${s.interrupted ? ' · INTERRUPTED' : ''}`;
  const rows: [string, string][] = [
    ['connected', `${formatCount(s.connected)} ok, ${formatCount(s.connectFailed)} failed · ${formatRate(perSecond(s.connected, s.connectMs))} connects/s`],
    ['connect latency', latencyLine(s.connectLatency)],
  ];
  if (s.mode !== 'conn') {
    rows.push(['messages sent', `${formatCount(s.messagesSent)} · ${formatRate(perSecond(s.messagesSent, s.messageMs))} msg/s`]);
    if (s.mode === 'sub') rows.push(['messages received', `${formatCount(s.messagesReceived)} · ${formatRate(perSecond(s.messagesReceived, s.messageMs))} msg/s`]);
    rows.push([s.mode === 'pub' ? 'publish latency' : 'end-to-end latency', latencyLine(s.latency)]);
  }
  const errors = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  rows.push(['errors', errors.length === 0 ? '0' : errors.map(([code, n]) => `${code} x${formatCount(n)}`).join(', ')]);
  const lines = [title, ''];
  for (const [k, v] of rows) lines.push(`  ${cell(k, 20)}${v}`);
  const histogram = renderHistogram(s.mode === 'conn' ? s.connectLatency : s.latency);
  if (histogram.length > 0) lines.push('', `  ${s.mode === 'conn' ? 'connect' : s.mode === 'pub' ? 'publish' : 'end-to-end'} latency histogram`, ...histogram);
  return lines;
}

/** A latency snapshot for JSON: the same fields, buckets with `le` as a number or `"+Inf"`. */
export interface LatencyJson extends Omit<LatencySnapshot, 'buckets'> {
  /** Cumulative counts. */
  buckets: { le: number | '+Inf'; count: number }[];
}

function latencyJson(l: LatencySnapshot): LatencyJson {
  return { ...l, buckets: l.buckets.map((b) => ({ le: b.le === Infinity ? '+Inf' : b.le, count: b.count })) };
}

/** The `--json` output of a benchmark: the summary with its derived rates, serializable as is. */
export function benchSummaryJson(s: BenchSummary): Record<string, unknown> {
  return {
    ...s,
    connectRate: perSecond(s.connected, s.connectMs),
    sendRate: perSecond(s.messagesSent, s.messageMs),
    receiveRate: perSecond(s.messagesReceived, s.messageMs),
    errorCount: errorCount(s),
    connectLatency: latencyJson(s.connectLatency),
    latency: latencyJson(s.latency),
  };
}
