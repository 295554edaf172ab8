import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Connection, TransportError, createDuplexPair, fromDuplex } from '@mqttx/transport';
import { trackResources, turn } from './helpers/resources.js';

trackResources();

/** Resolves on 'close' (unlike events.once, does not reject on 'error'). Attach before causing the close. */
function closeOf(stream: Duplex): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

function chunksOf(stream: Duplex): Buffer[] {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return chunks;
}

describe('createDuplexPair', () => {
  it('carries bytes both ways, in order', async () => {
    const [a, b] = createDuplexPair();
    const atB = chunksOf(b);
    const atA = chunksOf(a);
    const closed = Promise.all([closeOf(a), closeOf(b)]);
    a.write(Buffer.from('hello '));
    a.write(Buffer.from('world'));
    b.write(Buffer.from('back'));
    await turn();
    expect(Buffer.concat(atB).toString()).toBe('hello world');
    expect(Buffer.concat(atA).toString()).toBe('back');
    a.destroy();
    await closed;
  });

  it('copies written bytes, so the writer may reuse its buffer', async () => {
    const [a, b] = createDuplexPair();
    const atB = chunksOf(b);
    const buf = Buffer.from('abc');
    const closed = closeOf(b);
    a.write(buf, () => buf.fill(0x7a));
    await turn();
    await turn();
    expect(buf.toString()).toBe('zzz');
    expect(Buffer.concat(atB).toString()).toBe('abc');
    a.destroy();
    await closed;
  });

  it('delivers corked writes as one chunk (writev)', async () => {
    const [a, b] = createDuplexPair();
    const atB = chunksOf(b);
    const closed = closeOf(b);
    a.cork();
    for (let i = 0; i < 10; i++) a.write(Buffer.from([i]));
    a.uncork();
    await turn();
    expect(atB).toHaveLength(1);
    expect([...atB[0]!]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    a.destroy();
    await closed;
  });

  it('applies backpressure when the peer does not read, and drains when it does', async () => {
    const [a, b] = createDuplexPair({ highWaterMark: 1024 });
    const chunk = Buffer.alloc(256, 1);
    const closed = closeOf(b);
    let writes = 0;
    while (a.write(chunk)) writes++;
    expect(writes).toBeLessThan(20); // peer buffer (1 KiB) plus ours (1 KiB), not unbounded
    expect(a.writableLength).toBeLessThanOrEqual(1024 + chunk.length);
    const drained = once(a, 'drain');
    let received = 0;
    b.on('data', (c: Buffer) => (received += c.length));
    await drained;
    await turn();
    expect(received).toBe((writes + 1) * chunk.length);
    a.destroy();
    await closed;
  });

  it('end() delivers EOF and, without half-open, both sides close', async () => {
    const [a, b] = createDuplexPair();
    b.resume();
    a.resume();
    const ended = once(b, 'end');
    const closed = Promise.all([closeOf(a), closeOf(b)]);
    a.end();
    await ended;
    await closed;
  });

  it('destroy() ends the peer and fails its blocked write with EPIPE', async () => {
    const [a, b] = createDuplexPair({ highWaterMark: 16 });
    const errors: Array<string | undefined> = [];
    b.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code));
    const closed = closeOf(b);
    while (b.write(Buffer.alloc(16))) {
      /* fill: a does not read */
    }
    a.destroy();
    await closed;
    expect(errors).toEqual(['EPIPE']);
  });
});

