/**
 * DISCONNECT (type 14): 3.1.1 section 3.14 (no body), 5.0 section 3.14 (optional reason code and
 * properties, shortest form on encode, omitted reason decoded as 0x00 Normal disconnection).
 * @module
 */
import type { Reader } from '../primitives/reader.js';
import type { DisconnectPacket } from '../types.js';
import {
  allocPacket,
  checkReasonCode,
  decodeOptionalProperties,
  decodeOptionalReason,
  expectEnd,
  optionalReasonLength,
  rejectV4Properties,
  rejectV4ReasonCode,
  writeOptionalReason,
} from './common.js';

const DISCONNECT = 14;

/** Decodes a DISCONNECT body. */
export function decodeDisconnect(r: Reader, v5: boolean): DisconnectPacket {
  let reasonCode: number | undefined;
  let properties;
  if (v5) {
    // [MQTT-3.14.2-1] one of the DISCONNECT reason codes.
    reasonCode = decodeOptionalReason(r, DISCONNECT);
    properties = decodeOptionalProperties(r, DISCONNECT);
  }
  expectEnd(r, DISCONNECT);
  return { type: 'disconnect', reasonCode, properties };
}

/** Validates a DISCONNECT object and returns its Remaining Length. */
export function disconnectLength(p: DisconnectPacket, v5: boolean): number {
  if (!v5) {
    rejectV4ReasonCode(p.reasonCode, DISCONNECT);
    rejectV4Properties(p.properties, DISCONNECT);
    return 0;
  }
  return optionalReasonLength(checkReasonCode(p.reasonCode, DISCONNECT), p.properties, DISCONNECT);
}

/** Encodes a DISCONNECT into a pooled Buffer. */
export function encodeDisconnect(p: DisconnectPacket, v5: boolean): Buffer {
  const rl = disconnectLength(p, v5);
  const buf = allocPacket(0xe0, rl);
  if (v5) writeOptionalReason(buf, buf.length - rl, p.reasonCode ?? 0, p.properties);
  return buf;
}
