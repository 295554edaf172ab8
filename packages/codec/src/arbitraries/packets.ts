/**
 * Arbitraries for whole MQTT packets, normalised the way the decoder outputs them.
 * @module
 */
import fc from 'fast-check';
import type {
  AckPacket,
  AuthPacket,
  ConnackPacket,
  ConnectPacket,
  DisconnectPacket,
  Packet,
  PingreqPacket,
  PingrespPacket,
  PublishPacket,
  QoS,
  SubackPacket,
  SubscribePacket,
  Subscription,
  UnsubackPacket,
  UnsubscribePacket,
  Will,
} from '../types.js';
import { propertiesArb, type Role } from './properties.js';
import {
  binaryArb,
  isSharedFilter,
  mqttStringArb,
  payloadArb,
  topicFilterArb,
  topicNameArb,
  utf8PayloadArb,
} from './strings.js';

/** Protocol version an arbitrary generates for: 4 (3.1.1) or 5 (5.0). */
export type Version = 4 | 5;

/** Options of the packet arbitraries. */
export interface PacketArbOptions {
  /**
   * The sender: `'client'` for packets a client may send, `'server'` for packets a server may send.
   * Default: either. (A decoder with `role: 'server'` reads what a `'client'` sends, and the reverse.)
   */
  role?: Role;
}

/** QoS 0, 1 or 2. */
export const qosArb: fc.Arbitrary<QoS> = fc.constantFrom(0 as const, 1 as const, 2 as const);

/** A non-zero packet identifier [MQTT-2.3.1-1] [MQTT-2.2.1-3], range edges drawn often. */
export const packetIdArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 1, max: 300 }),
  fc.constantFrom(1, 255, 256, 65_535),
  fc.integer({ min: 1, max: 65_535 }),
);

/** CONNACK reason codes of 5.0 (Table 3-1) [MQTT-3.2.2-8]. */
export const CONNACK_REASON_CODES_V5 = [
  0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b,
  0x9c, 0x9d, 0x9f,
] as const;
/** PUBACK and PUBREC reason codes of 5.0 [MQTT-3.4.2-1] [MQTT-3.5.2-1]. */
export const PUBACK_REASON_CODES = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99] as const;
/** PUBREL and PUBCOMP reason codes of 5.0 [MQTT-3.6.2-1] [MQTT-3.7.2-1]. */
export const PUBREL_REASON_CODES = [0x00, 0x92] as const;
/** SUBACK return codes of 3.1.1 [MQTT-3.9.3-2]. */
export const SUBACK_RETURN_CODES_V4 = [0x00, 0x01, 0x02, 0x80] as const;
/** SUBACK reason codes of 5.0 [MQTT-3.9.3-2]. */
export const SUBACK_REASON_CODES_V5 = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2] as const;
/** UNSUBACK reason codes of 5.0 [MQTT-3.11.3-2]. */
export const UNSUBACK_REASON_CODES = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91] as const;
/** DISCONNECT reason codes either side may send [MQTT-3.14.2-1]. */
const DISCONNECT_BOTH = [
  0x00, 0x80, 0x81, 0x82, 0x83, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
] as const;
/** DISCONNECT reason codes only a client sends (0x04: disconnect with will message). */
export const DISCONNECT_REASON_CODES_CLIENT = [...DISCONNECT_BOTH, 0x04] as const;
/** DISCONNECT reason codes only a server sends. */
export const DISCONNECT_REASON_CODES_SERVER = [
  ...DISCONNECT_BOTH,
  0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
] as const;
/** AUTH reason codes [MQTT-3.15.2-1]: 0x00 success (server), 0x18 continue, 0x19 re-authenticate (client). */
export const AUTH_REASON_CODES_CLIENT = [0x18, 0x19] as const;
/** AUTH reason codes a server sends. */
export const AUTH_REASON_CODES_SERVER = [0x00, 0x18] as const;

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const roleArb = (role: Role | undefined) => (role ? fc.constant(role) : fc.constantFrom<Role>('client', 'server'));

/** A Client Identifier: often the 1..23 alphanumerics every server accepts [MQTT-3.1.3-5], else any string. */
const clientIdArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: 1, maxLength: 23 }),
  fc.constant(''),
  mqttStringArb({ maxLength: 30 }),
);

