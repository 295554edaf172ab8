/**
 * Encode side of MQTT 5.0 properties: validation and sizing of a {@link Properties} object
 * ({@link propertiesLength}), then writing ({@link writeProperties}).
 *
 * The length pass visits only the keys present (`for..in` over the object) and records what the writer needs
 * in a plan: a bit set of the properties present (bit = row of the property table, which is in ascending
 * identifier order), their values, and the UTF-8 length of every string. The writer walks the set bits in
 * ascending order, so properties are written in ascending identifier order (user properties in array order)
 * without reading the object again and without measuring any string twice.
 *
 * There are two plans: one for a packet's properties and one for the will properties of a CONNECT, which
 * are sized together before either is written. A plan is valid from its `propertiesLength` call to the
 * matching `writeProperties` call in the same synchronous `encode()`.
 * @module
 */
import { CodecError } from './errors.js';
import { malformed, protocolError } from './fail.js';
import { WILL_KIND } from './packet-types.js';
import type { Properties, UserProperties } from './types.js';
import {
  BINARY,
  BOOL,
  BYTE,
  KIND_NAMES,
  PROPERTY_DEFS,
  STRING,
  U16,
  U32,
  VARINT,
  propertyDef,
  valueError,
  type PropertyDef,
} from './properties.js';
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

type Bag = Record<string, unknown>;

/** What {@link propertiesLength} learned about one property section, for {@link writeProperties}. */
class PropertyPlan {
  /** The object this plan describes (set once it passed validation). */
  props: Properties | undefined = undefined;
  /** Byte length of the properties (without the Property Length field). */
  length = 0;
  /** Bit `def.bit` is set for every property present. */
  mask = 0;
  /** Value of each present property, by `def.bit`. */
  readonly values: unknown[] = new Array<unknown>(PROPERTY_DEFS.length).fill(undefined);
  /** UTF-8 byte length of each present string property, by `def.bit`. */
  readonly stringLengths = new Int32Array(PROPERTY_DEFS.length);
  /** UTF-8 byte lengths of the user property names and values, two per pair, in order. */
  readonly pairLengths: number[] = [];
}

const packetPlan = new PropertyPlan();
const willPlan = new PropertyPlan();

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

function checkedStringLength(def: PropertyDef, kind: number, v: unknown, field: string): number {
  try {
    return stringLength(v, field);
  } catch (err) {
    wrapValue(def, kind, err);
  }
}

/** Validates one property value and returns its encoded size (identifier byte included). */
function valueSize(def: PropertyDef, kind: number, v: unknown, plan: PropertyPlan): number {
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
      const n = checkedStringLength(def, kind, v, def.name);
      // [MQTT-3.3.2-14] the Response Topic is a Topic Name (no wildcards).
      if (def.id === 0x08 && !isValidTopicName(v as string)) throw valueError(def, kind, 'must be a valid topic name');
      plan.stringLengths[def.bit] = n;
      return 3 + n;
    }
    case BINARY:
      try {
        return 3 + binaryLength(v, def.name);
      } catch (err) {
        wrapValue(def, kind, err);
      }
    default: {
      // PAIR (User Property): both strings well-formed [MQTT-1.5.7-1].
      if (!Array.isArray(v)) throw valueError(def, kind, 'must be an array of [name, value] pairs');
      const lengths = plan.pairLengths;
      let n = 0;
      let k = 0;
      for (const pair of v as unknown[]) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw valueError(def, kind, 'must be an array of [name, value] pairs');
        }
        const nameLength = checkedStringLength(def, kind, pair[0], 'user property name');
        const valueLength = checkedStringLength(def, kind, pair[1], 'user property value');
        lengths[k++] = nameLength;
        lengths[k++] = valueLength;
        n += 5 + nameLength + valueLength;
      }
      return n;
    }
  }
}

