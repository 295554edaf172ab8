/**
 * One case per validation rule, on decode (bytes into a Decoder) and, where the rule applies to a packet
 * object, on encode. Every case asserts the error `code` and the MQTT 5 `reasonCode` the connection closes
 * with (0x81 malformed, 0x82 protocol error, 0x84, 0x8F, 0x90, 0x95), never the message text.
 */
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  Decoder,
  encode,
  encodedLength,
  type CodecErrorCode,
  type DecoderOptions,
  type Packet,
} from '@mqttx/codec';
import { hex } from './fixtures/hex.js';

interface DecodeCase {
  name: string;
  v: 4 | 5 | 'auto';
  role?: 'client' | 'server';
  bytes: string;
  code: CodecErrorCode;
  rc: number;
}

const CLIENT_ONLY_TYPES = new Set([1, 8, 10, 12]);

function caughtFrom(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return err as CodecError;
  }
  throw new Error('expected a CodecError, nothing was thrown');
}

function decodeCase(c: DecodeCase): CodecError {
  const bytes = hex(c.bytes);
  const role = c.role ?? (CLIENT_ONLY_TYPES.has(bytes[0]! >> 4) ? 'server' : 'client');
  const opts: DecoderOptions = { protocolVersion: c.v, role: c.v === 'auto' ? 'server' : role };
  return caughtFrom(() => new Decoder(opts).push(bytes));
}

const M = 0x81;
const P = 0x82;

