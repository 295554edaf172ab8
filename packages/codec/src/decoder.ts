/**
 * The stream decoder: frames packets out of a byte stream and decodes them.
 *
 * Framing reads the fixed header first. Missing bytes mean "need more" and consume nothing; a Remaining
 * Length over `maximumPacketSize` is rejected as soon as the fixed header is readable, before the body is
 * buffered. When nothing is buffered, packets are parsed straight out of the pushed chunk (no copy); only
 * an incomplete tail goes into a `BufferList`, and a packet completed from several chunks is copied once.
 *
 * Zero-copy: Buffers in decoded packets (PUBLISH payload, password, will payload, binary properties) are
 * views of the pushed chunk, or of that one copy. They share its memory.
 *
 * After an error the decoder is poisoned: every later `push()` throws the same error, since the
 * connection must be closed (the error's `reasonCode` is the DISCONNECT reason to send in 5.0). Valid
 * packets that the failing push completed before the bad one are not dropped: they travel on the error as
 * `err.packets`, so the receiver can handle them before it closes.
 * @module
 */
import { BufferList } from 'bl';
import { CodecError, CodecReasonCode } from './errors.js';
import { malformed, protocolError } from './fail.js';
import { decodeAck } from './packets/ack.js';
import { decodeAuth } from './packets/auth.js';
import { decodeConnack } from './packets/connack.js';
import { decodeConnect } from './packets/connect.js';
import { decodeDisconnect } from './packets/disconnect.js';
import { decodePing } from './packets/ping.js';
import { decodePublish } from './packets/publish.js';
import { decodeSuback } from './packets/suback.js';
import { decodeSubscribe } from './packets/subscribe.js';
import { decodeUnsuback } from './packets/unsuback.js';
import { decodeUnsubscribe } from './packets/unsubscribe.js';
import { packetTypeName, requiredFlags } from './packet-types.js';
import { Reader } from './primitives/reader.js';
import type { DecoderOptions, Packet, ProtocolVersion } from './types.js';

/** Largest possible MQTT packet: 1 type byte, 4 length bytes and 268,435,455 bytes of body. */
export const MAX_PACKET_SIZE = 268_435_460;

/** Packet types a server may not send, so a client rejects them: CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ. */
const CLIENT_REJECTS = (1 << 1) | (1 << 8) | (1 << 10) | (1 << 12);
/** Packet types a client may not send, so a server rejects them: CONNACK, SUBACK, UNSUBACK, PINGRESP. */
const SERVER_REJECTS = (1 << 2) | (1 << 9) | (1 << 11) | (1 << 13);

/** Options of the one-shot {@link decode}. */
export interface DecodeOptions {
  /** Protocol level, or `'auto'` to accept a CONNECT of any supported level (then only a CONNECT). */
  protocolVersion: 4 | 5 | 'auto';
  /** Largest whole packet accepted (fixed header included). */
  maximumPacketSize?: number;
  /** Role filter as in {@link DecoderOptions}; default `'any'` (no filtering). */
  role?: 'client' | 'server' | 'any';
}

