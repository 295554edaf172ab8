/** The core's ring-buffer FIFO: order across growth, wrap-around, unshift, drain and filter. */
import { describe, expect, it } from 'vitest';
import { Fifo } from '../src/state/fifo.js';

describe('Fifo', () => {
  it('keeps first-in first-out order across wrap-around and growth', () => {
    const q = new Fifo<number>();
    const model: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head wanders around the ring while it grows.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < (round % 7) + 3; i++) {
        q.push(next);
        model.push(next++);
      }
      for (let i = 0; i < (round % 5) + 1; i++) expect(q.shift()).toBe(model.shift());
      expect(q.length).toBe(model.length);
      expect(q.peek()).toBe(model[0]);
    }
    expect(q.drain()).toEqual(model);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('unshift puts an item at the head, also when the ring is full', () => {
    const q = new Fifo<string>();
    for (let i = 0; i < 16; i++) q.push(`p${i}`);
    q.unshift('u1');
    q.unshift('u0');
    expect(q.length).toBe(18);
    expect(q.at(0)).toBe('u0');
    expect(q.at(1)).toBe('u1');
    expect(q.at(17)).toBe('p15');
    expect(q.at(18)).toBeUndefined();
    expect(q.shift()).toBe('u0');
  });

  it('filter keeps order and drops the rest', () => {
    const q = new Fifo<number>();
    for (let i = 0; i < 40; i++) q.push(i);
    for (let i = 0; i < 10; i++) q.shift();
    q.filter((n) => n % 3 === 0);
    expect(q.drain()).toEqual([12, 15, 18, 21, 24, 27, 30, 33, 36, 39]);
  });
});
