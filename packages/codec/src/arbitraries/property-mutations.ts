/**
 * Property mutations of `malformedFrameArb` (5.0 only): a repeated, unknown, misplaced or out-of-range
 * property, and a Property Length that runs past its data (2.2.2).
 * @module
 */
import { buildFrame, encodeVarint, replacePropertyContent, splice, type PropertyBlock } from './frame.js';
import { at, type Mutation, type MutationContext } from './mutation-kit.js';
import { PROPERTY_BY_ID, PROPERTY_TABLE, type PropertyContext, type PropertyWireType } from './properties.js';

/** The property context of each packet type number. */
const PROPERTY_CONTEXT: Record<number, PropertyContext> = {
  1: 'connect',
  2: 'connack',
  3: 'publish',
  4: 'puback',
  5: 'pubrec',
  6: 'pubrel',
  7: 'pubcomp',
  8: 'subscribe',
  9: 'suback',
  10: 'unsubscribe',
  11: 'unsuback',
  14: 'disconnect',
  15: 'auth',
};

/** Encodes one property with a value of the given wire type. */
function propertyBytes(id: number, wire: PropertyWireType, value: number): Buffer {
  const idb = encodeVarint(id);
  switch (wire) {
    case 'byte':
      return Buffer.concat([idb, Buffer.from([value])]);
    case 'twoByte': {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(value);
      return Buffer.concat([idb, b]);
    }
    case 'fourByte': {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(value);
      return Buffer.concat([idb, b]);
    }
    case 'varint':
      return Buffer.concat([idb, encodeVarint(value)]);
    case 'utf8':
    case 'binary':
      return Buffer.concat([idb, Buffer.from([0, 1, 0x61])]);
    case 'utf8Pair':
      return Buffer.concat([idb, Buffer.from([0, 1, 0x61, 0, 1, 0x62])]);
  }
}

/** Adds `extra` at the end of a property block. */
function appendProperty(ctx: MutationContext, block: PropertyBlock, extra: Buffer): Buffer {
  const content = Buffer.concat([ctx.info.body.subarray(block.start, block.end), extra]);
  return replacePropertyContent(ctx.info, block, content);
}

/** The property mutations. */
export const PROPERTY_MUTATIONS: readonly Mutation[] = [
  {
    name: 'duplicateProperty',
    applies: (ctx) => duplicable(ctx).length > 0,
    apply: (ctx) => {
      const { block, item } = at(duplicable(ctx), ctx.a);
      return {
        mutation: 'duplicateProperty',
        frame: appendProperty(ctx, block, ctx.info.body.subarray(item.start, item.end)),
        expect: 'error',
        codes: ['ERR_DUPLICATE_PROPERTY'],
      };
    },
  },
  {
    name: 'unknownProperty',
    applies: (ctx) => ctx.layout.properties !== undefined,
    apply: (ctx) => ({
      mutation: 'unknownProperty',
      // Identifiers MQTT 5 does not define (2.2.2.2); the value byte is irrelevant.
      frame: appendProperty(ctx, ctx.layout.properties!, Buffer.from([at([0x00, 0x04, 0x0a, 0x10, 0x2b, 0x7f], ctx.a), 0])),
      expect: 'error',
      codes: ['ERR_UNKNOWN_PROPERTY'],
    }),
  },
  {
    name: 'propertyNotAllowed',
    applies: (ctx) => ctx.layout.properties !== undefined,
    apply: (ctx) => {
      const context = PROPERTY_CONTEXT[ctx.info.type]!;
      const spec = at(
        PROPERTY_TABLE.filter((p) => !p.contexts.includes(context)),
        ctx.a,
      );
      return {
        mutation: 'propertyNotAllowed',
        frame: appendProperty(ctx, ctx.layout.properties!, propertyBytes(spec.id, spec.wire, 1)),
        expect: 'error',
        codes: ['ERR_PROPERTY_NOT_ALLOWED'],
      };
    },
  },
  {
    name: 'propertyValueOutOfRange',
    applies: (ctx) => outOfRange(ctx).length > 0,
    apply: (ctx) => {
      const [id, value] = at(outOfRange(ctx), ctx.a);
      const spec = PROPERTY_BY_ID.get(id)!;
      return {
        mutation: 'propertyValueOutOfRange',
        frame: appendProperty(ctx, ctx.layout.properties!, propertyBytes(id, spec.wire, value)),
        expect: 'error',
        codes: ['ERR_PROPERTY_VALUE'],
        statements: id === 0x23 ? ['MQTT-3.3.2-8'] : undefined,
      };
    },
  },
  {
    name: 'propertyLengthOverflow',
    applies: (ctx) => ctx.layout.properties !== undefined,
    apply: (ctx) => {
      const block = ctx.layout.properties!;
      const { body } = ctx.info;
      const length = encodeVarint(block.end - block.start + 1 + (ctx.a % 50));
      const newBody = splice(body, block.lengthOffset, block.lengthBytes, length);
      // Where the properties end the packet, a longer Property Length runs past it; elsewhere the block
      // swallows the payload, which may happen to parse.
      const last = [2, 4, 5, 6, 7, 14, 15].includes(ctx.info.type);
      return {
        mutation: 'propertyLengthOverflow',
        frame: buildFrame(ctx.info.first, newBody),
        expect: last ? 'error' : 'any',
      };
    },
  },
];

/**
 * Properties present in the frame that may not appear twice, with their block: every non-repeatable
 * property, and the Subscription Identifier of a SUBSCRIBE (repeatable only in PUBLISH, 3.8.2.1.2).
 */
function duplicable(ctx: MutationContext) {
  const out: Array<{ block: PropertyBlock; item: PropertyBlock['items'][number] }> = [];
  for (const block of [ctx.layout.properties, ctx.layout.willProperties]) {
    if (!block) continue;
    for (const item of block.items) {
      const once = !PROPERTY_BY_ID.get(item.id)!.repeatable || (item.id === 0x0b && ctx.info.type === 8);
      if (once) out.push({ block, item });
    }
  }
  return out;
}

/** [id, out-of-range value] pairs allowed in the packet and absent from it. */
function outOfRange(ctx: MutationContext): Array<[number, number]> {
  const block = ctx.layout.properties;
  if (!block) return [];
  const context = PROPERTY_CONTEXT[ctx.info.type]!;
  const present = new Set(block.items.map((i) => i.id));
  const candidates: Array<[number, number]> = [
    [0x01, 2], // Payload Format Indicator 0 or 1
    [0x0b, 0], // Subscription Identifier 1..268,435,455
    [0x17, 2], // Request Problem Information 0 or 1
    [0x19, 2], // Request Response Information 0 or 1
    [0x21, 0], // Receive Maximum 0 is a protocol error
    [0x23, 0], // Topic Alias 0 [MQTT-3.3.2-8]
    [0x24, 2], // Maximum QoS 0 or 1
    [0x25, 2], // Retain Available 0 or 1
    [0x27, 0], // Maximum Packet Size 0 is a protocol error
    [0x28, 2],
    [0x29, 2],
    [0x2a, 2],
  ];
  return candidates.filter(([id]) => {
    if (present.has(id)) return false;
    if (id === 0x0b && context === 'publish' && ctx.sender === 'client') return false;
    return PROPERTY_BY_ID.get(id)!.contexts.includes(context);
  });
}

