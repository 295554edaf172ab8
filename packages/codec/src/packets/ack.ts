/**
 * PUBACK, PUBREC, PUBREL, PUBCOMP (types 4..7): 3.1.1 sections 3.4-3.7, 5.0 sections 3.4-3.7.
 *
 * 3.1.1: Packet Identifier only (Remaining Length 2). 5.0: Packet Identifier, then an optional Reason Code
 * and optional properties; the encoder writes the shortest form (Remaining Length 2 for success without
 * properties, 3 for another reason without properties) and the decoder reports an omitted reason as 0x00.
 * @module
 */
import type { Reader } from '../primitives/reader.js';
import { writeU16 } from '../primitives/writer.js';
import type { AckPacket } from '../types.js';
import {
  allocPacket,
  checkPacketId,
  checkReasonCode,
  decodeOptionalProperties,
  decodeOptionalReason,
  decodePacketId,
  expectEnd,
  optionalReasonLength,
  rejectV4Properties,
  rejectV4ReasonCode,
  writeOptionalReason,
} from './common.js';

/** The four ack packet type discriminants. */
export type AckType = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';

const ACK_NAMES: readonly AckType[] = ['puback', 'puback', 'puback', 'puback', 'puback', 'pubrec', 'pubrel', 'pubcomp'];

/** Type number of an ack discriminant. */
export function ackTypeNumber(type: AckType): number {
  return type === 'puback' ? 4 : type === 'pubrec' ? 5 : type === 'pubrel' ? 6 : 7;
}

/** Decodes an ack body of type number `type` (4..7). */
export function decodeAck(r: Reader, type: number, v5: boolean): AckPacket<AckType> {
  // [MQTT-2.2.1-5] the ack carries the PUBLISH's (non-zero) packet identifier.
  const packetId = decodePacketId(r, type);
  let reasonCode: number | undefined;
  let properties;
  if (v5) {
    // [MQTT-3.4.2-1] [MQTT-3.5.2-1] [MQTT-3.6.2-1] [MQTT-3.7.2-1] one of the packet's reason codes.
    reasonCode = decodeOptionalReason(r, type);
    properties = decodeOptionalProperties(r, type);
  }
  expectEnd(r, type);
  return { type: ACK_NAMES[type]!, packetId, reasonCode, properties };
}

/** Validates an ack object and returns its Remaining Length. */
export function ackLength(p: AckPacket<AckType>, v5: boolean): number {
  const type = ackTypeNumber(p.type);
  checkPacketId(p.packetId, type);
  if (!v5) {
    rejectV4ReasonCode(p.reasonCode, type);
    rejectV4Properties(p.properties, type);
    return 2;
  }
  return 2 + optionalReasonLength(checkReasonCode(p.reasonCode, type), p.properties, type);
}

/** Encodes an ack into a pooled Buffer (PUBREL carries fixed header flags 0b0010 [MQTT-3.6.1-1]). */
export function encodeAck(p: AckPacket<AckType>, v5: boolean): Buffer {
  const rl = ackLength(p, v5);
  const type = ackTypeNumber(p.type);
  const buf = allocPacket((type << 4) | (type === 6 ? 0b0010 : 0), rl);
  const pos = writeU16(buf, buf.length - rl, p.packetId);
  if (v5) writeOptionalReason(buf, pos, p.reasonCode ?? 0, p.properties);
  return buf;
}
