/**
 * CONNACK (type 2): 3.1.1 section 3.2 (flags, return code 0..5), 5.0 section 3.2 (flags, reason code,
 * properties). An MQTT 3.1 CONNACK has the 3.1.1 layout.
 * @module
 */
import { malformed, protocolError } from '../fail.js';
import { decodeProperties } from '../properties.js';
import { propertiesLength, writeProperties } from '../property-encode.js';
import type { Reader } from '../primitives/reader.js';
import { checkBool, varintSize } from '../primitives/writer.js';
import { isValidReasonCode } from '../reason-codes.js';
import type { ConnackPacket } from '../types.js';
import { allocPacket, expectEnd, reasonCodeError, rejectV4Properties, scratch } from './common.js';

const CONNACK = 2;

function checkCode(code: number, v5: boolean): void {
  // 5.0 section 3.2.2.2 reason codes; 3.1.1 return codes 0..5.
  if (v5 ? !isValidReasonCode(CONNACK, code) : code > 5) throw reasonCodeError(CONNACK, code);
}

function sessionPresentError() {
  // 5.0 [MQTT-3.2.2-6] / 3.1.1 [MQTT-3.2.2-4]: Session Present is 0 with a non-zero code.
  return protocolError('ERR_PROTOCOL_ERROR', 'session present with a non-zero reason code', { rule: 'MQTT-3.2.2-6' });
}

/** Decodes a CONNACK body. */
export function decodeConnack(r: Reader, v5: boolean): ConnackPacket {
  const ackFlags = r.u8('connect acknowledge flags');
  // 5.0 [MQTT-3.2.2-1]: bits 7-1 of the acknowledge flags are reserved (0).
  if ((ackFlags & 0xfe) !== 0) {
    throw malformed('ERR_RESERVED_FLAGS', 'reserved connect acknowledge flags are set', { rule: 'MQTT-3.2.2-1' });
  }
  const reasonCode = r.u8('reason code');
  checkCode(reasonCode, v5);
  const sessionPresent = ackFlags === 1;
  if (sessionPresent && reasonCode !== 0) throw sessionPresentError();
  // [MQTT-2.2.2-1]: 5.0 always has a Property Length (0 when empty).
  const properties = v5 ? decodeProperties(r, CONNACK) : undefined;
  expectEnd(r, CONNACK);
  return { type: 'connack', sessionPresent, reasonCode, properties };
}

/** Validates a CONNACK object and returns its Remaining Length. */
export function connackLength(p: ConnackPacket, v5: boolean): number {
  const code = p.reasonCode;
  if (typeof code !== 'number' || !Number.isInteger(code)) throw reasonCodeError(CONNACK, code);
  checkCode(code, v5);
  if (checkBool(p.sessionPresent, 'sessionPresent') && code !== 0) throw sessionPresentError();
  if (!v5) {
    rejectV4Properties(p.properties, CONNACK);
    return 2;
  }
  const pl = propertiesLength(p.properties, CONNACK);
  scratch.props = pl;
  return 2 + varintSize(pl) + pl;
}

/** Encodes a CONNACK into a pooled Buffer. */
export function encodeConnack(p: ConnackPacket, v5: boolean): Buffer {
  const rl = connackLength(p, v5);
  const buf = allocPacket(0x20, rl);
  let pos = buf.length - rl;
  buf[pos++] = p.sessionPresent === true ? 1 : 0;
  buf[pos++] = p.reasonCode;
  if (v5) writeProperties(buf, pos, p.properties, scratch.props);
  return buf;
}
