/**
 * Independent, minimal reading of valid MQTT frames, used to aim mutations at a field (a string, the property
 * block, a flag byte). Written from the spec's layouts (chapters 2 and 3) and kept apart from the codec so that
 * a codec bug cannot hide itself.
 * @module
 */
import { PROPERTY_BY_ID, type PropertyWireType } from './properties.js';
import type { Version } from './packets.js';

/** Encodes a variable byte integer (1.5.5), minimal form. */
export function encodeVarint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    bytes.push(b);
  } while (v > 0);
  return Buffer.from(bytes);
}

/** Reads a variable byte integer at `offset`: its value and byte count, or undefined when malformed. */
export function readVarint(buf: Buffer, offset: number): { value: number; length: number } | undefined {
  let value = 0;
  let mult = 1;
  for (let i = 0; i < 4; i++) {
    if (offset + i >= buf.length) return undefined;
    const b = buf[offset + i]!;
    value += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) return { value, length: i + 1 };
    mult *= 128;
  }
  return undefined;
}

/** The fixed header of a frame and its body (a view). */
export interface FrameInfo {
  /** Packet type 1..15. */
  type: number;
  /** Low nibble of the first byte. */
  flags: number;
  /** First byte. */
  first: number;
  /** Bytes of the fixed header. */
  headerLength: number;
  /** The body (variable header and payload), a view into the frame. */
  body: Buffer;
}

/** Splits one whole valid frame into fixed header and body. */
export function parseFrame(frame: Buffer): FrameInfo {
  const rl = readVarint(frame, 1);
  if (!rl || frame.length !== 1 + rl.length + rl.value) throw new RangeError('not one whole frame');
  const first = frame[0]!;
  return {
    type: first >> 4,
    flags: first & 0x0f,
    first,
    headerLength: 1 + rl.length,
    body: frame.subarray(1 + rl.length),
  };
}

/** Builds a frame from a first byte and a body, with a minimal remaining length. */
export function buildFrame(first: number, body: Buffer): Buffer {
  const rl = encodeVarint(body.length);
  const out = Buffer.allocUnsafe(1 + rl.length + body.length);
  out[0] = first;
  rl.copy(out, 1);
  body.copy(out, 1 + rl.length);
  return out;
}

/** Replaces `deleteCount` bytes at `offset` of `buf` with `insert`. */
export function splice(buf: Buffer, offset: number, deleteCount: number, insert: Buffer): Buffer {
  const out = Buffer.allocUnsafe(buf.length - deleteCount + insert.length);
  buf.copy(out, 0, 0, offset);
  insert.copy(out, offset);
  buf.copy(out, offset + insert.length, offset + deleteCount);
  return out;
}

const PACKET_CONNECT = 1;
const PACKET_PUBLISH = 3;

/** Byte length of a property value of `wire` type starting at `off`. */
function valueLength(body: Buffer, off: number, wire: PropertyWireType): number {
  switch (wire) {
    case 'byte':
      return 1;
    case 'twoByte':
      return 2;
    case 'fourByte':
      return 4;
    case 'varint':
      return readVarint(body, off)!.length;
    case 'utf8':
    case 'binary':
      return 2 + body.readUInt16BE(off);
    case 'utf8Pair': {
      const k = 2 + body.readUInt16BE(off);
      return k + 2 + body.readUInt16BE(off + k);
    }
  }
}

/** One property inside a property block. */
export interface PropertyItem {
  id: number;
  /** Offset of the identifier in the body. */
  start: number;
  /** Offset just past the value. */
  end: number;
  wire: PropertyWireType;
}

/** A property block: where its length field is, its content range and its items. */
export interface PropertyBlock {
  /** Offset of the Property Length varint in the body. */
  lengthOffset: number;
  /** Bytes of the Property Length varint. */
  lengthBytes: number;
  /** Offset of the first property. */
  start: number;
  /** Offset just past the block. */
  end: number;
  items: PropertyItem[];
}

