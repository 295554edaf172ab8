/**
 * MQTT 5 property arbitraries and the property table they are built from (2.2.2.2).
 * @module
 */
import fc from 'fast-check';
import type { Properties } from '../types.js';
import { binaryArb, mqttStringArb, topicNameArb } from './strings.js';

/** Wire type of a property value (2.2.2.2). */
export type PropertyWireType = 'byte' | 'twoByte' | 'fourByte' | 'varint' | 'utf8' | 'binary' | 'utf8Pair';

/** Where a property may appear: a packet type, or the will properties of a CONNECT. */
export type PropertyContext =
  | 'connect'
  | 'will'
  | 'connack'
  | 'publish'
  | 'puback'
  | 'pubrec'
  | 'pubrel'
  | 'pubcomp'
  | 'subscribe'
  | 'suback'
  | 'unsubscribe'
  | 'unsuback'
  | 'disconnect'
  | 'auth';

/** Sender of a packet: a client or a server. */
export type Role = 'client' | 'server';

/** One row of the MQTT 5 property table. */
export interface PropertySpec {
  /** Field name in {@link Properties}. */
  readonly name: keyof Properties;
  /** Property identifier. */
  readonly id: number;
  /** Wire type of the value. */
  readonly wire: PropertyWireType;
  /** Packets (and the will) that may carry it. */
  readonly contexts: readonly PropertyContext[];
  /** Whether it may appear more than once in one packet. */
  readonly repeatable: boolean;
  /** When set, only this sender may include it (the rule's statement ID is noted in the table). */
  readonly sender?: Role;
}

const ACKS: readonly PropertyContext[] = ['puback', 'pubrec', 'pubrel', 'pubcomp'];
const MESSAGE: readonly PropertyContext[] = ['publish', 'will'];

/** The 27 MQTT 5 properties, with the packets that allow them (2.2.2.2, Table 2-4). */
export const PROPERTY_TABLE: readonly PropertySpec[] = [
  { name: 'payloadFormatIndicator', id: 0x01, wire: 'byte', contexts: MESSAGE, repeatable: false },
  { name: 'messageExpiryInterval', id: 0x02, wire: 'fourByte', contexts: MESSAGE, repeatable: false },
  { name: 'contentType', id: 0x03, wire: 'utf8', contexts: MESSAGE, repeatable: false },
  { name: 'responseTopic', id: 0x08, wire: 'utf8', contexts: MESSAGE, repeatable: false },
  { name: 'correlationData', id: 0x09, wire: 'binary', contexts: MESSAGE, repeatable: false },
  // Repeatable in PUBLISH (server to client only [MQTT-3.3.4-6]); at most one in SUBSCRIBE.
  { name: 'subscriptionIdentifier', id: 0x0b, wire: 'varint', contexts: ['publish', 'subscribe'], repeatable: true },
  // Never sent by a server in DISCONNECT [MQTT-3.14.2-2].
  {
    name: 'sessionExpiryInterval',
    id: 0x11,
    wire: 'fourByte',
    contexts: ['connect', 'connack', 'disconnect'],
    repeatable: false,
  },
  { name: 'assignedClientIdentifier', id: 0x12, wire: 'utf8', contexts: ['connack'], repeatable: false },
  { name: 'serverKeepAlive', id: 0x13, wire: 'twoByte', contexts: ['connack'], repeatable: false },
  { name: 'authenticationMethod', id: 0x15, wire: 'utf8', contexts: ['connect', 'connack', 'auth'], repeatable: false },
  { name: 'authenticationData', id: 0x16, wire: 'binary', contexts: ['connect', 'connack', 'auth'], repeatable: false },
  { name: 'requestProblemInformation', id: 0x17, wire: 'byte', contexts: ['connect'], repeatable: false },
  { name: 'willDelayInterval', id: 0x18, wire: 'fourByte', contexts: ['will'], repeatable: false },
  { name: 'requestResponseInformation', id: 0x19, wire: 'byte', contexts: ['connect'], repeatable: false },
  { name: 'responseInformation', id: 0x1a, wire: 'utf8', contexts: ['connack'], repeatable: false },
  { name: 'serverReference', id: 0x1c, wire: 'utf8', contexts: ['connack', 'disconnect'], repeatable: false },
  {
    name: 'reasonString',
    id: 0x1f,
    wire: 'utf8',
    contexts: ['connack', ...ACKS, 'suback', 'unsuback', 'disconnect', 'auth'],
    repeatable: false,
  },
  { name: 'receiveMaximum', id: 0x21, wire: 'twoByte', contexts: ['connect', 'connack'], repeatable: false },
  { name: 'topicAliasMaximum', id: 0x22, wire: 'twoByte', contexts: ['connect', 'connack'], repeatable: false },
  { name: 'topicAlias', id: 0x23, wire: 'twoByte', contexts: ['publish'], repeatable: false },
  { name: 'maximumQoS', id: 0x24, wire: 'byte', contexts: ['connack'], repeatable: false },
  { name: 'retainAvailable', id: 0x25, wire: 'byte', contexts: ['connack'], repeatable: false },
  {
    name: 'userProperties',
    id: 0x26,
    wire: 'utf8Pair',
    contexts: ['connect', 'will', 'connack', 'publish', ...ACKS, 'subscribe', 'suback', 'unsubscribe', 'unsuback', 'disconnect', 'auth'],
    repeatable: true,
  },
  { name: 'maximumPacketSize', id: 0x27, wire: 'fourByte', contexts: ['connect', 'connack'], repeatable: false },
  { name: 'wildcardSubscriptionAvailable', id: 0x28, wire: 'byte', contexts: ['connack'], repeatable: false },
  { name: 'subscriptionIdentifiersAvailable', id: 0x29, wire: 'byte', contexts: ['connack'], repeatable: false },
  { name: 'sharedSubscriptionAvailable', id: 0x2a, wire: 'byte', contexts: ['connack'], repeatable: false },
];

