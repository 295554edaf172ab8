/**
 * UTF-8 Encoded Strings (MQTT 5.0 section 1.5.4, 3.1.1 section 1.5.3).
 *
 * Decoding rejects ill-formed UTF-8 (overlong forms, truncated sequences, encoded UTF-16 surrogates
 * U+D800..U+DFFF) [MQTT-1.5.4-1] [MQTT-1.5.3-1] and U+0000 [MQTT-1.5.4-2] [MQTT-1.5.3-2]. A byte order mark
 * is kept as U+FEFF, never stripped [MQTT-1.5.4-3] [MQTT-1.5.3-3].
 * @module
 */
import { malformed } from '../fail.js';
import { asciiString } from './ascii-string.js';

/** Undocumented but long-standing Buffer fast paths (present in every supported Node release). */
interface FastBuffer extends Buffer {
  latin1Write(value: string, offset: number, length?: number): number;
  utf8Write(value: string, offset: number, length?: number): number;
}

const hasFastWrites =
  typeof (Buffer.prototype as Partial<FastBuffer>).latin1Write === 'function' &&
  typeof (Buffer.prototype as Partial<FastBuffer>).utf8Write === 'function';

/** Strict decoder: throws on ill-formed input (surrogates and overlongs included) and keeps a BOM. */
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes `buf[start, end)` as an MQTT UTF-8 string. Pure-ASCII input (the common case) takes a byte loop
 * and {@link asciiString}; anything else is validated by a fatal `TextDecoder`.
 * @throws CodecError `ERR_INVALID_UTF8` (0x81)
 */
export function decodeUtf8(buf: Buffer, start: number, end: number, field: string): string {
  let i = start;
  // ASCII fast path: bytes 0x01..0x7F.
  while (i < end) {
    const b = buf[i]!;
    if (b === 0 || b > 0x7f) break;
    i++;
  }
  if (i === end) return asciiString(buf, start, end);
  return decodeUtf8Slow(buf, start, end, i, field);
}

function decodeUtf8Slow(buf: Buffer, start: number, end: number, from: number, field: string): string {
  // A 0x00 byte can only ever encode U+0000 in UTF-8 (never part of a multi-byte sequence).
  for (let i = from; i < end; i++) {
    if (buf[i] === 0) {
      throw malformed('ERR_INVALID_UTF8', `${field} contains U+0000`, { field, offset: i - start });
    }
  }
  try {
    return strictDecoder.decode(buf.subarray(start, end));
  } catch {
    throw malformed('ERR_INVALID_UTF8', `${field} is not well-formed UTF-8`, { field });
  }
}

/** Result of {@link utf8Length} for a string containing U+0000. */
export const UTF8_NUL = -1;
/** Result of {@link utf8Length} for a string containing a lone UTF-16 surrogate. */
export const UTF8_LONE_SURROGATE = -2;
/** Result of {@link utf8Length} (with `rejectWildcards`) for a string containing `+` or `#`. */
export const UTF8_WILDCARD = -3;

/**
 * Encoded UTF-8 length of `str` in one pass, or a negative status: {@link UTF8_NUL},
 * {@link UTF8_LONE_SURROGATE}, or {@link UTF8_WILDCARD} when `rejectWildcards` is set and `str` has `+`/`#`.
 */
export function utf8Length(str: string, rejectWildcards: boolean): number {
  const len = str.length;
  let n = len;
  for (let i = 0; i < len; i++) {
    const c = str.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) return UTF8_NUL;
      if (rejectWildcards && (c === 0x23 || c === 0x2b)) return UTF8_WILDCARD;
    } else if (c < 0x800) {
      n += 1;
    } else if (c < 0xd800 || c > 0xdfff) {
      n += 2;
    } else if (c <= 0xdbff && i + 1 < len) {
      const d = str.charCodeAt(i + 1);
      if (d < 0xdc00 || d > 0xdfff) return UTF8_LONE_SURROGATE;
      // A surrogate pair: two UTF-16 units, four UTF-8 bytes.
      n += 2;
      i++;
    } else {
      return UTF8_LONE_SURROGATE;
    }
  }
  return n;
}

/**
 * Writes the UTF-8 bytes of `str` at `pos` (the caller sized the buffer) and returns the byte count.
 */
export function writeUtf8Bytes(buf: Buffer, pos: number, str: string, byteLength: number): number {
  if (byteLength === str.length) {
    // Pure ASCII (byte length equals UTF-16 length only for ASCII). Up to about 24 characters a plain loop
    // beats the fixed cost of a native call; above, the native latin1 copy wins.
    if (byteLength <= 24) {
      for (let i = 0; i < byteLength; i++) buf[pos + i] = str.charCodeAt(i);
      return byteLength;
    }
    return hasFastWrites ? (buf as FastBuffer).latin1Write(str, pos, byteLength) : buf.write(str, pos, byteLength, 'latin1');
  }
  return hasFastWrites ? (buf as FastBuffer).utf8Write(str, pos, byteLength) : buf.write(str, pos, byteLength, 'utf8');
}
