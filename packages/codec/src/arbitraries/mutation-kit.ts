/**
 * Types and small helpers shared by the mutation catalogue of `malformedFrameArb`.
 * @module
 */
import type { CodecErrorCode } from '../errors.js';
import type { Packet } from '../types.js';
import type { FrameInfo, FrameLayout } from './frame.js';
import type { Version } from './packets.js';
import type { Role } from './properties.js';

/** Names of the mutations `malformedFrameArb` applies. */
export type MutationName =
  | 'flipBit'
  | 'truncate'
  | 'shrinkBody'
  | 'extendBody'
  | 'remainingLengthTooLong'
  | 'overlongVarint'
  | 'nonMinimalVarint'
  | 'reservedFlags'
  | 'publishQos3'
  | 'badPacketType'
  | 'wrongDirection'
  | 'nulInString'
  | 'surrogateInString'
  | 'overlongUtf8'
  | 'packetIdZero'
  | 'connectReservedFlag'
  | 'willFlagsWithoutWill'
  | 'willQos3'
  | 'subscriptionOptionsReserved'
  | 'emptySubscribe'
  | 'connackReservedFlags'
  | 'duplicateProperty'
  | 'unknownProperty'
  | 'propertyNotAllowed'
  | 'propertyValueOutOfRange'
  | 'propertyLengthOverflow';

/**
 * What a conforming receiver must do with the frame: `'error'` reject it (a `CodecError`, with `code` in
 * `codes` when given), `'incomplete'` wait for more bytes (no packet, no error), `'any'` either reject it or
 * decode it (the mutation may have produced another valid packet).
 */
export type MutationExpectation = 'error' | 'incomplete' | 'any';

/** A mutated frame, what a receiver must do with it, and the statements it breaks. */
export interface MutationResult {
  /** The mutation applied. */
  mutation: MutationName;
  /** The mutated bytes. */
  frame: Buffer;
  /** What a receiver must do. */
  expect: MutationExpectation;
  /** Acceptable error codes when `expect` is `'error'` (any `CodecError` when undefined). */
  codes?: readonly CodecErrorCode[] | undefined;
  /** Spec statements the mutated frame violates. */
  statements?: readonly string[] | undefined;
}

/** A valid frame, its layout and the free choices a mutation draws from. */
export interface MutationContext {
  frame: Buffer;
  info: FrameInfo;
  layout: FrameLayout;
  version: Version;
  sender: Role;
  packet: Packet;
  /** Two free choices in 0..2^31. */
  a: number;
  b: number;
}

/** One entry of the catalogue. */
export interface Mutation {
  name: MutationName;
  applies(ctx: MutationContext): boolean;
  apply(ctx: MutationContext): MutationResult;
}

/** Replaces bytes of the body at `offset` with `bytes` (same length), keeping the frame size. */
export function overwrite(ctx: MutationContext, offset: number, bytes: readonly number[]): Buffer {
  const out = Buffer.from(ctx.frame);
  out.set(bytes, ctx.info.headerLength + offset);
  return out;
}

/** `list[n mod length]`: turns a free choice into an element. */
export const at = <T>(list: readonly T[], n: number): T => list[n % list.length]!;
