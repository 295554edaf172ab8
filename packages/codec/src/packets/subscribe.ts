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
import { invalidField, malformed, protocolError } from '../fail.js';
import { decodeProperties, propertiesLength, writeProperties } from '../properties.js';
import type { Reader } from '../primitives/reader.js';
import { utf8Length } from '../primitives/utf8.js';
import { checkBool, stringLength, varintSize, writeString, writeU16 } from '../primitives/writer.js';
import { filterStructureProblem, isSharedSubscription } from '../topic.js';
import type { QoS, SubscribePacket, Subscription } from '../types.js';
import { allocPacket, checkPacketId, decodePacketId, rejectV4Properties, scratch } from './common.js';

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

/** Decodes a SUBSCRIBE body. */
export function decodeSubscribe(r: Reader, v5: boolean): SubscribePacket {
  const packetId = decodePacketId(r, SUBSCRIBE);
  const properties = v5 ? decodeProperties(r, SUBSCRIBE) : undefined;
  const subscriptions: Subscription[] = [];
  while (r.pos < r.end) {
    // [MQTT-3.8.3-1] topic filters are UTF-8 strings.
    const topicFilter = r.utf8('topic filter');
    const problem = filterStructureProblem(topicFilter, v5);
    if (problem !== undefined) throw filterError(topicFilter, problem);
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

/** Validates an encode-side topic filter and returns its byte length. */
export function filterLength(filter: unknown, v5: boolean): number {
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

/** Validates a SUBSCRIBE object and returns its Remaining Length. */
export function subscribeLength(p: SubscribePacket, v5: boolean): number {
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
  for (const s of subs) {
    if (typeof s !== 'object' || s === null) throw invalidField('subscriptions[]', 'an object');
    n += 3 + filterLength(s.topicFilter, v5);
    subscriptionOptions(s, v5);
  }
  return n;
}

/** Encodes a SUBSCRIBE into a pooled Buffer. */
export function encodeSubscribe(p: SubscribePacket, v5: boolean): Buffer {
  const rl = subscribeLength(p, v5);
  const buf = allocPacket(0x82, rl);
  let pos = writeU16(buf, buf.length - rl, p.packetId);
  if (v5) pos = writeProperties(buf, pos, p.properties, scratch.props);
  for (const s of p.subscriptions) {
    pos = writeString(buf, pos, s.topicFilter, utf8Length(s.topicFilter, false));
    buf[pos++] = subscriptionOptions(s, v5);
  }
  return buf;
}
