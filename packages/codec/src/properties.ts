/**
 * MQTT 5.0 properties (section 2.2.2), table driven: one row per property identifier with its name, data
 * type, the packets that allow it (will properties are the pseudo packet {@link WILL_KIND}) and where it may
 * repeat.
 *
 * Decoding rejects unknown identifiers (`ERR_UNKNOWN_PROPERTY`, 0x81), properties not allowed in the packet
 * (`ERR_PROPERTY_NOT_ALLOWED`, 0x82), repeats (`ERR_DUPLICATE_PROPERTY`, 0x82) and out-of-range values
 * (`ERR_PROPERTY_VALUE`, 0x82). Encoding applies the same rules to the {@link Properties} object (see
 * `property-encode.ts`).
 *
 * A property section of length 0 decodes to `properties: undefined`; on encode `undefined` and `{}` are the
 * same (property length 0). Properties are written in ascending identifier order; user properties keep their
 * array order, so round trips are byte-stable.
 * @module
 */
import { malformed, protocolError, truncated } from './fail.js';
import type { Properties, UserProperties } from './types.js';
import { WILL_KIND } from './packet-types.js';
import type { Reader } from './primitives/reader.js';
import { isValidTopicName } from './topic.js';
import type { CodecError } from './errors.js';

/** Property data type: Byte with a numeric value (0..max). */
export const BYTE = 0;
/** Property data type: Byte that must be 0 or 1, exposed as a boolean. */
export const BOOL = 1;
/** Property data type: Two Byte Integer. */
export const U16 = 2;
/** Property data type: Four Byte Integer. */
export const U32 = 3;
/** Property data type: Variable Byte Integer. */
export const VARINT = 4;
/** Property data type: UTF-8 Encoded String. */
export const STRING = 5;
/** Property data type: Binary Data. */
export const BINARY = 6;
/** Property data type: UTF-8 String Pair (User Property). */
export const PAIR = 7;

/** One row of the property table. */
export interface PropertyDef {
  readonly id: number;
  readonly name: keyof Properties;
  readonly type: number;
  /** Bit set over packet type numbers (bit 0: will properties). */
  readonly allowed: number;
  /** Bit set over packet type numbers where the property may appear more than once. */
  readonly repeatable: number;
  /** Smallest valid value of numeric properties. */
  readonly min: number;
  /** Largest valid value of numeric properties. */
  readonly max: number;
  /** Index used for duplicate detection (0..26). */
  readonly bit: number;
}

const CONNECT = 1;
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const PUBREC = 5;
const PUBREL = 6;
const PUBCOMP = 7;
const SUBSCRIBE = 8;
const SUBACK = 9;
const UNSUBSCRIBE = 10;
const UNSUBACK = 11;
const DISCONNECT = 14;
const AUTH = 15;

function mask(...kinds: number[]): number {
  let m = 0;
  for (const k of kinds) m |= 1 << k;
  return m;
}

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const VARINT_MAX = 268_435_455;