/** A will message; `properties` only in 5.0. Will QoS is 0..2 [MQTT-3.1.2-14]. */
function willArb(version: Version): fc.Arbitrary<Will> {
  return fc
    .record({
      topic: topicNameArb(),
      binary: binaryArb({ maxLength: 40 }),
      utf8: utf8PayloadArb(),
      qos: qosArb,
      retain: fc.boolean(),
      properties: version === 5 ? propertiesArb('will') : fc.constant(undefined),
    })
    .map(({ topic, binary, utf8, qos, retain, properties }) => ({
      topic,
      payload: properties?.payloadFormatIndicator === 1 ? utf8 : binary,
      qos,
      retain,
      properties,
    }));
}

/**
 * CONNECT of `version`. In 3.1.1 a password comes only with a user name [MQTT-3.1.2-22] and an empty Client
 * Identifier only with Clean Session [MQTT-3.1.3-7]; no will means will QoS and retain 0 [MQTT-3.1.2-11].
 */
export function connectArb(version: Version): fc.Arbitrary<ConnectPacket> {
  return fc
    .record({
      clientId: clientIdArb,
      clean: fc.boolean(),
      keepalive: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(0, 65_535), fc.integer({ min: 0, max: 65_535 })),
      username: fc.option(mqttStringArb({ maxLength: 16 }), { nil: undefined }),
      password: fc.option(binaryArb({ maxLength: 16 }), { nil: undefined }),
      will: fc.option(willArb(version), { nil: undefined, freq: 2 }),
      properties: version === 5 ? propertiesArb('connect') : fc.constant(undefined),
    })
    .map((r) => ({
      type: 'connect' as const,
      protocolVersion: version,
      clientId: r.clientId,
      clean: version === 4 && r.clientId === '' ? true : r.clean,
      keepalive: r.keepalive,
      username: r.username,
      password: version === 4 && r.username === undefined ? undefined : r.password,
      will: r.will,
      properties: r.properties,
    }));
}

/**
 * CONNACK of `version`: a return code 0..5 (3.1.1) or a Table 3-1 reason code (5.0); Session Present only with
 * success (3.1.1 [MQTT-3.2.2-4], 5.0 [MQTT-3.2.2-6]).
 */
export function connackArb(version: Version): fc.Arbitrary<ConnackPacket> {
  const codes = version === 4 ? [0, 1, 2, 3, 4, 5] : CONNACK_REASON_CODES_V5;
  return fc
    .record({
      sessionPresent: fc.boolean(),
      reasonCode: fc.oneof(fc.constant(0), pick(codes)),
      properties: version === 5 ? propertiesArb('connack') : fc.constant(undefined),
    })
    .map((r) => ({
      type: 'connack' as const,
      sessionPresent: r.reasonCode === 0 ? r.sessionPresent : false,
      reasonCode: r.reasonCode,
      properties: r.properties,
    }));
}

/**
 * PUBLISH of `version`. QoS 0 carries no packet id [MQTT-2.2.1-2] [MQTT-2.3.1-5] and DUP 0 [MQTT-3.3.1-2];
 * the topic has no wildcards [MQTT-3.3.2-2]; in 5.0 the topic may be empty when a Topic Alias (never 0
 * [MQTT-3.3.2-8]) is set, and a client never sends a Subscription Identifier [MQTT-3.3.4-6]. With Payload
 * Format Indicator 1 the payload is UTF-8.
 */
export function publishArb(version: Version, options: PacketArbOptions = {}): fc.Arbitrary<PublishPacket> {
  const props = roleArb(options.role).chain((role) =>
    version === 5 ? propertiesArb('publish', { role }) : fc.constant(undefined),
  );
  return fc
    .record({
      topic: topicNameArb(),
      binary: payloadArb(),
      utf8: utf8PayloadArb(),
      qos: qosArb,
      retain: fc.boolean(),
      dup: fc.boolean(),
      packetId: packetIdArb,
      properties: props,
      aliasOnly: fc.boolean(),
    })
    .map((r) => {
      const aliased = r.properties?.topicAlias !== undefined;
      return {
        type: 'publish' as const,
        topic: aliased && r.aliasOnly ? '' : r.topic,
        payload: r.properties?.payloadFormatIndicator === 1 ? r.utf8 : r.binary,
        qos: r.qos,
        retain: r.retain,
        dup: r.qos === 0 ? false : r.dup,
        packetId: r.qos === 0 ? undefined : r.packetId,
        properties: r.properties,
      };
    });
}

/** The four publish acknowledgements. */
export type AckType = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';

/**
 * PUBACK, PUBREC, PUBREL or PUBCOMP. In 3.1.1 only the packet id (`reasonCode` and `properties` undefined);
 * in 5.0 a reason code of that packet's table (decoded as 0 when the sender omitted it) and properties.
 */
