/**
 * CONNECT (type 1): 3.1 (`MQIsdp`, level 3), 3.1.1 section 3.1 (level 4), 5.0 section 3.1 (level 5).
 * A CONNECT is decoded and encoded with its own protocol level, whatever the connection's version.
 *
 * Buffers in the decoded packet (`password`, `will.payload`, binary properties) are zero-copy views of the
 * received bytes.
 * @module
 */
import { CodecError, CodecReasonCode } from '../errors.js';
import { invalidField, malformed, protocolError, truncated } from '../fail.js';
import { WILL_KIND } from '../packet-types.js';
import { decodeProperties } from '../properties.js';
import { propertiesLength, writeProperties } from '../property-encode.js';
import type { Reader } from '../primitives/reader.js';
import { asciiString } from '../primitives/ascii-string.js';
import { writeAsciiString, writeAsciiTopic } from '../primitives/ascii-write.js';
import {
  asciiLength,
  binaryLength,
  checkBool,
  checkInt,
  stringLength,
  varintSize,
  writeBinary,
  writeString,
  writeU16,
} from '../primitives/writer.js';
import { decodeUtf8 } from '../primitives/utf8.js';
import { hasWildcard, isAsciiTopicBytes } from '../topic.js';
import type { ConnectPacket, Properties, ProtocolVersion, QoS, Will } from '../types.js';
import { allocPacket, expectEnd, rejectV4Properties, releasePacket, scratch } from './common.js';

const CONNECT = 1;

const USERNAME = 0x80;
const PASSWORD = 0x40;
const WILL_RETAIN = 0x20;
const WILL_QOS = 0x18;
const WILL_FLAG = 0x04;
const CLEAN = 0x02;
const RESERVED = 0x01;

function flagsError(message: string, rule: string): CodecError {
  return malformed('ERR_CONNECT_FLAGS', message, { rule });
}

function willTopicError(): CodecError {
  return new CodecError('ERR_INVALID_TOPIC', 'will topic is not a valid topic name', CodecReasonCode.TopicNameInvalid, {
    field: 'will topic',
  });
}

/**
 * Reads the will topic: a Topic Name, so a well-formed UTF-8 string without U+0000 [MQTT-1.5.4-1]
 * [MQTT-1.5.4-2], not empty [MQTT-4.7.3-1] and without wildcards [MQTT-3.3.2-2]. A pure-ASCII name is
 * checked in one pass over its bytes; anything else takes the full checks in their usual order.
 */
function readWillTopic(r: Reader): string {
  const len = r.u16('will topic');
  const start = r.pos;
  const end = start + len;
  if (end > r.end) throw truncated('will topic');
  r.pos = end;
  if (len === 0) throw willTopicError();
  const buf = r.buf;
  if (isAsciiTopicBytes(buf, start, end)) return asciiString(buf, start, end);
  const topic = decodeUtf8(buf, start, end, 'will topic');
  if (hasWildcard(topic)) throw willTopicError();
  return topic;
}

/** Reads the protocol name; the usual `00 04 "MQTT"` is recognised from its bytes without a new string. */
function readProtocolName(r: Reader): string {
  const p = r.pos;
  const b = r.buf;
  if (p + 6 <= r.end && b[p] === 0 && b[p + 1] === 4 && b[p + 2] === 0x4d && b[p + 3] === 0x51 && b[p + 4] === 0x54 && b[p + 5] === 0x54) {
    r.pos = p + 6;
    return 'MQTT';
  }
  return r.utf8('protocol name');
}

