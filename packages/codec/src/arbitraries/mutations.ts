/**
 * The mutation catalogue of `malformedFrameArb`: each entry knows where it applies in a valid frame, how it
 * breaks it, and what a conforming receiver must then do.
 * @module
 */
import type { CodecErrorCode } from '../errors.js';
import { buildFrame, encodeVarint, propertyStrings } from './frame.js';
import { at, overwrite, type Mutation, type MutationContext, type MutationName } from './mutation-kit.js';
import type { Version } from './packets.js';
import { PROPERTY_MUTATIONS } from './property-mutations.js';

export type {
  Mutation,
  MutationContext,
  MutationExpectation,
  MutationName,
  MutationResult,
} from './mutation-kit.js';

const UTF8_CODES: readonly CodecErrorCode[] = ['ERR_INVALID_UTF8', 'ERR_INVALID_TOPIC', 'ERR_INVALID_TOPIC_FILTER'];
const utf8Statements = (v: Version, which: 1 | 2) =>
  v === 5 ? [`MQTT-1.5.4-${which}`] : [`MQTT-1.5.3-${which}`];

/** Per-packet statements on the fixed-header flags (PUBREL, SUBSCRIBE, UNSUBSCRIBE, DISCONNECT, AUTH). */
const TYPE_FLAG_STATEMENTS: Record<number, (v: Version) => string[]> = {
  6: () => ['MQTT-3.6.1-1'],
  8: () => ['MQTT-3.8.1-1'],
  10: () => ['MQTT-3.10.1-1'],
  14: () => ['MQTT-3.14.1-1'],
  15: (v) => (v === 5 ? ['MQTT-3.15.1-1'] : []),
};

/** Required fixed-header flags of every type but PUBLISH (2.1.3 / 2.2.2). */
const REQUIRED_FLAGS: Record<number, number> = { 6: 0x2, 8: 0x2, 10: 0x2 };

/** All UTF-8 string field offsets with at least `min` bytes of content. */
function stringsWith(ctx: MutationContext, min: number): number[] {
  const { body } = ctx.info;
  const all = [...ctx.layout.strings];
  if (ctx.layout.properties) all.push(...propertyStrings(body, ctx.layout.properties));
  if (ctx.layout.willProperties) all.push(...propertyStrings(body, ctx.layout.willProperties));
  return all.filter((off) => body.readUInt16BE(off) >= min);
}

/** A mutation that overwrites the start of a UTF-8 string field with `bytes`. */
function stringMutation(name: MutationName, min: number, bytes: readonly number[], which: 1 | 2): Mutation {
  return {
    name,
    applies: (ctx) => stringsWith(ctx, min).length > 0,
    apply: (ctx) => ({
      mutation: name,
      frame: overwrite(ctx, at(stringsWith(ctx, min), ctx.a) + 2, bytes),
      expect: 'error',
      codes: UTF8_CODES,
      statements: utf8Statements(ctx.version, which),
    }),
  };
}

