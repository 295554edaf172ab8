/**
 * MQTT 5.0 properties (section 2.2.2), table driven: one row per property identifier with its name, data
 * type, the packets that allow it (will properties are the pseudo packet {@link WILL_KIND}) and where it may
 * repeat.
 *
 * Decoding rejects unknown identifiers (`ERR_UNKNOWN_PROPERTY`, 0x81), properties not allowed in the packet
 * (`ERR_PROPERTY_NOT_ALLOWED`, 0x82), repeats (`ERR_DUPLICATE_PROPERTY`, 0x82) and out-of-range values
 * (`ERR_PROPERTY_VALUE`, 0x82). Encoding applies the same rules to the {@link Properties} object.
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
import { utf8Length } from './primitives/utf8.js';
import {
  binaryLength,
  stringLength,
  varintSize,
  writeBinary,
  writeString,
  writeU16,
  writeU32,
  writeVarint,
} from './primitives/writer.js';
import { isValidTopicName } from './topic.js';
import { CodecError } from './errors.js';

/** Property data types. */
const BYTE = 0; // Byte with a numeric value (0..max)
const BOOL = 1; // Byte that must be 0 or 1, exposed as boolean
const U16 = 2;
const U32 = 3;
const VARINT = 4;
const STRING = 5;
const BINARY = 6;
const PAIR = 7;

/** One row of the property table. */
interface PropertyDef {
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

/** Packet name per kind number (0 is the will pseudo packet), for messages and error context. */
const KIND_NAMES = ['will', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];

function valueError(def: PropertyDef, kind: number, detail: string): CodecError {
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

function checkNumber(def: PropertyDef, kind: number, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < def.min || v > def.max) {
    throw valueError(def, kind, `must be an integer in ${def.min}..${def.max}`);
  }
  return v;
}

function wrapValue(def: PropertyDef, kind: number, err: unknown): never {
  if (err instanceof CodecError && err.code === 'ERR_INVALID_PACKET') throw valueError(def, kind, 'has the wrong type');
  throw err;
}

/** Encoded size of one property value (identifier byte included). */
function valueSize(def: PropertyDef, kind: number, v: unknown): number {
  switch (def.type) {
    case BYTE:
      checkNumber(def, kind, v);
      return 2;
    case BOOL:
      if (typeof v !== 'boolean') throw valueError(def, kind, 'must be a boolean');
      return 2;
    case U16:
      checkNumber(def, kind, v);
      return 3;
    case U32:
      checkNumber(def, kind, v);
      return 5;
    case VARINT: {
      if (Array.isArray(v)) {
        if (v.length > 1 && (def.repeatable & (1 << kind)) === 0) {
          throw protocolError('ERR_DUPLICATE_PROPERTY', `${def.name} appears more than once`, {
            property: def.name,
            id: def.id,
            packet: KIND_NAMES[kind],
          });
        }
        let n = 0;
        for (const item of v) n += 1 + varintSize(checkNumber(def, kind, item));
        return n;
      }
      return 1 + varintSize(checkNumber(def, kind, v));
    }
    case STRING: {
      let n: number;
      try {
        n = stringLength(v, def.name);
      } catch (err) {
        wrapValue(def, kind, err);
      }
      // [MQTT-3.3.2-14] the Response Topic is a Topic Name (no wildcards).
      if (def.id === 0x08 && !isValidTopicName(v as string)) throw valueError(def, kind, 'must be a valid topic name');
      return 3 + n;
    }
    case BINARY:
      try {
        return 3 + binaryLength(v, def.name);
      } catch (err) {
        wrapValue(def, kind, err);
      }
    default: {
      if (!Array.isArray(v)) throw valueError(def, kind, 'must be an array of [name, value] pairs');
      let n = 0;
      for (const pair of v as unknown[]) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw valueError(def, kind, 'must be an array of [name, value] pairs');
        }
        try {
          n += 5 + stringLength(pair[0], 'user property name') + stringLength(pair[1], 'user property value');
        } catch (err) {
          wrapValue(def, kind, err);
        }
      }
      return n;
    }
  }
}

/**
 * Validates `props` for packet kind `kind` and returns the byte length of the properties (without the
 * Property Length field). `undefined`, `null` and `{}` give 0.
 * @throws CodecError `ERR_UNKNOWN_PROPERTY`, `ERR_PROPERTY_NOT_ALLOWED`, `ERR_DUPLICATE_PROPERTY`,
 * `ERR_PROPERTY_VALUE`, `ERR_INVALID_UTF8`, `ERR_STRING_TOO_LONG`
 */
export function propertiesLength(props: Properties | undefined, kind: number): number {
  if (props === undefined || props === null) return 0;
  if (typeof props !== 'object') {
    throw new CodecError('ERR_INVALID_PACKET', 'properties must be an object', 0x81, { field: 'properties' });
  }
  let n = 0;
  const kindBit = 1 << kind;
  for (const key in props) {
    const v = (props as Bag)[key];
    if (v === undefined) continue;
    const def = BY_NAME[key];
    if (def === undefined) {
      throw malformed('ERR_UNKNOWN_PROPERTY', `unknown property ${key}`, { property: key, packet: KIND_NAMES[kind] });
    }
    if ((def.allowed & kindBit) === 0) {
      throw protocolError('ERR_PROPERTY_NOT_ALLOWED', `${def.name} is not allowed in ${KIND_NAMES[kind]}`, {
        property: def.name,
        id: def.id,
        packet: KIND_NAMES[kind],
      });
    }
    n += valueSize(def, kind, v);
  }
  return n;
}

/**
 * Writes the Property Length `len` (from {@link propertiesLength}) and the properties in ascending
 * identifier order; returns the position after the section.
 */
export function writeProperties(buf: Buffer, pos: number, props: Properties | undefined, len: number): number {
  pos = writeVarint(buf, pos, len);
  if (len === 0 || props === undefined) return pos;
  const bag = props as Bag;
  for (const def of PROPERTY_DEFS) {
    const v = bag[def.name];
    if (v === undefined) continue;
    switch (def.type) {
      case BYTE:
        buf[pos++] = def.id;
        buf[pos++] = v as number;
        break;
      case BOOL:
        buf[pos++] = def.id;
        buf[pos++] = v === true ? 1 : 0;
        break;
      case U16:
        buf[pos++] = def.id;
        pos = writeU16(buf, pos, v as number);
        break;
      case U32:
        buf[pos++] = def.id;
        pos = writeU32(buf, pos, v as number);
        break;
      case VARINT:
        if (Array.isArray(v)) {
          for (const item of v as number[]) {
            buf[pos++] = def.id;
            pos = writeVarint(buf, pos, item);
          }
        } else {
          buf[pos++] = def.id;
          pos = writeVarint(buf, pos, v as number);
        }
        break;
      case STRING: {
        buf[pos++] = def.id;
        const s = v as string;
        pos = writeString(buf, pos, s, utf8Length(s, false));
        break;
      }
      case BINARY:
        buf[pos++] = def.id;
        pos = writeBinary(buf, pos, v as Uint8Array);
        break;
      default:
        for (const [key, value] of v as UserProperties) {
          buf[pos++] = def.id;
          pos = writeString(buf, pos, key, utf8Length(key, false));
          pos = writeString(buf, pos, value, utf8Length(value, false));
        }
    }
  }
  return pos;
}

/** Size of a whole property section: Property Length field plus `len`. */
export function propertiesSectionSize(len: number): number {
  return varintSize(len) + len;
}
