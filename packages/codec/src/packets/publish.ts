/**
 * PUBLISH (type 3): 3.1.1 section 3.3, 5.0 section 3.3.
 *
 * Decoded `payload` is a zero-copy view of the received bytes: it shares memory with the chunk passed to
 * `Decoder.push()` (or with the copy the decoder made when the packet spanned several chunks). Copy it if
 * you keep it and mutate or recycle the chunk.
 * @module
 */
import { CodecError, CodecReasonCode } from '../errors.js';
import { invalidField, malformed, protocolError, truncated } from '../fail.js';
import { decodeProperties } from '../properties.js';
import { propertiesLength, writeProperties } from '../property-encode.js';
import { AsciiMemo, MEMO_MAX_LENGTH, MEMO_SLOTS } from '../primitives/ascii-memo.js';
import type { Reader } from '../primitives/reader.js';
import { asciiString, decodeUtf8 } from '../primitives/utf8.js';
import { checkBool, stringLength, varintSize, writeU16 } from '../primitives/writer.js';
import { hasWildcard } from '../topic.js';
import type { PublishPacket, QoS } from '../types.js';
import { allocPacket, checkPacketId, decodePacketId, rejectV4Properties, scratch } from './common.js';

const PUBLISH = 3;

function emptyTopicError(v5: boolean): CodecError {
  // 5.0: a zero-length Topic Name without a Topic Alias is a Protocol Error; 3.1.1: [MQTT-4.7.3-1].
  return new CodecError(
    'ERR_INVALID_TOPIC',
    v5 ? 'empty topic name without a topic alias' : 'empty topic name',
    v5 ? CodecReasonCode.ProtocolError : CodecReasonCode.TopicNameInvalid,
    { rule: 'MQTT-4.7.3-1' },
  );
}

function wildcardTopicError(): CodecError {
  return new CodecError('ERR_INVALID_TOPIC', 'topic name must not contain wildcards', CodecReasonCode.TopicNameInvalid, {
    rule: 'MQTT-3.3.2-2',
  });
}

const PLUS = 0x2b;
const HASH = 0x23;

/**
 * Recently decoded topic names. Messages often arrive on the same few topics, so equal bytes give back the
 * same (already checked) string without a scan or a new string. The slot depends on the length and the
 * last byte, so topics that differ only in a trailing counter get different slots.
 */
const topicMemo = new AsciiMemo();

/**
 * Reads the Topic Name: a UTF-8 string [MQTT-3.3.2-1], well-formed without U+0000 [MQTT-1.5.4-1]
 * [MQTT-1.5.4-2] and without wildcards [MQTT-3.3.2-2]. A pure-ASCII name is checked in one pass over its
 * bytes; anything else takes the full checks in their usual order.
 */
function readTopic(r: Reader): string {
  const len = r.u16('topic');
  const start = r.pos;
  const end = start + len;
  if (end > r.end) throw truncated('topic');
  r.pos = end;
  if (len === 0) return '';
  const buf = r.buf;
  const slot = (len + buf[end - 1]! * 7) & (MEMO_SLOTS - 1);
  const known = topicMemo.match(slot, buf, start, end);
  if (known !== undefined) return known;
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b === 0 || b >= 0x80 || b === PLUS || b === HASH) break;
    i++;
  }
  if (i === end) {
    const topic = asciiString(buf, start, end);
    if (len <= MEMO_MAX_LENGTH) topicMemo.store(slot, topic, buf, start);
    return topic;
  }
  const topic = decodeUtf8(buf, start, end, 'topic');
  if (hasWildcard(topic)) throw wildcardTopicError();
  return topic;
}

/**
 * Decodes a PUBLISH body. The fixed header flags were checked by the framer (QoS 3 [MQTT-3.3.1-4] and DUP
 * on QoS 0 [MQTT-3.3.1-2] never get here).
 */
