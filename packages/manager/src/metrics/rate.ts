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
  /**
   * The ring, allocated on the first record (an idle tracker costs no buffer): for slot `i`, `[3i]` is the
   * second (floor of `now / 1000`) it counts for, `[3i + 1]` its messages, `[3i + 2]` its bytes.
   */
  private slots: Float64Array | undefined;
  /** Time the tracker started, ms; rates of a younger tracker are averaged over its age (at least 1 s). */
  readonly startedAt: number;
  /** Messages recorded since start. */
  totalMessages: number;
  /** Bytes recorded since start. */
  totalBytes: number;

  /** @param startedAt - the caller's clock at creation, ms */
  constructor(startedAt: number) {
    this.slots = undefined;
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
    const at = (slot < 0 ? slot + RATE_WINDOW_SECONDS : slot) * 3;
    let slots = this.slots;
    if (slots === undefined) {
      slots = this.slots = new Float64Array(RATE_WINDOW_SECONDS * 3);
      for (let i = 0; i < slots.length; i += 3) slots[i] = -1;
    }
    const held = slots[at]!;
    if (held !== second) {
      if (held > second) return; // older than the window: the slot already counts a newer second
      slots[at] = second;
      slots[at + 1] = messages;
      slots[at + 2] = bytes;
      return;
    }
    slots[at + 1]! += messages;
    slots[at + 2]! += bytes;
  }

  /** Messages per second over the window ending at `now` (see {@link RateTracker.windowSeconds}). */
  messageRate(now: number): number {
    return this.sum(1, now) / this.windowSeconds(now);
  }

  /** Bytes per second over the window ending at `now`. */
  bytesRate(now: number): number {
    return this.sum(2, now) / this.windowSeconds(now);
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

  /** Sum of field `field` (1 messages, 2 bytes) of the slots whose second lies in the window ending at `now`. */
  private sum(field: 1 | 2, now: number): number {
    const slots = this.slots;
    if (slots === undefined) return 0;
    const current = Math.floor(now / 1000);
    const oldest = current - RATE_WINDOW_SECONDS + 1;
    let total = 0;
    for (let i = 0; i < slots.length; i += 3) {
      const second = slots[i]!;
      if (second >= oldest && second <= current) total += slots[i + field]!;
    }
    return total;
  }
}

/** Age in seconds, at least 1 (so a brand-new tracker does not report huge rates). */
function ageSeconds(startedAt: number, now: number): number {
  const age = (now - startedAt) / 1000;
  return age > 1 ? age : 1;
}
