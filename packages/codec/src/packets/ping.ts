/**
 * PINGREQ (type 12) and PINGRESP (type 13): a fixed header with Remaining Length 0, in both versions.
 * @module
 */
import type { Reader } from '../primitives/reader.js';
import type { PingreqPacket, PingrespPacket } from '../types.js';
import { allocPacket, expectEnd } from './common.js';

/** Decodes PINGREQ (12) or PINGRESP (13); any body byte is `ERR_TRAILING_BYTES`. */
export function decodePing(r: Reader, type: number): PingreqPacket | PingrespPacket {
  expectEnd(r, type);
  return type === 12 ? { type: 'pingreq' } : { type: 'pingresp' };
}

/** Encodes PINGREQ or PINGRESP (two bytes, freshly taken from the pool). */
export function encodePing(p: PingreqPacket | PingrespPacket): Buffer {
  return allocPacket(p.type === 'pingreq' ? 0xc0 : 0xd0, 0);
}
