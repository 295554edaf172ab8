/**
 * Malformed frames: valid encodings of arbitrary packets with one labelled mutation applied.
 * @module
 */
import fc from 'fast-check';
import { encode } from '../index.js';
import type { Packet } from '../types.js';
import { layoutOf, parseFrame } from './frame.js';
import { at } from './mutation-kit.js';
import { MUTATIONS, type MutationContext, type MutationName, type MutationResult } from './mutations.js';
import { packetArb, type Version } from './packets.js';
import type { Role } from './properties.js';

export { MUTATION_NAMES, type MutationExpectation, type MutationName, type MutationResult } from './mutations.js';

/** One mutated frame and where it came from. */
export interface MalformedFrame extends MutationResult {
  /** The valid frame before mutation. */
  valid: Buffer;
  /** The packet `valid` encodes. */
  packet: Packet;
  /** Who sent the packet; decode with the other role (`role: sender === 'client' ? 'server' : 'client'`). */
  sender: Role;
}

/** Options of {@link malformedFrameArb}. */
export interface MalformedFrameOptions {
  /** Sender of the original packets; default either. */
  role?: Role;
  /** Only these mutations (each falls back to `flipBit` where it does not apply). */
  mutations?: readonly MutationName[];
}

/**
 * Mutations of valid encoded frames of `version`: a flipped bit, truncation, a wrong remaining length, a
 * five-byte or non-minimal varint, reserved flags, QoS 3, unknown or misdirected packet types, NUL /
 * surrogate / overlong sequences in UTF-8 strings, packet id 0, bad CONNECT and SUBSCRIBE option bits, an
 * empty SUBSCRIBE, and in 5.0 duplicated, unknown, misplaced or out-of-range properties and an overlong
 * property length. Each value is labelled with the mutation and what a receiver must do with it.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(malformedFrameArb(5), (m) => {
 *   const d = new Decoder({ protocolVersion: 5, role: m.sender === 'client' ? 'server' : 'client' });
 *   try { d.push(m.frame); } catch (e) { if (!(e instanceof CodecError)) throw e; }
 * }));
 * ```
 */
export function malformedFrameArb(version: Version, options: MalformedFrameOptions = {}): fc.Arbitrary<MalformedFrame> {
  const { role, mutations } = options;
  const catalogue = mutations ? MUTATIONS.filter((m) => mutations.includes(m.name)) : MUTATIONS;
  if (catalogue.length === 0) throw new RangeError('malformedFrameArb: no mutation selected');
  const senderArb = role ? fc.constant(role) : fc.constantFrom<Role>('client', 'server');
  const sourceArb = senderArb.chain((sender) => packetArb(version, { role: sender }).map((packet) => ({ sender, packet })));
  return fc
    .record({ source: sourceArb, pick: fc.nat(), a: fc.nat(), b: fc.nat() })
    .map(({ source, pick, a, b }) => {
      const { sender, packet } = source;
      const valid = Buffer.from(encode(packet, { protocolVersion: version }));
      const info = parseFrame(valid);
      const ctx: MutationContext = { frame: valid, info, layout: layoutOf(info, version), version, sender, packet, a, b };
      const applicable = catalogue.filter((m) => m.applies(ctx));
      const mutation = applicable.length > 0 ? at(applicable, pick) : MUTATIONS[0]!;
      const result = mutation.apply(ctx);
      return { ...result, valid, packet, sender };
    });
}