export function decodePublish(r: Reader, flags: number, v5: boolean): PublishPacket {
  const qos = ((flags >> 1) & 3) as QoS;
  // [MQTT-3.3.2-1] the topic name is a UTF-8 string and comes first; [MQTT-3.3.2-2] no wildcards.
  const topic = readTopic(r);
  // [MQTT-2.2.1-2] / [MQTT-2.3.1-5] a packet identifier only when QoS > 0.
  const packetId = qos === 0 ? undefined : decodePacketId(r, PUBLISH);
  const properties = v5 ? decodeProperties(r, PUBLISH) : undefined;
  if (topic.length === 0 && (properties === undefined || properties.topicAlias === undefined)) {
    throw emptyTopicError(v5);
  }
  return {
    type: 'publish',
    topic,
    payload: r.rest(),
    qos,
    retain: (flags & 1) === 1,
    dup: (flags & 8) === 8,
    packetId,
    properties,
  };
}

/** The last topic that passed validation and its UTF-8 length (strings are immutable, so this is safe). */
let lastTopic = '';
let lastTopicLength = 0;
/** Bytes of a recently encoded (pure-ASCII) topic, copied in one step when the topic repeats. */
const topicBytes = new AsciiMemo();

/**
 * Validates a PUBLISH object and returns its Remaining Length. `packetId` is ignored at QoS 0 (never
 * written [MQTT-2.2.1-2]).
 */
export function publishLength(p: PublishPacket, v5: boolean): number {
  const qos = p.qos;
  // [MQTT-3.3.1-4] QoS 3 (or anything else) is not a QoS.
  if (qos !== 0 && qos !== 1 && qos !== 2) {
    throw malformed('ERR_INVALID_QOS', 'qos must be 0, 1 or 2', { qos });
  }
  // [MQTT-3.3.1-2] DUP must be 0 on QoS 0.
  if (checkBool(p.dup, 'dup') && qos === 0) {
    throw protocolError('ERR_PROTOCOL_ERROR', 'dup must be false on a QoS 0 PUBLISH', { rule: 'MQTT-3.3.1-2' });
  }
  checkBool(p.retain, 'retain');
  // [MQTT-3.3.2-2] no wildcards. Publishers tend to reuse a topic: a one-entry memo skips the scan.
  const topic = p.topic;
  let topicLen: number;
  if (topic === lastTopic) {
    topicLen = lastTopicLength;
  } else {
    topicLen = stringLength(topic, 'topic', true);
    lastTopic = topic;
    lastTopicLength = topicLen;
  }
  scratch.topic = topicLen;
  let n = 2 + topicLen;
  if (qos !== 0) {
    checkPacketId(p.packetId, PUBLISH);
    n += 2;
  }
  if (v5) {
    const props = p.properties;
    // No properties (the common case): one branch, a Property Length byte of 0.
    const pl = props === undefined ? 0 : propertiesLength(props, PUBLISH);
    scratch.props = pl;
    n += varintSize(pl) + pl;
    if (topicLen === 0 && (pl === 0 || props!.topicAlias === undefined)) throw emptyTopicError(true);
  } else {
    rejectV4Properties(p.properties, PUBLISH);
    if (topicLen === 0) throw emptyTopicError(false);
  }
  const payload = p.payload;
  if (!(payload instanceof Uint8Array)) throw invalidField('payload', 'a Buffer or Uint8Array');
  return n + payload.length;
}

/** Encodes a PUBLISH into a pooled Buffer. */
export function encodePublish(p: PublishPacket, v5: boolean): Buffer {
  const rl = publishLength(p, v5);
  const qos = p.qos;
  const buf = allocPacket(0x30 | (p.dup === true ? 8 : 0) | (qos << 1) | (p.retain === true ? 1 : 0), rl);
  let pos = topicBytes.writeString(buf, buf.length - rl, 0, p.topic, scratch.topic);
  if (qos !== 0) pos = writeU16(buf, pos, p.packetId!);
  if (v5) {
    const pl = scratch.props;
    if (pl === 0) buf[pos++] = 0;
    else pos = writeProperties(buf, pos, p.properties, pl);
  }
  buf.set(p.payload, pos);
  return buf;
}