const ROWS: Array<[number, keyof Properties, number, number, number, number, number]> = [
  // id, name, type, allowed, repeatable, min, max
  [0x01, 'payloadFormatIndicator', BYTE, mask(PUBLISH, WILL_KIND), 0, 0, 1],
  [0x02, 'messageExpiryInterval', U32, mask(PUBLISH, WILL_KIND), 0, 0, U32_MAX],
  [0x03, 'contentType', STRING, mask(PUBLISH, WILL_KIND), 0, 0, 0],
  [0x08, 'responseTopic', STRING, mask(PUBLISH, WILL_KIND), 0, 0, 0],
  [0x09, 'correlationData', BINARY, mask(PUBLISH, WILL_KIND), 0, 0, 0],
  // Subscription Identifier: 1..268,435,455, repeats only in PUBLISH (one per matching subscription).
  [0x0b, 'subscriptionIdentifier', VARINT, mask(PUBLISH, SUBSCRIBE), mask(PUBLISH), 1, VARINT_MAX],
  [0x11, 'sessionExpiryInterval', U32, mask(CONNECT, CONNACK, DISCONNECT), 0, 0, U32_MAX],
  [0x12, 'assignedClientIdentifier', STRING, mask(CONNACK), 0, 0, 0],
  [0x13, 'serverKeepAlive', U16, mask(CONNACK), 0, 0, U16_MAX],
  [0x15, 'authenticationMethod', STRING, mask(CONNECT, CONNACK, AUTH), 0, 0, 0],
  [0x16, 'authenticationData', BINARY, mask(CONNECT, CONNACK, AUTH), 0, 0, 0],
  [0x17, 'requestProblemInformation', BOOL, mask(CONNECT), 0, 0, 1],
  [0x18, 'willDelayInterval', U32, mask(WILL_KIND), 0, 0, U32_MAX],
  [0x19, 'requestResponseInformation', BOOL, mask(CONNECT), 0, 0, 1],
  [0x1a, 'responseInformation', STRING, mask(CONNACK), 0, 0, 0],
  [0x1c, 'serverReference', STRING, mask(CONNACK, DISCONNECT), 0, 0, 0],
  [
    0x1f,
    'reasonString',
    STRING,
    mask(CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH),
    0,
    0,
    0,
  ],
  // Receive Maximum 0 is a Protocol Error.
  [0x21, 'receiveMaximum', U16, mask(CONNECT, CONNACK), 0, 1, U16_MAX],
  [0x22, 'topicAliasMaximum', U16, mask(CONNECT, CONNACK), 0, 0, U16_MAX],
  // Topic Alias 0 is not permitted [MQTT-3.3.2-8].
  [0x23, 'topicAlias', U16, mask(PUBLISH), 0, 1, U16_MAX],
  [0x24, 'maximumQoS', BYTE, mask(CONNACK), 0, 0, 1],
  [0x25, 'retainAvailable', BOOL, mask(CONNACK), 0, 0, 1],
  [
    0x26,
    'userProperties',
    PAIR,
    mask(CONNECT, CONNACK, PUBLISH, WILL_KIND, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH),
    mask(CONNECT, CONNACK, PUBLISH, WILL_KIND, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, DISCONNECT, AUTH),
    0,
    0,
  ],
  // Maximum Packet Size 0 is a Protocol Error.
  [0x27, 'maximumPacketSize', U32, mask(CONNECT, CONNACK), 0, 1, U32_MAX],
  [0x28, 'wildcardSubscriptionAvailable', BOOL, mask(CONNACK), 0, 0, 1],
  [0x29, 'subscriptionIdentifiersAvailable', BOOL, mask(CONNACK), 0, 0, 1],
  [0x2a, 'sharedSubscriptionAvailable', BOOL, mask(CONNACK), 0, 0, 1],
];

/** The property table in ascending identifier order (also the encode order). */
export const PROPERTY_DEFS: readonly PropertyDef[] = ROWS.map(([id, name, type, allowed, repeatable, min, max], bit) => ({
  id,
  name,
  type,
  allowed,
  repeatable,
  min,
  max,
  bit,
}));

const BY_ID: (PropertyDef | undefined)[] = new Array(0x2b).fill(undefined);
const BY_NAME: Record<string, PropertyDef | undefined> = Object.create(null);
for (const def of PROPERTY_DEFS) {
  BY_ID[def.id] = def;
  BY_NAME[def.name] = def;
}

/** Property identifier of a {@link Properties} key, or undefined. */
export function propertyId(name: string): number | undefined {
  return BY_NAME[name]?.id;
}

/** The table row of a {@link Properties} key, or undefined. */
export function propertyDef(name: string): PropertyDef | undefined {
  return BY_NAME[name];
}

/** Packet name per kind number (0 is the will pseudo packet), for messages and error context. */
export const KIND_NAMES = ['will', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];

