/**
 * `createDuplexPair()`: two connected in-memory Duplex streams, a loopback socket pair without the kernel.
 * What one side writes, the other reads. Used by tests and by the testkit broker's in-memory transport.
 * @module
 */
import { Duplex, type DuplexOptions } from 'node:stream';

/** Options of {@link createDuplexPair}. */
export interface DuplexPairOptions {
  /** High-water mark (bytes) of both directions' buffers. Default Node's. */
  highWaterMark?: number;
  /** Keep a side writable after its peer ended (true half-close). Default false, like a socket. */
  allowHalfOpen?: boolean;
}

type WriteCallback = (error?: Error | null) => void;

function brokenPipe(): Error {
  return Object.assign(new Error('write EPIPE: the other side of the duplex pair is closed'), { code: 'EPIPE' });
}

/**
 * One end of the pair. Socket-like semantics:
 * - bytes are copied on write (as the kernel would), so a writer may reuse its buffer after the callback;
 * - writes coalesced by `cork()` arrive as one chunk (`_writev` delivers a single buffer);
 * - backpressure is real: a write's callback waits until the peer's reader has room again, so a writer
 *   whose peer does not read sees `write()` return false once its own buffer passes the high-water mark;
 * - `end()` delivers EOF to the peer; `destroy()` delivers EOF to the peer and fails the peer's blocked write
 *   with `EPIPE`.
 */
class PairSide extends Duplex {
  peer!: PairSide;
  private blocked: WriteCallback | undefined = undefined;

  constructor(options: DuplexOptions) {
    super(options);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.deliver(Buffer.from(chunk), callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: WriteCallback): void {
    let size = 0;
    for (const c of chunks) size += c.chunk.length;
    const copy = Buffer.allocUnsafe(size);
    let offset = 0;
    for (const c of chunks) offset += c.chunk.copy(copy, offset);
    this.deliver(copy, callback);
  }

  private deliver(copy: Buffer, callback: WriteCallback): void {
    const peer = this.peer;
    if (peer.destroyed || peer.readableEnded) {
      callback(brokenPipe());
      return;
    }
    if (copy.length === 0 || peer.push(copy)) callback();
    else this.blocked = callback; // released by the peer's _read()
  }

  override _read(): void {
    const peer = this.peer;
    const callback = peer.blocked;
    if (callback !== undefined) {
      peer.blocked = undefined;
      callback();
    }
  }

  override _final(callback: WriteCallback): void {
    const peer = this.peer;
    if (!peer.destroyed) peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (!peer.destroyed) {
      if (!peer.readableEnded) peer.push(null);
      const blocked = peer.blocked;
      if (blocked !== undefined) {
        peer.blocked = undefined;
        blocked(brokenPipe());
      }
    }
    callback(error);
  }
}

/**
 * Creates two connected in-memory Duplex streams (Node 20 has no `stream.duplexPair`).
 * @param options - high-water mark and half-open behaviour
 * @returns `[a, b]`: bytes written to `a` are read from `b` and vice versa
 */
export function createDuplexPair(options: DuplexPairOptions = {}): [Duplex, Duplex] {
  const streamOptions: DuplexOptions = {
    allowHalfOpen: options.allowHalfOpen ?? false,
    highWaterMark: options.highWaterMark,
  };
  if (options.highWaterMark === undefined) delete streamOptions.highWaterMark;
  const a = new PairSide(streamOptions);
  const b = new PairSide(streamOptions);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