/** The mutation catalogue. Each `apply` changes at least one byte of the frame. */
export const MUTATIONS: readonly Mutation[] = [
  {
    name: 'flipBit',
    applies: () => true,
    apply: (ctx) => {
      const out = Buffer.from(ctx.frame);
      const bit = ctx.a % (out.length * 8);
      out[bit >> 3]! ^= 1 << (bit & 7);
      return { mutation: 'flipBit', frame: out, expect: 'any' };
    },
  },
  {
    name: 'truncate',
    applies: () => true,
    apply: (ctx) => ({
      mutation: 'truncate',
      frame: ctx.frame.subarray(0, 1 + (ctx.a % (ctx.frame.length - 1))),
      expect: 'incomplete',
    }),
  },
  {
    name: 'shrinkBody',
    applies: (ctx) => ctx.info.body.length > 0,
    apply: (ctx) => {
      const keep = ctx.a % ctx.info.body.length;
      return { mutation: 'shrinkBody', frame: buildFrame(ctx.info.first, ctx.info.body.subarray(0, keep)), expect: 'any' };
    },
  },
  {
    name: 'extendBody',
    applies: () => true,
    apply: (ctx) => {
      const junk = Buffer.alloc(1 + (ctx.a % 8), ctx.b & 0xff);
      return {
        mutation: 'extendBody',
        frame: buildFrame(ctx.info.first, Buffer.concat([ctx.info.body, junk])),
        expect: 'any',
      };
    },
  },
  {
    name: 'remainingLengthTooLong',
    applies: () => true,
    apply: (ctx) => {
      const rl = encodeVarint(ctx.info.body.length + 1 + (ctx.a % 100));
      return {
        mutation: 'remainingLengthTooLong',
        frame: Buffer.concat([Buffer.from([ctx.info.first]), rl, ctx.info.body]),
        expect: 'incomplete',
      };
    },
  },
  {
    name: 'overlongVarint',
    applies: () => true,
    apply: (ctx) => ({
      mutation: 'overlongVarint',
      // Five bytes where at most four are allowed (1.5.5).
      frame: Buffer.concat([Buffer.from([ctx.info.first, 0xff, 0xff, 0xff, 0xff, 0x7f]), ctx.info.body]),
      expect: 'error',
      codes: ['ERR_VARINT', 'ERR_MALFORMED_PACKET'],
    }),
  },
  {
    name: 'nonMinimalVarint',
    applies: (ctx) => ctx.info.headerLength < 5,
    apply: (ctx) => {
      const rl = encodeVarint(ctx.info.body.length);
      const padded = Buffer.concat([rl, Buffer.from([0])]);
      padded[rl.length - 1]! |= 0x80;
      return {
        mutation: 'nonMinimalVarint',
        frame: Buffer.concat([Buffer.from([ctx.info.first]), padded, ctx.info.body]),
        expect: 'any',
        statements: ctx.version === 5 ? ['MQTT-1.5.5-1'] : undefined,
      };
    },
  },
  {
    name: 'reservedFlags',
    applies: (ctx) => ctx.info.type !== 3,
    apply: (ctx) => {
      const flags = (REQUIRED_FLAGS[ctx.info.type] ?? 0) ^ (1 + (ctx.a % 15));
      return {
        mutation: 'reservedFlags',
        frame: overwrite(ctx, -ctx.info.headerLength, [(ctx.info.type << 4) | flags]),
        expect: 'error',
        codes: ['ERR_RESERVED_FLAGS'],
        statements: [
          ...(ctx.version === 5 ? ['MQTT-2.1.3-1'] : ['MQTT-2.2.2-1', 'MQTT-2.2.2-2']),
          ...(TYPE_FLAG_STATEMENTS[ctx.info.type]?.(ctx.version) ?? []),
        ],
      };
    },
  },
  {
    name: 'publishQos3',
    applies: (ctx) => ctx.info.type === 3,
    apply: (ctx) => ({
      mutation: 'publishQos3',
      frame: overwrite(ctx, -ctx.info.headerLength, [ctx.info.first | 0x06]),
      expect: 'error',
      codes: ['ERR_INVALID_QOS'],
      statements: ['MQTT-3.3.1-4'],
    }),
  },
  {
    name: 'badPacketType',
    applies: () => true,
    apply: (ctx) => {
      const type = ctx.version === 4 && ctx.a % 2 === 1 ? 15 : 0;
      return {
        mutation: 'badPacketType',
        frame: overwrite(ctx, -ctx.info.headerLength, [type << 4]),
        expect: 'error',
        codes: ['ERR_UNKNOWN_PACKET_TYPE'],
      };
    },
  },
  {
    name: 'wrongDirection',
    applies: () => true,
    apply: (ctx) => {
      // Types the receiver may not receive: what its own side sends.
      const types = ctx.sender === 'client' ? [2, 9, 11, 13] : [1, 8, 10, 12];
      const type = at(types, ctx.a);
      return {
        mutation: 'wrongDirection',
        frame: overwrite(ctx, -ctx.info.headerLength, [(type << 4) | (REQUIRED_FLAGS[type] ?? 0)]),
        expect: 'error',
      };
    },
  },
  stringMutation('nulInString', 1, [0x00], 2),
  stringMutation('surrogateInString', 3, [0xed, 0xa0, 0x80], 1),
  stringMutation('overlongUtf8', 2, [0xc0, 0xaf], 1),
  {
    name: 'packetIdZero',
    applies: (ctx) => ctx.layout.packetIdOffset !== undefined,
    apply: (ctx) => {
      const strict = ctx.info.type === 3 || ctx.info.type === 8 || ctx.info.type === 10;
      return {
        mutation: 'packetIdZero',
        frame: overwrite(ctx, ctx.layout.packetIdOffset!, [0, 0]),
        expect: strict ? 'error' : 'any',
        codes: strict ? ['ERR_INVALID_PACKET_ID'] : undefined,
        statements: strict ? [ctx.version === 4 ? 'MQTT-2.3.1-1' : ctx.sender === 'client' ? 'MQTT-2.2.1-3' : 'MQTT-2.2.1-4'] : undefined,
      };
    },
  },
  {
    name: 'connectReservedFlag',
    applies: (ctx) => ctx.layout.connectFlagsOffset !== undefined,
    apply: (ctx) => ({
      mutation: 'connectReservedFlag',
      frame: overwrite(ctx, 7, [ctx.info.body[7]! | 0x01]),
      expect: 'error',
      codes: ['ERR_CONNECT_FLAGS'],
      statements: ['MQTT-3.1.2-3'],
    }),
  },
  {
    name: 'willFlagsWithoutWill',
    applies: (ctx) => ctx.layout.connectFlagsOffset !== undefined && (ctx.info.body[7]! & 0x04) === 0,
    apply: (ctx) => {
      // Will QoS 1, 2 or Will Retain without the Will Flag.
      const bit = at([0x08, 0x10, 0x20], ctx.a);
      const v5 = bit === 0x20 ? 'MQTT-3.1.2-13' : 'MQTT-3.1.2-11';
      const v4 = bit === 0x20 ? 'MQTT-3.1.2-15' : 'MQTT-3.1.2-13';
      return {
        mutation: 'willFlagsWithoutWill',
        frame: overwrite(ctx, 7, [ctx.info.body[7]! | bit]),
        expect: 'error',
        codes: ['ERR_CONNECT_FLAGS'],
        statements: ctx.version === 5 ? [v5] : ['MQTT-3.1.2-11', v4],
      };
    },
  },
  {
    name: 'willQos3',
    applies: (ctx) => ctx.layout.connectFlagsOffset !== undefined && (ctx.info.body[7]! & 0x04) !== 0,
    apply: (ctx) => ({
      mutation: 'willQos3',
      frame: overwrite(ctx, 7, [ctx.info.body[7]! | 0x18]),
      expect: 'error',
      codes: ['ERR_CONNECT_FLAGS', 'ERR_INVALID_QOS'],
      statements: [ctx.version === 5 ? 'MQTT-3.1.2-12' : 'MQTT-3.1.2-14'],
    }),
  },
  {
    name: 'subscriptionOptionsReserved',
    applies: (ctx) => ctx.layout.optionOffsets.length > 0,
    apply: (ctx) => {
      const off = at(ctx.layout.optionOffsets, ctx.a);
      const old = ctx.info.body[off]!;
      // 3.1.1: bits 7-2 reserved, QoS 3 invalid. 5.0: bits 7-6 reserved, Retain Handling 3, QoS 3.
      const bad = ctx.version === 4 ? at([0x03, 0x04, 0x08, 0x40, 0x80], ctx.b) : at([0x03, 0x30, 0x40, 0x80], ctx.b);
      return {
        mutation: 'subscriptionOptionsReserved',
        frame: overwrite(ctx, off, [old | bad]),
        expect: 'error',
        codes: ['ERR_SUBSCRIPTION_OPTIONS', 'ERR_INVALID_QOS'],
        statements: ctx.version === 5 ? ['MQTT-3.8.3-5'] : ['MQTT-3.8.3-4'],
      };
    },
  },
  {
    name: 'emptySubscribe',
    applies: (ctx) => ctx.info.type === 8 || ctx.info.type === 10,
    apply: (ctx) => {
      const end = ctx.layout.properties ? ctx.layout.properties.end : 2;
      const subscribe = ctx.info.type === 8;
      return {
        mutation: 'emptySubscribe',
        frame: buildFrame(ctx.info.first, ctx.info.body.subarray(0, end)),
        expect: 'error',
        codes: ['ERR_EMPTY_SUBSCRIPTION'],
        statements: subscribe ? [ctx.version === 5 ? 'MQTT-3.8.3-2' : 'MQTT-3.8.3-3'] : ['MQTT-3.10.3-2'],
      };
    },
  },
  {
    name: 'connackReservedFlags',
    applies: (ctx) => ctx.info.type === 2,
    apply: (ctx) => ({
      mutation: 'connackReservedFlags',
      frame: overwrite(ctx, 0, [ctx.info.body[0]! | (2 << (ctx.a % 7))]),
      expect: 'error',
      statements: ctx.version === 5 ? ['MQTT-3.2.2-1'] : undefined,
    }),
  },
  ...PROPERTY_MUTATIONS,
];

/** Every mutation name, in catalogue order. */
export const MUTATION_NAMES: readonly MutationName[] = MUTATIONS.map((m) => m.name);
