/** PacketIdAllocator: the full 1..65535 range, increasing from 1, wrapping, never an id in use. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PACKET_ID, PacketIdAllocator } from '../src/state/packet-ids.js';

const seed = process.env.MQTTX_SEED !== undefined ? Number(process.env.MQTTX_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
console.log(`packet-ids.test.ts: fast-check seed ${seed} (set MQTTX_SEED to replay)`);

describe('PacketIdAllocator', () => {
  it('[MQTT-2.2.1-3] hands out increasing unused ids from 1, never 0', () => {
    const ids = new PacketIdAllocator();
    expect([ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([1, 2, 3]);
    ids.release(1);
    // Releasing does not make the allocator go back: it keeps increasing.
    expect(ids.allocate()).toBe(4);
    expect(ids.size).toBe(3);
    expect(ids.has(1)).toBe(false);
    expect(ids.has(2)).toBe(true);
  });

  it('wraps after 65535 and skips ids still in use', () => {
    const ids = new PacketIdAllocator();
    ids.cursor = 65534;
    ids.claim(1);
    expect([ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([65534, 65535, 2]);
  });

  it('[MQTT-2.2.1-3] skips whole runs of ids in use, across word boundaries and the wrap', () => {
    const ids = new PacketIdAllocator();
    // Ids 31..100 in use: the scan from 31 crosses two full 32-id words and lands on 101.
    for (let id = 31; id <= 100; id++) ids.claim(id);
    ids.cursor = 31;
    expect(ids.allocate()).toBe(101);
    // The last 40 ids in use (a full last word included): from 65496 the scan wraps to the first free id.
    for (let id = 65496; id <= 65535; id++) ids.claim(id);
    ids.cursor = 65496;
    expect(ids.allocate()).toBe(1);
    expect(ids.allocate()).toBe(2);
    expect(ids.size).toBe(70 + 1 + 40 + 2);
  });

  it('a fresh allocator answers has / release for any id without holding anything', () => {
    const ids = new PacketIdAllocator();
    expect(ids.has(1)).toBe(false);
    expect(ids.release(1)).toBe(false);
    ids.reset();
    expect(ids.size).toBe(0);
    expect(ids.allocate()).toBe(1);
  });

  it('a long run wraps many times and keeps every id unique while held', () => {
    const ids = new PacketIdAllocator();
    const held: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      held.push(ids.allocate());
      // Keep a sliding window of 1000 ids in use.
      if (held.length > 1000) ids.release(held.shift()!);
    }
    expect(new Set(held).size).toBe(1000);
    expect(ids.size).toBe(1000);
  });

  it('all 65,535 in use: allocate returns 0 (no hang); a release makes exactly that id available', () => {
    const ids = new PacketIdAllocator();
    const got = Array.from({ length: MAX_PACKET_ID }, () => ids.allocate());
    expect(got.every((id, i) => id === i + 1)).toBe(true);
    expect(ids.exhausted).toBe(true);
    expect(ids.allocate()).toBe(0);
    expect(ids.release(40_000)).toBe(true);
    expect(ids.allocate()).toBe(40_000);
    expect(ids.allocate()).toBe(0);
  });

  it('claim, release and has refuse ids outside 1..65535 and report double use', () => {
    const ids = new PacketIdAllocator();
    for (const bad of [0, -1, 65536, 1.5]) {
      expect(ids.claim(bad)).toBe(false);
      expect(ids.release(bad)).toBe(false);
      expect(ids.has(bad)).toBe(false);
    }
    expect(ids.claim(9)).toBe(true);
    expect(ids.claim(9)).toBe(false);
    expect(ids.release(9)).toBe(true);
    expect(ids.release(9)).toBe(false);
    expect(ids.size).toBe(0);
  });

  it('cursor: out-of-range values fall back to 1; reset frees everything and restarts at 1', () => {
    const ids = new PacketIdAllocator();
    ids.cursor = 0;
    expect(ids.cursor).toBe(1);
    ids.cursor = 70_000;
    expect(ids.cursor).toBe(1);
    ids.allocate();
    ids.allocate();
    ids.reset();
    expect(ids.size).toBe(0);
    expect(ids.allocate()).toBe(1);
  });

  it('[MQTT-2.2.1-3] property: never returns an id in use, returns 0 only when all are in use, size matches', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('alloc' as const), n: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ kind: fc.constant('release' as const), n: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ kind: fc.constant('jump' as const), n: fc.integer({ min: 1, max: MAX_PACKET_ID }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const ids = new PacketIdAllocator();
        const model = new Set<number>();
        for (const o of ops) {
          if (o.kind === 'jump') {
            ids.cursor = o.n;
          } else if (o.kind === 'alloc') {
            for (let i = 0; i < o.n; i++) {
              const id = ids.allocate();
              if (id === 0) {
                if (model.size !== MAX_PACKET_ID) throw new Error(`0 returned with ${model.size} in use`);
                break;
              }
              if (model.has(id) || id < 1 || id > MAX_PACKET_ID) throw new Error(`id ${id} handed out while in use or out of range`);
              model.add(id);
            }
          } else {
            const inUse = [...model];
            for (let i = 0; i < Math.min(o.n, inUse.length); i++) {
              const id = inUse[(i * 7919) % inUse.length]!;
              if (model.delete(id) && !ids.release(id)) throw new Error(`release(${id}) failed`);
            }
          }
          if (ids.size !== model.size) throw new Error(`size ${ids.size} != ${model.size}`);
        }
      }),
      { seed, numRuns: 150 },
    );
  });
});
