/**
 * AUTH (type 15, 5.0 only, section 3.15): optional reason code (0x00, 0x18, 0x19 [MQTT-3.15.2-1]) and
 * properties, shortest form on encode. In 3.1.1 type 15 is reserved, so the framer rejects it as an unknown
 * packet type and the encoder refuses AUTH.
 *
 * Authentication Method: section 3.15.2.2.2 makes omitting it a Protocol Error, and every AUTH of an
 * exchange carries the method of the CONNECT [MQTT-4.12.0-5] (an AUTH is only sent when the CONNECT had
 * one [MQTT-4.12.0-6] [MQTT-4.12.0-7]). Section 3.15.2.1 still defines the short form of a success AUTH
 * without any property (Remaining Length 0), so that one form is accepted without a method; every other AUTH
 * (reason 0x18 or 0x19, or any property section) needs it, on decode and on encode.
 * @module
 */
import { malformed, protocolError } from '../fail.js';
import type { Reader } from '../primitives/reader.js';
import type { AuthPacket, Properties } from '../types.js';
import {
  allocPacket,
  checkReasonCode,
  decodeOptionalProperties,
  decodeOptionalReason,
  expectEnd,
  optionalReasonLength,
  scratch,
  writeOptionalReason,
} from './common.js';

const AUTH = 15;

/**
 * [MQTT-4.12.0-5] (and 3.15.2.2.2): an AUTH other than the property-less success carries an Authentication
 * Method.
 * @throws CodecError `ERR_PROTOCOL_ERROR` (0x82)
 */
function checkAuthMethod(reasonCode: number, properties: Properties | undefined): void {
  if (properties === undefined || properties === null) {
    if (reasonCode === 0) return;
  } else if (properties.authenticationMethod !== undefined) {
    return;
  }
  throw protocolError('ERR_PROTOCOL_ERROR', 'AUTH without an authentication method', {
    property: 'authenticationMethod',
    reasonCode,
    rule: 'MQTT-4.12.0-5',
  });
}

/** Decodes an AUTH body (5.0). */
export function decodeAuth(r: Reader): AuthPacket {
  const reasonCode = decodeOptionalReason(r, AUTH);
  const properties = decodeOptionalProperties(r, AUTH);
  expectEnd(r, AUTH);
  checkAuthMethod(reasonCode, properties);
  return { type: 'auth', reasonCode, properties };
}

/** Validates an AUTH object and returns its Remaining Length. */
export function authLength(p: AuthPacket, v5: boolean): number {
  if (!v5) throw malformed('ERR_UNKNOWN_PACKET_TYPE', 'AUTH does not exist in MQTT 3.1.1', { packet: 'auth' });
  const reasonCode = checkReasonCode(p.reasonCode, AUTH);
  const n = optionalReasonLength(reasonCode, p.properties, AUTH);
  // An empty property object encodes like none (the short form when the reason is success).
  checkAuthMethod(reasonCode, scratch.props === 0 ? undefined : p.properties);
  return n;
}

/** Encodes an AUTH into a pooled Buffer. */
export function encodeAuth(p: AuthPacket, v5: boolean): Buffer {
  const rl = authLength(p, v5);
  const buf = allocPacket(0xf0, rl);
  writeOptionalReason(buf, buf.length - rl, p.reasonCode ?? 0, p.properties);
  return buf;
}
