/**
 * One timer per scheduler for every driver: a binary min-heap of driver deadlines over a single timer of
 * the injected scheduler. A client keeps one deadline at a time (connect timeout, keepalive, ping timeout);
 * thousands of idle clients in one process then share one scheduler timer instead of holding a Node
 * `Timeout` (and a callback) each. Deadlines are exact: the scheduler timer is set for the earliest one,
 * so timing is the same as with a timer per driver (fake clocks included).
 * @module
 */
import type { TimerScheduler } from '@mqttx/transport';

/** Something with at most one deadline in a {@link TimerHeap} (a driver). */
export interface HeapTimer {
  /** Position in the heap, -1 while not scheduled (owned by the heap). */
  heapIndex: number;
  /** The deadline while scheduled, in scheduler ms (owned by the heap). */
  heapAt: number;
  /** The deadline passed (it was taken out of the heap first). */
  fireTimer(): void;
}

/** Deadlines of many {@link HeapTimer}s on one timer of `scheduler`. @internal */
export class TimerHeap {
  /** Clock and timers of every driver in this heap. */
  readonly scheduler: TimerScheduler;
  private readonly items: HeapTimer[] = [];
  /** The scheduler timer, while one is set. */
  private handle: unknown = undefined;
  /** When it fires. */
  private handleAt = 0;
  private readonly onFire: () => void;

  /** @param scheduler - clock and timers */
  constructor(scheduler: TimerScheduler) {
    this.scheduler = scheduler;
    this.onFire = () => this.fire();
  }

  /** Number of scheduled deadlines. */
  get size(): number {
    return this.items.length;
  }

  /**
   * Schedules `t` at `at`, unless it is already scheduled at or before `at` (an early deadline just fires
   * and the owner schedules again, so a deadline that moves later costs nothing).
   */
  schedule(t: HeapTimer, at: number): void {
    const i = t.heapIndex;
    if (i >= 0) {
      if (at >= t.heapAt) return;
      t.heapAt = at;
      this.up(i);
    } else {
      t.heapAt = at;
      t.heapIndex = this.items.length;
      this.items.push(t);
      this.up(t.heapIndex);
    }
    if (this.handle === undefined || at < this.handleAt) this.arm();
  }

  /** Takes `t` out (no-op when not scheduled). The scheduler timer goes once nothing is scheduled. */
  remove(t: HeapTimer): void {
    const i = t.heapIndex;
    if (i < 0) return;
    this.removeAt(i);
    if (this.items.length === 0) this.disarm();
  }

  private fire(): void {
    this.handle = undefined;
    const now = this.scheduler.now();
    const items = this.items;
    let failed = false;
    let error: unknown;
    while (items.length > 0 && items[0]!.heapAt <= now) {
      const t = items[0]!;
      this.removeAt(0);
      try {
        t.fireTimer();
      } catch (err) {
        // The others still fire; the first error is thrown after (like a throwing timer callback).
        if (!failed) error = err;
        failed = true;
      }
    }
    if (this.handle === undefined && items.length > 0) this.arm();
    if (failed) throw error;
  }

  /** Sets the scheduler timer for the earliest deadline. */
  private arm(): void {
    this.disarm();
    const at = this.items[0]!.heapAt;
    this.handleAt = at;
    this.handle = this.scheduler.setTimeout(this.onFire, Math.max(0, at - this.scheduler.now()));
  }

  private disarm(): void {
    if (this.handle === undefined) return;
    this.scheduler.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private removeAt(i: number): void {
    const items = this.items;
    const t = items[i]!;
    const last = items.pop()!;
    t.heapIndex = -1;
    if (last === t) return;
    items[i] = last;
    last.heapIndex = i;
    this.down(i);
    this.up(last.heapIndex);
  }

  private up(i: number): void {
    const items = this.items;
    const t = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (parent.heapAt <= t.heapAt) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = t;
    t.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const t = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && items[r]!.heapAt < items[l]!.heapAt ? r : l;
      const child = items[c]!;
      if (child.heapAt >= t.heapAt) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = t;
    t.heapIndex = i;
  }
}

const heaps = new WeakMap<TimerScheduler, TimerHeap>();

/** The heap of `scheduler` (one per scheduler object, made on first use). @internal */
export function timerHeapFor(scheduler: TimerScheduler): TimerHeap {
  let heap = heaps.get(scheduler);
  if (heap === undefined) {
    heap = new TimerHeap(scheduler);
    heaps.set(scheduler, heap);
  }
  return heap;
}
