/**
 * The encoder: `encode(packet, opts)` validates the packet object, computes its exact size, takes a Buffer
 * of that size from the pool and writes every field once. No Buffer is returned before validation passes.
 *
 * PUBLISH, SUBSCRIBE, UNSUBSCRIBE and CONNECT first try an ASCII fast path: their topic, filter, client id
 * and user name strings are sized as pure ASCII and checked while they are written (one pass over the
 * characters instead of two). When a string is not pure ASCII or breaks a rule, or another field is invalid,
 * the packet's Buffer goes back to the pool unseen and the packet is encoded again on the checked path,
 * which throws the first problem in its usual order (so `encode` and {@link encodedLength} agree) or writes
 * the non-ASCII text. See `primitives/ascii-write.ts`.
 * @module
 */
import { CodecError, CodecReasonCode } from './errors.js';
import { ackLength, encodeAck } from './packets/ack.js';
import { authLength, encodeAuth } from './packets/auth.js';
import { packetSize } from './packets/common.js';
import { connackLength, encodeConnack } from './packets/connack.js';
import { connectLength, encodeConnect } from './packets/connect.js';
import { disconnectLength, encodeDisconnect } from './packets/disconnect.js';
import { encodePing } from './packets/ping.js';
import { encodePublish, publishLength } from './packets/publish.js';
import { encodeSuback, subackLength } from './packets/suback.js';
import { encodeSubscribe, subscribeLength } from './packets/subscribe.js';
import { encodeUnsuback, unsubackLength } from './packets/unsuback.js';
import { encodeUnsubscribe, unsubscribeLength } from './packets/unsubscribe.js';
import type { EncodeOptions, Packet } from './types.js';

function isV5(opts: EncodeOptions): boolean {
  const v = opts?.protocolVersion;
  if (v === 5) return true;
  if (v === 4) return false;
  throw new CodecError('ERR_INVALID_OPTIONS', 'protocolVersion must be 4 or 5', CodecReasonCode.MalformedPacket, {
    protocolVersion: v,
  });
}

function unknownType(packet: unknown): CodecError {
  const type = (packet as { type?: unknown } | null)?.type;
  return new CodecError('ERR_INVALID_PACKET', `unknown packet type ${String(type)}`, CodecReasonCode.MalformedPacket, {
    type,
  });
}

/**
 * Encodes `packet` for a connection speaking `opts.protocolVersion` (a CONNECT uses its own
 * `protocolVersion`). Returns a Buffer of exactly the packet's size, taken from the shared slab pool and
 * never written again afterwards (safe to keep in a socket's write queue). Encodes the shortest valid form:
 * 5.0 acks, DISCONNECT and AUTH omit a success reason code and an empty property section.
 *
 * @throws CodecError when the packet object is invalid (before anything is written); `code` names the rule.
 */
export function encode(packet: Packet, opts: EncodeOptions): Buffer {
  const v5 = isV5(opts);
  switch (packet?.type) {
    case 'publish':
      return encodePublish(packet, v5);
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return encodeAck(packet, v5);
    case 'pingreq':
    case 'pingresp':
      return encodePing(packet);
    case 'connect':
      return encodeConnect(packet);
    case 'connack':
      return encodeConnack(packet, v5);
    case 'subscribe':
      return encodeSubscribe(packet, v5);
    case 'suback':
      return encodeSuback(packet, v5);
    case 'unsubscribe':
      return encodeUnsubscribe(packet, v5);
    case 'unsuback':
      return encodeUnsuback(packet, v5);
    case 'disconnect':
      return encodeDisconnect(packet, v5);
    case 'auth':
      return encodeAuth(packet, v5);
    default:
      throw unknownType(packet);
  }
}

/** Remaining Length of `packet` (validated exactly as by {@link encode}). */
function remainingLength(packet: Packet, v5: boolean): number {
  switch (packet?.type) {
    case 'publish':
      return publishLength(packet, v5);
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return ackLength(packet, v5);
    case 'pingreq':
    case 'pingresp':
      return 0;
    case 'connect':
      return connectLength(packet);
    case 'connack':
      return connackLength(packet, v5);
    case 'subscribe':
      return subscribeLength(packet, v5);
    case 'suback':
      return subackLength(packet, v5);
    case 'unsubscribe':
      return unsubscribeLength(packet, v5);
    case 'unsuback':
      return unsubackLength(packet, v5);
    case 'disconnect':
      return disconnectLength(packet, v5);
    case 'auth':
      return authLength(packet, v5);
    default:
      throw unknownType(packet);
  }
}

/**
 * Size in bytes of `encode(packet, opts)` (fixed header included), without encoding. Validates like
 * {@link encode}, so it throws the same errors. Use it to check a peer's Maximum Packet Size.
 */
export function encodedLength(packet: Packet, opts: EncodeOptions): number {
  return packetSize(remainingLength(packet, isV5(opts)));
}