/** Property table rows by identifier. */
export const PROPERTY_BY_ID: ReadonlyMap<number, PropertySpec> = new Map(PROPERTY_TABLE.map((p) => [p.id, p]));

/** True when `spec` may be sent in `context` by `sender` (any sender when undefined). */
export function propertyAllowed(spec: PropertySpec, context: PropertyContext, sender?: Role): boolean {
  if (!spec.contexts.includes(context)) return false;
  if (sender === undefined) return true;
  // A client never sends a Subscription Identifier in PUBLISH [MQTT-3.3.4-6].
  if (spec.name === 'subscriptionIdentifier' && context === 'publish') return sender === 'server';
  // The server never sends a Session Expiry Interval in DISCONNECT [MQTT-3.14.2-2].
  if (spec.name === 'sessionExpiryInterval' && context === 'disconnect') return sender === 'client';
  // Server Reference in DISCONNECT is a server's redirect (4.11).
  if (spec.name === 'serverReference' && context === 'disconnect') return sender === 'server';
  return true;
}

/** Integers with the range edges drawn often. */
function edgy(min: number, max: number, edges: readonly number[] = []): fc.Arbitrary<number> {
  const small = fc.integer({ min, max: Math.min(max, min + 300) });
  return fc.oneof(
    { arbitrary: small, weight: 4 },
    { arbitrary: fc.constantFrom(min, max, ...edges.filter((e) => e >= min && e <= max)), weight: 2 },
    { arbitrary: fc.integer({ min, max }), weight: 2 },
  );
}

/** Values at which the variable byte integer grows a byte (1.5.5). */
const VARINT_EDGES = [127, 128, 16_383, 16_384, 2_097_151, 2_097_152];

/** A Subscription Identifier: 1..268,435,455 (0 is a protocol error) [MQTT-3.8.2-? Table 2-4]. */
export const subscriptionIdentifierArb: fc.Arbitrary<number> = edgy(1, 268_435_455, VARINT_EDGES);

