/**
 * PUBLISH (type 3): 3.1.1 section 3.3, 5.0 section 3.3.
 *
 * Decoded `payload` is a zero-copy view of the received bytes: it shares memory with the chunk passed to
 * `Decoder.push()` (or with the copy the decoder made when the packet spanned several chunks). Copy it if
 * you keep it and mutate or recycle the chunk.
 * @module
 */
import { CodecError, CodecReasonCode } from '../errors.js';
import { invalidField, malformed, protocolError } from '../fail.js';
import { decodeProperties, propertiesLength, writeProperties } from '../properties.js';
import type { Reader } from '../primitives/reader.js';
import { checkBool, stringLength, varintSize, writeString, writeU16 } from '../primitives/writer.js';
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

/**
 * Decodes a PUBLISH body. The fixed header flags were checked by the framer (QoS 3 [MQTT-3.3.1-4] and DUP
 * on QoS 0 [MQTT-3.3.1-2] never get here).
 */
export function decodePublish(r: Reader, flags: number, v5: boolean): PublishPacket {
  const qos = ((flags >> 1) & 3) as QoS;
  // [MQTT-3.3.2-1] the topic name is a UTF-8 string and comes first.
  const topic = r.utf8('topic');
  // [MQTT-3.3.2-2] no wildcards in a topic name.
  if (hasWildcard(topic)) throw wildcardTopicError();
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
    const pl = propertiesLength(p.properties, PUBLISH);
    scratch.props = pl;
    n += varintSize(pl) + pl;
    if (topicLen === 0 && (pl === 0 || p.properties!.topicAlias === undefined)) throw emptyTopicError(true);
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
  let pos = writeString(buf, buf.length - rl, p.topic, scratch.topic);
  if (qos !== 0) pos = writeU16(buf, pos, p.packetId!);
  if (v5) pos = writeProperties(buf, pos, p.properties, scratch.props);
  buf.set(p.payload, pos);
  return buf;
}
