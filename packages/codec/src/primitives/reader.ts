/**
 * A cursor over one packet's bytes, with the MQTT data representations of section 1.5: bytes, Two Byte and
 * Four Byte Integers, Variable Byte Integers, UTF-8 strings, Binary Data and UTF-8 String Pairs.
 *
 * One Reader instance is reused for every packet a {@link Decoder} parses (no allocation per packet).
 * Every read checks the bounds and throws `ERR_TRUNCATED` (0x81) rather than reading past `end`.
 * @module
 */
import { malformed, truncated } from '../fail.js';
import { viewOf } from '../pool.js';
import { decodeUtf8 } from './utf8.js';

const EMPTY = Buffer.alloc(0);

/** Reads MQTT primitives from `buf[pos, end)`. */
export class Reader {
  /** Underlying bytes (usually the received chunk). */
  buf: Buffer = EMPTY;
  /** Next byte to read. */
  pos = 0;
  /** End (exclusive) of the current packet or section. */
  end = 0;

  /** Points the reader at `buf[start, end)`. */
  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Releases the buffer reference so a retained reader does not pin a chunk in memory. */
  clear(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.end = 0;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** One byte. */
  u8(field: string): number {
    if (this.pos >= this.end) throw truncated(field);
    return this.buf[this.pos++]!;
  }

  /** Two Byte Integer, big-endian (section 1.5.2). */
  u16(field: string): number {
    const p = this.pos;
    if (p + 2 > this.end) throw truncated(field);
    this.pos = p + 2;
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  /** Four Byte Integer, big-endian (section 1.5.3 of 5.0). */
  u32(field: string): number {
    const p = this.pos;
    if (p + 4 > this.end) throw truncated(field);
    this.pos = p + 4;
    const b = this.buf;
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /**
   * Variable Byte Integer (5.0 section 1.5.5): at most four bytes, and in the minimum number of bytes
   * [MQTT-1.5.5-1]. Used inside 5.0 packets only (property lengths, ids, subscription identifiers).
   */
  varint(field: string): number {
    let value = 0;
    let mul = 1;
    const start = this.pos;
    for (;;) {
      if (this.pos >= this.end) throw truncated(field);
      const byte = this.buf[this.pos++]!;
      value += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && this.pos - start > 1) {
          throw malformed('ERR_VARINT', `${field} is not in its minimal encoding`, { field });
        }
        return value;
      }
      if (this.pos - start === 4) {
        throw malformed('ERR_VARINT', `${field} is longer than four bytes`, { field });
      }
      mul *= 128;
    }
  }

  /** UTF-8 Encoded String: Two Byte length then that many bytes, well-formed, no U+0000. */
  utf8(field: string): string {
    const len = this.u16(field);
    const p = this.pos;
    if (p + len > this.end) throw truncated(field);
    this.pos = p + len;
    return len === 0 ? '' : decodeUtf8(this.buf, p, p + len, field);
  }

  /** Binary Data: Two Byte length then that many bytes, returned as a zero-copy view. */
  binary(field: string): Buffer {
    const len = this.u16(field);
    const p = this.pos;
    if (p + len > this.end) throw truncated(field);
    this.pos = p + len;
    return viewOf(this.buf, p, p + len);
  }

  /** The rest of the packet as a zero-copy view (PUBLISH payload). */
  rest(): Buffer {
    const p = this.pos;
    this.pos = this.end;
    return viewOf(this.buf, p, this.end);
  }
}