/** Decodes a CONNECT body. */
export function decodeConnect(r: Reader): ConnectPacket {
  const name = readProtocolName(r);
  const level = r.u8('protocol level');
  if (name !== 'MQTT' && name !== 'MQIsdp') {
    // [MQTT-3.1.2-1] a CONNECT with another protocol name is not processed as MQTT.
    throw new CodecError('ERR_PROTOCOL_NAME', 'protocol name must be "MQTT"', CodecReasonCode.UnsupportedProtocolVersion, {
      protocolName: name,
      protocolVersion: level,
    });
  }
  if (name === 'MQTT' ? level !== 4 && level !== 5 : level !== 3) {
    // [MQTT-3.1.2-2] an unsupported protocol level (CONNACK 0x84 / return code 1).
    throw new CodecError(
      'ERR_UNSUPPORTED_PROTOCOL_VERSION',
      `unsupported protocol level ${level} for "${name}"`,
      CodecReasonCode.UnsupportedProtocolVersion,
      { protocolName: name, protocolVersion: level },
    );
  }
  const protocolVersion = level as ProtocolVersion;
  const v5 = level === 5;
  const flags = r.u8('connect flags');
  // [MQTT-3.1.2-3] the reserved flag is 0.
  if ((flags & RESERVED) !== 0) throw flagsError('reserved connect flag is set', 'MQTT-3.1.2-3');
  const willFlag = (flags & WILL_FLAG) !== 0;
  const willQos = (flags & WILL_QOS) >> 3;
  const willRetain = (flags & WILL_RETAIN) !== 0;
  if (!willFlag) {
    // 5.0 [MQTT-3.1.2-11] / 3.1.1 [MQTT-3.1.2-13]: no will, will QoS 0.
    if (willQos !== 0) throw flagsError('will QoS set without a will', 'MQTT-3.1.2-11');
    // 5.0 [MQTT-3.1.2-13] / 3.1.1 [MQTT-3.1.2-15]: no will, will retain 0.
    if (willRetain) throw flagsError('will retain set without a will', 'MQTT-3.1.2-13');
  } else if (willQos === 3) {
    // 5.0 [MQTT-3.1.2-12] / 3.1.1 [MQTT-3.1.2-14]: will QoS 3 is malformed.
    throw malformed('ERR_INVALID_QOS', 'will QoS 3', { field: 'will qos' });
  }
  const hasUsername = (flags & USERNAME) !== 0;
  const hasPassword = (flags & PASSWORD) !== 0;
  // 3.1.1 [MQTT-3.1.2-22]: no user name, no password (5.0 allows a password alone).
  if (!v5 && hasPassword && !hasUsername) throw flagsError('password flag without user name flag', 'MQTT-3.1.2-22');
  const keepalive = r.u16('keep alive');
  const properties = v5 ? decodeProperties(r, CONNECT) : undefined;
  if (properties !== undefined) checkAuthProperties(properties);
  // [MQTT-3.1.3-1] payload order: client id, will properties, will topic, will payload, user name, password.
  // [MQTT-3.1.3-3] [MQTT-3.1.3-4] the client identifier is present and a UTF-8 string (any length here).
  const clientId = r.utf8('client identifier');
  let will: Will | undefined;
  if (willFlag) {
    // [MQTT-3.1.2-9] will properties, topic and payload present.
    const willProperties = v5 ? decodeProperties(r, WILL_KIND) : undefined;
    const topic = readWillTopic(r);
    const payload = r.binary('will payload');
    will = { topic, payload, qos: willQos as QoS, retain: willRetain, properties: willProperties };
  }
  // [MQTT-3.1.2-16] .. [MQTT-3.1.2-19]: user name and password present exactly when flagged.
  const username = hasUsername ? r.utf8('user name') : undefined;
  const password = hasPassword ? r.binary('password') : undefined;
  expectEnd(r, CONNECT);
  return {
    type: 'connect',
    protocolVersion,
    clientId,
    clean: (flags & CLEAN) !== 0,
    keepalive,
    username,
    password,
    will,
    properties,
  };
}

/** Authentication Data without an Authentication Method is a Protocol Error (5.0 section 3.1.2.11.10). */
function checkAuthProperties(props: Properties): void {
  if (props.authenticationData !== undefined && props.authenticationMethod === undefined) {
    throw protocolError('ERR_PROTOCOL_ERROR', 'authentication data without authentication method', {
      property: 'authenticationData',
    });
  }
}

function protocolName(version: ProtocolVersion): string {
  return version === 3 ? 'MQIsdp' : 'MQTT';
}

/**
 * Validates a CONNECT object and returns its Remaining Length. With `ascii` (the fast path of
 * {@link encodeConnect}) the client identifier, will topic and user name are sized as if they were pure ASCII
 * and are checked when they are written.
 */