describe('fromDuplex: Connection semantics on an in-memory stream', () => {
  function pair(options = {}): { conn: Connection; peer: Duplex } {
    const [a, b] = createDuplexPair();
    return { conn: fromDuplex(a, { target: 'memory' }, options), peer: b };
  }

  it('coalesces the writes of one tick into a single chunk', async () => {
    const { conn, peer } = pair();
    const atPeer = chunksOf(peer);
    for (let i = 0; i < 50; i++) conn.write(Buffer.from([i]));
    expect(conn.bytesWritten).toBe(50);
    await conn.flush();
    await turn();
    expect(atPeer).toHaveLength(1);
    expect(atPeer[0]!.length).toBe(50);
    conn.write(Buffer.from([50])); // next tick: a new chunk
    await conn.flush();
    await turn();
    expect(atPeer).toHaveLength(2);
    conn.destroy();
    await conn.closed;
  });

  it('emits data received before any listener was attached (reading starts with the first listener)', async () => {
    const { conn, peer } = pair();
    peer.write(Buffer.from('early'));
    await turn();
    await turn();
    const got: Buffer[] = [];
    conn.on('data', (c) => got.push(c));
    await turn();
    expect(Buffer.concat(got).toString()).toBe('early');
    expect(conn.bytesRead).toBe(5);
    conn.destroy();
    await conn.closed;
  });

  it('splits reads larger than maxReadChunk into views, and holds the rest while paused', async () => {
    const { conn, peer } = pair({ maxReadChunk: 4 });
    const got: Buffer[] = [];
    conn.on('data', (c) => {
      got.push(c);
      if (got.length === 2) conn.pause();
    });
    peer.write(Buffer.from('abcdefghijk'));
    await turn();
    expect(got.map(String)).toEqual(['abcd', 'efgh']);
    expect(conn.isPaused).toBe(true);
    conn.resume();
    await turn();
    expect(got.map(String)).toEqual(['abcd', 'efgh', 'ijk']);
    conn.destroy();
    await conn.closed;
  });

  it('writeAsync and flush resolve once the bytes left the user-space queue', async () => {
    const { conn, peer } = pair();
    const atPeer = chunksOf(peer);
    await conn.writeAsync(Buffer.from('one'));
    expect(conn.drained).toBe(true);
    expect(conn.writableLength).toBe(0);
    await conn.flush(); // nothing queued: resolves at once
    expect(Buffer.concat(atPeer).toString()).toBe('one');
    conn.destroy();
    await conn.closed;
  });

  it('end() is graceful and idempotent; close is emitted once, without error', async () => {
    const { conn, peer } = pair();
    const atPeer = chunksOf(peer);
    const closes: unknown[] = [];
    conn.on('close', (err) => closes.push(err));
    conn.write(Buffer.from('bye'));
    const first = conn.end();
    const second = conn.end();
    await Promise.all([first, second]);
    expect(closes).toEqual([undefined]);
    expect(conn.isClosed).toBe(true);
    expect(Buffer.concat(atPeer).toString()).toBe('bye');
    await expect(conn.end()).resolves.toBeUndefined();
    conn.destroy();
    await turn();
    expect(closes).toHaveLength(1);
  });

  it('end() flushes, sends FIN and resolves when the peer closes', async () => {
    const { conn, peer } = pair();
    const atPeer = chunksOf(peer);
    const closes: unknown[] = [];
    conn.on('close', (err) => closes.push(err));
    for (let i = 0; i < 5; i++) conn.write(Buffer.from('x'));
    await conn.end();
    expect(closes).toEqual([undefined]);
    expect(Buffer.concat(atPeer).toString()).toBe('xxxxx');
    expect(peer.destroyed).toBe(true);
    expect(conn.endedByPeer).toBe(false);
  });

  it('destroy(err) closes once with the first error; later calls are ignored', async () => {
    const { conn, peer } = pair();
    const peerClosed = closeOf(peer);
    peer.resume(); // the peer reads, so it sees EOF and closes
    const closes: unknown[] = [];
    conn.on('close', (err) => closes.push(err));
    const first = new Error('first');
    conn.destroy(first);
    conn.destroy(new Error('second'));
    await conn.end();
    expect(closes).toEqual([first]);
    expect(await conn.closed).toBe(first);
    await peerClosed;
  });

  it("emits 'error' before 'close' only when someone listens; never throws otherwise", async () => {
    const quiet = pair();
    quiet.conn.destroy(new Error('nobody listens'));
    expect(await quiet.conn.closed).toBeInstanceOf(Error);

    const loud = pair();
    const events: string[] = [];
    loud.conn.on('error', () => events.push('error'));
    loud.conn.on('close', () => events.push('close'));
    loud.conn.destroy(new Error('boom'));
    await loud.conn.closed;
    expect(events).toEqual(['error', 'close']);
  });

  it('a peer that ends closes the connection cleanly and marks endedByPeer', async () => {
    const { conn, peer } = pair();
    conn.on('data', () => {});
    peer.resume();
    peer.end();
    expect(await conn.closed).toBeUndefined();
    expect(conn.endedByPeer).toBe(true);
  });

  it('a peer that is destroyed while we write reports a reset (ERR_CONNECTION_RESET)', async () => {
    const [a, b] = createDuplexPair({ highWaterMark: 16 });
    const conn = fromDuplex(a);
    conn.write(Buffer.alloc(64));
    conn.write(Buffer.alloc(64));
    await turn();
    b.destroy();
    const err = (await conn.closed) as TransportError;
    expect(err.code).toBe('ERR_CONNECTION_RESET');
    expect(err.temporary).toBe(true);
  });

  it('after close: write returns false, flush / writeAsync / waitForDrain reject with ERR_CONNECTION_CLOSED', async () => {
    const { conn } = pair();
    conn.destroy();
    await conn.closed;
    expect(conn.write(Buffer.from('x'))).toBe(false);
    expect(conn.bytesWritten).toBe(0);
    await expect(conn.flush()).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    await expect(conn.writeAsync(Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    await expect(conn.waitForDrain()).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
  });

  it('pending flush and drain waiters reject when the connection is destroyed', async () => {
    const [a, b] = createDuplexPair({ highWaterMark: 16 });
    const peerClosed = closeOf(b);
    const conn = fromDuplex(a);
    while (conn.write(Buffer.alloc(16))) {
      /* b does not read */
    }
    expect(conn.needsDrain).toBe(true);
    const flushed = conn.flush();
    const drained = conn.waitForDrain();
    conn.destroy();
    await expect(flushed).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    await expect(drained).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    b.destroy(); // b never read, so it cannot see EOF: release it
    await peerClosed;
  });

  it('rejects bad options with ERR_INVALID_OPTION', () => {
    const [a, b] = createDuplexPair();
    for (const options of [{ readTimeout: -1 }, { writeTimeout: Number.NaN }, { maxReadChunk: 0 }, { endTimeout: Infinity }]) {
      expect(() => fromDuplex(a, {}, options)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', kind: 'configuration' }));
    }
    a.destroy();
    b.destroy();
  });

  it('a target label given as a string is shown with credentials masked', async () => {
    const [a, b] = createDuplexPair();
    const conn = fromDuplex(a, { target: 'mqtt://alice:s3cret@memory' });
    expect(conn.target).not.toContain('s3cret');
    expect(conn.target).not.toContain('alice');
    const other = fromDuplex(b, { target: 'memory-link' });
    expect(other.target).toBe('memory-link');
    conn.destroy();
    other.destroy();
    await Promise.all([conn.closed, other.closed]);
  });

  it('wrapping an already destroyed stream reports it closed', async () => {
    const [a, b] = createDuplexPair();
    a.destroy();
    b.destroy();
    const conn = fromDuplex(a);
    expect(await conn.closed).toBeUndefined();
    expect(conn.isClosed).toBe(true);
  });
});
