/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, the one zlib, PNG and gzip use) over a byte range.
 * Node's native `zlib.crc32` is used when the runtime has it (Node >= 20.15 / 22.2); otherwise a small
 * table-driven implementation computes the same value. `node:zlib` is looked up on the first checksum, not
 * at import (see `builtins.ts`).
 * @module
 */
import { nodeZlib } from './builtins.js';

type NativeCrc32 = (data: Uint8Array, value?: number) => number;

/** The native function, null when the runtime has none, undefined before the first lookup. */
let native: NativeCrc32 | null | undefined;

function lookupNative(): NativeCrc32 | null {
  const zlib = nodeZlib() as { crc32?: unknown };
  native = typeof zlib.crc32 === 'function' ? (zlib.crc32 as NativeCrc32) : null;
  return native;
}

let table: Uint32Array | undefined;

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/**
 * The portable implementation: CRC-32 of `buf[start, end)`. Exported so tests can check it against the
 * native one; {@link crc32} picks the faster.
 */
export function crc32Portable(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = (table ??= buildTable());
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `buf[start, end)` as an unsigned 32-bit number. */
export function crc32(buf: Buffer, start = 0, end = buf.length): number {
  const fn = native === undefined ? lookupNative() : native;
  if (fn !== null) return fn(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) >>> 0;
  return crc32Portable(buf, start, end);
}

/** Whether the runtime's native `zlib.crc32` is in use. */
export function nativeCrc32(): boolean {
  return (native === undefined ? lookupNative() : native) !== null;
}
