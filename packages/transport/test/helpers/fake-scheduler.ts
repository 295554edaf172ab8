/**
 * A manual clock implementing `TimerScheduler`: time moves only through `advance()`. Counts the timers
 * armed, so tests can check that a connection keeps one timer and reschedules it lazily.
 */
import type { TimerScheduler } from '@mqttx/transport';

interface FakeTimer {
  id: number;
  at: number;
  callback: () => void;
}

/** Deterministic scheduler for timer logic tests. */
export class FakeScheduler implements TimerScheduler {
  time = 0;
  /** Number of `setTimeout` calls so far. */
  armed = 0;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.time + ms, callback };
    this.timers.set(timer.id, timer);
    this.armed++;
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers currently pending. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order (timers armed meanwhile fire too if due). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers.values()) if (t.at <= end && (next === undefined || t.at < next.at)) next = t;
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = end;
  }
}
