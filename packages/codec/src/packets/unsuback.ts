/**
 * UNSUBACK (type 11): 3.1.1 section 3.11 (Packet Identifier only), 5.0 section 3.11 (properties and one
 * UNSUBACK reason code per topic filter [MQTT-3.11.3-1] [MQTT-3.11.3-2]).
 * @module
 */
import { invalidField } from '../fail.js';
import { decodeProperties } from '../properties.js';
import { propertiesLength, writeProperties } from '../property-encode.js';
import type { Reader } from '../primitives/reader.js';
import { varintSize, writeU16 } from '../primitives/writer.js';
import { isValidReasonCode } from '../reason-codes.js';
import type { UnsubackPacket } from '../types.js';
import {
  allocPacket,
  checkPacketId,
  decodePacketId,
  expectEnd,
  reasonCodeError,
  rejectV4Properties,
  scratch,
} from './common.js';
import { emptyError } from './subscribe.js';

const UNSUBACK = 11;

/** Decodes an UNSUBACK body. */
export function decodeUnsuback(r: Reader, v5: boolean): UnsubackPacket {
  const packetId = decodePacketId(r, UNSUBACK);
  if (!v5) {
    expectEnd(r, UNSUBACK);
    return { type: 'unsuback', packetId, reasonCodes: undefined, properties: undefined };
  }
  const properties = decodeProperties(r, UNSUBACK);
  const count = r.end - r.pos;
  if (count === 0) throw emptyError('unsuback', 'MQTT-3.11.3-1');
  const reasonCodes = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const code = r.buf[r.pos++]!;
    if (!isValidReasonCode(UNSUBACK, code)) throw reasonCodeError(UNSUBACK, code);
    reasonCodes[i] = code;
  }
  return { type: 'unsuback', packetId, reasonCodes, properties };
}

/**
 * Validates an UNSUBACK object and returns its Remaining Length. In 3.1.1 `reasonCodes` must be undefined
 * or all 0x00 (they are not sent).
 */
export function unsubackLength(p: UnsubackPacket, v5: boolean): number {
  checkPacketId(p.packetId, UNSUBACK);
  const codes = p.reasonCodes;
  if (!v5) {
    rejectV4Properties(p.properties, UNSUBACK);
    if (codes !== undefined) {
      if (!Array.isArray(codes)) throw invalidField('reasonCodes', 'an array');
      for (const code of codes) if (code !== 0) throw reasonCodeError(UNSUBACK, code);
    }
    return 2;
  }
  const pl = propertiesLength(p.properties, UNSUBACK);
  scratch.props = pl;
  if (!Array.isArray(codes)) throw invalidField('reasonCodes', 'an array');
  if (codes.length === 0) throw emptyError('unsuback', 'MQTT-3.11.3-1');
  for (const code of codes) {
    if (typeof code !== 'number' || !isValidReasonCode(UNSUBACK, code)) throw reasonCodeError(UNSUBACK, code);
  }
  return 2 + varintSize(pl) + pl + codes.length;
}

/** Encodes an UNSUBACK into a pooled Buffer. */
export function encodeUnsuback(p: UnsubackPacket, v5: boolean): Buffer {
  const rl = unsubackLength(p, v5);
  const buf = allocPacket(0xb0, rl);
  let pos = writeU16(buf, buf.length - rl, p.packetId);
  if (v5) {
    pos = writeProperties(buf, pos, p.properties, scratch.props);
    for (const code of p.reasonCodes!) buf[pos++] = code;
  }
  return buf;
}
