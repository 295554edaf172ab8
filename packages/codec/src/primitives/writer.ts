/**
 * Encode-side primitives: sizes and writers for the MQTT data representations. Writers take the target
 * buffer and position and return the position after the field; the caller has sized the buffer exactly.
 * @module
 */
import { invalidField, malformed } from '../fail.js';
import type { CodecErrorCode } from '../errors.js';
import { CodecError } from '../errors.js';
import { UTF8_LONE_SURROGATE, UTF8_NUL, utf8Length, writeUtf8Bytes } from './utf8.js';

/** Largest value of a Variable Byte Integer (and of a Remaining Length). */
export const VARINT_MAX = 268_435_455;

/** Largest UTF-8 string or Binary Data length. */
export const FIELD_MAX = 65_535;

/** Number of bytes of the Variable Byte Integer encoding of `value` (0..268,435,455). */
export function varintSize(value: number): number {
  return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}

/** Writes a Variable Byte Integer in its minimal form [MQTT-1.5.5-1]. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  while (value >= 128) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos++] = value;
  return pos;
}

/** Writes a Two Byte Integer. */
export function writeU16(buf: Buffer, pos: number, value: number): number {
  buf[pos] = value >>> 8;
  buf[pos + 1] = value & 0xff;
  return pos + 2;
}

/** Writes a Four Byte Integer. */
export function writeU32(buf: Buffer, pos: number, value: number): number {
  buf[pos] = value >>> 24;
  buf[pos + 1] = (value >>> 16) & 0xff;
  buf[pos + 2] = (value >>> 8) & 0xff;
  buf[pos + 3] = value & 0xff;
  return pos + 4;
}

/**
 * Validates `value` as an MQTT UTF-8 string and returns its encoded byte length (without the two length
 * bytes). With `rejectWildcards`, `+` and `#` are refused with `wildcardCode`.
 * @throws CodecError `ERR_INVALID_PACKET` (not a string), `ERR_INVALID_UTF8` (U+0000 or lone surrogate),
 * `ERR_STRING_TOO_LONG` (over 65,535 bytes), or `wildcardCode`.
 */
export function stringLength(
  value: unknown,
  field: string,
  rejectWildcards = false,
  wildcardCode: CodecErrorCode = 'ERR_INVALID_TOPIC',
  wildcardReason = 0x90,
): number {
  if (typeof value !== 'string') throw invalidField(field, 'a string');
  const n = utf8Length(value, rejectWildcards);
  if (n >= 0) {
    if (n > FIELD_MAX) {
      throw malformed('ERR_STRING_TOO_LONG', `${field} is longer than 65535 bytes`, { field, length: n });
    }
    return n;
  }
  if (n === UTF8_NUL) throw malformed('ERR_INVALID_UTF8', `${field} contains U+0000`, { field });
  if (n === UTF8_LONE_SURROGATE) {
    throw malformed('ERR_INVALID_UTF8', `${field} contains a lone UTF-16 surrogate`, { field });
  }
  // UTF8_WILDCARD
  throw new CodecError(wildcardCode, `${field} must not contain wildcards`, wildcardReason, { field });
}

/**
 * Size of a string field on the encoder's ASCII fast path (see `ascii-write.ts`): the `length` of a string of
 * at most 65,535 characters, which is its UTF-8 length when it is pure ASCII, as its writer then checks.
 * Anything else throws {@link stringLength}'s error (the encoder then redoes the packet on its checked path).
 */
export function asciiLength(value: unknown, field: string): number {
  if (typeof value === 'string' && value.length <= FIELD_MAX) return value.length;
  return stringLength(value, field);
}

/** Writes a UTF-8 string with its Two Byte length; `byteLength` comes from {@link stringLength}. */
export function writeString(buf: Buffer, pos: number, value: string, byteLength: number): number {
  buf[pos] = byteLength >>> 8;
  buf[pos + 1] = byteLength & 0xff;
  return pos + 2 + (byteLength === 0 ? 0 : writeUtf8Bytes(buf, pos + 2, value, byteLength));
}

/**
 * Validates `value` as Binary Data (a Buffer or Uint8Array of at most 65,535 bytes) and returns its length.
 */
export function binaryLength(value: unknown, field: string): number {
  if (!(value instanceof Uint8Array)) throw invalidField(field, 'a Buffer or Uint8Array');
  if (value.length > FIELD_MAX) {
    throw malformed('ERR_STRING_TOO_LONG', `${field} is longer than 65535 bytes`, { field, length: value.length });
  }
  return value.length;
}

/** Writes Binary Data with its Two Byte length. */
export function writeBinary(buf: Buffer, pos: number, value: Uint8Array): number {
  const n = value.length;
  buf[pos] = n >>> 8;
  buf[pos + 1] = n & 0xff;
  buf.set(value, pos + 2);
  return pos + 2 + n;
}

/** Checks that `value` is an integer in `[min, max]`. */
export function checkInt(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidField(field, `an integer in ${min}..${max}`);
  }
  return value;
}

/** Checks that `value` is a boolean or undefined (undefined reads as false). */
export function checkBool(value: unknown, field: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalidField(field, 'a boolean');
  return value;
}

