/**
 * Time source of the broker. Every timer the broker runs (keepalive, will delay, session expiry, delayed
 * faults, close grace) goes through a {@link Clock}, so tests can drive time with a {@link ManualClock}
 * instead of sleeping.
 * @module
 */

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The time source and timer scheduler used by the broker. */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; must never go backwards. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or already fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The wall clock: `Date.now()` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire, in deadline order, during {@link ManualClock.advance}.
 *
 * ```ts
 * const clock = new ManualClock();
 * const broker = await startBroker({ clock });
 * // ... client connects with keepalive 2
 * clock.advance(3_000); // 1.5 x keepalive: the broker closes the link
 * ```
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  /** @param start - initial value of {@link ManualClock.now} (default 0) */
  constructor(start = 0) {
    this.current = start;
  }

  /** Current manual time in milliseconds. */
  now(): number {
    return this.current;
  }

  /** Schedules `fn` at `now() + ms`. */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  /** Cancels the timer with this handle. */
  clearTimeout(handle: TimerHandle): void {
    const i = this.timers.findIndex((t) => t.id === handle);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Number of timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, earliest first (timers scheduled by
   * those callbacks fire too when they fall inside the window).
   */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (t.at <= target && (next === undefined || t.at < next.at)) next = t;
      if (next === undefined) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }
}