export function ackArb<T extends AckType>(type: T, version: Version): fc.Arbitrary<AckPacket<T>> {
  const codes = type === 'puback' || type === 'pubrec' ? PUBACK_REASON_CODES : PUBREL_REASON_CODES;
  return fc
    .record({
      packetId: packetIdArb,
      reasonCode: version === 5 ? fc.oneof(fc.constant(0), pick(codes)) : fc.constant(undefined),
      properties: version === 5 ? propertiesArb(type) : fc.constant(undefined),
    })
    .map((r) => ({ type, packetId: r.packetId, reasonCode: r.reasonCode, properties: r.properties }));
}

/** PUBACK of `version`. See {@link ackArb}. */
export const pubackArb = (version: Version) => ackArb('puback', version);
/** PUBREC of `version`. See {@link ackArb}. */
export const pubrecArb = (version: Version) => ackArb('pubrec', version);
/** PUBREL of `version`. See {@link ackArb}. */
export const pubrelArb = (version: Version) => ackArb('pubrel', version);
/** PUBCOMP of `version`. See {@link ackArb}. */
export const pubcompArb = (version: Version) => ackArb('pubcomp', version);

/**
 * One subscription. In 3.1.1 the 5.0-only options are `false`/`0`; in 5.0 No Local is never set on a shared
 * subscription [MQTT-3.8.3-4] and Retain Handling is 0..2.
 */
function subscriptionArb(version: Version): fc.Arbitrary<Subscription> {
  return fc
    .record({
      topicFilter: topicFilterArb(),
      qos: qosArb,
      noLocal: fc.boolean(),
      retainAsPublished: fc.boolean(),
      retainHandling: fc.constantFrom(0 as const, 1 as const, 2 as const),
    })
    .map((r) => ({
      topicFilter: r.topicFilter,
      qos: r.qos,
      noLocal: version === 5 && !isSharedFilter(r.topicFilter) ? r.noLocal : false,
      retainAsPublished: version === 5 ? r.retainAsPublished : false,
      retainHandling: version === 5 ? r.retainHandling : 0,
    }));
}

/** SUBSCRIBE of `version`: at least one filter (3.1.1 [MQTT-3.8.3-3], 5.0 [MQTT-3.8.3-2]). */
export function subscribeArb(version: Version): fc.Arbitrary<SubscribePacket> {
  return fc
    .record({
      packetId: packetIdArb,
      subscriptions: fc.array(subscriptionArb(version), { minLength: 1, maxLength: 5 }),
      properties: version === 5 ? propertiesArb('subscribe') : fc.constant(undefined),
    })
    .map((r) => ({ type: 'subscribe' as const, ...r }));
}

/** SUBACK of `version`: one to five codes of that version's table [MQTT-3.9.3-2]. */
export function subackArb(version: Version): fc.Arbitrary<SubackPacket> {
  return fc
    .record({
      packetId: packetIdArb,
      reasonCodes: fc.array(pick(version === 4 ? SUBACK_RETURN_CODES_V4 : SUBACK_REASON_CODES_V5), {
        minLength: 1,
        maxLength: 5,
      }),
      properties: version === 5 ? propertiesArb('suback') : fc.constant(undefined),
    })
    .map((r) => ({ type: 'suback' as const, ...r }));
}

/** UNSUBSCRIBE of `version`: at least one filter [MQTT-3.10.3-2]. */
export function unsubscribeArb(version: Version): fc.Arbitrary<UnsubscribePacket> {
  return fc
    .record({
      packetId: packetIdArb,
      topicFilters: fc.array(topicFilterArb(), { minLength: 1, maxLength: 5 }),
      properties: version === 5 ? propertiesArb('unsubscribe') : fc.constant(undefined),
    })
    .map((r) => ({ type: 'unsubscribe' as const, ...r }));
}

/** UNSUBACK of `version`: 3.1.1 has only the packet id; 5.0 one to five reason codes [MQTT-3.11.3-2]. */
export function unsubackArb(version: Version): fc.Arbitrary<UnsubackPacket> {
  return fc
    .record({
      packetId: packetIdArb,
      reasonCodes:
        version === 5
          ? fc.array(pick(UNSUBACK_REASON_CODES), { minLength: 1, maxLength: 5 })
          : fc.constant(undefined),
      properties: version === 5 ? propertiesArb('unsuback') : fc.constant(undefined),
    })
    .map((r) => ({ type: 'unsuback' as const, ...r }));
}