/** `ERR_PROPERTY_VALUE` (0x82) for property `def` in packet kind `kind`. */
export function valueError(def: PropertyDef, kind: number, detail: string): CodecError {
  return protocolError('ERR_PROPERTY_VALUE', `${def.name} ${detail}`, {
    property: def.name,
    id: def.id,
    packet: KIND_NAMES[kind],
  });
}

type Bag = Record<string, unknown>;

/**
 * Reads a property section (Property Length then properties) for packet kind `kind` (a packet type number
 * or {@link WILL_KIND}). Returns undefined for an empty section.
 */
export function decodeProperties(r: Reader, kind: number): Properties | undefined {
  const len = r.varint('property length');
  if (len === 0) return undefined;
  const end = r.pos + len;
  if (end > r.end) throw truncated('properties');
  const outerEnd = r.end;
  r.end = end;
  const props: Bag = {};
  const kindBit = 1 << kind;
  let seen = 0;
  while (r.pos < end) {
    const id = r.varint('property identifier');
    const def = id < BY_ID.length ? BY_ID[id] : undefined;
    if (def === undefined) {
      throw malformed('ERR_UNKNOWN_PROPERTY', `unknown property identifier 0x${id.toString(16)}`, {
        id,
        packet: KIND_NAMES[kind],
      });
    }
    if ((def.allowed & kindBit) === 0) {
      throw protocolError('ERR_PROPERTY_NOT_ALLOWED', `${def.name} is not allowed in ${KIND_NAMES[kind]}`, {
        property: def.name,
        id,
        packet: KIND_NAMES[kind],
      });
    }
    const bit = 1 << def.bit;
    if ((seen & bit) !== 0 && (def.repeatable & kindBit) === 0) {
      throw protocolError('ERR_DUPLICATE_PROPERTY', `${def.name} appears more than once`, {
        property: def.name,
        id,
        packet: KIND_NAMES[kind],
      });
    }
    seen |= bit;
    switch (def.type) {
      case BYTE: {
        const v = r.u8(def.name);
        if (v > def.max) throw valueError(def, kind, `must be at most ${def.max}`);
        props[def.name] = v;
        break;
      }
      case BOOL: {
        const v = r.u8(def.name);
        if (v > 1) throw valueError(def, kind, 'must be 0 or 1');
        props[def.name] = v === 1;
        break;
      }
      case U16: {
        const v = r.u16(def.name);
        if (v < def.min) throw valueError(def, kind, `must be at least ${def.min}`);
        props[def.name] = v;
        break;
      }
      case U32: {
        const v = r.u32(def.name);
        if (v < def.min) throw valueError(def, kind, `must be at least ${def.min}`);
        props[def.name] = v;
        break;
      }
      case VARINT: {
        // Only the Subscription Identifier; it may repeat in PUBLISH.
        const v = r.varint(def.name);
        if (v < def.min) throw valueError(def, kind, `must be at least ${def.min}`);
        const prev = props[def.name] as number | number[] | undefined;
        if (prev === undefined) props[def.name] = v;
        else if (typeof prev === 'number') props[def.name] = [prev, v];
        else prev.push(v);
        break;
      }
      case STRING: {
        const v = r.utf8(def.name);
        // [MQTT-3.3.2-14] the Response Topic is a Topic Name (no wildcards).
        if (def.id === 0x08 && !isValidTopicName(v)) throw valueError(def, kind, 'must be a valid topic name');
        props[def.name] = v;
        break;
      }
      case BINARY:
        props[def.name] = r.binary(def.name);
        break;
      default: {
        // PAIR: User Property, both strings well-formed [MQTT-1.5.7-1].
        const key = r.utf8('user property name');
        const value = r.utf8('user property value');
        const list = props.userProperties as UserProperties | undefined;
        if (list === undefined) props.userProperties = [[key, value]];
        else list.push([key, value]);
      }
    }
  }
  r.end = outerEnd;
  return props as Properties;
}
