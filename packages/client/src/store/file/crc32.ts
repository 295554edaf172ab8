/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, the one zlib, PNG and gzip use) over a byte range.
 * Node's native `zlib.crc32` is used when the runtime has it (Node >= 20.15 / 22.2); otherwise a small
 * table-driven implementation computes the same value.
 * @module
 */
import * as zlib from 'node:zlib';

type NativeCrc32 = (data: Uint8Array, value?: number) => number;

const native: NativeCrc32 | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (zlib as unknown as { crc32: NativeCrc32 }).crc32 : undefined;

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
  if (native !== undefined) return native(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) >>> 0;
  return crc32Portable(buf, start, end);
}

/** Whether the runtime's native `zlib.crc32` is in use. */
export const nativeCrc32 = native !== undefined;
