/**
 * Per-route counters (a `handle`, `handleTo`, `listen` or `listenTo` route).
 * @module
 */
import { RateTracker } from './rate.js';
import type { RouteMetricsSnapshot } from './types.js';

/**
 * Counters and rates of one route. Plain numbers written in place; `now` comes from the caller. It keeps
 * every field of its {@link RouteMetricsSnapshot} but the rates and `startedAt` (read from
 * {@link RouteMetrics.rate}).
 */
export class RouteMetrics implements Omit<RouteMetricsSnapshot, 'messageRate' | 'avgMessageRate' | 'bytesRate' | 'startedAt'> {
  /** Route identifier. */
  readonly name: string;
  /** The route's topic filter. */
  readonly filter: string;
  /** Messages that matched the topic filter. */
  received: number;
  /** Messages handed to the handler or iterator. */
  delivered: number;
  /** Messages rejected by the route's own filters. */
  filtered: number;
  /** Messages dropped by the overflow policy. */
  dropped: number;
  /** Handler failures. */
  errors: number;
  /** Bytes of the messages received. */
  bytesReceived: number;
  /** Time of the last received message, 0 if none. */
  lastMessageAt: number;
  /** Time of the last handler failure, 0 if none. */
  lastErrorAt: number;
  /** Rates of the received messages. */
  readonly rate: RateTracker;

  /**
   * @param name - route identifier
   * @param filter - the route's topic filter
   * @param now - the caller's clock at creation, ms
   */
  constructor(name: string, filter: string, now: number) {
    this.name = name;
    this.filter = filter;
    this.received = 0;
    this.delivered = 0;
    this.filtered = 0;
    this.dropped = 0;
    this.errors = 0;
    this.bytesReceived = 0;
    this.lastMessageAt = 0;
    this.lastErrorAt = 0;
    this.rate = new RateTracker(now);
  }

  /** Counts one matching message of `bytes` bytes at `now`. */
  recordReceived(bytes: number, now: number): void {
    this.received++;
    this.bytesReceived += bytes;
    this.lastMessageAt = now;
    this.rate.record(now, 1, bytes);
  }

  /** Counts one message handed to the handler or iterator. */
  recordDelivered(): void {
    this.delivered++;
  }

  /** Counts one message rejected by the route's filters. */
  recordFiltered(): void {
    this.filtered++;
  }

  /** Counts one message dropped by the overflow policy. */
  recordDropped(): void {
    this.dropped++;
  }

  /** Counts one handler failure at `now`. */
  recordError(now: number): void {
    this.errors++;
    this.lastErrorAt = now;
  }

  /** A plain copy with rates computed at `now`. */
  snapshot(now: number): RouteMetricsSnapshot {
    const rate = this.rate;
    return {
      name: this.name,
      filter: this.filter,
      received: this.received,
      delivered: this.delivered,
      filtered: this.filtered,
      dropped: this.dropped,
      errors: this.errors,
      bytesReceived: this.bytesReceived,
      messageRate: rate.messageRate(now),
      avgMessageRate: rate.avgMessageRate(now),
      bytesRate: rate.bytesRate(now),
      lastMessageAt: this.lastMessageAt,
      lastErrorAt: this.lastErrorAt,
      startedAt: rate.startedAt,
    };
  }
}
