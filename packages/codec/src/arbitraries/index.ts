/**
 * `@mqttx/codec/arbitraries`: [fast-check](https://fast-check.dev) arbitraries for MQTT 3.1.1 and 5.0
 * packets, for property-based tests and fuzzing of brokers, clients and codecs.
 *
 * `fast-check` (>= 4) is an optional peer dependency: install it to use this entry point.
 *
 * Every generated packet is valid (the mqttx encoder accepts it) and normalised the way the mqttx decoder
 * outputs packets, so `decode(encode(p))` deep-equals `p`: absent optional fields are `undefined`, an empty
 * property list is `properties: undefined`, 5.0 acks always carry `reasonCode`, a PUBLISH Subscription
 * Identifier is a number for one and an array for several, 3.1.1 packets carry no properties and no 5.0-only
 * fields (3.1.1 subscriptions have `noLocal: false`, `retainAsPublished: false`, `retainHandling: 0`).
 *
 * The `role` option names the sender: `publishArb(5, { role: 'client' })` makes packets a client may send,
 * which a decoder with `role: 'server'` reads.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { decode, encode } from '@mqttx/codec';
 * import { publishArb } from '@mqttx/codec/arbitraries';
 *
 * fc.assert(
 *   fc.property(publishArb(5, { role: 'server' }), (p) => {
 *     const back = decode(encode(p, { protocolVersion: 5 }), { protocolVersion: 5, role: 'client' });
 *     // back deep-equals p
 *   }),
 * );
 * ```
 *
 * @example Fuzz a broker with broken frames:
 * ```ts
 * fc.assert(fc.asyncProperty(malformedFrameArb(5, { role: 'client' }), async (m) => {
 *   socket.write(m.frame); // m.mutation names what was broken, m.expect what the broker must do
 * }));
 * ```
 * @packageDocumentation
 */
export {
  MAX_STRING_BYTES,
  binaryArb,
  bulkBytesArb,
  isSharedFilter,
  mqttCharArb,
  mqttStringArb,
  payloadArb,
  shareNameArb,
  topicFilterArb,
  topicNameArb,
  utf8PayloadArb,
  type BinaryOptions,
  type MqttStringOptions,
  type TopicFilterOptions,
  type TopicNameOptions,
} from './strings.js';
export {
  PROPERTY_BY_ID,
  PROPERTY_TABLE,
  propertiesArb,
  propertyAllowed,
  subscriptionIdentifierArb,
  userPropertiesArb,
  type PropertiesArbOptions,
  type PropertyContext,
  type PropertySpec,
  type PropertyWireType,
  type Role,
} from './properties.js';
export {
  AUTH_REASON_CODES_CLIENT,
  AUTH_REASON_CODES_SERVER,
  CONNACK_REASON_CODES_V5,
  DISCONNECT_REASON_CODES_CLIENT,
  DISCONNECT_REASON_CODES_SERVER,
  PUBACK_REASON_CODES,
  PUBREL_REASON_CODES,
  SUBACK_REASON_CODES_V5,
  SUBACK_RETURN_CODES_V4,
  UNSUBACK_REASON_CODES,
  ackArb,
  authArb,
  connackArb,
  connectArb,
  disconnectArb,
  packetArb,
  packetIdArb,
  pingreqArb,
  pingrespArb,
  pubackArb,
  pubcompArb,
  publishArb,
  pubrecArb,
  pubrelArb,
  qosArb,
  subackArb,
  subscribeArb,
  unsubackArb,
  unsubscribeArb,
  type AckType,
  type AnyPacketArbOptions,
  type PacketArbOptions,
  type Version,
} from './packets.js';
export { chunksArb, packetStreamArb, type PacketStreamOptions } from './stream.js';
export {
  MUTATION_NAMES,
  malformedFrameArb,
  type MalformedFrame,
  type MalformedFrameOptions,
  type MutationExpectation,
  type MutationName,
  type MutationResult,
} from './malformed.js';