const decodeCases: DecodeCase[] = [
  // --- fixed header -----------------------------------------------------------------------------------
  { name: '[MQTT-2.1.3-1] [MQTT-2.2.2-1] PUBACK with flags 0001', v: 4, bytes: '41 02 00 01', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-2.1.3-1] PUBACK with flags 0001 (5.0)', v: 5, bytes: '41 02 00 01', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-3.6.1-1] PUBREL with flags 0000', v: 5, bytes: '60 02 00 01', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-3.8.1-1] SUBSCRIBE with flags 0000', v: 4, bytes: '80 08 00 01 00 03 "a/b" 00', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-3.10.1-1] UNSUBSCRIBE with flags 0000', v: 4, bytes: 'a0 07 00 01 00 03 "a/b"', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-2.2.2-2] PINGREQ with flags 0010', v: 4, bytes: 'c2 00', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-3.14.1-1] DISCONNECT with flags 0001', v: 5, bytes: 'e1 00', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-3.15.1-1] AUTH with flags 0001', v: 5, bytes: 'f1 00', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: 'CONNACK with flags 0001', v: 4, bytes: '21 02 00 00', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: 'CONNECT with flags 0010 (checked from the first byte alone)', v: 'auto', bytes: '12', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-3.3.1-4] PUBLISH with QoS 3', v: 4, bytes: '36 05 00 01 "t" 00 01', code: 'ERR_INVALID_QOS', rc: M },
  { name: '[MQTT-3.3.1-4] PUBLISH with QoS 3 (5.0)', v: 5, bytes: '36 06 00 01 "t" 00 01 00', code: 'ERR_INVALID_QOS', rc: M },
  { name: '[MQTT-3.3.1-2] PUBLISH with DUP on QoS 0', v: 4, bytes: '38 03 00 01 "t"', code: 'ERR_PROTOCOL_ERROR', rc: P },
  { name: '[MQTT-3.3.1-2] PUBLISH with DUP on QoS 0 (5.0)', v: 5, bytes: '38 04 00 01 "t" 00', code: 'ERR_PROTOCOL_ERROR', rc: P },
  { name: 'packet type 0 is reserved', v: 5, bytes: '00 00', code: 'ERR_UNKNOWN_PACKET_TYPE', rc: M },
  { name: 'packet type 15 (AUTH) is reserved in 3.1.1', v: 4, bytes: 'f0 00', code: 'ERR_UNKNOWN_PACKET_TYPE', rc: M },
  { name: 'remaining length of five bytes', v: 4, bytes: '30 80 80 80 80 01', code: 'ERR_VARINT', rc: M },
  { name: '[MQTT-1.5.5-1] non-minimal remaining length (5.0)', v: 5, bytes: 'd0 80 00', code: 'ERR_VARINT', rc: M },
  { name: '[MQTT-1.5.5-1] non-minimal property length', v: 5, bytes: '30 06 00 01 "t" 80 00 "x"', code: 'ERR_VARINT', rc: M },
  { name: '[MQTT-1.5.5-1] non-minimal subscription identifier', v: 5, bytes: '30 07 00 01 "t" 03 0b 81 00', code: 'ERR_VARINT', rc: M },

  // --- truncated fields and trailing bytes ---------------------------------------------------------------
  { name: 'topic length past the end of the packet', v: 4, bytes: '30 03 00 05 61', code: 'ERR_TRUNCATED', rc: M },
  { name: 'PUBACK without a whole packet identifier', v: 4, bytes: '40 01 00', code: 'ERR_TRUNCATED', rc: M },
  { name: 'property length past the end of the packet', v: 5, bytes: '40 04 00 01 00 05', code: 'ERR_TRUNCATED', rc: M },
  { name: 'property value past the end of the property section', v: 5, bytes: '40 06 00 01 00 02 1f 00', code: 'ERR_TRUNCATED', rc: M },
  { name: '[MQTT-2.2.2-1] 5.0 CONNACK without a property length', v: 5, bytes: '20 02 00 00', code: 'ERR_TRUNCATED', rc: M },
  {
    name: '[MQTT-3.1.2-17] user name flag without a user name',
    v: 'auto',
    bytes: '10 0d 00 04 "MQTT" 05 82 00 00 00 00 00',
    code: 'ERR_TRUNCATED',
    rc: M,
  },
  {
    name: '[MQTT-3.1.2-9] will flag without will topic and payload',
    v: 'auto',
    bytes: '10 0c 00 04 "MQTT" 04 06 00 00 00 00',
    code: 'ERR_TRUNCATED',
    rc: M,
  },
  { name: '3.1.1 PUBACK with a third byte', v: 4, bytes: '40 03 00 01 00', code: 'ERR_TRAILING_BYTES', rc: M },
  { name: 'PINGRESP with a body', v: 4, bytes: 'd0 01 00', code: 'ERR_TRAILING_BYTES', rc: M },
  { name: '3.1.1 DISCONNECT with a body', v: 4, bytes: 'e0 01 00', code: 'ERR_TRAILING_BYTES', rc: M },
  { name: '3.1.1 CONNACK with a third byte', v: 4, bytes: '20 03 00 00 00', code: 'ERR_TRAILING_BYTES', rc: M },
  { name: '3.1.1 UNSUBACK with a third byte', v: 4, bytes: 'b0 03 00 01 00', code: 'ERR_TRAILING_BYTES', rc: M },
  { name: '5.0 PUBACK with bytes after its properties', v: 5, bytes: '40 05 00 01 00 00 ff', code: 'ERR_TRAILING_BYTES', rc: M },
  { name: '5.0 AUTH with bytes after its properties', v: 5, bytes: 'f0 03 18 00 ff', code: 'ERR_TRAILING_BYTES', rc: M },
  {
    name: 'CONNECT with a byte after the last field',
    v: 'auto',
    bytes: '10 0d 00 04 "MQTT" 04 02 00 00 00 00 ff',
    code: 'ERR_TRAILING_BYTES',
    rc: M,
  },

  // --- UTF-8 strings -------------------------------------------------------------------------------------
  { name: '[MQTT-1.5.4-1] [MQTT-1.5.3-1] ill-formed UTF-8 (c3 28)', v: 4, bytes: '30 04 00 02 c3 28', code: 'ERR_INVALID_UTF8', rc: M },
  { name: '[MQTT-1.5.4-1] overlong UTF-8 (c0 af)', v: 5, bytes: '30 05 00 02 c0 af 00', code: 'ERR_INVALID_UTF8', rc: M },
  { name: '[MQTT-1.5.4-1] encoded surrogate U+D800 (ed a0 80)', v: 4, bytes: '30 05 00 03 ed a0 80', code: 'ERR_INVALID_UTF8', rc: M },
  { name: '[MQTT-1.5.4-1] truncated UTF-8 sequence (e2 82)', v: 4, bytes: '30 04 00 02 e2 82', code: 'ERR_INVALID_UTF8', rc: M },
  { name: '[MQTT-1.5.4-2] [MQTT-1.5.3-2] U+0000 in a topic', v: 4, bytes: '30 05 00 03 61 00 62', code: 'ERR_INVALID_UTF8', rc: M },
  { name: '[MQTT-1.5.4-2] U+0000 after non-ASCII text', v: 4, bytes: '30 05 00 03 c3 bc 00', code: 'ERR_INVALID_UTF8', rc: M },
  {
    name: '[MQTT-1.5.4-2] U+0000 in a client identifier',
    v: 'auto',
    bytes: '10 0f 00 04 "MQTT" 04 02 00 00 00 03 61 00 62',
    code: 'ERR_INVALID_UTF8',
    rc: M,
  },
  {
    name: '[MQTT-1.5.7-1] ill-formed UTF-8 in a user property',
    v: 5,
    bytes: '30 0b 00 01 "t" 07 26 00 01 ff 00 01 61',
    code: 'ERR_INVALID_UTF8',
    rc: M,
  },
  { name: '[MQTT-1.5.4-2] U+0000 in a reason string', v: 5, bytes: '40 08 00 01 80 04 1f 00 01 00', code: 'ERR_INVALID_UTF8', rc: M },

  // --- topic names ---------------------------------------------------------------------------------------
  { name: '[MQTT-3.3.2-2] + in a PUBLISH topic', v: 4, bytes: '30 05 00 03 "a/+"', code: 'ERR_INVALID_TOPIC', rc: 0x90 },
  { name: '[MQTT-3.3.2-2] # in a PUBLISH topic', v: 5, bytes: '30 04 00 01 "#" 00', code: 'ERR_INVALID_TOPIC', rc: 0x90 },
  { name: '[MQTT-4.7.3-1] empty topic in 3.1.1', v: 4, bytes: '30 02 00 00', code: 'ERR_INVALID_TOPIC', rc: 0x90 },
  { name: '5.0 empty topic without a topic alias', v: 5, bytes: '30 03 00 00 00', code: 'ERR_INVALID_TOPIC', rc: P },
  {
    name: '[MQTT-4.7.0-1] wildcard in a will topic',
    v: 'auto',
    bytes: '10 13 00 04 "MQTT" 04 06 00 00 00 00 00 03 "a/#" 00 00',
    code: 'ERR_INVALID_TOPIC',
    rc: 0x90,
  },

  // --- packet identifiers --------------------------------------------------------------------------------
  { name: '[MQTT-2.2.1-3] [MQTT-2.3.1-1] PUBLISH QoS 1 with packet id 0', v: 4, bytes: '32 05 00 01 "t" 00 00', code: 'ERR_INVALID_PACKET_ID', rc: P },
  { name: '[MQTT-2.2.1-5] PUBACK with packet id 0', v: 5, bytes: '40 02 00 00', code: 'ERR_INVALID_PACKET_ID', rc: P },
  { name: '[MQTT-2.2.1-3] SUBSCRIBE with packet id 0', v: 4, bytes: '82 08 00 00 00 03 "a/b" 00', code: 'ERR_INVALID_PACKET_ID', rc: P },
  { name: '[MQTT-2.2.1-3] UNSUBSCRIBE with packet id 0', v: 4, bytes: 'a2 07 00 00 00 03 "a/b"', code: 'ERR_INVALID_PACKET_ID', rc: P },
  { name: '[MQTT-2.2.1-6] SUBACK with packet id 0', v: 4, bytes: '90 03 00 00 00', code: 'ERR_INVALID_PACKET_ID', rc: P },
  { name: '[MQTT-2.2.1-6] UNSUBACK with packet id 0', v: 4, bytes: 'b0 02 00 00', code: 'ERR_INVALID_PACKET_ID', rc: P },

  // --- SUBSCRIBE / UNSUBSCRIBE payloads ------------------------------------------------------------------
  { name: '[MQTT-3.8.3-3] 3.1.1 SUBSCRIBE without filters', v: 4, bytes: '82 02 00 01', code: 'ERR_EMPTY_SUBSCRIPTION', rc: P },
  { name: '[MQTT-3.8.3-2] 5.0 SUBSCRIBE without filters', v: 5, bytes: '82 03 00 01 00', code: 'ERR_EMPTY_SUBSCRIPTION', rc: P },
  { name: '[MQTT-3.10.3-2] 3.1.1 UNSUBSCRIBE without filters', v: 4, bytes: 'a2 02 00 01', code: 'ERR_EMPTY_SUBSCRIPTION', rc: P },
  { name: '[MQTT-3.10.3-2] 5.0 UNSUBSCRIBE without filters', v: 5, bytes: 'a2 03 00 01 00', code: 'ERR_EMPTY_SUBSCRIPTION', rc: P },
  { name: '[MQTT-3.8.4-6] SUBACK without reason codes', v: 4, bytes: '90 02 00 01', code: 'ERR_EMPTY_SUBSCRIPTION', rc: P },
  { name: '[MQTT-3.11.3-1] 5.0 UNSUBACK without reason codes', v: 5, bytes: 'b0 03 00 01 00', code: 'ERR_EMPTY_SUBSCRIPTION', rc: P },
  {
    name: '[MQTT-3.8.3-5] reserved subscription option bits',
    v: 5,
    bytes: '82 09 00 01 00 00 03 "a/b" 40',
    code: 'ERR_SUBSCRIPTION_OPTIONS',
    rc: M,
  },
  { name: 'retain handling 3 is a protocol error', v: 5, bytes: '82 09 00 01 00 00 03 "a/b" 30', code: 'ERR_SUBSCRIPTION_OPTIONS', rc: P },
  { name: 'subscription QoS 3 (5.0)', v: 5, bytes: '82 09 00 01 00 00 03 "a/b" 03', code: 'ERR_INVALID_QOS', rc: M },
  { name: '[MQTT-3.8.3-4] subscription QoS 3 (3.1.1)', v: 4, bytes: '82 08 00 01 00 03 "a/b" 03', code: 'ERR_INVALID_QOS', rc: M },
  {
    name: '[MQTT-3.8.3-4] 3.1.1 subscription options above the QoS bits',
    v: 4,
    bytes: '82 08 00 01 00 03 "a/b" 04',
    code: 'ERR_SUBSCRIPTION_OPTIONS',
    rc: M,
  },
  {
    name: '[MQTT-3.8.3-4] No Local on a shared subscription (5.0)',
    v: 5,
    bytes: '82 10 00 01 00 00 0a "$share/g/a" 04',
    code: 'ERR_SUBSCRIPTION_OPTIONS',
    rc: P,
  },
  { name: '[MQTT-4.7.1-1] # not last in a filter', v: 4, bytes: '82 0a 00 01 00 05 "a/#/b" 00', code: 'ERR_INVALID_TOPIC_FILTER', rc: 0x8f },
  { name: '[MQTT-4.7.1-2] + not a whole level', v: 5, bytes: '82 09 00 01 00 00 03 "a+b" 00', code: 'ERR_INVALID_TOPIC_FILTER', rc: 0x8f },
  { name: '[MQTT-4.7.3-1] empty topic filter', v: 4, bytes: '82 05 00 01 00 00 00', code: 'ERR_INVALID_TOPIC_FILTER', rc: 0x8f },
  { name: '[MQTT-4.7.1-1] # not a whole level in UNSUBSCRIBE', v: 4, bytes: 'a2 06 00 01 00 02 "a#"', code: 'ERR_INVALID_TOPIC_FILTER', rc: 0x8f },
  {
    name: '[MQTT-4.8.2-1] shared subscription without a ShareName',
    v: 5,
    bytes: '82 0f 00 01 00 00 09 "$share//a" 00',
    code: 'ERR_INVALID_TOPIC_FILTER',
    rc: 0x8f,
  },

  // --- properties ----------------------------------------------------------------------------------------
  { name: 'unknown property identifier 0x04', v: 5, bytes: '30 06 00 01 "t" 02 04 00', code: 'ERR_UNKNOWN_PROPERTY', rc: M },
  {
    name: 'session expiry interval is not allowed in PUBLISH',
    v: 5,
    bytes: '30 09 00 01 "t" 05 11 00 00 00 00',
    code: 'ERR_PROPERTY_NOT_ALLOWED',
    rc: P,
  },
  { name: 'reason string is not allowed in PUBLISH', v: 5, bytes: '30 08 00 01 "t" 04 1f 00 01 "r"', code: 'ERR_PROPERTY_NOT_ALLOWED', rc: P },
  {
    name: 'topic alias is not allowed in will properties',
    v: 'auto',
    bytes: '10 16 00 04 "MQTT" 05 06 00 00 00 00 00 03 23 00 01 00 01 "t" 00 00',
    code: 'ERR_PROPERTY_NOT_ALLOWED',
    rc: P,
  },
  { name: 'topic alias twice', v: 5, bytes: '30 0a 00 01 "t" 06 23 00 01 23 00 02', code: 'ERR_DUPLICATE_PROPERTY', rc: P },
  {
    name: 'subscription identifier twice in SUBSCRIBE',
    v: 5,
    bytes: '82 0d 00 01 04 0b 01 0b 02 00 03 "a/b" 00',
    code: 'ERR_DUPLICATE_PROPERTY',
    rc: P,
  },
  { name: 'reason string twice', v: 5, bytes: '40 0c 00 01 80 08 1f 00 01 "a" 1f 00 01 "b"', code: 'ERR_DUPLICATE_PROPERTY', rc: P },
  { name: 'payload format indicator 2', v: 5, bytes: '30 06 00 01 "t" 02 01 02', code: 'ERR_PROPERTY_VALUE', rc: P },
  { name: '[MQTT-3.3.2-8] topic alias 0', v: 5, bytes: '30 07 00 01 "t" 03 23 00 00', code: 'ERR_PROPERTY_VALUE', rc: P },
  { name: 'subscription identifier 0 in PUBLISH', v: 5, bytes: '30 06 00 01 "t" 02 0b 00', code: 'ERR_PROPERTY_VALUE', rc: P },
  {
    name: 'subscription identifier 0 in SUBSCRIBE',
    v: 5,
    bytes: '82 0b 00 01 02 0b 00 00 03 "a/b" 00',
    code: 'ERR_PROPERTY_VALUE',
    rc: P,
  },
  {
    name: 'receive maximum 0 in CONNECT',
    v: 'auto',
    bytes: '10 10 00 04 "MQTT" 05 02 00 00 03 21 00 00 00 00',
    code: 'ERR_PROPERTY_VALUE',
    rc: P,
  },
  { name: 'maximum packet size 0 in CONNACK', v: 5, bytes: '20 08 00 00 05 27 00 00 00 00', code: 'ERR_PROPERTY_VALUE', rc: P },
  { name: 'maximum QoS 2 in CONNACK', v: 5, bytes: '20 05 00 00 02 24 02', code: 'ERR_PROPERTY_VALUE', rc: P },
  { name: 'retain available 2 (a byte that must be 0 or 1)', v: 5, bytes: '20 05 00 00 02 25 02', code: 'ERR_PROPERTY_VALUE', rc: P },
  {
    name: 'request problem information 2 in CONNECT',
    v: 'auto',
    bytes: '10 0f 00 04 "MQTT" 05 02 00 00 02 17 02 00 00',
    code: 'ERR_PROPERTY_VALUE',
    rc: P,
  },
  { name: '[MQTT-3.3.2-14] wildcard in a response topic', v: 5, bytes: '30 09 00 01 "t" 05 08 00 02 "a#"', code: 'ERR_PROPERTY_VALUE', rc: P },
  {
    name: 'authentication data without authentication method in CONNECT',
    v: 'auto',
    bytes: '10 11 00 04 "MQTT" 05 02 00 00 04 16 00 01 61 00 00',
    code: 'ERR_PROTOCOL_ERROR',
    rc: P,
  },
  {
    name: '[MQTT-3.14.2-2] session expiry interval in a DISCONNECT from the server',
    v: 5,
    role: 'client',
    bytes: 'e0 07 00 05 11 00 00 00 00',
    code: 'ERR_PROPERTY_NOT_ALLOWED',
    rc: P,
  },

  // --- reason codes --------------------------------------------------------------------------------------
  { name: '[MQTT-3.4.2-1] PUBACK reason 0x05', v: 5, bytes: '40 03 00 01 05', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.5.2-1] PUBREC reason 0x92', v: 5, bytes: '50 03 00 01 92', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.6.2-1] PUBREL reason 0x80', v: 5, bytes: '62 03 00 01 80', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.7.2-1] PUBCOMP reason 0x10', v: 5, bytes: '70 03 00 01 10', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.9.3-2] 5.0 SUBACK reason 0x03', v: 5, bytes: '90 04 00 01 00 03', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.9.3-2] 3.1.1 SUBACK return code 0x03', v: 4, bytes: '90 03 00 01 03', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.9.3-2] 3.1.1 SUBACK return code 0x87 (5.0 only)', v: 4, bytes: '90 03 00 01 87', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.11.3-2] UNSUBACK reason 0x02', v: 5, bytes: 'b0 04 00 01 00 02', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.14.2-1] DISCONNECT reason 0x01', v: 5, bytes: 'e0 01 01', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.15.2-1] AUTH reason 0x80', v: 5, bytes: 'f0 01 80', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '5.0 CONNACK reason 0x01', v: 5, bytes: '20 03 00 01 00', code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '3.1.1 CONNACK return code 6', v: 4, bytes: '20 02 00 06', code: 'ERR_INVALID_REASON_CODE', rc: P },

  // --- CONNACK -------------------------------------------------------------------------------------------
  { name: '[MQTT-3.2.2-1] reserved connect acknowledge flags', v: 4, bytes: '20 02 02 00', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-3.2.2-1] reserved connect acknowledge flags (5.0)', v: 5, bytes: '20 03 80 00 00', code: 'ERR_RESERVED_FLAGS', rc: M },
  { name: '[MQTT-3.2.2-6] session present with a failure reason', v: 5, bytes: '20 03 01 87 00', code: 'ERR_PROTOCOL_ERROR', rc: P },
  { name: '[MQTT-3.2.2-4] 3.1.1 session present with a failure code', v: 4, bytes: '20 02 01 05', code: 'ERR_PROTOCOL_ERROR', rc: P },

  // --- CONNECT -------------------------------------------------------------------------------------------
  { name: '[MQTT-3.1.2-1] protocol name MQTX', v: 'auto', bytes: '10 0c 00 04 "MQTX" 04 02 00 00 00 00', code: 'ERR_PROTOCOL_NAME', rc: 0x84 },
  {
    name: '[MQTT-3.1.2-2] protocol level 6',
    v: 'auto',
    bytes: '10 0c 00 04 "MQTT" 06 02 00 00 00 00',
    code: 'ERR_UNSUPPORTED_PROTOCOL_VERSION',
    rc: 0x84,
  },
  {
    name: '[MQTT-3.1.2-2] protocol name MQTT with level 3',
    v: 'auto',
    bytes: '10 0c 00 04 "MQTT" 03 02 00 00 00 00',
    code: 'ERR_UNSUPPORTED_PROTOCOL_VERSION',
    rc: 0x84,
  },
  {
    name: '[MQTT-3.3.4-6] subscription identifier in a PUBLISH from the client',
    v: 5,
    role: 'server',
    bytes: '30 06 00 01 "t" 02 0b 01',
    code: 'ERR_PROPERTY_NOT_ALLOWED',
    rc: P,
  },
  {
    name: '[MQTT-3.3.4-6] subscription identifier after other properties in a QoS 1 PUBLISH from the client',
    v: 5,
    role: 'server',
    bytes: '32 0f 00 01 "t" 00 07 08 02 00 00 00 3c 0b 81 01 "x"',
    code: 'ERR_PROPERTY_NOT_ALLOWED',
    rc: P,
  },
  // [MQTT-4.12.0-5] (3.15.2.2.2): only the property-less success AUTH may omit the Authentication Method.
  { name: '[MQTT-4.12.0-5] AUTH continue (0x18) without properties', v: 5, bytes: 'f0 01 18', code: 'ERR_PROTOCOL_ERROR', rc: P },
  { name: '[MQTT-4.12.0-5] AUTH re-authenticate (0x19) with an empty property section', v: 5, role: 'server', bytes: 'f0 02 19 00', code: 'ERR_PROTOCOL_ERROR', rc: P },
  {
    name: '[MQTT-4.12.0-5] AUTH continue with authentication data but no authentication method',
    v: 5,
    bytes: 'f0 06 18 04 16 00 01 "d"',
    code: 'ERR_PROTOCOL_ERROR',
    rc: P,
  },
  { name: '[MQTT-4.12.0-5] AUTH success with a reason string but no method', v: 5, bytes: 'f0 06 00 04 1f 00 01 "r"', code: 'ERR_PROTOCOL_ERROR', rc: P },
  {
    name: '[MQTT-3.1.2-2] protocol name MQIsdp with level 4',
    v: 'auto',
    bytes: '10 0e 00 06 "MQIsdp" 04 02 00 00 00 00',
    code: 'ERR_UNSUPPORTED_PROTOCOL_VERSION',
    rc: 0x84,
  },
  { name: '[MQTT-3.1.2-3] reserved connect flag', v: 'auto', bytes: '10 0c 00 04 "MQTT" 04 03 00 00 00 00', code: 'ERR_CONNECT_FLAGS', rc: M },
  {
    name: '[MQTT-3.1.2-11] will QoS without a will (3.1.1 [MQTT-3.1.2-13])',
    v: 'auto',
    bytes: '10 0c 00 04 "MQTT" 04 0a 00 00 00 00',
    code: 'ERR_CONNECT_FLAGS',
    rc: M,
  },
  {
    name: '[MQTT-3.1.2-13] will retain without a will (3.1.1 [MQTT-3.1.2-15])',
    v: 'auto',
    bytes: '10 0d 00 04 "MQTT" 05 22 00 00 00 00 00',
    code: 'ERR_CONNECT_FLAGS',
    rc: M,
  },
  {
    name: '[MQTT-3.1.2-12] will QoS 3 (3.1.1 [MQTT-3.1.2-14])',
    v: 'auto',
    bytes: '10 0c 00 04 "MQTT" 04 1e 00 00 00 00',
    code: 'ERR_INVALID_QOS',
    rc: M,
  },
  {
    name: '[MQTT-3.1.2-22] 3.1.1 password flag without user name flag',
    v: 'auto',
    bytes: '10 0e 00 04 "MQTT" 04 42 00 00 00 00 00 00',
    code: 'ERR_CONNECT_FLAGS',
    rc: M,
  },
];

