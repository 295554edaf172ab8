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
import {
  binaryLength,
  checkBool,
  checkInt,
  stringLength,
  varintSize,
  writeBinary,
  writeString,
  writeU16,
} from '../primitives/writer.js';
import { AsciiMemo, MEMO_MAX_LENGTH } from '../primitives/ascii-memo.js';
import { decodeUtf8 } from '../primitives/utf8.js';
import { hasWildcard } from '../topic.js';
import type { ConnectPacket, Properties, ProtocolVersion, QoS, Will } from '../types.js';
import { allocPacket, expectEnd, rejectV4Properties, scratch } from './common.js';

const CONNECT = 1;

const USERNAME = 0x80;
const PASSWORD = 0x40;
const WILL_RETAIN = 0x20;
const WILL_QOS = 0x18;
const WILL_FLAG = 0x04;
const CLEAN = 0x02;
const RESERVED = 0x01;

/** Checked fields of the last CONNECT encoded, one slot per field (see {@link AsciiMemo}). */
const memo = new AsciiMemo();
const CLIENT_ID = 0;
const WILL_TOPIC = 1;
const USER_NAME = 2;

function flagsError(message: string, rule: string): CodecError {
  return malformed('ERR_CONNECT_FLAGS', message, { rule });
}

function willTopicError(): CodecError {
  return new CodecError('ERR_INVALID_TOPIC', 'will topic is not a valid topic name', CodecReasonCode.TopicNameInvalid, {
    field: 'will topic',
  });
}

/** Checked fields of recently decoded CONNECT packets (a reconnecting client sends the same ones). */
const decodeMemo = new AsciiMemo();

/**
 * Reads the UTF-8 string field `slot` (client id, will topic or user name) of a CONNECT payload: well-formed
 * without U+0000 [MQTT-1.5.4-1] [MQTT-1.5.4-2]; the will topic also a Topic Name, so not empty
 * [MQTT-4.7.3-1] and without wildcards [MQTT-3.3.2-2]. Bytes equal to those of the same field in a recent
 * CONNECT give back its (already checked) string.
 */
function readField(r: Reader, slot: number, field: string): string {
  const len = r.u16(field);
  const start = r.pos;
  const end = start + len;
  if (end > r.end) throw truncated(field);
  r.pos = end;
  const isTopic = slot === WILL_TOPIC;
  if (len === 0) {
    if (isTopic) throw willTopicError();
    return '';
  }
  const buf = r.buf;
  const known = decodeMemo.match(slot, buf, start, end);
  if (known !== undefined) return known;
  const value = decodeUtf8(buf, start, end, field);
  if (isTopic && hasWildcard(value)) throw willTopicError();
  // Pure ASCII (as many characters as bytes) and short: keep it.
  if (value.length === len && len <= MEMO_MAX_LENGTH) decodeMemo.store(slot, value, buf, start);
  return value;
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
  const clientId = readField(r, CLIENT_ID, 'client identifier');
  let will: Will | undefined;
  if (willFlag) {
    // [MQTT-3.1.2-9] will properties, topic and payload present.
    const willProperties = v5 ? decodeProperties(r, WILL_KIND) : undefined;
    const topic = readField(r, WILL_TOPIC, 'will topic');
    const payload = r.binary('will payload');
    will = { topic, payload, qos: willQos as QoS, retain: willRetain, properties: willProperties };
  }
  // [MQTT-3.1.2-16] .. [MQTT-3.1.2-19]: user name and password present exactly when flagged.
  const username = hasUsername ? readField(r, USER_NAME, 'user name') : undefined;
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

/** Validates a CONNECT object and returns its Remaining Length. */
export function connectLength(p: ConnectPacket): number {
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
  // Fields equal to those of the last CONNECT encoded (a reconnecting client) skip the checks.
  let clientIdLength = memo.lengthOf(CLIENT_ID, p.clientId);
  if (clientIdLength < 0) clientIdLength = stringLength(p.clientId, 'clientId');
  scratch.clientId = clientIdLength;
  n += 2 + clientIdLength;
  const will = p.will;
  if (will !== undefined && will !== null) {
    if (typeof will !== 'object') throw invalidField('will', 'an object');
    const qos = will.qos;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw malformed('ERR_INVALID_QOS', 'will qos must be 0, 1 or 2', { qos });
    checkBool(will.retain, 'will.retain');
    let topicLen = memo.lengthOf(WILL_TOPIC, will.topic);
    if (topicLen < 0) {
      // The will topic is a Topic Name: a non-empty UTF-8 string without wildcards.
      topicLen = stringLength(will.topic, 'will.topic', true);
      if (topicLen === 0) throw willTopicError();
    }
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
    let usernameLength = memo.lengthOf(USER_NAME, p.username);
    if (usernameLength < 0) usernameLength = stringLength(p.username, 'username');
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

/** Encodes a CONNECT (with its own protocol level) into a pooled Buffer. */
export function encodeConnect(p: ConnectPacket): Buffer {
  const rl = connectLength(p);
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
  pos = memo.writeString(buf, pos, CLIENT_ID, p.clientId, scratch.clientId);
  if (will !== undefined) {
    if (v5) pos = writeProperties(buf, pos, will.properties, scratch.willProps, true);
    pos = memo.writeString(buf, pos, WILL_TOPIC, will.topic, scratch.topic);
    pos = writeBinary(buf, pos, will.payload);
  }
  if (p.username !== undefined) pos = memo.writeString(buf, pos, USER_NAME, p.username, scratch.username);
  if (p.password !== undefined) writeBinary(buf, pos, p.password);
  return buf;
}
