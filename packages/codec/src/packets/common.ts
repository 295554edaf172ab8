/**
 * Helpers shared by the packet modules: fixed header and pooled allocation, packet identifiers, trailing
 * byte checks, and the optional "reason code then properties" tail of 5.0 acks, DISCONNECT and AUTH.
 * @module
 */
import { CodecError, CodecReasonCode } from '../errors.js';
import { invalidField, malformed, protocolError } from '../fail.js';
import { sharedPool } from '../pool.js';
import { decodeProperties } from '../properties.js';
import { propertiesLength, writeProperties } from '../property-encode.js';
import type { Reader } from '../primitives/reader.js';
import { VARINT_MAX, varintSize, writeVarint } from '../primitives/writer.js';
import { isValidReasonCode, reasonCodeName } from '../reason-codes.js';
import { packetTypeName } from '../packet-types.js';
import type { Properties } from '../types.js';

/**
 * Values computed by a packet's `length` function and reused by its writer within the same synchronous
 * `encode()` call (no allocation, no recomputation of property sizes).
 * @internal
 */
export const scratch = {
  /** Byte length of the packet's properties. */
  props: 0,
  /** Byte length of the will properties (CONNECT). */
  willProps: 0,
  /** Byte length of the PUBLISH topic, or of the will topic (CONNECT). */
  topic: 0,
  /** Byte length of the client identifier (CONNECT). */
  clientId: 0,
  /** Byte length of the user name (CONNECT). */
  username: 0,
};

/**
 * Allocates an exact-size Buffer for a packet with first byte `byte1` and Remaining Length `rl`, writes the
 * fixed header, and returns the Buffer; the variable header starts at `buf.length - rl`.
 */
export function allocPacket(byte1: number, rl: number): Buffer {
  const buf = sharedPool.alloc(packetSize(rl));
  buf[0] = byte1;
  writeVarint(buf, 1, rl);
  return buf;
}

/**
 * Gives `buf` (just returned by {@link allocPacket} and not handed out) back to the pool when an encode
 * attempt gives up; returns undefined for the caller to pass on.
 */
export function releasePacket(buf: Buffer): undefined {
  sharedPool.release(buf);
  return undefined;
}

/**
 * Whole encoded size of a packet with Remaining Length `rl`.
 * @throws CodecError `ERR_PACKET_TOO_LARGE` (0x95) above the protocol maximum Remaining Length
 */
export function packetSize(rl: number): number {
  if (rl > VARINT_MAX) {
    throw new CodecError('ERR_PACKET_TOO_LARGE', 'packet is larger than the protocol maximum', CodecReasonCode.PacketTooLarge, {
      remainingLength: rl,
    });
  }
  return 1 + varintSize(rl) + rl;
}

/** Throws `ERR_TRAILING_BYTES` (0x81) unless the reader consumed the whole packet. */
export function expectEnd(r: Reader, type: number): void {
  if (r.pos !== r.end) {
    throw malformed('ERR_TRAILING_BYTES', `${packetTypeName(type)} has ${r.end - r.pos} bytes after its last field`, {
      packet: packetTypeName(type),
      extra: r.end - r.pos,
    });
  }
}

/** Reads a Packet Identifier, which must be non-zero [MQTT-2.2.1-3] [MQTT-2.3.1-1]. */
export function decodePacketId(r: Reader, type: number): number {
  const id = r.u16('packet identifier');
  if (id === 0) throw packetIdError(type);
  return id;
}

function packetIdError(type: number): CodecError {
  return protocolError('ERR_INVALID_PACKET_ID', `${packetTypeName(type)} needs a non-zero packet identifier`, {
    packet: packetTypeName(type),
  });
}

/** Checks an encode-side Packet Identifier: an integer 1..65535. */
export function checkPacketId(id: unknown, type: number): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 0xffff) throw packetIdError(type);
  return id;
}

/**
 * 3.1.1 has no properties: an encode-side `properties` must be undefined or empty.
 * @throws CodecError `ERR_PROPERTY_NOT_ALLOWED` (0x82)
 */
export function rejectV4Properties(props: Properties | undefined, type: number): void {
  if (props === undefined || props === null) return;
  if (typeof props !== 'object') throw invalidField('properties', 'an object');
  for (const key in props) {
    if ((props as Record<string, unknown>)[key] !== undefined) {
      throw protocolError('ERR_PROPERTY_NOT_ALLOWED', `MQTT 3.1.1 ${packetTypeName(type)} has no properties`, {
        packet: packetTypeName(type),
        property: key,
      });
    }
  }
}

/** The reason code must be valid for the packet type [MQTT-3.4.2-1] ... [MQTT-3.15.2-1]. */
export function reasonCodeError(type: number, code: unknown): CodecError {
  const shown = typeof code === 'number' ? reasonCodeName(code) : String(code);
  return protocolError('ERR_INVALID_REASON_CODE', `${shown} is not a valid ${packetTypeName(type)} reason code`, {
    packet: packetTypeName(type),
    reasonCode: code,
  });
}

/** Checks an encode-side 5.0 reason code (undefined means 0x00) and returns it. */
export function checkReasonCode(code: unknown, type: number): number {
  if (code === undefined) return 0;
  if (typeof code !== 'number' || !isValidReasonCode(type, code)) throw reasonCodeError(type, code);
  return code;
}

/**
 * 3.1.1 acks, DISCONNECT and UNSUBACK carry no reason code: an encode-side `reasonCode` must be undefined or
 * 0x00 (success).
 */
export function rejectV4ReasonCode(code: unknown, type: number): void {
  if (code !== undefined && code !== 0) throw reasonCodeError(type, code);
}

/**
 * Reads the optional 5.0 reason code tail: no byte left means 0x00 (Success) [MQTT-3.4.2-1 area: the Reason
 * Code and Property Length can be omitted when the reason is 0x00 and there are no properties].
 */
export function decodeOptionalReason(r: Reader, type: number): number {
  if (r.pos >= r.end) return 0;
  const code = r.u8('reason code');
  if (!isValidReasonCode(type, code)) throw reasonCodeError(type, code);
  return code;
}

/** Reads the properties after an optional reason code: none left means undefined. */
export function decodeOptionalProperties(r: Reader, type: number): Properties | undefined {
  return r.pos < r.end ? decodeProperties(r, type) : undefined;
}

/**
 * Length of the optional tail in its shortest form: nothing for success without properties, the reason
 * byte alone without properties, else reason, Property Length and properties. Leaves the property length
 * in {@link scratch}.
 */
export function optionalReasonLength(code: number, props: Properties | undefined, type: number): number {
  const pl = propertiesLength(props, type);
  scratch.props = pl;
  if (pl === 0) return code === 0 ? 0 : 1;
  return 1 + varintSize(pl) + pl;
}

/** Writes the tail sized by {@link optionalReasonLength}. */
export function writeOptionalReason(buf: Buffer, pos: number, code: number, props: Properties | undefined): number {
  const pl = scratch.props;
  if (pl === 0) {
    if (code !== 0) buf[pos++] = code;
    return pos;
  }
  buf[pos++] = code;
  return writeProperties(buf, pos, props, pl);
}
