/**
 * Backpressure over a real loopback socket: a peer that stops reading must stall a writer that honours the
 * contract (wait for 'drain' when write() returns false) without our process buffering beyond the
 * high-water mark, and every byte must arrive intact once the peer reads again.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Connection, connect } from '@mqttx/transport';
import { trackResources, turn } from './helpers/resources.js';
import { type TestServer, tcpServer } from './helpers/servers.js';

trackResources();

let server: TestServer | undefined;
let conn: Connection | undefined;
afterEach(async () => {
  conn?.destroy();
  await server?.close();
  server = conn = undefined;
});

/** Upper bound of what the kernel can buffer on one loopback connection (send + receive buffers). */
function kernelBufferBound(): number {
  const max = (file: string) => {
    try {
      return Number(readFileSync(file, 'utf8').trim().split(/\s+/).pop());
    } catch {
      return 8 << 20;
    }
  };
  return max('/proc/sys/net/ipv4/tcp_wmem') + max('/proc/sys/net/ipv4/tcp_rmem');
}

/** Deterministic content: chunk `i` is filled from a counter, so any loss or reordering changes the digest. */
function chunkFor(i: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  for (let off = 0; off < size; off += 4) buf.writeUInt32BE((i * size + off) >>> 0, off);
  return buf;
}

/**
 * Waits until the writer is stalled: it needs 'drain' and no byte has left our queue for `turns`
 * consecutive event-loop turns (each turn polls I/O, so a kernel with room would have taken bytes).
 */
async function untilStalled(c: Connection, turns = 50): Promise<void> {
  let last = -1;
  let still = 0;
  while (still < turns) {
    await turn();
    const flushed = c.bytesWritten - c.writableLength;
    if (c.needsDrain && flushed === last) still++;
    else {
      still = 0;
      last = flushed;
    }
  }
}

describe('backpressure on a socket whose peer stops reading', () => {
  it('write() returns false at the high-water mark, the queue stays bounded, drain follows, all bytes arrive', async () => {
    const hwm = 64 * 1024;
    const size = 16 * 1024;
    const total = Math.ceil((kernelBufferBound() + (16 << 20)) / size) * size; // more than the kernel can hold
    server = await tcpServer((sock) => sock.pause());
    conn = await connect(`127.0.0.1:${server.port}`, { highWaterMark: hwm });
    const peer = await server.nextSocket();

    const sentHash = createHash('sha256');
    let maxQueued = 0;
    let falseReturns = 0;
    let drains = 0;
    conn.on('drain', () => drains++);
    const c = conn;
    const writer = (async () => {
      for (let i = 0; i * size < total; i++) {
        const chunk = chunkFor(i, size);
        sentHash.update(chunk);
        const ok = c.write(chunk);
        maxQueued = Math.max(maxQueued, c.writableLength);
        if (!ok) {
          falseReturns++;
          await c.waitForDrain();
        }
      }
    })();

    await untilStalled(conn);
    const stalledAt = conn.bytesWritten - conn.writableLength;
    expect(stalledAt).toBeLessThan(total); // the peer's flow control stopped us
    expect(conn.needsDrain).toBe(true);
    expect(conn.writableLength).toBeLessThanOrEqual(hwm + size);

    const receivedHash = createHash('sha256');
    let received = 0;
    const allReceived = new Promise<void>((resolve) => {
      peer.on('data', (chunk: Buffer) => {
        receivedHash.update(chunk);
        received += chunk.length;
        if (received === total) resolve();
      });
    });
    peer.resume();
    await writer;
    await allReceived;

    expect(maxQueued).toBeLessThanOrEqual(hwm + size);
    expect(falseReturns).toBeGreaterThan(0);
    expect(drains).toBeGreaterThan(0);
    expect(received).toBe(total);
    expect(receivedHash.digest('hex')).toBe(sentHash.digest('hex'));
    expect(conn.bytesWritten).toBe(total);
    await conn.flush();
    expect(conn.drained).toBe(true);
  });
});
