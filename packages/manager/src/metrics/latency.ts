/**
 * A fixed-bucket latency histogram: count, sum, min, max and 15 bucket counters, with p50/p99 estimated
 * from the buckets. Observing costs a short scan over a constant table and a few additions; no samples are
 * kept, so memory is constant.
 * @module
 */
import type { LatencySnapshot } from './types.js';

/** Upper bounds (ms) of the latency buckets; a final `+Inf` bucket catches the rest. */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
]);

/** Counts observations per bucket (non-cumulative internally) plus count, sum, min and max. */
export class LatencyHistogram {
  /** One counter per bound plus the `+Inf` bucket. */
  private readonly counts: Float64Array;
  /** Observations so far. */
  count: number;
  /** Sum of the observations, ms. */
  sum: number;
  /** Smallest observation, ms (`Infinity` before the first). */
  min: number;
  /** Largest observation, ms (`-Infinity` before the first). */
  max: number;

  constructor() {
    this.counts = new Float64Array(LATENCY_BUCKETS_MS.length + 1);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  /**
   * Records one latency. Negative or non-finite values (a clock that stepped back) count as 0 so the
   * distribution stays well-formed.
   * @param ms - the latency, milliseconds
   */
  observe(ms: number): void {
    const value = ms > 0 && ms !== Infinity ? ms : 0;
    const bounds = LATENCY_BUCKETS_MS;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /**
   * Estimates the `q` quantile (0..1): finds the bucket holding the rank `q * count`, interpolates linearly
   * inside it and clamps the result to the observed min and max. 0 when empty.
   */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = q * this.count;
    let below = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const inBucket = this.counts[i]!;
      if (inBucket > 0 && below + inBucket >= rank) {
        const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
        const upper = i < LATENCY_BUCKETS_MS.length ? LATENCY_BUCKETS_MS[i]! : this.max;
        const estimate = lower + (upper - lower) * ((rank - below) / inBucket);
        return estimate < this.min ? this.min : estimate > this.max ? this.max : estimate;
      }
      below += inBucket;
    }
    return this.max;
  }

  /** A plain copy with cumulative buckets, as Prometheus histograms expose them. */
  snapshot(): LatencySnapshot {
    const buckets: { le: number; count: number }[] = new Array(this.counts.length);
    let cumulative = 0;
    for (let i = 0; i < this.counts.length; i++) {
      cumulative += this.counts[i]!;
      buckets[i] = { le: i < LATENCY_BUCKETS_MS.length ? LATENCY_BUCKETS_MS[i]! : Infinity, count: cumulative };
    }
    const empty = this.count === 0;
    return {
      count: this.count,
      sumMs: this.sum,
      minMs: empty ? 0 : this.min,
      maxMs: empty ? 0 : this.max,
      avgMs: empty ? 0 : this.sum / this.count,
      p50Ms: this.quantile(0.5),
      p99Ms: this.quantile(0.99),
      buckets,
    };
  }
}
