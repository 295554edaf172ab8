/**
 * SUBACK (type 9): 3.1.1 section 3.9 (return codes 0, 1, 2, 0x80 [MQTT-3.9.3-2]), 5.0 section 3.9 (properties
 * and SUBACK reason codes [MQTT-3.9.3-2]). At least one code: one per requested filter.
 * @module
 */
import { invalidField } from '../fail.js';
import { decodeProperties } from '../properties.js';
import { propertiesLength, writeProperties } from '../property-encode.js';
import type { Reader } from '../primitives/reader.js';
import { varintSize, writeU16 } from '../primitives/writer.js';
import { isValidReasonCode, isValidSubackReturnCodeV4 } from '../reason-codes.js';
import type { SubackPacket } from '../types.js';
import { allocPacket, checkPacketId, decodePacketId, reasonCodeError, rejectV4Properties, scratch } from './common.js';
import { emptyError } from './subscribe.js';

const SUBACK = 9;

function validCode(code: number, v5: boolean): boolean {
  return v5 ? isValidReasonCode(SUBACK, code) : isValidSubackReturnCodeV4(code);
}

/** Decodes a SUBACK body. */
export function decodeSuback(r: Reader, v5: boolean): SubackPacket {
  const packetId = decodePacketId(r, SUBACK);
  const properties = v5 ? decodeProperties(r, SUBACK) : undefined;
  const count = r.end - r.pos;
  // [MQTT-3.8.4-6] one reason code per topic filter, so never none.
  if (count === 0) throw emptyError('suback', 'MQTT-3.8.4-6');
  const reasonCodes = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const code = r.buf[r.pos++]!;
    if (!validCode(code, v5)) throw reasonCodeError(SUBACK, code);
    reasonCodes[i] = code;
  }
  return { type: 'suback', packetId, reasonCodes, properties };
}

/** Validates a SUBACK object and returns its Remaining Length. */
export function subackLength(p: SubackPacket, v5: boolean): number {
  checkPacketId(p.packetId, SUBACK);
  let n = 2;
  if (v5) {
    const pl = propertiesLength(p.properties, SUBACK);
    scratch.props = pl;
    n += varintSize(pl) + pl;
  } else {
    rejectV4Properties(p.properties, SUBACK);
  }
  const codes = p.reasonCodes;
  if (!Array.isArray(codes)) throw invalidField('reasonCodes', 'an array');
  if (codes.length === 0) throw emptyError('suback', 'MQTT-3.8.4-6');
  for (const code of codes) {
    if (typeof code !== 'number' || !validCode(code, v5)) throw reasonCodeError(SUBACK, code);
  }
  return n + codes.length;
}

/** Encodes a SUBACK into a pooled Buffer. */
export function encodeSuback(p: SubackPacket, v5: boolean): Buffer {
  const rl = subackLength(p, v5);
  const buf = allocPacket(0x90, rl);
  let pos = writeU16(buf, buf.length - rl, p.packetId);
  if (v5) pos = writeProperties(buf, pos, p.properties, scratch.props);
  for (const code of p.reasonCodes) buf[pos++] = code;
  return buf;
}
