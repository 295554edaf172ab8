/**
 * The file store's on-disk format: an 8-byte magic followed by frames. Every frame is
 *
 * ```
 * offset  size  field
 * 0       4     CRC-32 (LE) of bytes [4, 8 + bodyLength): the length field and the body
 * 4       4     bodyLength (LE)
 * 8       n     body
 * ```
 *
 * and every body starts with an op byte:
 *
 * | op | name   | rest of the body                                                                  |
 * |----|--------|-----------------------------------------------------------------------------------|
 * | 1  | header | u8 format version (1), the client id (UTF-8, rest of the body)                    |
 * | 2  | put    | u8 keyspace, key, f64 LE seq, record bytes (rest of the body)                     |
 * | 3  | delete | u8 keyspace, key                                                                  |
 * | 4  | reset  | nothing                                                                           |
 *
 * A key is u8 type (0 number, 1 string) then an f64 LE (number) or a u16 LE length and UTF-8 (string).
 * The first frame of a log is its header. Because the checksum covers the length too, a frame cut short by a
 * crash (torn tail), a length overwritten with junk, or a zero-filled hole never decodes as a record.
 * @module
 */
import type { StoreKey, StoreRecord } from '../types.js';
import { crc32 } from './crc32.js';

/** First bytes of every log file. */
export const MAGIC = Buffer.from('MQTTXLOG', 'latin1');
/** Format version written in the header frame. */
export const FORMAT_VERSION = 1;
/** Bytes before the body: CRC-32 and length. */
export const FRAME_OVERHEAD = 8;
/** Largest body accepted when reading (MQTT's largest packet plus room for the key): anything larger is junk. */
export const MAX_BODY = 268_435_455 + 65_536 + 32;

/** Op code of the header frame (format version, client id). */
export const OP_HEADER = 1;
/** Op code of a put (insert or replace one record). */
export const OP_PUT = 2;
/** Op code of a delete (one record). */
export const OP_DELETE = 3;
/** Op code of a reset (every keyspace emptied). */
export const OP_RESET = 4;

const KEY_NUMBER = 0;
const KEY_STRING = 1;

/** `String.prototype.isWellFormed` (Node >= 20; typed in a newer `lib` than ours). */
interface WellFormed {
  isWellFormed(): boolean;
}

/** Bytes a key takes in a frame, or -1 when the key cannot be stored (non-finite number, bad string). */
export function keySize(key: StoreKey): number {
  if (typeof key === 'number') return Number.isFinite(key) ? 9 : -1;
  if (typeof key !== 'string' || !(key as unknown as WellFormed).isWellFormed()) return -1;
  const len = Buffer.byteLength(key, 'utf8');
  return len > 0xffff ? -1 : 3 + len;
}

function writeKey(buf: Buffer, off: number, key: StoreKey): number {
  if (typeof key === 'number') {
    buf[off] = KEY_NUMBER;
    buf.writeDoubleLE(key, off + 1);
    return off + 9;
  }
  buf[off] = KEY_STRING;
  const len = buf.write(key, off + 3, 'utf8');
  buf.writeUInt16LE(len, off + 1);
  return off + 3 + len;
}

function seal(buf: Buffer): Buffer {
  buf.writeUInt32LE(buf.length - FRAME_OVERHEAD, 4);
  buf.writeUInt32LE(crc32(buf, 4, buf.length), 0);
  return buf;
}

/**
 * Encodes a put frame (exact size). `keyBytes` is {@link keySize}`(key)`. Returns the frame; the record's
 * bytes sit at its last `bytes.length` bytes.
 */
export function encodePut(ks: number, key: StoreKey, keyBytes: number, seq: number, bytes: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_OVERHEAD + 2 + keyBytes + 8 + bytes.length);
  buf[8] = OP_PUT;
  buf[9] = ks;
  const off = writeKey(buf, 10, key);
  buf.writeDoubleLE(seq, off);
  bytes.copy(buf, off + 8);
  return seal(buf);
}

/** Encodes a delete frame (exact size). */
export function encodeDelete(ks: number, key: StoreKey, keyBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_OVERHEAD + 2 + keyBytes);
  buf[8] = OP_DELETE;
  buf[9] = ks;
  writeKey(buf, 10, key);
  return seal(buf);
}

