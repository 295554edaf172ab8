/**
 * The encoder's Buffer pool: a returned Buffer is never written again (safe in a socket's write queue),
 * slab space is never handed out twice, and pooled Buffers are ordinary Buffers.
 */
import * as assert from 'node:assert';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decode, encode, type Packet } from '@mqttx/codec';
import { BufferPool } from '../src/pool.js';

function publish(i: number): Packet {
  // Sizes vary from a few bytes to beyond a quarter slab, so slab switches and unpooled buffers both happen.
  const size = i % 97 === 0 ? 20_000 + i : (i * 31) % 700;
  return {
    type: 'publish',
    topic: `t/${i}`,
    payload: Buffer.alloc(size, i & 0xff),
    qos: 1,
    retain: false,
    dup: false,
    packetId: (i % 65535) + 1,
  };
}

describe('encode() buffers are never rewritten', () => {
  it('keeps 10,000 encoded packets byte-for-byte unchanged while 10,000 more are encoded', () => {
    const kept: Buffer[] = [];
    const copies: Buffer[] = [];
    for (let i = 0; i < 10_000; i++) {
      const out = encode(publish(i), { protocolVersion: i % 2 === 0 ? 4 : 5 });
      kept.push(out);
      copies.push(Buffer.from(out));
    }
    for (let i = 10_000; i < 20_000; i++) encode(publish(i), { protocolVersion: 5 });
    let changed = 0;
    for (let i = 0; i < kept.length; i++) if (!kept[i]!.equals(copies[i]!)) changed++;
    expect(changed).toBe(0);
  });

  it('returns Buffers of exactly the packet size that do not overlap', () => {
    const bufs = Array.from({ length: 2000 }, (_, i) => encode(publish(i), { protocolVersion: 5 }));
    const byBacking = new Map<ArrayBufferLike, Array<[number, number]>>();
    for (const b of bufs) {
      const ranges = byBacking.get(b.buffer) ?? [];
      ranges.push([b.byteOffset, b.byteOffset + b.length]);
      byBacking.set(b.buffer, ranges);
    }
    for (const ranges of byBacking.values()) {
      ranges.sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
    }
  });

  it('an invalid packet takes no pool space (validated before anything is allocated)', () => {
    const a = encode({ type: 'pingreq' }, { protocolVersion: 4 });
    expect(() => encode({ type: 'puback', packetId: 0 }, { protocolVersion: 4 })).toThrow();
    const b = encode({ type: 'pingreq' }, { protocolVersion: 4 });
    if (b.buffer === a.buffer) {
      // The next view starts at the next 8-byte aligned offset after `a`.
      expect(b.byteOffset).toBe((a.byteOffset + a.length + 7) & ~7);
    } else {
      expect(b.byteOffset).toBe(0);
    }
  });

  it('pooled Buffers are ordinary Buffers', () => {
    const out = encode({ type: 'pingreq' }, { protocolVersion: 4 });
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(out.constructor).toBe(Buffer);
    expect(Buffer.isBuffer(out.subarray(0, 1))).toBe(true);
    expect(inspect(out)).toBe('<Buffer c0 00>');
    expect(out.toString('hex')).toBe('c000');
    expect(out.readUInt16BE(0)).toBe(0xc000);
    // Same prototype as any Buffer: strict deep equality holds for encoded and decoded Buffers.
    expect(Object.getPrototypeOf(out)).toBe(Buffer.prototype);
    assert.deepStrictEqual(out, Buffer.from([0xc0, 0x00]));
    const decoded = decode(Buffer.from('300400016162', 'hex'), { protocolVersion: 4 });
    assert.deepStrictEqual((decoded as { payload: Buffer }).payload, Buffer.from('b'));
  });
});

describe('BufferPool', () => {
  it('carves consecutive aligned views from one slab', () => {
    const pool = new BufferPool(1024);
    const a = pool.alloc(10);
    const b = pool.alloc(20);
    expect(a.length).toBe(10);
    expect(b.length).toBe(20);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(16);
  });

  it('moves to a new slab when the rest is too small, never reusing the old one', () => {
    const pool = new BufferPool(1024);
    const a = pool.alloc(200);
    const views = [a, pool.alloc(200), pool.alloc(200), pool.alloc(200), pool.alloc(200)];
    const next = pool.alloc(200); // 5 * 200 (aligned to 1000) leaves 24 bytes
    expect(views.every((v) => v.buffer === a.buffer)).toBe(true);
    expect(next.buffer).not.toBe(a.buffer);
    expect(next.byteOffset).toBe(0);
  });

  it('gives requests above a quarter slab their own allocation', () => {
    const pool = new BufferPool(1024);
    const small = pool.alloc(8);
    const big = pool.alloc(257);
    expect(big.length).toBe(257);
    expect(big.buffer).not.toBe(small.buffer);
    expect(big.buffer.byteLength).toBe(257);
    expect(pool.alloc(8).buffer).toBe(small.buffer);
  });
});
