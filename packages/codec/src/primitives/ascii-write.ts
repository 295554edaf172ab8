/**
 * Checking writers of the encoder's ASCII fast path.
 *
 * Almost every string an application hands to the encoder (topic names and filters, client identifiers,
 * user names) is pure ASCII. The packet encoders first try a fast path: a string field is sized as its
 * `length` (its UTF-8 length if it is pure ASCII), the packet Buffer is allocated, and each string is checked
 * while it is copied into place, so its characters are read once instead of twice (a checking pass when the
 * size is computed plus a copying pass when the packet is written). For a 25-character topic filter that
 * halves the cost of the field.
 *
 * Each writer here writes the Two Byte length and the characters of `s` at `pos` and returns the position
 * after them, or -1 as soon as a character is not ASCII, is U+0000, or breaks the field's rule. On -1 the
 * Buffer holds garbage: the packet encoder gives it back to the pool unseen and encodes the packet again on
 * the checked path, which reports the exact rule in its usual order or writes the non-ASCII text. The
 * caller has checked that `s.length` is at most 65,535 and sized the Buffer for `s.length` bytes.
 * @module
 */

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

/**
 * Writes a UTF-8 string field whose characters are all ASCII other than U+0000 [MQTT-1.5.4-2]; -1 for
 * anything else.
 */
export function writeAsciiString(buf: Buffer, pos: number, s: string): number {
  const len = s.length;
  buf[pos] = len >>> 8;
  buf[pos + 1] = len & 0xff;
  pos += 2;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) return -1;
    buf[pos + i] = c;
  }
  return pos + len;
}

/**
 * Writes a Topic Name of ASCII characters other than U+0000 [MQTT-1.5.4-2] and without the wildcards `+`
 * and `#` [MQTT-3.3.2-2]; -1 for anything else. Emptiness is the caller's check.
 */
export function writeAsciiTopic(buf: Buffer, pos: number, s: string): number {
  const len = s.length;
  buf[pos] = len >>> 8;
  buf[pos + 1] = len & 0xff;
  pos += 2;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    // Letters, digits and `/` are above `+` (0x2B): one comparison for most characters.
    if (c > PLUS ? c > 0x7f : c === 0 || c === PLUS || c === HASH) return -1;
    buf[pos + i] = c;
  }
  return pos + len;
}

/**
 * Writes a Topic Filter of ASCII characters other than U+0000, not empty [MQTT-4.7.3-1], not starting with
 * `$` (so never a shared subscription, whose rules differ between versions), with `+` only as a whole level
 * [MQTT-4.7.1-2] and `#` only as the whole last level [MQTT-4.7.1-1]; -1 for anything else.
 */
export function writeAsciiFilter(buf: Buffer, pos: number, s: string): number {
  const len = s.length;
  if (len === 0 || s.charCodeAt(0) === DOLLAR) return -1;
  buf[pos] = len >>> 8;
  buf[pos + 1] = len & 0xff;
  pos += 2;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    buf[pos + i] = c;
    if (c > PLUS) {
      if (c > 0x7f) return -1;
    } else if (c === PLUS) {
      if ((i !== 0 && s.charCodeAt(i - 1) !== SLASH) || (i + 1 !== len && s.charCodeAt(i + 1) !== SLASH)) return -1;
    } else if (c === HASH) {
      if ((i !== 0 && s.charCodeAt(i - 1) !== SLASH) || i + 1 !== len) return -1;
    } else if (c === 0) {
      return -1;
    }
  }
  return pos + len;
}