describe('malformed input on decode', () => {
  for (const c of decodeCases) {
    it(`${c.name} -> ${c.code}`, () => {
      const err = decodeCase(c);
      expect(err.code).toBe(c.code);
      expect(err.reasonCode).toBe(c.rc);
    });
  }
});

describe('maximum packet size [MQTT-3.1.2-24]', () => {
  it('rejects a packet over the limit from its fixed header alone, before the body arrives', () => {
    const decoder = new Decoder({ protocolVersion: 5, maximumPacketSize: 1024 });
    // Fixed header of a PUBLISH with remaining length 2,097,152 (4-byte varint); no body pushed.
    const err = caughtFrom(() => decoder.push(hex('30 80 80 80 01')));
    expect(err.code).toBe('ERR_PACKET_TOO_LARGE');
    expect(err.reasonCode).toBe(0x95);
    expect(decoder.buffered).toBe(0);
  });

  it('rejects as soon as the fixed header completes across chunks', () => {
    const decoder = new Decoder({ protocolVersion: 4, maximumPacketSize: 100 });
    expect(decoder.push(hex('30'))).toEqual([]);
    expect(decoder.push(hex('e5'))).toEqual([]);
    const err = caughtFrom(() => decoder.push(hex('00')));
    expect(err.code).toBe('ERR_PACKET_TOO_LARGE');
    expect(err.reasonCode).toBe(0x95);
  });

  it('counts the whole packet, fixed header included', () => {
    // PINGREQ-sized check: a PUBLISH of 10 bytes total (2 header + 8 body).
    const packet = hex('30 08 00 03 "a/b" "xyz"');
    expect(new Decoder({ protocolVersion: 4, maximumPacketSize: 10 }).push(packet)).toHaveLength(1);
    const err = caughtFrom(() => new Decoder({ protocolVersion: 4, maximumPacketSize: 9 }).push(packet));
    expect(err.code).toBe('ERR_PACKET_TOO_LARGE');
  });
});

