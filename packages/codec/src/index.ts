/**
 * `@mqttx/codec`: MQTT 3.1.1 and 5.0 packet codec.
 *
 * - {@link encode} / {@link encodedLength}: validate, size and write a packet into a pooled Buffer.
 * - {@link Decoder}: streaming framer and decoder; {@link decode} for one whole packet.
 * - Topic helpers: {@link validateTopicName}, {@link validateTopicFilter}, {@link matchTopic},
 *   {@link parseSharedSubscription}.
 * - {@link ReasonCode}, {@link reasonCodeName}, {@link PacketTypeCode}.
 * - Errors: {@link CodecError} (stable `code`, MQTT 5 `reasonCode`), {@link MqttxError}, {@link isTemporary},
 *   {@link isTimeout}.
 * @packageDocumentation
 * @mergeModuleWith <project>
 */
export * from './errors.js';
export type * from './types.js';
export { encode, encodedLength } from './encode.js';
export { Decoder, decode, MAX_PACKET_SIZE, type DecodeOptions } from './decoder.js';
export {
  validateTopicName,
  validateTopicFilter,
  isValidTopicName,
  isValidTopicFilter,
  matchTopic,
  parseSharedSubscription,
  isSharedSubscription,
  hasWildcard,
  type SharedSubscription,
} from './topic.js';
export {
  ReasonCode,
  ConnectReturnCode,
  reasonCodeName,
  isValidReasonCode,
  isValidSubackReturnCodeV4,
} from './reason-codes.js';
export { PacketTypeCode, packetTypeName } from './packet-types.js';
export { propertyId } from './properties.js';
