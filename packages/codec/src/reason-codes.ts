/**
 * MQTT 5.0 reason codes (section 2.4) and the codes each packet type may carry.
 * @module
 */

/** MQTT 5.0 reason code values by name. Several names share a value (0x00 is Success, Normal disconnection and Granted QoS 0). */
export const ReasonCode = {
  Success: 0x00,
  NormalDisconnection: 0x00,
  GrantedQoS0: 0x00,
  GrantedQoS1: 0x01,
  GrantedQoS2: 0x02,
  DisconnectWithWillMessage: 0x04,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  ContinueAuthentication: 0x18,
  ReAuthenticate: 0x19,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  Banned: 0x8a,
  ServerShuttingDown: 0x8b,
  BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  MessageRateTooHigh: 0x96,
  QuotaExceeded: 0x97,
  AdministrativeAction: 0x98,
  PayloadFormatInvalid: 0x99,
  RetainNotSupported: 0x9a,
  QoSNotSupported: 0x9b,
  UseAnotherServer: 0x9c,
  ServerMoved: 0x9d,
  SharedSubscriptionsNotSupported: 0x9e,
  ConnectionRateExceeded: 0x9f,
  MaximumConnectTime: 0xa0,
  SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** MQTT 3.1.1 CONNACK return codes (0..5). */
export const ConnectReturnCode = {
  Accepted: 0,
  UnacceptableProtocolVersion: 1,
  IdentifierRejected: 2,
  ServerUnavailable: 3,
  BadUserNameOrPassword: 4,
  NotAuthorized: 5,
} as const;

const NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(ReasonCode)) {
  if (!NAMES.has(value)) NAMES.set(value, name);
}

/**
 * Name of an MQTT 5 reason code (`0x87` -> `'NotAuthorized'`); for 0x00 `'Success'`. Unknown values give
 * `'0x..'`.
 */
export function reasonCodeName(code: number): string {
  return NAMES.get(code) ?? `0x${code.toString(16).padStart(2, '0')}`;
}

/** Valid 5.0 reason codes per packet type number, as a bit set over type numbers. */
const VALID = new Uint16Array(256);

function allow(type: number, codes: readonly number[]): void {
  for (const c of codes) VALID[c] = VALID[c]! | (1 << type);
}

// CONNACK (3.2.2.2).
allow(2, [
  0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a,
  0x9b, 0x9c, 0x9d, 0x9f,
]);
// PUBACK [MQTT-3.4.2-1] and PUBREC [MQTT-3.5.2-1] share one list.
const PUB_ACK = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
allow(4, PUB_ACK);
allow(5, PUB_ACK);
// PUBREL [MQTT-3.6.2-1] and PUBCOMP [MQTT-3.7.2-1].
allow(6, [0x00, 0x92]);
allow(7, [0x00, 0x92]);
// SUBACK [MQTT-3.9.3-2].
allow(9, [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2]);
// UNSUBACK [MQTT-3.11.3-2].
allow(11, [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91]);
// DISCONNECT [MQTT-3.14.2-1].
allow(14, [
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97,
  0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
]);
// AUTH [MQTT-3.15.2-1].
allow(15, [0x00, 0x18, 0x19]);

/**
 * Whether `code` is a valid MQTT 5.0 reason code for the packet type number `type` (CONNACK, PUBACK, PUBREC,
 * PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH).
 */
export function isValidReasonCode(type: number, code: number): boolean {
  return code >= 0 && code <= 255 && (VALID[code]! & (1 << type)) !== 0;
}

/** Valid 3.1.1 SUBACK return codes: granted QoS 0, 1, 2 or failure 0x80 [MQTT-3.9.3-2]. */
export function isValidSubackReturnCodeV4(code: number): boolean {
  return code === 0 || code === 1 || code === 2 || code === 0x80;
}
