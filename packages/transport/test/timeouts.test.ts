/**
 * Read / write / end deadlines, driven by a manual scheduler over an in-memory duplex pair: no real time
 * passes, so the timing logic is exact and the tests cannot flake.
 */
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type Connection, type ConnectionOptions, TransportError, createDuplexPair, fromDuplex, isTimeout } from '@mqttx/transport';
import { FakeScheduler } from './helpers/fake-scheduler.js';
import { trackResources, turn } from './helpers/resources.js';

trackResources();

function setup(options: ConnectionOptions, hwm?: number): { conn: Connection; peer: Duplex; clock: FakeScheduler } {
  const clock = new FakeScheduler();
  const [a, b] = createDuplexPair(hwm === undefined ? {} : { highWaterMark: hwm });
  const conn = fromDuplex(a, { target: 'memory' }, { ...options, scheduler: clock });
  return { conn, peer: b, clock };
}

async function expectClosedWith(conn: Connection, code: string): Promise<TransportError> {
  const err = (await conn.closed) as TransportError;
  expect(err).toBeInstanceOf(TransportError);
  expect(err.code).toBe(code);
  return err;
}

describe('readTimeout', () => {
  it('destroys the link with ERR_READ_TIMEOUT when nothing arrives for readTimeout ms', async () => {
    const { conn, peer, clock } = setup({ readTimeout: 1000 });
    conn.on('data', () => {});
    clock.advance(999);
    expect(conn.isClosing).toBe(false);
    clock.advance(1);
    const err = await expectClosedWith(conn, 'ERR_READ_TIMEOUT');
    expect(err.timeout).toBe(true);
    expect(err.temporary).toBe(true);
    expect(isTimeout(err)).toBe(true);
    expect(err.context).toMatchObject({ timeoutMs: 1000 });
    expect(clock.pending).toBe(0);
    peer.destroy();
  });

  it('every inbound chunk pushes the deadline back, without re-arming the timer per chunk', async () => {
    const { conn, peer, clock } = setup({ readTimeout: 1000 });
    conn.on('data', () => {});
    expect(clock.armed).toBe(1);
    for (let i = 0; i < 50; i++) {
      clock.advance(100);
      peer.write(Buffer.from([i]));
      await turn();
    }
    // 5000 ms passed with data every 100 ms: never timed out, and the timer was re-armed only when it fired.
    expect(conn.isClosing).toBe(false);
    expect(clock.armed).toBeLessThanOrEqual(6);
    expect(clock.pending).toBe(1);
    clock.advance(1000);
    await expectClosedWith(conn, 'ERR_READ_TIMEOUT');
    peer.destroy();
  });

  it('is suspended while paused and restarts on resume', async () => {
    const { conn, peer, clock } = setup({ readTimeout: 1000 });
    conn.on('data', () => {});
    conn.pause();
    clock.advance(5000);
    expect(conn.isClosing).toBe(false);
    conn.resume();
    clock.advance(999);
    expect(conn.isClosing).toBe(false);
    clock.advance(1);
    await expectClosedWith(conn, 'ERR_READ_TIMEOUT');
    peer.destroy();
  });
});

describe('writeTimeout', () => {
  it('destroys the link with ERR_WRITE_TIMEOUT when queued bytes make no progress', async () => {
    const { conn, peer, clock } = setup({ writeTimeout: 500 }, 64);
    while (conn.write(Buffer.alloc(64))) {
      /* the peer does not read */
    }
    await turn();
    expect(conn.writableLength).toBeGreaterThan(0);
    clock.advance(499);
    expect(conn.isClosing).toBe(false);
    clock.advance(1);
    const err = await expectClosedWith(conn, 'ERR_WRITE_TIMEOUT');
    expect(err.timeout).toBe(true);
    peer.destroy();
  });

  it('does not fire while the queue keeps moving, nor when it is empty', async () => {
    const { conn, peer, clock } = setup({ writeTimeout: 500 }, 64);
    let received = 0;
    peer.on('data', (c: Buffer) => (received += c.length));
    for (let i = 0; i < 20; i++) {
      conn.write(Buffer.alloc(32));
      await turn();
      clock.advance(400);
    }
    expect(conn.isClosing).toBe(false);
    expect(received).toBe(20 * 32);
    clock.advance(10_000); // idle: nothing queued, no deadline
    expect(conn.isClosing).toBe(false);
    expect(clock.pending).toBe(0);
    conn.destroy();
    await conn.closed;
  });

  it('a slow but progressing peer is not cut off; once it stalls, the timeout counts from the last progress', async () => {
    // A sink whose writes complete only when the test says so, one chunk at a time, like a kernel that
    // accepts a little at a time.
    const pending: Array<() => void> = [];
    const sink = new Duplex({
      read() {},
      write(_chunk, _encoding, callback) {
        pending.push(callback);
      },
    });
    const clock = new FakeScheduler();
    const conn = fromDuplex(sink, {}, { writeTimeout: 500, scheduler: clock });
    for (let i = 0; i < 12; i++) conn.write(Buffer.alloc(16));
    await turn();
    for (let i = 0; i < 8; i++) {
      clock.advance(400);
      pending.shift()!(); // one chunk leaves the queue every 400 ms
      await turn();
      expect(conn.isClosing).toBe(false);
    }
    expect(conn.writableLength).toBe(4 * 16);
    clock.advance(499); // stalled now, but progress was seen less than 500 ms ago at the last check
    expect(conn.isClosing).toBe(false);
    clock.advance(500);
    await expectClosedWith(conn, 'ERR_WRITE_TIMEOUT');
  });

  it('uses one timer: a thousand writes arm it at most once', async () => {
    const { conn, peer, clock } = setup({ writeTimeout: 500, readTimeout: 10_000 });
    peer.resume();
    const before = clock.armed;
    for (let i = 0; i < 1000; i++) conn.write(Buffer.from([i & 0xff]));
    await turn();
    expect(clock.armed - before).toBeLessThanOrEqual(1);
    expect(clock.pending).toBe(1);
    conn.destroy();
    await conn.closed;
    expect(clock.pending).toBe(0);
  });
});

describe('endTimeout', () => {
  it('end() gives up after endTimeout when the peer never closes: destroyed without error once flushed', async () => {
    const [a, b] = createDuplexPair({ allowHalfOpen: true });
    const clock = new FakeScheduler();
    const conn = fromDuplex(a, {}, { endTimeout: 2000, scheduler: clock });
    b.resume(); // reads our FIN but, half-open, never ends its side
    const ended = conn.end();
    await turn();
    clock.advance(1999);
    expect(conn.isClosed).toBe(false);
    clock.advance(1);
    await ended;
    expect(await conn.closed).toBeUndefined();
    b.destroy();
  });

  it('with bytes still queued, the end timeout reports ERR_END_TIMEOUT', async () => {
    const { conn, peer, clock } = setup({ endTimeout: 2000 }, 16);
    for (let i = 0; i < 8; i++) conn.write(Buffer.alloc(16)); // the peer never reads
    const ended = conn.end();
    await turn();
    clock.advance(2000);
    await ended;
    const err = await expectClosedWith(conn, 'ERR_END_TIMEOUT');
    expect(err.timeout).toBe(true);
    peer.destroy();
  });
});