/** PINGREQ. */
export const pingreqArb = (): fc.Arbitrary<PingreqPacket> => fc.constant({ type: 'pingreq' as const });
/** PINGRESP. */
export const pingrespArb = (): fc.Arbitrary<PingrespPacket> => fc.constant({ type: 'pingresp' as const });

/**
 * DISCONNECT of `version`. 3.1.1: no fields. 5.0: a reason code the sender may use [MQTT-3.14.2-1] (0 when
 * omitted) and properties; a server never sends Session Expiry Interval [MQTT-3.14.2-2].
 */
export function disconnectArb(version: Version, options: PacketArbOptions = {}): fc.Arbitrary<DisconnectPacket> {
  if (version === 4) return fc.constant({ type: 'disconnect' as const, reasonCode: undefined, properties: undefined });
  return roleArb(options.role).chain((role) =>
    fc
      .record({
        reasonCode: fc.oneof(
          fc.constant(0),
          pick(role === 'client' ? DISCONNECT_REASON_CODES_CLIENT : DISCONNECT_REASON_CODES_SERVER),
        ),
        properties: propertiesArb('disconnect', { role }),
      })
      .map((r) => ({ type: 'disconnect' as const, reasonCode: r.reasonCode, properties: r.properties })),
  );
}

/**
 * AUTH (5.0 only): a reason code the sender may use [MQTT-3.15.2-1] and always an Authentication Method
 * (3.15.2.2.2 makes omitting it a protocol error).
 */
export function authArb(options: PacketArbOptions = {}): fc.Arbitrary<AuthPacket> {
  return roleArb(options.role).chain((role) =>
    fc
      .record({
        reasonCode: pick(role === 'client' ? AUTH_REASON_CODES_CLIENT : AUTH_REASON_CODES_SERVER),
        properties: propertiesArb('auth', { role, require: ['authenticationMethod'] }),
      })
      .map((r) => ({ type: 'auth' as const, reasonCode: r.reasonCode, properties: r.properties })),
  );
}

type Entry = readonly [Packet['type'], fc.Arbitrary<Packet>];

/** Packets a client may send, by type. */
function clientArbs(version: Version): Entry[] {
  const arbs: Entry[] = [
    ['connect', connectArb(version)],
    ['publish', publishArb(version, { role: 'client' })],
    ['puback', pubackArb(version)],
    ['pubrec', pubrecArb(version)],
    ['pubrel', pubrelArb(version)],
    ['pubcomp', pubcompArb(version)],
    ['subscribe', subscribeArb(version)],
    ['unsubscribe', unsubscribeArb(version)],
    ['pingreq', pingreqArb()],
    ['disconnect', disconnectArb(version, { role: 'client' })],
  ];
  if (version === 5) arbs.push(['auth', authArb({ role: 'client' })]);
  return arbs;
}

/** Packets a server may send, by type. */
function serverArbs(version: Version): Entry[] {
  const arbs: Entry[] = [
    ['connack', connackArb(version)],
    ['publish', publishArb(version, { role: 'server' })],
    ['puback', pubackArb(version)],
    ['pubrec', pubrecArb(version)],
    ['pubrel', pubrelArb(version)],
    ['pubcomp', pubcompArb(version)],
    ['suback', subackArb(version)],
    ['unsuback', unsubackArb(version)],
    ['pingresp', pingrespArb()],
    ['disconnect', disconnectArb(version, { role: 'server' })],
  ];
  if (version === 5) arbs.push(['auth', authArb({ role: 'server' })]);
  return arbs;
}

/** Options of {@link packetArb}. */
export interface AnyPacketArbOptions extends PacketArbOptions {
  /** Leave out these packet types (for example `['connect']` inside a stream). */
  exclude?: ReadonlyArray<Packet['type']>;
}

/**
 * Any packet of `version` the given sender may send (both senders when `role` is omitted), every type equally
 * likely.
 */
export function packetArb(version: Version, options: AnyPacketArbOptions = {}): fc.Arbitrary<Packet> {
  const { role, exclude = [] } = options;
  const entries =
    role === 'client'
      ? clientArbs(version)
      : role === 'server'
        ? serverArbs(version)
        : [...clientArbs(version), ...serverArbs(version)];
  const kept = entries.filter(([type]) => !exclude.includes(type)).map(([, arb]) => arb);
  if (kept.length === 0) throw new RangeError('packetArb: every packet type is excluded');
  return fc.oneof(...kept);
}