/** Encodes a reset frame. */
export function encodeReset(): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_OVERHEAD + 1);
  buf[8] = OP_RESET;
  return seal(buf);
}

/** Encodes the header frame naming the log's client id. */
export function encodeHeader(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const buf = Buffer.allocUnsafe(FRAME_OVERHEAD + 2 + id.length);
  buf[8] = OP_HEADER;
  buf[9] = FORMAT_VERSION;
  id.copy(buf, 10);
  return seal(buf);
}

/** One decoded frame (fields unused by its op are left at their defaults). */
export interface DecodedFrame {
  op: number;
  /** Keyspace byte (put / delete). */
  ks: number;
  key: StoreKey;
  seq: number;
  /** Record bytes (put, a view into the read buffer) or client id bytes (header). */
  bytes: Buffer;
  /** Format version (header). */
  version: number;
}

/** Why a frame could not be read. */
export type FrameProblem = 'torn' | 'checksum' | 'malformed';

/** Result of {@link readFrame}: the frame's end offset, or the problem found at `offset`. */
export type FrameResult = { ok: true; end: number; frame: DecodedFrame } | { ok: false; problem: FrameProblem };

/**
 * Reads the frame at `offset` of `buf`. A frame that runs past the end of the data is `torn`; a complete
 * frame whose checksum fails is `checksum` (also when it ends exactly at the end of the data: the caller
 * decides whether that is a torn tail); a checksummed body that does not parse is `malformed`.
 */
export function readFrame(buf: Buffer, offset: number): FrameResult {
  if (buf.length - offset < FRAME_OVERHEAD) return { ok: false, problem: 'torn' };
  const len = buf.readUInt32LE(offset + 4);
  if (len === 0 || len > MAX_BODY) return { ok: false, problem: 'checksum' };
  const end = offset + FRAME_OVERHEAD + len;
  if (end > buf.length) return { ok: false, problem: 'torn' };
  if (crc32(buf, offset + 4, end) !== buf.readUInt32LE(offset)) return { ok: false, problem: 'checksum' };
  const frame = parseBody(buf, offset + FRAME_OVERHEAD, end);
  return frame === undefined ? { ok: false, problem: 'malformed' } : { ok: true, end, frame };
}

function parseKey(buf: Buffer, off: number, end: number): { key: StoreKey; next: number } | undefined {
  if (off >= end) return undefined;
  if (buf[off] === KEY_NUMBER) {
    if (off + 9 > end) return undefined;
    return { key: buf.readDoubleLE(off + 1), next: off + 9 };
  }
  if (buf[off] === KEY_STRING) {
    if (off + 3 > end) return undefined;
    const len = buf.readUInt16LE(off + 1);
    if (off + 3 + len > end) return undefined;
    return { key: buf.toString('utf8', off + 3, off + 3 + len), next: off + 3 + len };
  }
  return undefined;
}

function parseBody(buf: Buffer, start: number, end: number): DecodedFrame | undefined {
  const op = buf[start]!;
  const frame: DecodedFrame = { op, ks: -1, key: 0, seq: 0, bytes: EMPTY, version: 0 };
  switch (op) {
    case OP_HEADER:
      if (end - start < 2) return undefined;
      frame.version = buf[start + 1]!;
      frame.bytes = buf.subarray(start + 2, end);
      return frame;
    case OP_RESET:
      return end - start === 1 ? frame : undefined;
    case OP_PUT:
    case OP_DELETE: {
      if (end - start < 2) return undefined;
      frame.ks = buf[start + 1]!;
      if (frame.ks > 3) return undefined;
      const k = parseKey(buf, start + 2, end);
      if (k === undefined) return undefined;
      frame.key = k.key;
      if (op === OP_DELETE) return k.next === end ? frame : undefined;
      if (k.next + 8 > end) return undefined;
      frame.seq = buf.readDoubleLE(k.next);
      frame.bytes = buf.subarray(k.next + 8, end);
      return frame;
    }
    default:
      return undefined;
  }
}

const EMPTY = Buffer.alloc(0);

/** Encodes a live record as a put frame (used when compacting). */
export function encodeRecord(ks: number, record: StoreRecord): Buffer {
  return encodePut(ks, record.key, keySize(record.key), record.seq, record.bytes);
}
