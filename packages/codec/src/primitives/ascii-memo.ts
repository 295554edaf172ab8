/**
 * A small memo of validated pure-ASCII strings and their bytes, one entry per slot.
 *
 * Topic names and filters, client ids and user names tend to repeat (messages arrive on the same topics, a
 * client re-sends the same CONNECT and subscription list on every reconnect), and each one otherwise costs a
 * validation scan plus a character-by-character copy (encode) or a native string allocation (decode). The
 * packet codecs give each such field a slot (a position in the packet, a CONNECT field, a hash of a topic):
 * - encode: a string equal (`===`, so by content) to the slot's string has already passed the checks, and
 *   its bytes are copied with one `TypedArray.set`. A string is stored when it is written twice in a row
 *   for its slot ({@link AsciiMemo.offer}), so ever-changing strings cost a comparison and no copy;
 * - decode: bytes equal to the slot's bytes give back the slot's string (already validated) without a scan
 *   or a new string.
 *
 * Each slot holds strings checked by one rule, and only by a rule that depends on the string alone (a topic
 * filter is stored only after the version-independent ASCII fast path, never after the 5.0-only shared
 * subscription checks). Empty strings are never stored. Strings are immutable and the bytes are private copies,
 * so a hit always gives exactly what the slow path would have given. Memory is bounded:
 * {@link MEMO_SLOTS} x {@link MEMO_MAX_LENGTH} bytes per memo.
 * @module
 */
import { viewOf } from '../pool.js';
import { writeUtf8Bytes } from './utf8.js';

/** Number of slots of an {@link AsciiMemo}. */
export const MEMO_SLOTS = 16;
/** Longest string (in bytes) an {@link AsciiMemo} stores. */
export const MEMO_MAX_LENGTH = 128;

/** Slot-indexed memo of pure-ASCII strings and their bytes (see the module comment). */
export class AsciiMemo {
  /** The stored string per slot ('' when empty). */
  private readonly strings: string[] = new Array<string>(MEMO_SLOTS).fill('');
  /** The stored string's bytes per slot, as an exact-size view of {@link arena} (made on first use). */
  private readonly views: (Buffer | undefined)[] = new Array<Buffer | undefined>(MEMO_SLOTS).fill(undefined);
  /** Byte length per slot (0 when empty). */
  private readonly lengths = new Int32Array(MEMO_SLOTS);
  /** Slot `i` owns `arena[i * MEMO_MAX_LENGTH, (i + 1) * MEMO_MAX_LENGTH)`. */
  private readonly arena = Buffer.alloc(MEMO_SLOTS * MEMO_MAX_LENGTH);
  /** Encode side: the last string offered per slot that is not stored yet (see {@link offer}). */
  private readonly pending: string[] = new Array<string>(MEMO_SLOTS).fill('');

  /**
   * Encode side: the byte length of `s` when slot `slot` (< {@link MEMO_SLOTS}) holds it, else -1. An empty
   * slot holds nothing (empty strings are never stored, so '' never matches).
   */
  lengthOf(slot: number, s: unknown): number {
    const len = this.lengths[slot]!;
    return len !== 0 && this.strings[slot] === s ? len : -1;
  }

  /** Encode side: the bytes of the string in `slot` (valid after {@link lengthOf} found it). */
  bytesOf(slot: number): Buffer {
    let view = this.views[slot];
    if (view === undefined) {
      const off = slot * MEMO_MAX_LENGTH;
      view = viewOf(this.arena, off, off + this.lengths[slot]!);
      this.views[slot] = view;
    }
    return view;
  }

  /**
   * Encode side: writes `s` with its Two Byte length at `pos` (`byteLength` from the length pass) and
   * returns the position after it. Copies the slot's bytes when the slot holds `s`; otherwise writes `s` and
   * offers it ({@link offer}) when it is pure ASCII and short enough. Only for slots whose strings the caller
   * validated by a rule that depends on the string alone.
   */
  writeString(buf: Buffer, pos: number, slot: number, s: string, byteLength: number): number {
    buf[pos] = byteLength >>> 8;
    buf[pos + 1] = byteLength & 0xff;
    pos += 2;
    if (this.lengths[slot] !== 0 && this.strings[slot] === s) {
      buf.set(this.bytesOf(slot), pos);
    } else {
      writeUtf8Bytes(buf, pos, s, byteLength);
      // UTF-8 length equals UTF-16 length only for pure ASCII.
      if (byteLength === s.length && byteLength !== 0 && byteLength <= MEMO_MAX_LENGTH) this.offer(slot, s, buf, pos);
    }
    return pos + byteLength;
  }

  /**
   * Encode side: offers `s` (pure ASCII, validated, 1 to {@link MEMO_MAX_LENGTH} bytes, just written at
   * `buf[start..]`) for `slot`. It is stored when it was also the last string offered for the slot, so a
   * stream of ever-different strings costs one comparison and no copying.
   */
  offer(slot: number, s: string, buf: Uint8Array, start: number): void {
    if (this.pending[slot] === s) {
      this.store(slot, s, buf, start);
      this.pending[slot] = '';
    } else {
      this.pending[slot] = s;
    }
  }

  /**
   * Decode side: the stored string of `slot` when its bytes equal `buf[start, end)`, else undefined.
   */
  match(slot: number, buf: Uint8Array, start: number, end: number): string | undefined {
    const len = end - start;
    if (this.lengths[slot] !== len || len === 0) return undefined;
    const arena = this.arena;
    const off = slot * MEMO_MAX_LENGTH;
    for (let i = 0; i < len; i++) {
      if (arena[off + i] !== buf[start + i]) return undefined;
    }
    return this.strings[slot];
  }

  /**
   * Stores `s` (pure ASCII, validated, 1 to {@link MEMO_MAX_LENGTH} bytes) in `slot`, with its bytes
   * copied from `buf[start, start + s.length)`.
   */
  store(slot: number, s: string, buf: Uint8Array, start: number): void {
    const len = s.length;
    const arena = this.arena;
    const off = slot * MEMO_MAX_LENGTH;
    for (let i = 0; i < len; i++) arena[off + i] = buf[start + i]!;
    this.strings[slot] = s;
    this.lengths[slot] = len;
    this.views[slot] = undefined;
  }
}
