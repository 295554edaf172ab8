/**
 * SUBSCRIBE (type 8): 3.1.1 section 3.8, 5.0 section 3.8. Fixed header flags 0b0010 [MQTT-3.8.1-1] are
 * checked by the framer.
 *
 * Subscription options: 3.1.1 has the requested QoS in bits 1-0 and reserved bits 7-2 [MQTT-3.8.3-4];
 * 5.0 adds No Local (bit 2), Retain As Published (bit 3), Retain Handling (bits 5-4, 3 is a Protocol
 * Error) and keeps bits 7-6 reserved [MQTT-3.8.3-5]. Decoded 3.1.1 subscriptions carry `noLocal: false`,
 * `retainAsPublished: false`, `retainHandling: 0`.
 * @module
 */
import { CodecError, CodecReasonCode } from '../errors.js';
import { invalidField, malformed, protocolError, truncated } from '../fail.js';
import { decodeProperties } from '../properties.js';
import { propertiesLength, writeProperties } from '../property-encode.js';
import type { Reader } from '../primitives/reader.js';
import { asciiString } from '../primitives/ascii-string.js';
import { writeAsciiFilter } from '../primitives/ascii-write.js';
import { decodeUtf8 } from '../primitives/utf8.js';
import { checkBool, FIELD_MAX, stringLength, varintSize, writeString, writeU16 } from '../primitives/writer.js';
import { asciiFilterLength, filterStructureProblem, isAsciiFilterBytes, isSharedSubscription } from '../topic.js';
import type { QoS, SubscribePacket, Subscription } from '../types.js';
import { allocPacket, checkPacketId, decodePacketId, rejectV4Properties, releasePacket, scratch } from './common.js';

const SUBSCRIBE = 8;

/** `ERR_INVALID_TOPIC_FILTER` (0x8F) for a malformed filter in SUBSCRIBE or UNSUBSCRIBE. */
export function filterError(filter: string, rule: string): CodecError {
  return new CodecError('ERR_INVALID_TOPIC_FILTER', `invalid topic filter (${rule})`, CodecReasonCode.TopicFilterInvalid, {
    rule,
    filter,
  });
}

/** `ERR_EMPTY_SUBSCRIPTION` (0x82) for a SUBSCRIBE / UNSUBSCRIBE without filters or a SUBACK / UNSUBACK without codes. */
export function emptyError(packet: string, rule: string): CodecError {
  return protocolError('ERR_EMPTY_SUBSCRIPTION', `${packet} has an empty payload`, { packet, rule });
}

function optionsError(message: string, reasonCode: number, rule: string): CodecError {
  return new CodecError('ERR_SUBSCRIPTION_OPTIONS', message, reasonCode, { rule });
}

/**
 * Reads a topic filter (Two Byte length, UTF-8 bytes) and checks it: well-formed UTF-8 without U+0000
 * [MQTT-1.5.4-1] [MQTT-1.5.4-2], then the filter structure (wildcards [MQTT-4.7.1-1] [MQTT-4.7.1-2], shared
 * subscriptions [MQTT-4.8.2-1] [MQTT-4.8.2-2] when `shared`). A pure-ASCII filter is checked in a single pass
 * over its bytes; anything else takes the full checks.
 */
export function readFilter(r: Reader, shared: boolean): string {
  const len = r.u16('topic filter');
  const start = r.pos;
  const end = start + len;
  if (end > r.end) throw truncated('topic filter');
  r.pos = end;
  const buf = r.buf;
  if (isAsciiFilterBytes(buf, start, end)) return asciiString(buf, start, end);
  const filter = len === 0 ? '' : decodeUtf8(buf, start, end, 'topic filter');
  const problem = filterStructureProblem(filter, shared);
  if (problem !== undefined) throw filterError(filter, problem);
  return filter;
}