export function connectLength(p: ConnectPacket, ascii = false): number {
  const version = p.protocolVersion;
  if (version !== 3 && version !== 4 && version !== 5) {
    throw new CodecError(
      'ERR_UNSUPPORTED_PROTOCOL_VERSION',
      'protocolVersion must be 3, 4 or 5',
      CodecReasonCode.UnsupportedProtocolVersion,
      { protocolVersion: version },
    );
  }
  const v5 = version === 5;
  checkBool(p.clean, 'clean');
  checkInt(p.keepalive, 'keepalive', 0, 0xffff);
  // Protocol name, level, flags, keep alive.
  let n = 2 + protocolName(version).length + 1 + 1 + 2;
  if (v5) {
    const pl = propertiesLength(p.properties, CONNECT);
    if (pl !== 0) checkAuthProperties(p.properties!);
    scratch.props = pl;
    n += varintSize(pl) + pl;
  } else {
    rejectV4Properties(p.properties, CONNECT);
  }
  const clientIdLength = ascii ? asciiLength(p.clientId, 'clientId') : stringLength(p.clientId, 'clientId');
  scratch.clientId = clientIdLength;
  n += 2 + clientIdLength;
  const will = p.will;
  if (will !== undefined && will !== null) {
    if (typeof will !== 'object') throw invalidField('will', 'an object');
    const qos = will.qos;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw malformed('ERR_INVALID_QOS', 'will qos must be 0, 1 or 2', { qos });
    checkBool(will.retain, 'will.retain');
    // The will topic is a Topic Name: a non-empty UTF-8 string without wildcards.
    const topicLen = ascii ? asciiLength(will.topic, 'will.topic') : stringLength(will.topic, 'will.topic', true);
    if (topicLen === 0) throw willTopicError();
    scratch.topic = topicLen;
    n += 2 + topicLen + 2 + binaryLength(will.payload, 'will.payload');
    if (v5) {
      const wl = propertiesLength(will.properties, WILL_KIND);
      scratch.willProps = wl;
      n += varintSize(wl) + wl;
    } else {
      rejectV4Properties(will.properties, CONNECT);
    }
  }
  if (p.username !== undefined) {
    const usernameLength = ascii ? asciiLength(p.username, 'username') : stringLength(p.username, 'username');
    scratch.username = usernameLength;
    n += 2 + usernameLength;
  }
  if (p.password !== undefined) {
    // 3.1.1 [MQTT-3.1.2-22]: a password needs a user name.
    if (!v5 && p.username === undefined) throw flagsError('password without username', 'MQTT-3.1.2-22');
    n += 2 + binaryLength(p.password, 'password');
  }
  return n;
}

/**
 * Encodes a CONNECT (with its own protocol level) into a pooled Buffer: first on the ASCII fast path (see
 * `primitives/ascii-write.ts`), then, when that gives up, on the checked path, which throws the first
 * problem in its usual order.
 */
export function encodeConnect(p: ConnectPacket): Buffer {
  try {
    const buf = writeConnect(p, true);
    if (buf !== undefined) return buf;
  } catch {
    // The checked path below reports it.
  }
  return writeConnect(p, false)!;
}

/** Sizes and writes a CONNECT; undefined when the ASCII fast path (`ascii`) meets a string it cannot take. */
function writeConnect(p: ConnectPacket, ascii: boolean): Buffer | undefined {
  const rl = connectLength(p, ascii);
  const version = p.protocolVersion;
  const v5 = version === 5;
  const buf = allocPacket(0x10, rl);
  const name = protocolName(version);
  let pos = writeString(buf, buf.length - rl, name, name.length);
  buf[pos++] = version;
  const will = p.will ?? undefined;
  let flags = p.clean === true ? CLEAN : 0;
  if (will !== undefined) {
    flags |= WILL_FLAG | (will.qos << 3) | (will.retain === true ? WILL_RETAIN : 0);
  }
  if (p.username !== undefined) flags |= USERNAME;
  if (p.password !== undefined) flags |= PASSWORD;
  buf[pos++] = flags;
  pos = writeU16(buf, pos, p.keepalive);
  if (v5) pos = writeProperties(buf, pos, p.properties, scratch.props);
  if (ascii) {
    pos = writeAsciiString(buf, pos, p.clientId);
    if (pos < 0) return releasePacket(buf);
  } else {
    pos = writeString(buf, pos, p.clientId, scratch.clientId);
  }
  if (will !== undefined) {
    if (v5) pos = writeProperties(buf, pos, will.properties, scratch.willProps, true);
    if (ascii) {
      pos = writeAsciiTopic(buf, pos, will.topic);
      if (pos < 0) return releasePacket(buf);
    } else {
      pos = writeString(buf, pos, will.topic, scratch.topic);
    }
    pos = writeBinary(buf, pos, will.payload);
  }
  if (p.username !== undefined) {
    if (ascii) {
      pos = writeAsciiString(buf, pos, p.username);
      if (pos < 0) return releasePacket(buf);
    } else {
      pos = writeString(buf, pos, p.username, scratch.username);
    }
  }
  if (p.password !== undefined) writeBinary(buf, pos, p.password);
  return buf;
}
