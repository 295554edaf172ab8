/**
 * Arbitraries for packet streams and for cutting byte streams into chunks.
 * @module
 */
import fc from 'fast-check';
import type { Packet } from '../types.js';
import { connackArb, connectArb, packetArb, type Version } from './packets.js';
import type { Role } from './properties.js';

/** Options of {@link packetStreamArb}. */
export interface PacketStreamOptions {
  /** Sender of the whole stream (default `'client'`). */
  role?: Role;
  /** Most packets after the first (default 8). */
  maxLength?: number;
}

/**
 * A stream of packets one side sends on a connection of `version`: a client stream opens with CONNECT
 * [MQTT-3.1.0-1] and holds no second one [MQTT-3.1.0-2]; a server stream opens with CONNACK and holds no
 * second one [MQTT-3.2.0-2]. Decode it with a decoder of the other role.
 */
export function packetStreamArb(version: Version, options: PacketStreamOptions = {}): fc.Arbitrary<Packet[]> {
  const { role = 'client', maxLength = 8 } = options;
  const first: fc.Arbitrary<Packet> = role === 'client' ? connectArb(version) : connackArb(version);
  const rest = packetArb(version, { role, exclude: role === 'client' ? ['connect'] : ['connack'] });
  return fc.tuple(first, fc.array(rest, { maxLength })).map(([head, tail]) => [head, ...tail]);
}

/**
 * Ways to cut `bytes` into consecutive non-empty chunks: anywhere from one chunk to one byte per chunk
 * (the latter only for short inputs). Concatenating the chunks gives `bytes` back.
 */
export function chunksArb(bytes: Buffer): fc.Arbitrary<Buffer[]> {
  const n = bytes.length;
  if (n <= 1) return fc.constant(n === 0 ? [] : [bytes]);
  const cuts = fc
    .uniqueArray(fc.integer({ min: 1, max: n - 1 }), { maxLength: Math.min(n - 1, 24) })
    .map((points) => cutAt(bytes, points.sort((x, y) => x - y)));
  if (n > 4096) return cuts;
  const everyByte = fc.constant(null).map(() => Array.from({ length: n }, (_, i) => bytes.subarray(i, i + 1)));
  return fc.oneof({ arbitrary: cuts, weight: 9 }, { arbitrary: everyByte, weight: 1 });
}

/** Cuts `bytes` at the sorted offsets `points`. */
function cutAt(bytes: Buffer, points: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}
