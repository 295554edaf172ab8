/**
 * Buffer pool of the encoder.
 *
 * Small packets are carved as fresh `subarray` views out of 64 KiB slabs. Slab space is never handed out
 * twice: when the rest of a slab is too small, the pool moves on to a new slab and forgets the old one,
 * which the garbage collector frees once every view of it is gone. So a Buffer returned by `encode()` is
 * never rewritten afterwards, even while it still sits in a socket's write queue. Packets larger than a
 * quarter of a slab get their own allocation.
 * @module
 */

/**
 * The class Node itself uses for every Buffer (`FastBuffer`, exposed as `Buffer[Symbol.species]`): a
 * Uint8Array subclass whose prototype *is* `Buffer.prototype`. Constructing it directly is about three
 * times cheaper than `slab.subarray()` or `Buffer.from(arrayBuffer, offset, length)` (which go through
 * species lookups and argument checks), and the result is indistinguishable from any other Buffer
 * (`assert.deepStrictEqual` included). Falls back to a subclass with Buffer's prototype chain on a runtime
 * that does not expose it.
 */
const ViewBuffer: new (buffer: ArrayBuffer, byteOffset: number, length: number) => Buffer = (() => {
  const species = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species];
  if (typeof species === 'function' && species !== Buffer && (species as { prototype: unknown }).prototype === Buffer.prototype) {
    return species as new (buffer: ArrayBuffer, byteOffset: number, length: number) => Buffer;
  }
  class PoolBuffer extends Uint8Array {}
  Object.setPrototypeOf(PoolBuffer.prototype, Buffer.prototype);
  Object.defineProperty(PoolBuffer.prototype, 'constructor', { value: Buffer, writable: true, configurable: true });
  return PoolBuffer as unknown as new (buffer: ArrayBuffer, byteOffset: number, length: number) => Buffer;
})();

/**
 * A Buffer view of `buf[start, end)` sharing its memory, like `buf.subarray(start, end)` but cheaper.
 * @internal
 */
export function viewOf(buf: Buffer, start: number, end: number): Buffer {
  return new ViewBuffer(buf.buffer as ArrayBuffer, buf.byteOffset + start, end - start);
}

/** Default slab size in bytes. */
export const DEFAULT_SLAB_SIZE = 64 * 1024;

/** Hands out exact-size, never-reused Buffers carved from slabs. */
export class BufferPool {
  /** Size of each slab. */
  readonly slabSize: number;
  /** Requests above this size bypass the slabs. */
  readonly maxPooled: number;
  /** Backing memory of the current slab (an unpooled `allocUnsafeSlow` Buffer owns it whole). */
  private slab: ArrayBuffer;
  private offset: number;
  /** Start of the latest allocation in the current slab, -1 once taken back or when there is none. */
  private latest: number;

  /** @param slabSize - bytes per slab (default 64 KiB) */
  constructor(slabSize: number = DEFAULT_SLAB_SIZE) {
    this.slabSize = slabSize;
    this.maxPooled = slabSize >>> 2;
    this.slab = Buffer.allocUnsafeSlow(slabSize).buffer as ArrayBuffer;
    this.offset = 0;
    this.latest = -1;
  }

  /** Returns a Buffer of exactly `size` bytes whose contents the caller overwrites completely. */
  alloc(size: number): Buffer {
    if (size > this.maxPooled) {
      this.latest = -1;
      return Buffer.allocUnsafeSlow(size);
    }
    let offset = this.offset;
    if (this.slabSize - offset < size) {
      this.slab = Buffer.allocUnsafeSlow(this.slabSize).buffer as ArrayBuffer;
      offset = 0;
    }
    // Keep the next view 8-byte aligned (cheap, and friendlier to typed-array readers of the bytes).
    this.offset = (offset + size + 7) & ~7;
    this.latest = offset;
    return new ViewBuffer(this.slab, offset, size);
  }

  /**
   * Takes back `buf` when it is the Buffer the latest {@link alloc} returned and the caller never handed it
   * out (an encode attempt that gave up half-way): its space goes to the next allocation. Any other Buffer
   * (an earlier one, an unpooled one, one already taken back) is left alone, so a Buffer that someone may
   * still hold is never reused.
   */
  release(buf: Buffer): void {
    if (buf.buffer === this.slab && buf.byteOffset === this.latest) {
      this.offset = this.latest;
      this.latest = -1;
    }
  }
}

/** The pool shared by every {@link encode} call. */
export const sharedPool = new BufferPool();