/** Reads the property block whose length varint is at `off` (valid frames only). */
export function readPropertyBlock(body: Buffer, off: number): PropertyBlock {
  const len = readVarint(body, off)!;
  const start = off + len.length;
  const end = start + len.value;
  const items: PropertyItem[] = [];
  let p = start;
  while (p < end) {
    const id = body[p]!;
    const spec = PROPERTY_BY_ID.get(id);
    if (!spec) throw new RangeError(`unknown property 0x${id.toString(16)}`);
    const next = p + 1 + valueLength(body, p + 1, spec.wire);
    items.push({ id, start: p, end: next, wire: spec.wire });
    p = next;
  }
  return { lengthOffset: off, lengthBytes: len.length, start, end, items };
}

/** Where the fields of a frame are: property blocks and UTF-8 string fields (offsets of their length prefix). */
export interface FrameLayout {
  /** The packet's own property block (5.0, when present in the frame). */
  properties?: PropertyBlock;
  /** The will property block of a 5.0 CONNECT. */
  willProperties?: PropertyBlock;
  /** Offsets of UTF-8 Encoded String fields outside properties (topic, client id, filters, user name). */
  strings: number[];
  /** Offset of the packet identifier, when the packet has one. */
  packetIdOffset?: number;
  /** Offset of the CONNECT flags byte. */
  connectFlagsOffset?: number;
  /** Offsets of SUBSCRIBE subscription option bytes. */
  optionOffsets: number[];
}

/** Maps the fields of one whole valid frame of `version` (a CONNECT uses its own level). */
export function layoutOf(info: FrameInfo, version: Version): FrameLayout {
  const { body, type } = info;
  const out: FrameLayout = { strings: [], optionOffsets: [] };
  const v5 = version === 5;
  const props = (off: number): number => {
    out.properties = readPropertyBlock(body, off);
    return out.properties.end;
  };
  const str = (off: number): number => {
    out.strings.push(off);
    return off + 2 + body.readUInt16BE(off);
  };
  switch (type) {
    case PACKET_CONNECT: {
      const level = body[6]!;
      const flags = body[7]!;
      out.connectFlagsOffset = 7;
      let p = 10;
      if (level === 5) p = props(p);
      p = str(p);
      if (flags & 0x04) {
        if (level === 5) {
          out.willProperties = readPropertyBlock(body, p);
          p = out.willProperties.end;
        }
        p = str(p);
        p += 2 + body.readUInt16BE(p);
      }
      if (flags & 0x80) str(p);
      break;
    }
    case 2: // CONNACK
      if (v5) props(2);
      break;
    case PACKET_PUBLISH: {
      let p = str(0);
      if ((info.flags & 0x06) !== 0) {
        out.packetIdOffset = p;
        p += 2;
      }
      if (v5) props(p);
      break;
    }
    case 4: // PUBACK
    case 5: // PUBREC
    case 6: // PUBREL
    case 7: // PUBCOMP
      out.packetIdOffset = 0;
      if (v5 && body.length > 3) props(3);
      break;
    case 8: // SUBSCRIBE
    case 10: {
      // UNSUBSCRIBE
      out.packetIdOffset = 0;
      let p = v5 ? props(2) : 2;
      while (p < body.length) {
        p = str(p);
        if (type === 8) out.optionOffsets.push(p++);
      }
      break;
    }
    case 9: // SUBACK
    case 11: // UNSUBACK
      out.packetIdOffset = 0;
      if (v5) props(2);
      break;
    case 14: // DISCONNECT
    case 15: // AUTH
      if (v5 && body.length > 1) props(1);
      break;
    default:
      break;
  }
  return out;
}

/** UTF-8 string offsets inside a property block (values and user property keys and values). */
export function propertyStrings(body: Buffer, block: PropertyBlock): number[] {
  const out: number[] = [];
  for (const item of block.items) {
    if (item.wire === 'utf8') out.push(item.start + 1);
    if (item.wire === 'utf8Pair') {
      out.push(item.start + 1);
      out.push(item.start + 3 + body.readUInt16BE(item.start + 1));
    }
  }
  return out;
}

/**
 * Rewrites a property block with new content (the bytes after its length field), fixing the property
 * length and the remaining length. Returns the new frame.
 */
export function replacePropertyContent(info: FrameInfo, block: PropertyBlock, content: Buffer): Buffer {
  const len = encodeVarint(content.length);
  const insert = Buffer.concat([len, content]);
  const body = splice(info.body, block.lengthOffset, block.end - block.lengthOffset, insert);
  return buildFrame(info.first, body);
}