/** Keys drawn from a small set so that repeated keys (which must be kept [MQTT-3.3.2-18]) are common. */
const userKeyArb = fc.oneof(fc.constantFrom('k', 'key', 'region', ''), mqttStringArb({ maxLength: 8, longWeight: 0 }));

/** User properties: ordered pairs with repeats (at least one pair). */
export const userPropertiesArb: fc.Arbitrary<Array<[string, string]>> = fc.array(
  fc.tuple(userKeyArb, mqttStringArb({ maxLength: 12 })),
  { minLength: 1, maxLength: 4 },
);

const shortString = () => mqttStringArb({ maxLength: 12 });

/** Value arbitrary per property (valid values only). */
function valueArb(name: keyof Properties, context: PropertyContext): fc.Arbitrary<unknown> {
  switch (name) {
    case 'payloadFormatIndicator':
      return fc.constantFrom(0 as const, 1 as const);
    case 'messageExpiryInterval':
    case 'sessionExpiryInterval':
    case 'willDelayInterval':
      return edgy(0, 0xffff_ffff);
    case 'maximumPacketSize':
      return edgy(1, 0xffff_ffff, VARINT_EDGES);
    case 'receiveMaximum':
    case 'topicAlias':
      return edgy(1, 0xffff);
    case 'serverKeepAlive':
    case 'topicAliasMaximum':
      return edgy(0, 0xffff);
    case 'subscriptionIdentifier':
      if (context === 'subscribe') return subscriptionIdentifierArb;
      // PUBLISH: a number for one identifier, an array for several (the decoder's normalisation).
      return fc
        .array(subscriptionIdentifierArb, { minLength: 1, maxLength: 3 })
        .map((ids) => (ids.length === 1 ? ids[0] : ids));
    case 'responseTopic':
      // A Topic Name, so no wildcards [MQTT-3.3.2-14].
      return topicNameArb({ longWeight: 0 });
    case 'correlationData':
    case 'authenticationData':
      return binaryArb();
    case 'requestProblemInformation':
    case 'requestResponseInformation':
    case 'retainAvailable':
    case 'wildcardSubscriptionAvailable':
    case 'subscriptionIdentifiersAvailable':
    case 'sharedSubscriptionAvailable':
      return fc.boolean();
    case 'maximumQoS':
      return fc.constantFrom(0 as const, 1 as const);
    case 'userProperties':
      return userPropertiesArb;
    default:
      return shortString();
  }
}

/** Options of {@link propertiesArb}. */
export interface PropertiesArbOptions {
  /** Sender of the packet; excludes properties the other side alone may send. Default: either. */
  role?: Role;
  /** Property names never to generate. */
  exclude?: ReadonlyArray<keyof Properties>;
  /** Property names always to generate (when allowed in `context`). */
  require?: ReadonlyArray<keyof Properties>;
}

/**
 * MQTT 5 properties valid in `context` (a packet type, or `'will'`): only properties allowed there
 * [MQTT-2.2.2-2], each with a valid value, user properties with repeated keys. `undefined` stands for "no
 * properties" (the decoder's normalisation of an empty property list); an empty object is never produced.
 * Authentication Data appears only with an Authentication Method (3.1.2.11.10).
 */
export function propertiesArb(
  context: PropertyContext,
  options: PropertiesArbOptions = {},
): fc.Arbitrary<Properties | undefined> {
  const { role, exclude = [], require = [] } = options;
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const spec of PROPERTY_TABLE) {
    if (!propertyAllowed(spec, context, role) || exclude.includes(spec.name)) continue;
    model[spec.name] = valueArb(spec.name, context);
    if (require.includes(spec.name)) required.push(spec.name);
  }
  const record = fc.record(model, { requiredKeys: required }).map((raw) => {
    const props = raw as Properties;
    if (props.authenticationData !== undefined && props.authenticationMethod === undefined) {
      delete props.authenticationData;
    }
    return Object.keys(props).length === 0 ? undefined : props;
  });
  if (required.length > 0) return record;
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: record, weight: 3 });
}