/** Decodes a SUBSCRIBE body. */
export function decodeSubscribe(r: Reader, v5: boolean): SubscribePacket {
  const packetId = decodePacketId(r, SUBSCRIBE);
  const properties = v5 ? decodeProperties(r, SUBSCRIBE) : undefined;
  const subscriptions: Subscription[] = [];
  while (r.pos < r.end) {
    // [MQTT-3.8.3-1] topic filters are UTF-8 strings.
    const topicFilter = readFilter(r, v5);
    const options = r.u8('subscription options');
    const qos = options & 3;
    if (qos === 3) throw malformed('ERR_INVALID_QOS', 'subscription QoS 3', { topicFilter });
    let noLocal = false;
    let retainAsPublished = false;
    let retainHandling = 0;
    if (v5) {
      // [MQTT-3.8.3-5] reserved bits 7-6 are 0.
      if ((options & 0xc0) !== 0) {
        throw optionsError('reserved subscription option bits are set', CodecReasonCode.MalformedPacket, 'MQTT-3.8.3-5');
      }
      noLocal = (options & 4) !== 0;
      retainAsPublished = (options & 8) !== 0;
      retainHandling = (options >> 4) & 3;
      // Retain Handling 3 is a Protocol Error (5.0 section 3.8.3.1).
      if (retainHandling === 3) throw optionsError('retain handling 3', CodecReasonCode.ProtocolError, 'retain-handling');
      // [MQTT-3.8.3-4] No Local on a shared subscription is a Protocol Error.
      if (noLocal && isSharedSubscription(topicFilter)) {
        throw optionsError('no local on a shared subscription', CodecReasonCode.ProtocolError, 'MQTT-3.8.3-4');
      }
    } else if ((options & 0xfc) !== 0) {
      // 3.1.1 [MQTT-3.8.3-4]: bits 7-2 are reserved.
      throw optionsError('reserved subscription option bits are set', CodecReasonCode.MalformedPacket, 'MQTT-3.8.3-4');
    }
    subscriptions.push({
      topicFilter,
      qos: qos as QoS,
      noLocal,
      retainAsPublished,
      retainHandling: retainHandling as 0 | 1 | 2,
    });
  }
  // 5.0 [MQTT-3.8.3-2] / 3.1.1 [MQTT-3.8.3-3]: at least one subscription.
  if (subscriptions.length === 0) throw emptyError('subscribe', 'MQTT-3.8.3-2');
  return { type: 'subscribe', packetId, subscriptions, properties };
}

/**
 * Byte lengths of the topic filters of the SUBSCRIBE / UNSUBSCRIBE being encoded, and (SUBSCRIBE) their
 * option bytes: filled by the length function, read by the writer within the same synchronous `encode()`.
 */
export const filterLengths: number[] = [];
const optionBytes: number[] = [];

/**
 * Validates an encode-side topic filter and returns its byte length. With `ascii` (the encoders' fast path)
 * a string is sized as if it were pure ASCII and is checked when it is written ({@link writeAsciiFilter}).
 */
export function filterLength(filter: unknown, v5: boolean, ascii: boolean): number {
  if (typeof filter === 'string') {
    if (ascii && filter.length <= FIELD_MAX) return filter.length;
    // One pass for the common pure-ASCII filter; everything else gets the full checks.
    const n = asciiFilterLength(filter);
    if (n >= 0) return n;
  }
  return checkedFilterLength(filter, v5);
}

/**
 * The full checks of an encode-side filter, in their reporting order: a string [MQTT-3.8.3-1], well-formed
 * UTF-8 without U+0000, at most 65,535 bytes, then the filter structure.
 */
function checkedFilterLength(filter: unknown, v5: boolean): number {
  const n = stringLength(filter, 'topicFilter');
  const problem = filterStructureProblem(filter as string, v5);
  if (problem !== undefined) throw filterError(filter as string, problem);
  return n;
}