/**
 * Validates `props` for packet kind `kind` (a packet type number or {@link WILL_KIND}) and returns the byte
 * length of the properties (without the Property Length field). `undefined`, `null` and `{}` give 0.
 * Prepares the plan {@link writeProperties} uses.
 * @throws CodecError `ERR_UNKNOWN_PROPERTY`, `ERR_PROPERTY_NOT_ALLOWED`, `ERR_DUPLICATE_PROPERTY`,
 * `ERR_PROPERTY_VALUE`, `ERR_INVALID_UTF8`, `ERR_STRING_TOO_LONG`
 */
export function propertiesLength(props: Properties | undefined, kind: number): number {
  // No properties: nothing to plan (writeProperties reads no plan for a zero length).
  if (props === undefined || props === null) return 0;
  const plan = kind === WILL_KIND ? willPlan : packetPlan;
  plan.props = undefined;
  plan.length = 0;
  clearValues(plan);
  if (typeof props !== 'object') {
    throw new CodecError('ERR_INVALID_PACKET', 'properties must be an object', 0x81, { field: 'properties' });
  }
  const values = plan.values;
  const kindBit = 1 << kind;
  let n = 0;
  let mask = 0;
  for (const key in props) {
    const v = (props as Bag)[key];
    if (v === undefined) continue;
    const def = propertyDef(key);
    if (def === undefined) {
      throw malformed('ERR_UNKNOWN_PROPERTY', `unknown property ${key}`, { property: key, packet: KIND_NAMES[kind] });
    }
    // [MQTT-2.2.2-2] only the properties defined for the packet.
    if ((def.allowed & kindBit) === 0) {
      throw protocolError('ERR_PROPERTY_NOT_ALLOWED', `${def.name} is not allowed in ${KIND_NAMES[kind]}`, {
        property: def.name,
        id: def.id,
        packet: KIND_NAMES[kind],
      });
    }
    n += valueSize(def, kind, v, plan);
    values[def.bit] = v;
    mask |= 1 << def.bit;
    plan.mask = mask;
  }
  plan.length = n;
  plan.props = props;
  return n;
}

/** Forgets the values a plan holds (so it does not keep the last packet's strings and Buffers alive). */
function clearValues(plan: PropertyPlan): void {
  const values = plan.values;
  for (let m = plan.mask; m !== 0; m &= m - 1) values[31 - Math.clz32(m & -m)] = undefined;
  plan.mask = 0;
}

/**
 * Writes the Property Length `len` and the properties of `props`, which the last
 * {@link propertiesLength} call for the same section (`will` selects the will properties of a CONNECT)
 * validated and sized; returns the position after the section.
 */
export function writeProperties(buf: Buffer, pos: number, props: Properties | undefined, len: number, will = false): number {
  pos = writeVarint(buf, pos, len);
  if (len === 0) return pos;
  const plan = will ? willPlan : packetPlan;
  if (plan.props !== props || plan.length !== len) {
    // A packet module broke the length-then-write contract: never write bytes that were not sized.
    throw new Error('internal: writeProperties without a matching propertiesLength');
  }
  const values = plan.values;
  const stringLengths = plan.stringLengths;
  // Ascending table rows are ascending identifiers.
  for (let m = plan.mask; m !== 0; m &= m - 1) {
    const bit = 31 - Math.clz32(m & -m);
    const def = PROPERTY_DEFS[bit]!;
    const v = values[bit];
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
      case STRING:
        buf[pos++] = def.id;
        pos = writeString(buf, pos, v as string, stringLengths[bit]!);
        break;
      case BINARY:
        buf[pos++] = def.id;
        pos = writeBinary(buf, pos, v as Uint8Array);
        break;
      default: {
        const pairs = v as UserProperties;
        const lengths = plan.pairLengths;
        for (let i = 0, k = 0; i < pairs.length; i++, k += 2) {
          const pair = pairs[i]!;
          buf[pos++] = def.id;
          pos = writeString(buf, pos, pair[0], lengths[k]!);
          pos = writeString(buf, pos, pair[1], lengths[k + 1]!);
        }
      }
    }
  }
  clearValues(plan);
  plan.props = undefined;
  return pos;
}

/** Size of a whole property section: Property Length field plus `len`. */
export function propertiesSectionSize(len: number): number {
  return varintSize(len) + len;
}
