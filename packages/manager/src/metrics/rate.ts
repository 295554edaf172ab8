/**
 * A sliding-window rate tracker: a ring of ten one-second buckets of message and byte counts, fed with the
 * caller's `now` so the hot path reads no clock and tests drive it with fake time.
 * @module
 */

/** Length of the rate window, seconds. */
export const RATE_WINDOW_SECONDS = 10;

/**
 * Counts messages and bytes per second over the last {@link RATE_WINDOW_SECONDS} seconds.
 *
 * A bucket belongs to one whole second of `now` (ms since the epoch or any monotonic origin, as long as the
 * caller is consistent). {@link RateTracker.record} costs a division, a compare and two additions; a bucket
 * whose second has passed out of the window is reset when its slot is next reused, so nothing runs on a
 * timer. A `now` that goes backwards within the window is counted in its own second; one further back than
 * the window is ignored.
 */
export class RateTracker {
  /** Second (floor of `now / 1000`) each slot currently counts for; -1 when never used. */
  private readonly seconds: Float64Array;
  /** Message count per slot. */
  private readonly messages: Float64Array;
  /** Byte count per slot. */
  private readonly bytes: Float64Array;
  /** Time the tracker started, ms; rates of a younger tracker are averaged over its age (at least 1 s). */
  readonly startedAt: number;
  /** Messages recorded since start. */
  totalMessages: number;
  /** Bytes recorded since start. */
  totalBytes: number;

  /** @param startedAt - the caller's clock at creation, ms */
  constructor(startedAt: number) {
    this.seconds = new Float64Array(RATE_WINDOW_SECONDS).fill(-1);
    this.messages = new Float64Array(RATE_WINDOW_SECONDS);
    this.bytes = new Float64Array(RATE_WINDOW_SECONDS);
    this.startedAt = startedAt;
    this.totalMessages = 0;
    this.totalBytes = 0;
  }

  /**
   * Records `messages` messages carrying `bytes` bytes at time `now` (ms).
   * @param now - the caller's clock, ms
   * @param messages - number of messages (usually 1)
   * @param bytes - bytes they carried
   */
  record(now: number, messages: number, bytes: number): void {
    this.totalMessages += messages;
    this.totalBytes += bytes;
    const second = Math.floor(now / 1000);
    const slot = second % RATE_WINDOW_SECONDS;
    const index = slot < 0 ? slot + RATE_WINDOW_SECONDS : slot;
    const held = this.seconds[index]!;
    if (held !== second) {
      if (held > second) return; // older than the window: the slot already counts a newer second
      this.seconds[index] = second;
      this.messages[index] = messages;
      this.bytes[index] = bytes;
      return;
    }
    this.messages[index]! += messages;
    this.bytes[index]! += bytes;
  }

  /** Messages per second over the window ending at `now` (see {@link RateTracker.windowSeconds}). */
  messageRate(now: number): number {
    return this.sum(this.messages, now) / this.windowSeconds(now);
  }

  /** Bytes per second over the window ending at `now`. */
  bytesRate(now: number): number {
    return this.sum(this.bytes, now) / this.windowSeconds(now);
  }

  /** Messages per second since start (the age counts as at least one second). */
  avgMessageRate(now: number): number {
    return this.totalMessages / ageSeconds(this.startedAt, now);
  }

  /** Bytes per second since start (the age counts as at least one second). */
  avgBytesRate(now: number): number {
    return this.totalBytes / ageSeconds(this.startedAt, now);
  }

  /**
   * The divisor of the windowed rates: the current second and the nine before it make the window, so it is
   * {@link RATE_WINDOW_SECONDS} once the tracker is that old, and its age (at least 1 s) before.
   */
  windowSeconds(now: number): number {
    const age = ageSeconds(this.startedAt, now);
    return age < RATE_WINDOW_SECONDS ? age : RATE_WINDOW_SECONDS;
  }

  /** Sum of the slots whose second lies in the window ending at `now`. */
  private sum(values: Float64Array, now: number): number {
    const current = Math.floor(now / 1000);
    const oldest = current - RATE_WINDOW_SECONDS + 1;
    let total = 0;
    for (let i = 0; i < RATE_WINDOW_SECONDS; i++) {
      const second = this.seconds[i]!;
      if (second >= oldest && second <= current) total += values[i]!;
    }
    return total;
  }
}

/** Age in seconds, at least 1 (so a brand-new tracker does not report huge rates). */
function ageSeconds(startedAt: number, now: number): number {
  const age = (now - startedAt) / 1000;
  return age > 1 ? age : 1;
}
