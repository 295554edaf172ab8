/**
 * The read / write / end deadlines of one connection, on one lazily rescheduled timer.
 *
 * Inbound data and writes only update timestamps; the timer is armed for the earliest deadline and, when it
 * fires, the owner asks `check()` which (if any) deadline really expired, then re-arms for the next one. The
 * timer is cleared and re-armed early only when a new deadline is earlier than the armed one (a write
 * starting on an idle queue, `end()`), never per chunk.
 * @module
 */
import type { TimerScheduler } from './options.js';

/** Which deadline expired. */
export type ExpiredDeadline = 'read' | 'write' | 'end';

const MAX_DELAY = 0x7fffffff;

/** Deadline bookkeeping for a {@link Connection}-like owner. */
export class Deadlines {
  /** Time of the last inbound byte (or of the last resume). */
  lastReadAt: number;
  private writeProgressAt: number;
  private flushedMark: number;
  private endAt: number;
  private handle: unknown;
  private armedAt: number;

  /**
   * @param scheduler - clock and timers
   * @param readTimeout - ms without inbound data, 0 for none
   * @param writeTimeout - ms without write progress, 0 for none
   * @param endTimeout - ms allowed for a graceful end, 0 for none
   * @param onFire - called (with no argument) when the timer fires; created once by the owner
   */
  constructor(
    private readonly scheduler: TimerScheduler,
    readonly readTimeout: number,
    readonly writeTimeout: number,
    readonly endTimeout: number,
    private readonly onFire: () => void,
  ) {
    const now = scheduler.now();
    this.lastReadAt = now;
    this.writeProgressAt = now;
    this.flushedMark = 0;
    this.endAt = 0;
    this.handle = undefined;
    this.armedAt = 0;
  }

  /** Current time of the scheduler. */
  now(): number {
    return this.scheduler.now();
  }

  /**
   * The write queue went from empty to busy: the write deadline starts now.
   * @param flushed - bytes handed to the kernel so far
   * @returns true when the timer must be re-armed earlier (call `arm`)
   */
  writeStarted(flushed: number): boolean {
    const now = this.scheduler.now();
    this.writeProgressAt = now;
    this.flushedMark = flushed;
    return this.handle === undefined || this.armedAt > now + this.writeTimeout;
  }

  /** Starts the end deadline (once). Returns true when one was started (call `arm`). */
  endStarted(): boolean {
    if (this.endTimeout <= 0 || this.endAt > 0) return false;
    this.endAt = this.scheduler.now() + this.endTimeout;
    return true;
  }

  /**
   * Which deadline has expired now, if any. Records write progress as a side effect.
   * @param paused - reading is paused (no read deadline)
   * @param queued - bytes still queued
   * @param flushed - bytes handed to the kernel so far
   */
  check(paused: boolean, queued: number, flushed: number): ExpiredDeadline | undefined {
    this.handle = undefined;
    const now = this.scheduler.now();
    if (this.endAt > 0 && now >= this.endAt) return 'end';
    if (this.readTimeout > 0 && !paused && now - this.lastReadAt >= this.readTimeout) return 'read';
    if (this.writeTimeout > 0 && queued > 0) {
      if (flushed !== this.flushedMark) {
        this.flushedMark = flushed;
        this.writeProgressAt = now;
      } else if (now - this.writeProgressAt >= this.writeTimeout) {
        return 'write';
      }
    }
    return undefined;
  }

  /**
   * Arms the timer for the earliest deadline, unless it is already armed at or before it.
   * @param paused - reading is paused (no read deadline)
   * @param queued - bytes still queued (a write deadline exists only then)
   */
  arm(paused: boolean, queued: number): void {
    let deadline = Infinity;
    if (this.endAt > 0) deadline = this.endAt;
    if (this.readTimeout > 0 && !paused) deadline = Math.min(deadline, this.lastReadAt + this.readTimeout);
    if (this.writeTimeout > 0 && queued > 0) deadline = Math.min(deadline, this.writeProgressAt + this.writeTimeout);
    if (deadline === Infinity) return;
    if (this.handle !== undefined) {
      if (this.armedAt <= deadline) return;
      this.scheduler.clearTimeout(this.handle);
    }
    const delay = Math.min(Math.max(0, deadline - this.scheduler.now()), MAX_DELAY);
    this.armedAt = deadline;
    this.handle = this.scheduler.setTimeout(this.onFire, Math.ceil(delay));
  }

  /** Cancels the timer. */
  clear(): void {
    if (this.handle === undefined) return;
    this.scheduler.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