/** Wraps a plain Uint8Array chunk as a Buffer view (no copy); anything else is a TypeError. */
function toBuffer(chunk: unknown): Buffer {
  if (!(chunk instanceof Uint8Array)) throw new TypeError('chunk must be a Buffer or Uint8Array');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function optionsError(message: string, context: Record<string, unknown>): CodecError {
  return new CodecError('ERR_INVALID_OPTIONS', message, CodecReasonCode.MalformedPacket, context);
}

function unexpected(type: number, rule: string): CodecError {
  return protocolError('ERR_UNEXPECTED_PACKET', `unexpected ${packetTypeName(type)} packet`, {
    packet: packetTypeName(type),
    rule,
  });
}

/**
 * Incremental MQTT decoder for one connection.
 *
 * ```ts
 * const decoder = new Decoder({ protocolVersion: 5 });
 * socket.on('data', (chunk) => { for (const packet of decoder.push(chunk)) handle(packet); });
 * ```
 */
export class Decoder {
  private readonly auto: boolean;
  private version: ProtocolVersion | undefined;
  private readonly rejectMask: number;
  private readonly isClient: boolean;
  private readonly isServer: boolean;
  private readonly maxSize: number;
  private readonly reader = new Reader();
  private readonly list = new BufferList();
  /** Whole size of the buffered packet once its fixed header is known, else 0. */
  private pendingTotal = 0;
  /** Fixed header size of the buffered packet once known. */
  private pendingHeader = 0;
  private error: unknown = undefined;
  private connectSeen = false;

  /**
   * @param opts - protocol level (or `'auto'` on a server), maximum packet size and role. `'auto'` implies
   * role `'server'`; the role defaults to `'client'` otherwise.
   * @throws CodecError `ERR_INVALID_OPTIONS` for an invalid combination
   */
  constructor(opts: DecoderOptions) {
    const version = opts?.protocolVersion;
    if (version !== 4 && version !== 5 && version !== 'auto') {
      throw optionsError("protocolVersion must be 4, 5 or 'auto'", { protocolVersion: version });
    }
    this.auto = version === 'auto';
    this.version = version === 'auto' ? undefined : version;
    const role = (opts.role as string | undefined) ?? (this.auto ? 'server' : 'client');
    if (role !== 'client' && role !== 'server' && role !== 'any') throw optionsError('invalid role', { role });
    if (this.auto && role === 'client') throw optionsError("'auto' protocol detection is server-side only", { role });
    this.isClient = role === 'client';
    this.isServer = role === 'server';
    this.rejectMask = role === 'client' ? CLIENT_REJECTS : role === 'server' ? SERVER_REJECTS : 0;
    const max = opts.maximumPacketSize ?? MAX_PACKET_SIZE;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 2 || max > 0xffffffff) {
      throw optionsError('maximumPacketSize must be an integer in 2..4294967295', { maximumPacketSize: max });
    }
    this.maxSize = Math.min(max, MAX_PACKET_SIZE);
  }

  /** Protocol level in use: fixed, or learned from the CONNECT in `'auto'` mode (undefined until then). */
  get protocolVersion(): ProtocolVersion | undefined {
    return this.version;
  }

  /** Number of bytes buffered while waiting for the rest of a packet. */
  get buffered(): number {
    return this.list.length;
  }

  /** Forgets buffered bytes, a poisoning error and (in `'auto'` mode) the learned protocol level. */
  reset(): void {
    this.list.consume(this.list.length);
    this.pendingTotal = 0;
    this.pendingHeader = 0;
    this.error = undefined;
    this.connectSeen = false;
    if (this.auto) this.version = undefined;
    this.reader.clear();
  }

  /**
   * Feeds received bytes; returns every packet completed by them, in order, and keeps an incomplete tail.
   * The tail is kept as a view of `chunk` (not copied) and decoded Buffers are views of it too, so do not
   * modify or recycle a chunk after pushing it.
   * @throws CodecError on the first invalid packet; the decoder then stays failed. The packets this push
   * completed before the invalid one are on the error's `packets` (in order), not lost.
   */
  push(chunk: Buffer): Packet[] {
    if (this.error !== undefined) throw this.error;
    if (!Buffer.isBuffer(chunk)) chunk = toBuffer(chunk);
    const out: Packet[] = [];
    try {
      if (this.list.length === 0) this.parse(chunk, 0, out);
      else this.pushBuffered(chunk, out);
    } catch (err) {
      if (err instanceof CodecError) err.packets = out;
      this.error = err;
      this.list.consume(this.list.length);
      throw err;
    } finally {
      this.reader.clear();
    }
    return out;
  }

  /**
   * Decodes exactly one whole packet from `buf`.
   * @internal used by {@link decode}
   */
  decodeWhole(buf: Buffer): Packet {
    const out: Packet[] = [];
    try {
      const end = buf.length;
      if (end === 0) throw malformed('ERR_TRUNCATED', 'no fixed header', { field: 'fixed header' });
      const b0 = buf[0]!;
      this.checkFirstByte(b0);
      let rl = 0;
      let mul = 1;
      let i = 1;
      let b = 0;
      for (;;) {
        if (i === 5) throw this.varintTooLong();
        if (i >= end) throw malformed('ERR_TRUNCATED', 'incomplete fixed header', { field: 'remaining length' });
        b = buf[i++]!;
        rl += (b & 0x7f) * mul;
        if ((b & 0x80) === 0) break;
        mul *= 128;
      }
      this.checkLength(b, i, i + rl);
      if (i + rl > end) throw malformed('ERR_TRUNCATED', 'packet is incomplete', { need: i + rl, have: end });
      if (i + rl < end) {
        throw malformed('ERR_TRAILING_BYTES', 'bytes after the packet', { extra: end - i - rl });
      }
      this.decodePacket(buf, b0, i, end, out);
    } finally {
      this.reader.clear();
    }
    return out[0]!;
  }

  /** Parses whole packets from `buf[pos..]`, stashing an incomplete tail. */
  private parse(buf: Buffer, pos: number, out: Packet[]): void {
    const end = buf.length;
    while (pos < end) {
      const b0 = buf[pos]!;
      this.checkFirstByte(b0);
      let rl = 0;
      let mul = 1;
      let i = pos + 1;
      let b = 0;
      for (;;) {
        // 5.0 section 1.5.5 / 3.1.1 section 2.2.3: at most four bytes.
        if (i === pos + 5) throw this.varintTooLong();
        if (i >= end) {
          this.stash(buf, pos);
          return;
        }
        b = buf[i++]!;
        rl += (b & 0x7f) * mul;
        if ((b & 0x80) === 0) break;
        mul *= 128;
      }
      const total = i - pos + rl;
      this.checkLength(b, i - pos, total);
      if (end - pos < total) {
        this.pendingTotal = total;
        this.pendingHeader = i - pos;
        this.stash(buf, pos);
        return;
      }
      this.decodePacket(buf, b0, i, pos + total, out);
      pos += total;
    }
  }

  private stash(buf: Buffer, pos: number): void {
    this.list.append(pos === 0 ? buf : buf.subarray(pos));
  }

  /** Continues a packet started in earlier chunks. */
  private pushBuffered(chunk: Buffer, out: Packet[]): void {
    const list = this.list;
    const before = list.length;
    list.append(chunk);
    if (this.pendingTotal === 0 && !this.headerFromList()) return;
    const total = this.pendingTotal;
    if (list.length < total) return;
    // The buffered bytes are a prefix of this one packet, so the rest of it lies inside `chunk`.
    const packet = list.slice(0, total);
    const header = this.pendingHeader;
    this.pendingTotal = 0;
    this.pendingHeader = 0;
    list.consume(list.length);
    this.decodePacket(packet, packet[0]!, header, total, out);
    this.parse(chunk, total - before, out);
  }

  /** Reads the fixed header from the buffered bytes; false when it is still incomplete. */
  private headerFromList(): boolean {
    const list = this.list;
    const len = list.length;
    let rl = 0;
    let mul = 1;
    let i = 1;
    let b = 0;
    for (;;) {
      if (i === 5) throw this.varintTooLong();
      if (i >= len) return false;
      b = list.get(i++)!;
      rl += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
    }
    this.checkLength(b, i, i + rl);
    this.pendingTotal = i + rl;
    this.pendingHeader = i;
    return true;
  }

  private varintTooLong(): CodecError {
    return malformed('ERR_VARINT', 'remaining length is longer than four bytes', { field: 'remaining length' });
  }

  /**
   * Checks a framed Remaining Length: minimal encoding in 5.0 [MQTT-1.5.5-1] (`last` is its final byte,
   * `headerLen` the fixed header size) and the maximum packet size (checked before the body is buffered).
   */
  private checkLength(last: number, headerLen: number, total: number): void {
    if (last === 0 && headerLen > 2 && this.version === 5) {
      throw malformed('ERR_VARINT', 'remaining length is not in its minimal encoding', { field: 'remaining length' });
    }
    if (total > this.maxSize) {
      throw new CodecError('ERR_PACKET_TOO_LARGE', 'packet exceeds the maximum packet size', CodecReasonCode.PacketTooLarge, {
        size: total,
        maximumPacketSize: this.maxSize,
      });
    }
  }

  /** Checks the packet type, the role, the connection state and the fixed header flags of byte 1. */
  private checkFirstByte(b0: number): void {
    const type = b0 >> 4;
    if (type === 0) {
      throw malformed('ERR_UNKNOWN_PACKET_TYPE', 'packet type 0 is reserved', { packetType: 0 });
    }
    if (this.version === undefined) {
      // [MQTT-3.1.0-1] the first packet from a client is CONNECT.
      if (type !== 1) throw unexpected(type, 'MQTT-3.1.0-1');
    } else {
      // Type 15 (AUTH) is reserved in 3.1.1 (and 3.1).
      if (type === 15 && this.version !== 5) {
        throw malformed('ERR_UNKNOWN_PACKET_TYPE', 'packet type 15 is reserved in MQTT 3.1.1', { packetType: 15 });
      }
      if (((this.rejectMask >> type) & 1) !== 0) throw unexpected(type, 'role');
      // [MQTT-3.1.0-2] a second CONNECT is a Protocol Error.
      if (type === 1 && this.connectSeen) throw unexpected(type, 'MQTT-3.1.0-2');
    }
    const flags = b0 & 0x0f;
    if (type === 3) {
      const qos = (flags >> 1) & 3;
      // [MQTT-3.3.1-4] no PUBLISH with both QoS bits set.
      if (qos === 3) throw malformed('ERR_INVALID_QOS', 'PUBLISH with QoS 3', { rule: 'MQTT-3.3.1-4' });
      // [MQTT-3.3.1-2] DUP is 0 on QoS 0.
      if (qos === 0 && (flags & 8) !== 0) {
        throw protocolError('ERR_PROTOCOL_ERROR', 'DUP set on a QoS 0 PUBLISH', { rule: 'MQTT-3.3.1-2' });
      }
    } else if (flags !== requiredFlags(type)) {
      // 5.0 [MQTT-2.1.3-1] / 3.1.1 [MQTT-2.2.2-1] [MQTT-2.2.2-2]: reserved flags have fixed values.
      throw malformed('ERR_RESERVED_FLAGS', `invalid fixed header flags for ${packetTypeName(type)}`, {
        packet: packetTypeName(type),
        flags,
      });
    }
  }

  /** Decodes the packet `buf[start, end)` (body only) whose first byte is `b0`. */
  private decodePacket(buf: Buffer, b0: number, start: number, end: number, out: Packet[]): void {
    const r = this.reader;
    r.reset(buf, start, end);
    const type = b0 >> 4;
    const v5 = this.version === 5;
    let packet: Packet;
    switch (type) {
      case 3: {
        const publish = decodePublish(r, b0 & 0x0f, v5);
        // [MQTT-3.3.4-6] a PUBLISH from a client never carries a Subscription Identifier.
        if (this.isServer && publish.properties !== undefined && publish.properties.subscriptionIdentifier !== undefined) {
          throw protocolError('ERR_PROPERTY_NOT_ALLOWED', 'subscription identifier in a PUBLISH from the client', {
            property: 'subscriptionIdentifier',
            rule: 'MQTT-3.3.4-6',
          });
        }
        packet = publish;
        break;
      }
      case 4:
      case 5:
      case 6:
      case 7:
        packet = decodeAck(r, type, v5);
        break;
      case 1: {
        const connect = decodeConnect(r);
        if (this.version === undefined) this.version = connect.protocolVersion;
        if (this.isServer) this.connectSeen = true;
        packet = connect;
        break;
      }
      case 2:
        packet = decodeConnack(r, v5);
        break;
      case 8:
        packet = decodeSubscribe(r, v5);
        break;
      case 9:
        packet = decodeSuback(r, v5);
        break;
      case 10:
        packet = decodeUnsubscribe(r, v5);
        break;
      case 11:
        packet = decodeUnsuback(r, v5);
        break;
      case 12:
      case 13:
        packet = decodePing(r, type);
        break;
      case 14: {
        const disconnect = decodeDisconnect(r, v5);
        // [MQTT-3.14.2-2] a server never sends the Session Expiry Interval on DISCONNECT.
        if (this.isClient && disconnect.properties?.sessionExpiryInterval !== undefined) {
          throw protocolError('ERR_PROPERTY_NOT_ALLOWED', 'session expiry interval in a DISCONNECT from the server', {
            property: 'sessionExpiryInterval',
            rule: 'MQTT-3.14.2-2',
          });
        }
        packet = disconnect;
        break;
      }
      default:
        packet = decodeAuth(r);
    }
    out.push(packet);
  }
}

/**
 * Decodes one whole packet (the Buffer holds exactly one packet). Role filtering is off unless
 * `opts.role` is given.
 * @throws CodecError `ERR_TRUNCATED` when incomplete, `ERR_TRAILING_BYTES` when bytes remain, or the rule
 * the packet breaks
 */
export function decode(buffer: Buffer, opts: DecodeOptions): Packet {
  const decoder = new Decoder({ ...opts, role: opts?.role ?? 'any' } as DecoderOptions);
  return decoder.decodeWhole(buffer);
}
