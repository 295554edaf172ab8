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
import { asciiString } from '../primitives/ascii-string.js';
import { writeAsciiTopic } from '../primitives/ascii-write.js';
import type { Reader } from '../primitives/reader.js';
import { decodeUtf8 } from '../primitives/utf8.js';
import { asciiLength, checkBool, stringLength, varintSize, writeString, writeU16 } from '../primitives/writer.js';
import { hasWildcard, isAsciiTopicBytes } from '../topic.js';
import type { PublishPacket, QoS } from '../types.js';
import { allocPacket, checkPacketId, decodePacketId, rejectV4Properties, releasePacket, scratch } from './common.js';

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
  if (isAsciiTopicBytes(buf, start, end)) return asciiString(buf, start, end);
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

/**
 * Validates a PUBLISH object and returns its Remaining Length. `packetId` is ignored at QoS 0 (never
 * written [MQTT-2.2.1-2]). With `ascii` (the fast path of {@link encodePublish}) the topic is sized as if it
 * were pure ASCII and is checked when it is written.
 */
export function publishLength(p: PublishPacket, v5: boolean, ascii = false): number {
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
  // [MQTT-3.3.2-1] a UTF-8 string; [MQTT-3.3.2-2] no wildcards.
  const topicLen = ascii ? asciiLength(p.topic, 'topic') : stringLength(p.topic, 'topic', true);
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

/**
 * Encodes a PUBLISH into a pooled Buffer: first on the ASCII fast path (see `primitives/ascii-write.ts`),
 * then, when that gives up (a non-ASCII or invalid topic, or any invalid field), on the checked path, which
 * throws the first problem in its usual order.
 */
export function encodePublish(p: PublishPacket, v5: boolean): Buffer {
  try {
    const buf = writePublish(p, v5, true);
    if (buf !== undefined) return buf;
  } catch {
    // The checked path below reports it.
  }
  return writePublish(p, v5, false)!;
}

/** Sizes and writes a PUBLISH; undefined when the ASCII fast path (`ascii`) meets a string it cannot take. */
function writePublish(p: PublishPacket, v5: boolean, ascii: boolean): Buffer | undefined {
  const rl = publishLength(p, v5, ascii);
  const qos = p.qos;
  const buf = allocPacket(0x30 | (p.dup === true ? 8 : 0) | (qos << 1) | (p.retain === true ? 1 : 0), rl);
  let pos = buf.length - rl;
  if (ascii) {
    pos = writeAsciiTopic(buf, pos, p.topic);
    if (pos < 0) return releasePacket(buf);
  } else {
    pos = writeString(buf, pos, p.topic, scratch.topic);
  }
  if (qos !== 0) pos = writeU16(buf, pos, p.packetId!);
  if (v5) {
    const pl = scratch.props;
    if (pl === 0) buf[pos++] = 0;
    else pos = writeProperties(buf, pos, p.properties, pl);
  }
  buf.set(p.payload, pos);
  return buf;
}
