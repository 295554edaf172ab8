/**
 * AUTH (type 15, 5.0 only, section 3.15): optional reason code (0x00, 0x18, 0x19 [MQTT-3.15.2-1]) and
 * properties, shortest form on encode. In 3.1.1 type 15 is reserved, so the framer rejects it as an unknown
 * packet type and the encoder refuses AUTH.
 * @module
 */
import { malformed } from '../fail.js';
import type { Reader } from '../primitives/reader.js';
import type { AuthPacket } from '../types.js';
import {
  allocPacket,
  checkReasonCode,
  decodeOptionalProperties,
  decodeOptionalReason,
  expectEnd,
  optionalReasonLength,
  writeOptionalReason,
} from './common.js';

const AUTH = 15;

/** Decodes an AUTH body (5.0). */
export function decodeAuth(r: Reader): AuthPacket {
  const reasonCode = decodeOptionalReason(r, AUTH);
  const properties = decodeOptionalProperties(r, AUTH);
  expectEnd(r, AUTH);
  return { type: 'auth', reasonCode, properties };
}

/** Validates an AUTH object and returns its Remaining Length. */
export function authLength(p: AuthPacket, v5: boolean): number {
  if (!v5) throw malformed('ERR_UNKNOWN_PACKET_TYPE', 'AUTH does not exist in MQTT 3.1.1', { packet: 'auth' });
  return optionalReasonLength(checkReasonCode(p.reasonCode, AUTH), p.properties, AUTH);
}

/** Encodes an AUTH into a pooled Buffer. */
export function encodeAuth(p: AuthPacket, v5: boolean): Buffer {
  const rl = authLength(p, v5);
  const buf = allocPacket(0xf0, rl);
  writeOptionalReason(buf, buf.length - rl, p.reasonCode ?? 0, p.properties);
  return buf;
}
