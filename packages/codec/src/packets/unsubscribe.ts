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
import { varintSize, writeU16 } from '../primitives/writer.js';
import type { UnsubscribePacket } from '../types.js';
import { allocPacket, checkPacketId, decodePacketId, rejectV4Properties, scratch } from './common.js';
import { beginFilters, emptyError, filterLengths, readFilter, sizeFilter, writeFilter } from './subscribe.js';

const UNSUBSCRIBE = 10;

/** Decodes an UNSUBSCRIBE body. */
export function decodeUnsubscribe(r: Reader, v5: boolean): UnsubscribePacket {
  const packetId = decodePacketId(r, UNSUBSCRIBE);
  const properties = v5 ? decodeProperties(r, UNSUBSCRIBE) : undefined;
  const topicFilters: string[] = [];
  while (r.pos < r.end) {
    topicFilters.push(readFilter(r, v5, topicFilters.length));
  }
  // [MQTT-3.10.3-2] at least one topic filter.
  if (topicFilters.length === 0) throw emptyError('unsubscribe', 'MQTT-3.10.3-2');
  return { type: 'unsubscribe', packetId, topicFilters, properties };
}

/** Validates an UNSUBSCRIBE object and returns its Remaining Length. */
export function unsubscribeLength(p: UnsubscribePacket, v5: boolean): number {
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
  beginFilters();
  for (let i = 0; i < count; i++) {
    const len = sizeFilter(filters[i], i, v5);
    filterLengths[i] = len;
    n += 2 + len;
  }
  return n;
}

/** Encodes an UNSUBSCRIBE into a pooled Buffer. */
export function encodeUnsubscribe(p: UnsubscribePacket, v5: boolean): Buffer {
  const rl = unsubscribeLength(p, v5);
  const buf = allocPacket(0xa2, rl);
  let pos = writeU16(buf, buf.length - rl, p.packetId);
  if (v5) pos = writeProperties(buf, pos, p.properties, scratch.props);
  const filters = p.topicFilters;
  const count = filters.length;
  for (let i = 0; i < count; i++) pos = writeFilter(buf, pos, filters[i]!, i, filterLengths[i]!);
  return buf;
}