interface EncodeCase {
  name: string;
  v: 4 | 5;
  packet: unknown;
  code: CodecErrorCode;
  rc: number;
}

const pub = (over: Record<string, unknown>, v5 = true): unknown => ({
  type: 'publish',
  topic: 't',
  payload: Buffer.alloc(0),
  qos: 0,
  retain: false,
  dup: false,
  packetId: undefined,
  properties: v5 ? undefined : undefined,
  ...over,
});
const connect = (over: Record<string, unknown>): unknown => ({
  type: 'connect',
  protocolVersion: 5,
  clientId: 'c',
  clean: true,
  keepalive: 0,
  ...over,
});
const sub = (over: Record<string, unknown>, s: Record<string, unknown> = {}): unknown => ({
  type: 'subscribe',
  packetId: 1,
  subscriptions: [{ topicFilter: 'a/b', qos: 0, ...s }],
  ...over,
});

/** A payload that claims 256 MiB without allocating it. */
function hugePayload(): Buffer {
  const fake = Buffer.alloc(0);
  Object.defineProperty(fake, 'length', { value: 268_435_456 });
  return fake;
}

const encodeCases: EncodeCase[] = [
  { name: '[MQTT-3.3.1-4] PUBLISH QoS 3', v: 5, packet: pub({ qos: 3 }), code: 'ERR_INVALID_QOS', rc: M },
  { name: '[MQTT-3.3.1-2] DUP on QoS 0', v: 4, packet: pub({ dup: true }), code: 'ERR_PROTOCOL_ERROR', rc: P },
  { name: '[MQTT-3.3.2-2] + in a topic', v: 4, packet: pub({ topic: 'a/+' }), code: 'ERR_INVALID_TOPIC', rc: 0x90 },
  { name: '[MQTT-3.3.2-2] # in a topic', v: 5, packet: pub({ topic: '#' }), code: 'ERR_INVALID_TOPIC', rc: 0x90 },
  { name: '[MQTT-4.7.3-1] empty topic in 3.1.1', v: 4, packet: pub({ topic: '' }), code: 'ERR_INVALID_TOPIC', rc: 0x90 },
  { name: '5.0 empty topic without a topic alias', v: 5, packet: pub({ topic: '' }), code: 'ERR_INVALID_TOPIC', rc: P },
  { name: '[MQTT-1.5.4-2] U+0000 in a topic', v: 5, packet: pub({ topic: 'a\u0000b' }), code: 'ERR_INVALID_UTF8', rc: M },
  { name: '[MQTT-1.5.4-1] lone surrogate in a topic', v: 5, packet: pub({ topic: 'a\uD800' }), code: 'ERR_INVALID_UTF8', rc: M },
  { name: '[MQTT-4.7.3-3] topic over 65535 bytes', v: 4, packet: pub({ topic: 'x'.repeat(65536) }), code: 'ERR_STRING_TOO_LONG', rc: M },
  { name: '[MQTT-2.2.1-3] QoS 1 without packet id', v: 5, packet: pub({ qos: 1 }), code: 'ERR_INVALID_PACKET_ID', rc: P },
  { name: '[MQTT-2.3.1-1] QoS 2 with packet id 0', v: 4, packet: pub({ qos: 2, packetId: 0 }), code: 'ERR_INVALID_PACKET_ID', rc: P },
  { name: 'packet id 65536', v: 4, packet: pub({ qos: 1, packetId: 65536 }), code: 'ERR_INVALID_PACKET_ID', rc: P },
  { name: 'payload that is not a Buffer', v: 4, packet: pub({ payload: 'text' }), code: 'ERR_INVALID_PACKET', rc: M },
  { name: 'retain that is not a boolean', v: 4, packet: pub({ retain: 1 }), code: 'ERR_INVALID_PACKET', rc: M },
  { name: 'remaining length over 268,435,455', v: 4, packet: pub({ payload: hugePayload() }), code: 'ERR_PACKET_TOO_LARGE', rc: 0x95 },
  { name: '[MQTT-3.3.2-8] topic alias 0', v: 5, packet: pub({ properties: { topicAlias: 0 } }), code: 'ERR_PROPERTY_VALUE', rc: P },
  { name: 'unknown property name', v: 5, packet: pub({ properties: { color: 'red' } }), code: 'ERR_UNKNOWN_PROPERTY', rc: M },
  {
    name: 'session expiry interval not allowed in PUBLISH',
    v: 5,
    packet: pub({ properties: { sessionExpiryInterval: 1 } }),
    code: 'ERR_PROPERTY_NOT_ALLOWED',
    rc: P,
  },
  { name: 'properties in a 3.1.1 PUBLISH', v: 4, packet: pub({ properties: { contentType: 'x' } }), code: 'ERR_PROPERTY_NOT_ALLOWED', rc: P },
  { name: 'payload format indicator 2', v: 5, packet: pub({ properties: { payloadFormatIndicator: 2 } }), code: 'ERR_PROPERTY_VALUE', rc: P },
  { name: 'subscription identifier 0', v: 5, packet: pub({ properties: { subscriptionIdentifier: 0 } }), code: 'ERR_PROPERTY_VALUE', rc: P },
  {
    name: 'subscription identifier over 268,435,455',
    v: 5,
    packet: pub({ properties: { subscriptionIdentifier: 268_435_456 } }),
    code: 'ERR_PROPERTY_VALUE',
    rc: P,
  },
  { name: '[MQTT-3.3.2-14] wildcard response topic', v: 5, packet: pub({ properties: { responseTopic: 'a/+' } }), code: 'ERR_PROPERTY_VALUE', rc: P },
  {
    name: '[MQTT-1.5.7-1] U+0000 in a user property',
    v: 5,
    packet: pub({ properties: { userProperties: [['k', 'a\u0000']] } }),
    code: 'ERR_INVALID_UTF8',
    rc: M,
  },
  { name: 'user property that is not a pair', v: 5, packet: pub({ properties: { userProperties: [['k']] } }), code: 'ERR_PROPERTY_VALUE', rc: P },
  {
    name: 'correlation data over 65535 bytes',
    v: 5,
    packet: pub({ properties: { correlationData: Buffer.alloc(65536) } }),
    code: 'ERR_STRING_TOO_LONG',
    rc: M,
  },
  { name: 'content type that is not a string', v: 5, packet: pub({ properties: { contentType: 7 } }), code: 'ERR_PROPERTY_VALUE', rc: P },
  {
    name: 'two subscription identifiers in SUBSCRIBE',
    v: 5,
    packet: sub({ properties: { subscriptionIdentifier: [1, 2] } }),
    code: 'ERR_DUPLICATE_PROPERTY',
    rc: P,
  },
  { name: '[MQTT-3.4.2-1] PUBACK reason 0x92', v: 5, packet: { type: 'puback', packetId: 1, reasonCode: 0x92 }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.6.2-1] PUBREL reason 0x10', v: 5, packet: { type: 'pubrel', packetId: 1, reasonCode: 0x10 }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '3.1.1 PUBACK with a failure reason', v: 4, packet: { type: 'puback', packetId: 1, reasonCode: 0x80 }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '3.1.1 PUBACK with properties', v: 4, packet: { type: 'puback', packetId: 1, properties: { reasonString: 'x' } }, code: 'ERR_PROPERTY_NOT_ALLOWED', rc: P },
  { name: '[MQTT-2.2.1-5] PUBCOMP with packet id 0', v: 5, packet: { type: 'pubcomp', packetId: 0 }, code: 'ERR_INVALID_PACKET_ID', rc: P },
  { name: '[MQTT-3.14.2-1] DISCONNECT reason 0x01', v: 5, packet: { type: 'disconnect', reasonCode: 0x01 }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '3.1.1 DISCONNECT with a reason', v: 4, packet: { type: 'disconnect', reasonCode: 0x04 }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.15.2-1] AUTH reason 0x80', v: 5, packet: { type: 'auth', reasonCode: 0x80 }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: 'AUTH in 3.1.1', v: 4, packet: { type: 'auth', reasonCode: 0 }, code: 'ERR_UNKNOWN_PACKET_TYPE', rc: M },
  { name: '[MQTT-4.12.0-5] AUTH continue without properties', v: 5, packet: { type: 'auth', reasonCode: 0x18 }, code: 'ERR_PROTOCOL_ERROR', rc: P },
  {
    name: '[MQTT-4.12.0-5] AUTH re-authenticate with an empty properties object',
    v: 5,
    packet: { type: 'auth', reasonCode: 0x19, properties: {} },
    code: 'ERR_PROTOCOL_ERROR',
    rc: P,
  },
  {
    name: '[MQTT-4.12.0-5] AUTH continue with authentication data but no method',
    v: 5,
    packet: { type: 'auth', reasonCode: 0x18, properties: { authenticationData: Buffer.from('d') } },
    code: 'ERR_PROTOCOL_ERROR',
    rc: P,
  },
  {
    name: '[MQTT-4.12.0-5] AUTH success with a reason string but no method',
    v: 5,
    packet: { type: 'auth', reasonCode: 0, properties: { reasonString: 'r' } },
    code: 'ERR_PROTOCOL_ERROR',
    rc: P,
  },
  { name: '[MQTT-3.8.3-2] SUBSCRIBE without subscriptions', v: 5, packet: { type: 'subscribe', packetId: 1, subscriptions: [] }, code: 'ERR_EMPTY_SUBSCRIPTION', rc: P },
  { name: '[MQTT-3.10.3-2] UNSUBSCRIBE without filters', v: 4, packet: { type: 'unsubscribe', packetId: 1, topicFilters: [] }, code: 'ERR_EMPTY_SUBSCRIPTION', rc: P },
  { name: 'subscription QoS 3', v: 5, packet: sub({}, { qos: 3 }), code: 'ERR_INVALID_QOS', rc: M },
  { name: 'retain handling 3', v: 5, packet: sub({}, { retainHandling: 3 }), code: 'ERR_SUBSCRIPTION_OPTIONS', rc: P },
  { name: '[MQTT-3.8.3-4] 3.1.1 subscription with No Local', v: 4, packet: sub({}, { noLocal: true }), code: 'ERR_SUBSCRIPTION_OPTIONS', rc: M },
  {
    name: '[MQTT-3.8.3-4] No Local on a shared subscription',
    v: 5,
    packet: sub({}, { topicFilter: '$share/g/a', noLocal: true }),
    code: 'ERR_SUBSCRIPTION_OPTIONS',
    rc: P,
  },
  { name: '[MQTT-4.7.1-1] # not last', v: 5, packet: sub({}, { topicFilter: 'a/#/b' }), code: 'ERR_INVALID_TOPIC_FILTER', rc: 0x8f },
  {
    name: '[MQTT-4.7.1-2] + not a whole level in UNSUBSCRIBE',
    v: 4,
    packet: { type: 'unsubscribe', packetId: 1, topicFilters: ['a+'] },
    code: 'ERR_INVALID_TOPIC_FILTER',
    rc: 0x8f,
  },
  { name: '[MQTT-3.9.3-2] 3.1.1 SUBACK return code 3', v: 4, packet: { type: 'suback', packetId: 1, reasonCodes: [3] }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '[MQTT-3.9.3-2] 5.0 SUBACK reason 0x11', v: 5, packet: { type: 'suback', packetId: 1, reasonCodes: [0x11] }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '5.0 UNSUBACK without reason codes', v: 5, packet: { type: 'unsuback', packetId: 1 }, code: 'ERR_INVALID_PACKET', rc: M },
  { name: '5.0 UNSUBACK reason 0x02', v: 5, packet: { type: 'unsuback', packetId: 1, reasonCodes: [2] }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '3.1.1 CONNACK return code 6', v: 4, packet: { type: 'connack', sessionPresent: false, reasonCode: 6 }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  { name: '5.0 CONNACK reason 0x01', v: 5, packet: { type: 'connack', sessionPresent: false, reasonCode: 1 }, code: 'ERR_INVALID_REASON_CODE', rc: P },
  {
    name: '[MQTT-3.2.2-6] session present with a failure reason',
    v: 5,
    packet: { type: 'connack', sessionPresent: true, reasonCode: 0x87 },
    code: 'ERR_PROTOCOL_ERROR',
    rc: P,
  },
  {
    name: 'maximum QoS 2 in CONNACK',
    v: 5,
    packet: { type: 'connack', sessionPresent: false, reasonCode: 0, properties: { maximumQoS: 2 } },
    code: 'ERR_PROPERTY_VALUE',
    rc: P,
  },
  { name: 'protocol level 6', v: 5, packet: connect({ protocolVersion: 6 }), code: 'ERR_UNSUPPORTED_PROTOCOL_VERSION', rc: 0x84 },
  {
    name: '[MQTT-3.1.2-22] 3.1.1 password without user name',
    v: 4,
    packet: connect({ protocolVersion: 4, password: Buffer.from('p') }),
    code: 'ERR_CONNECT_FLAGS',
    rc: M,
  },
  {
    name: '[MQTT-3.1.2-12] will QoS 3',
    v: 5,
    packet: connect({ will: { topic: 'w', payload: Buffer.alloc(0), qos: 3, retain: false } }),
    code: 'ERR_INVALID_QOS',
    rc: M,
  },
  {
    name: '[MQTT-4.7.0-1] wildcard in the will topic',
    v: 5,
    packet: connect({ will: { topic: 'w/#', payload: Buffer.alloc(0), qos: 0, retain: false } }),
    code: 'ERR_INVALID_TOPIC',
    rc: 0x90,
  },
  {
    name: 'will delay interval outside will properties',
    v: 5,
    packet: connect({ properties: { willDelayInterval: 5 } }),
    code: 'ERR_PROPERTY_NOT_ALLOWED',
    rc: P,
  },
  { name: 'receive maximum 0', v: 5, packet: connect({ properties: { receiveMaximum: 0 } }), code: 'ERR_PROPERTY_VALUE', rc: P },
  { name: 'maximum packet size 0', v: 5, packet: connect({ properties: { maximumPacketSize: 0 } }), code: 'ERR_PROPERTY_VALUE', rc: P },
  {
    name: 'authentication data without authentication method',
    v: 5,
    packet: connect({ properties: { authenticationData: Buffer.from('x') } }),
    code: 'ERR_PROTOCOL_ERROR',
    rc: P,
  },
  { name: 'keep alive over 65535', v: 5, packet: connect({ keepalive: 70000 }), code: 'ERR_INVALID_PACKET', rc: M },
  { name: 'client id that is not a string', v: 5, packet: connect({ clientId: 42 }), code: 'ERR_INVALID_PACKET', rc: M },
  { name: 'unknown packet type', v: 5, packet: { type: 'hello' }, code: 'ERR_INVALID_PACKET', rc: M },
];

describe('invalid packet objects on encode', () => {
  for (const c of encodeCases) {
    it(`${c.name} -> ${c.code}`, () => {
      const err = caughtFrom(() => encode(c.packet as Packet, { protocolVersion: c.v }));
      expect(err.code).toBe(c.code);
      expect(err.reasonCode).toBe(c.rc);
      // encodedLength validates the same way.
      const err2 = caughtFrom(() => encodedLength(c.packet as Packet, { protocolVersion: c.v }));
      expect(err2.code).toBe(c.code);
    });
  }

  it('rejects encode options other than protocol version 4 or 5', () => {
    const err = caughtFrom(() => encode({ type: 'pingreq' }, { protocolVersion: 3 as 4 }));
    expect(err.code).toBe('ERR_INVALID_OPTIONS');
  });
});

describe('[MQTT-3.3.4-6] Subscription Identifier in PUBLISH depends on the sender', () => {
  // PUBLISH QoS 0, topic "t", properties: subscription identifiers 1 and 300 (repeated, as a server may send).
  const bytes = hex('30 09 00 01 "t" 05 0b 01 0b ac 02');
  const packet: Packet = {
    type: 'publish',
    topic: 't',
    payload: Buffer.alloc(0),
    qos: 0,
    retain: false,
    dup: false,
    packetId: undefined,
    properties: { subscriptionIdentifier: [1, 300] },
  };

  it('a server-role decoder rejects it with a protocol error', () => {
    const err = caughtFrom(() => new Decoder({ protocolVersion: 5, role: 'server' }).push(bytes));
    expect(err.code).toBe('ERR_PROPERTY_NOT_ALLOWED');
    expect(err.reasonCode).toBe(P);
    expect(err.context?.rule).toBe('MQTT-3.3.4-6');
  });

  it("an 'auto' decoder (server side) rejects it after the CONNECT", () => {
    const decoder = new Decoder({ protocolVersion: 'auto' });
    const connect = encode({ type: 'connect', protocolVersion: 5, clientId: 'c', clean: true, keepalive: 0 } as Packet, {
      protocolVersion: 5,
    });
    expect(decoder.push(connect)).toHaveLength(1);
    const err = caughtFrom(() => decoder.push(bytes));
    expect(err.code).toBe('ERR_PROPERTY_NOT_ALLOWED');
    expect(err.reasonCode).toBe(P);
  });

  it('a client-role decoder accepts it (servers send it)', () => {
    expect(new Decoder({ protocolVersion: 5, role: 'client' }).push(bytes)).toEqual([packet]);
  });

  it("a role 'any' decoder accepts it", () => {
    expect(new Decoder({ protocolVersion: 5, role: 'any' }).push(bytes)).toEqual([packet]);
  });

  it('the encoder writes it (a server sends it)', () => {
    expect(encode(packet, { protocolVersion: 5 }).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('a server-role decoder still accepts a PUBLISH with other properties', () => {
    const ok = hex('30 0c 00 01 "t" 08 02 00 00 00 3c 23 00 05');
    const [decoded] = new Decoder({ protocolVersion: 5, role: 'server' }).push(ok);
    expect(decoded).toMatchObject({ type: 'publish', properties: { messageExpiryInterval: 60 } });
  });
});

describe('[MQTT-4.12.0-5] the success AUTH short form needs no Authentication Method', () => {
  it('decodes the property-less success AUTH, with or without the reason byte', () => {
    for (const form of ['f0 00', 'f0 01 00', 'f0 02 00 00']) {
      expect(new Decoder({ protocolVersion: 5 }).push(hex(form))).toEqual([{ type: 'auth', reasonCode: 0, properties: undefined }]);
    }
  });

  it('encodes a success AUTH with no or empty properties in the short form', () => {
    expect(encode({ type: 'auth', reasonCode: 0, properties: {} }, { protocolVersion: 5 }).toString('hex')).toBe('f000');
    expect(encode({ type: 'auth', reasonCode: 0, properties: undefined }, { protocolVersion: 5 }).toString('hex')).toBe('f000');
  });
});

describe('the encode-side ASCII fast path never lets an invalid field through', () => {
  const v5 = { protocolVersion: 5 } as const;

  it('[MQTT-4.7.3-1] an empty topic filter at any position', () => {
    for (let k = 19; k >= 0; k--) {
      const subscriptions = Array.from({ length: k + 1 }, (_, i) => ({ topicFilter: i === k ? '' : `p/${i}`, qos: 0 }));
      const err = caughtFrom(() => encode({ type: 'subscribe', packetId: 1, subscriptions } as Packet, v5));
      expect(err.code).toBe('ERR_INVALID_TOPIC_FILTER');
    }
  });

  it('[MQTT-4.7.3-1] an empty topic filter after a valid one at the same position', () => {
    encode(sub({}, { topicFilter: 'a/b' }) as Packet, v5);
    const err = caughtFrom(() => encode(sub({}, { topicFilter: '' }) as Packet, v5));
    expect(err.code).toBe('ERR_INVALID_TOPIC_FILTER');
    expect(err.reasonCode).toBe(0x8f);
  });

  it('[MQTT-4.8.2-2] a $share filter valid in 3.1.1 is still checked as shared in 5.0', () => {
    const unsub = (topicFilters: string[]): Packet => ({ type: 'unsubscribe', packetId: 1, topicFilters, properties: undefined });
    // 3.1.1 has no shared subscriptions: an ordinary filter there.
    expect(encode(unsub(['$share/+/x']), { protocolVersion: 4 }).length).toBeGreaterThan(0);
    const err = caughtFrom(() => encode(unsub(['$share/+/x']), v5));
    expect(err.code).toBe('ERR_INVALID_TOPIC_FILTER');
  });

  it('an empty will topic after a CONNECT with a valid one', () => {
    const will = (topic: string) => ({ topic, payload: Buffer.alloc(0), qos: 0, retain: false, properties: undefined });
    encode(connect({ will: will('w/t') }) as Packet, v5);
    const err = caughtFrom(() => encode(connect({ will: will('') }) as Packet, v5));
    expect(err.code).toBe('ERR_INVALID_TOPIC');
    expect(err.reasonCode).toBe(0x90);
  });

  it('[MQTT-4.7.0-1] a will topic with a wildcard after a valid one of the same length', () => {
    const will = (topic: string) => ({ topic, payload: Buffer.alloc(0), qos: 0, retain: false, properties: undefined });
    encode(connect({ will: will('w/t') }) as Packet, v5);
    const err = caughtFrom(() => encode(connect({ will: will('w/#') }) as Packet, v5));
    expect(err.code).toBe('ERR_INVALID_TOPIC');
  });

  it('[MQTT-4.7.1-2] a bad filter late in the packet (filter 18 of 20)', () => {
    const subscriptions = Array.from({ length: 20 }, (_, i) => ({ topicFilter: i === 17 ? 'a/b+' : `f/${i}/+`, qos: 0 }));
    const err = caughtFrom(() => encode({ type: 'subscribe', packetId: 1, subscriptions } as Packet, v5));
    expect(err.code).toBe('ERR_INVALID_TOPIC_FILTER');
  });
});
