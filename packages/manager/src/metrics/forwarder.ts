/**
 * Per-forwarder counters and the latency from source receipt to target publish resolved.
 * @module
 */
import { LatencyHistogram } from './latency.js';
import { RateTracker } from './rate.js';
import type { ForwarderMetricsSnapshot } from './types.js';

/**
 * Counters, gauges, forwarding rate and latency histogram of one forwarder. Plain numbers written in place;
 * `now` comes from the caller.
 *
 * Every message received ends in exactly one of forwarded, filtered, dropped or failed (or is still
 * buffered), so `received = forwarded + filtered + dropped + failed + in flight`.
 *
 * It keeps every field of its {@link ForwarderMetricsSnapshot} but the rates and `startedAt` (read from
 * {@link ForwarderMetrics.rate}) and the latency summary (from {@link ForwarderMetrics.latency}).
 */
export class ForwarderMetrics
  implements Omit<ForwarderMetricsSnapshot, 'messageRate' | 'avgMessageRate' | 'startedAt' | 'latency'>
{
  /** Forwarder name. */
  readonly name: string;
  /** Whether the forwarder is started. */
  running: boolean;
  /** Messages in the buffer now. */
  buffered: number;
  /** Messages received from the sources. */
  received: number;
  /** Messages whose target publish resolved. */
  forwarded: number;
  /** Messages rejected by the filter or transformed to `null`. */
  filtered: number;
  /** Messages dropped (drop policy, loop guard). */
  dropped: number;
  /** Messages whose target publish failed. */
  failed: number;
  /** Time of the last forwarded message, 0 if none. */
  lastMessageAt: number;
  /** Time of the last failure, 0 if none. */
  lastErrorAt: number;
  /** Rate of forwarded messages. */
  readonly rate: RateTracker;
  /** Source receipt to target publish resolved. */
  readonly latency: LatencyHistogram;

  /**
   * @param name - forwarder name
   * @param now - the caller's clock at creation, ms
   */
  constructor(name: string, now: number) {
    this.name = name;
    this.running = false;
    this.buffered = 0;
    this.received = 0;
    this.forwarded = 0;
    this.filtered = 0;
    this.dropped = 0;
    this.failed = 0;
    this.lastMessageAt = 0;
    this.lastErrorAt = 0;
    this.rate = new RateTracker(now);
    this.latency = new LatencyHistogram();
  }

  /** Counts one message received from a source. */
  recordReceived(): void {
    this.received++;
  }

  /** Counts one message filtered out. */
  recordFiltered(): void {
    this.filtered++;
  }

  /** Counts one message dropped. */
  recordDropped(): void {
    this.dropped++;
  }

  /** Counts one failed target publish at `now`. */
  recordFailed(now: number): void {
    this.failed++;
    this.lastErrorAt = now;
  }

  /**
   * Counts one forwarded message whose target publish resolved at `now`.
   * @param latencyMs - source receipt to target publish resolved, ms (measure it with a sub-millisecond
   *   clock such as `performance.now()` for the small buckets to mean anything)
   * @param now - the caller's wall clock, ms (for `lastMessageAt` and the rate)
   * @param bytes - bytes forwarded (default 0)
   */
  recordForwarded(latencyMs: number, now: number, bytes = 0): void {
    this.forwarded++;
    this.lastMessageAt = now;
    this.rate.record(now, 1, bytes);
    this.latency.observe(latencyMs);
  }

  /** Sets the buffered-messages gauge. */
  setBuffered(count: number): void {
    this.buffered = count;
  }

  /** Sets the running flag. */
  setRunning(running: boolean): void {
    this.running = running;
  }

  /** A plain copy with rates computed at `now`. */
  snapshot(now: number): ForwarderMetricsSnapshot {
    const rate = this.rate;
    return {
      name: this.name,
      running: this.running,
      buffered: this.buffered,
      received: this.received,
      forwarded: this.forwarded,
      filtered: this.filtered,
      dropped: this.dropped,
      failed: this.failed,
      messageRate: rate.messageRate(now),
      avgMessageRate: rate.avgMessageRate(now),
      lastMessageAt: this.lastMessageAt,
      lastErrorAt: this.lastErrorAt,
      startedAt: rate.startedAt,
      latency: this.latency.snapshot(),
    };
  }
}
