/**
 * UNSUBSCRIBE (type 10): 3.1.1 section 3.10, 5.0 section 3.10. Fixed header flags 0b0010 [MQTT-3.10.1-1]
 * are checked by the framer; the payload holds at least one topic filter [MQTT-3.10.3-2], each a UTF-8
 * string [MQTT-3.10.3-1].
 * @module
 */
import { invalidField } from '../fail.js';
import { decodeProperties } from '../properties.js';
import { propertiesLength, writeProperties } from '../property-encode.js';
import type { Reader } from '../primitives/reader.js';
import { writeAsciiFilter } from '../primitives/ascii-write.js';
import { varintSize, writeString, writeU16 } from '../primitives/writer.js';
import type { UnsubscribePacket } from '../types.js';
import { allocPacket, checkPacketId, decodePacketId, rejectV4Properties, releasePacket, scratch } from './common.js';
import { emptyError, filterLength, filterLengths, readFilter } from './subscribe.js';

const UNSUBSCRIBE = 10;

/** Decodes an UNSUBSCRIBE body. */
export function decodeUnsubscribe(r: Reader, v5: boolean): UnsubscribePacket {
  const packetId = decodePacketId(r, UNSUBSCRIBE);
  const properties = v5 ? decodeProperties(r, UNSUBSCRIBE) : undefined;
  const topicFilters: string[] = [];
  while (r.pos < r.end) {
    topicFilters.push(readFilter(r, v5));
  }
  // [MQTT-3.10.3-2] at least one topic filter.
  if (topicFilters.length === 0) throw emptyError('unsubscribe', 'MQTT-3.10.3-2');
  return { type: 'unsubscribe', packetId, topicFilters, properties };
}

/**
 * Validates an UNSUBSCRIBE object and returns its Remaining Length (with `ascii`, sizes the filters for the
 * fast path of {@link encodeUnsubscribe}).
 */
export function unsubscribeLength(p: UnsubscribePacket, v5: boolean, ascii = false): number {
  checkPacketId(p.packetId, UNSUBSCRIBE);
  let n = 2;
  if (v5) {
    const pl = propertiesLength(p.properties, UNSUBSCRIBE);
    scratch.props = pl;
    n += varintSize(pl) + pl;
  } else {
    rejectV4Properties(p.properties, UNSUBSCRIBE);
  }
  const filters = p.topicFilters;
  if (!Array.isArray(filters)) throw invalidField('topicFilters', 'an array');
  if (filters.length === 0) throw emptyError('unsubscribe', 'MQTT-3.10.3-2');
  const count = filters.length;
  for (let i = 0; i < count; i++) {
    const len = filterLength(filters[i], v5, ascii);
    filterLengths[i] = len;
    n += 2 + len;
  }
  return n;
}

/**
 * Encodes an UNSUBSCRIBE into a pooled Buffer: first on the ASCII fast path (see
 * `primitives/ascii-write.ts`), then, when that gives up, on the checked path, which throws the first problem
 * in its usual order.
 */
export function encodeUnsubscribe(p: UnsubscribePacket, v5: boolean): Buffer {
  try {
    const buf = writeUnsubscribe(p, v5, true);
    if (buf !== undefined) return buf;
  } catch {
    // The checked path below reports it.
  }
  return writeUnsubscribe(p, v5, false)!;
}

/** Sizes and writes an UNSUBSCRIBE; undefined when the ASCII fast path (`ascii`) meets a filter it cannot take. */
function writeUnsubscribe(p: UnsubscribePacket, v5: boolean, ascii: boolean): Buffer | undefined {
  const rl = unsubscribeLength(p, v5, ascii);
  const buf = allocPacket(0xa2, rl);
  let pos = writeU16(buf, buf.length - rl, p.packetId);
  if (v5) pos = writeProperties(buf, pos, p.properties, scratch.props);
  const filters = p.topicFilters;
  const count = filters.length;
  for (let i = 0; i < count; i++) {
    if (ascii) {
      pos = writeAsciiFilter(buf, pos, filters[i]!);
      if (pos < 0) return releasePacket(buf);
    } else {
      pos = writeString(buf, pos, filters[i]!, filterLengths[i]!);
    }
  }
  return buf;
}