function subscriptionOptions(s: Subscription, v5: boolean): number {
  const qos = s.qos;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw malformed('ERR_INVALID_QOS', 'subscription qos must be 0, 1 or 2', { qos });
  const noLocal = checkBool(s.noLocal, 'noLocal');
  const rap = checkBool(s.retainAsPublished, 'retainAsPublished');
  const rh: number = s.retainHandling ?? 0;
  if (!v5) {
    if (noLocal || rap || rh !== 0) {
      throw optionsError('MQTT 3.1.1 subscriptions have QoS only', CodecReasonCode.MalformedPacket, 'MQTT-3.8.3-4');
    }
    return qos;
  }
  if (rh === 3) throw optionsError('retain handling 3', CodecReasonCode.ProtocolError, 'retain-handling');
  if (rh !== 0 && rh !== 1 && rh !== 2) throw invalidField('retainHandling', '0, 1 or 2');
  if (noLocal && isSharedSubscription(s.topicFilter)) {
    throw optionsError('no local on a shared subscription', CodecReasonCode.ProtocolError, 'MQTT-3.8.3-4');
  }
  return qos | (noLocal ? 4 : 0) | (rap ? 8 : 0) | (rh << 4);
}

/**
 * Validates a SUBSCRIBE object and returns its Remaining Length (with `ascii`, sizes the filters for the fast
 * path of {@link encodeSubscribe}).
 */
export function subscribeLength(p: SubscribePacket, v5: boolean, ascii = false): number {
  checkPacketId(p.packetId, SUBSCRIBE);
  let n = 2;
  if (v5) {
    const pl = propertiesLength(p.properties, SUBSCRIBE);
    scratch.props = pl;
    n += varintSize(pl) + pl;
  } else {
    rejectV4Properties(p.properties, SUBSCRIBE);
  }
  const subs = p.subscriptions;
  if (!Array.isArray(subs)) throw invalidField('subscriptions', 'an array');
  if (subs.length === 0) throw emptyError('subscribe', 'MQTT-3.8.3-2');
  const count = subs.length;
  for (let i = 0; i < count; i++) {
    const s = subs[i];
    if (typeof s !== 'object' || s === null) throw invalidField('subscriptions[]', 'an object');
    const len = filterLength(s.topicFilter, v5, ascii);
    filterLengths[i] = len;
    optionBytes[i] = subscriptionOptions(s, v5);
    n += 3 + len;
  }
  return n;
}

/**
 * Encodes a SUBSCRIBE into a pooled Buffer: first on the ASCII fast path (see `primitives/ascii-write.ts`),
 * then, when that gives up (a non-ASCII, shared or invalid filter, or any invalid field), on the checked
 * path, which throws the first problem in its usual order.
 */
export function encodeSubscribe(p: SubscribePacket, v5: boolean): Buffer {
  try {
    const buf = writeSubscribe(p, v5, true);
    if (buf !== undefined) return buf;
  } catch {
    // The checked path below reports it.
  }
  return writeSubscribe(p, v5, false)!;
}

/** Sizes and writes a SUBSCRIBE; undefined when the ASCII fast path (`ascii`) meets a filter it cannot take. */
function writeSubscribe(p: SubscribePacket, v5: boolean, ascii: boolean): Buffer | undefined {
  const rl = subscribeLength(p, v5, ascii);
  const buf = allocPacket(0x82, rl);
  let pos = writeU16(buf, buf.length - rl, p.packetId);
  if (v5) pos = writeProperties(buf, pos, p.properties, scratch.props);
  const subs = p.subscriptions;
  const count = subs.length;
  for (let i = 0; i < count; i++) {
    const filter = subs[i]!.topicFilter;
    if (ascii) {
      pos = writeAsciiFilter(buf, pos, filter);
      if (pos < 0) return releasePacket(buf);
    } else {
      pos = writeString(buf, pos, filter, filterLengths[i]!);
    }
    buf[pos++] = optionBytes[i]!;
  }
  return buf;
}
