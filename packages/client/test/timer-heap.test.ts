/**
 * The drivers' shared timer heap: exact deadlines in order over one scheduler timer (fake clock), earlier
 * rescheduling, removal, no scheduler timer left once nothing is scheduled, and a throwing owner.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@mqttx/testkit';
import { TimerHeap, timerHeapFor, type HeapTimer } from '../src/timer-heap.js';

function timer(name: string, log: string[], clock: ManualClock, onFire?: () => void): HeapTimer {
  return {
    heapIndex: -1,
    heapAt: 0,
    fireTimer() {
      log.push(`${name}@${clock.now()}`);
      onFire?.();
    },
  };
}

describe('TimerHeap', () => {
  it('fires every deadline at its time, in order, over one scheduler timer', () => {
    const clock = new ManualClock();
    const heap = new TimerHeap(clock);
    const log: string[] = [];
    const at = [50, 10, 30, 10, 70, 20, 60, 40];
    at.forEach((t, i) => heap.schedule(timer(`t${i}`, log, clock), t));
    expect(clock.pending).toBe(1);
    clock.advance(100);
    expect(log).toEqual(['t1@10', 't3@10', 't5@20', 't2@30', 't7@40', 't0@50', 't6@60', 't4@70']);
    expect(heap.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('an earlier deadline replaces a later one; a later one keeps the earlier (the owner re-arms)', () => {
    const clock = new ManualClock();
    const heap = new TimerHeap(clock);
    const log: string[] = [];
    const a = timer('a', log, clock);
    heap.schedule(a, 100);
    heap.schedule(a, 40);
    heap.schedule(a, 90);
    expect(a.heapAt).toBe(40);
    clock.advance(200);
    expect(log).toEqual(['a@40']);
  });

  it('a removed timer does not fire; the scheduler timer goes when nothing is left', () => {
    const clock = new ManualClock();
    const heap = new TimerHeap(clock);
    const log: string[] = [];
    const a = timer('a', log, clock);
    const b = timer('b', log, clock);
    const c = timer('c', log, clock);
    heap.schedule(a, 10);
    heap.schedule(b, 20);
    heap.schedule(c, 30);
    heap.remove(b);
    heap.remove(b); // not scheduled: nothing happens
    expect(b.heapIndex).toBe(-1);
    clock.advance(15);
    expect(log).toEqual(['a@10']);
    heap.remove(c);
    expect(clock.pending).toBe(0);
    clock.advance(85);
    expect(log).toEqual(['a@10']);
  });

  it('an owner may schedule again while firing (keepalive re-arms itself)', () => {
    const clock = new ManualClock();
    const heap = new TimerHeap(clock);
    const log: string[] = [];
    let count = 0;
    const a: HeapTimer = timer('a', log, clock, () => {
      if (++count < 3) heap.schedule(a, clock.now() + 25);
    });
    heap.schedule(a, 25);
    clock.advance(200);
    expect(log).toEqual(['a@25', 'a@50', 'a@75']);
    expect(clock.pending).toBe(0);
  });

  it('a throwing owner does not stop the others; the first error is thrown after them', () => {
    const clock = new ManualClock();
    const heap = new TimerHeap(clock);
    const log: string[] = [];
    heap.schedule(timer('bad', log, clock, () => {
      throw new Error('owner failed');
    }), 10);
    heap.schedule(timer('good', log, clock), 10);
    heap.schedule(timer('later', log, clock), 20);
    expect(() => clock.advance(10)).toThrow('owner failed');
    expect(log).toEqual(['bad@10', 'good@10']);
    clock.advance(20);
    expect(log).toEqual(['bad@10', 'good@10', 'later@20']);
  });

  it('a seeded random mix of schedules and removals fires exactly the live deadlines, in order', () => {
    const seed = Number(process.env.MQTTX_SEED ?? 20261128);
    console.log(`timer-heap.test.ts: seed ${seed} (set MQTTX_SEED to replay)`);
    let state = seed >>> 0;
    const random = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state % n;
    };
    const clock = new ManualClock();
    const heap = new TimerHeap(clock);
    const log: string[] = [];
    const timers = Array.from({ length: 60 }, (_, i) => timer(`t${i}`, log, clock));
    const model = new Map<HeapTimer, number>();
    for (let step = 0; step < 400; step++) {
      const t = timers[random(timers.length)]!;
      if (random(4) === 0) {
        heap.remove(t);
        model.delete(t);
      } else {
        const at = 1 + random(1000);
        heap.schedule(t, at);
        const prev = model.get(t);
        if (prev === undefined || at < prev) model.set(t, at);
      }
    }
    expect(heap.size).toBe(model.size);
    clock.advance(2000);
    const fired = log.map((l) => Number(l.split('@')[1]));
    expect(fired).toEqual([...model.values()].sort((x, y) => x - y));
    // And each live timer fired once, at its own deadline (not only the right times in the right order).
    const expected = [...model].map(([t, at]) => `t${timers.indexOf(t)}@${at}`);
    expect([...log].sort()).toEqual(expected.sort());
    expect(clock.pending).toBe(0);
  });

  it('one heap per scheduler', () => {
    const a = new ManualClock();
    const b = new ManualClock();
    expect(timerHeapFor(a)).toBe(timerHeapFor(a));
    expect(timerHeapFor(a)).not.toBe(timerHeapFor(b));
  });
});
