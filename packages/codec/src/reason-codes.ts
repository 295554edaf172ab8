/**
 * MQTT 5.0 reason codes (section 2.4) and the codes each packet type may carry.
 * @module
 */

/** MQTT 5.0 reason code values by name. Several names share a value (0x00 is Success, Normal disconnection and Granted QoS 0). */
export const ReasonCode = {
  /** 0x00 Success (CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH). */
  Success: 0x00,
  /** 0x00 in DISCONNECT: normal close; the server discards the will. */
  NormalDisconnection: 0x00,
  /** 0x00 in SUBACK: subscription accepted, maximum QoS 0. */
  GrantedQoS0: 0x00,
  /** 0x01 in SUBACK: subscription accepted, maximum QoS 1. */
  GrantedQoS1: 0x01,
  /** 0x02 in SUBACK: subscription accepted, maximum QoS 2. */
  GrantedQoS2: 0x02,
  /** 0x04 in a client's DISCONNECT: close normally but have the server publish the will. */
  DisconnectWithWillMessage: 0x04,
  /** 0x10 (PUBACK, PUBREC): accepted, but no subscriber matched the topic. */
  NoMatchingSubscribers: 0x10,
  /** 0x11 (UNSUBACK): there was no such subscription. */
  NoSubscriptionExisted: 0x11,
  /** 0x18 (AUTH): continue the enhanced authentication exchange. */
  ContinueAuthentication: 0x18,
  /** 0x19 (AUTH, sent by the client): start re-authentication on a live connection. */
  ReAuthenticate: 0x19,
  /** 0x80: failure with no more specific code (CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT). */
  UnspecifiedError: 0x80,
  /**
   * 0x81 (CONNACK, DISCONNECT): a packet could not be parsed; what {@link CodecError} carries for malformed input.
   */
  MalformedPacket: 0x81,
  /** 0x82 (CONNACK, DISCONNECT): a well-formed packet broke a protocol rule. */
  ProtocolError: 0x82,
  /** 0x83: valid request the receiver will not process (CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT). */
  ImplementationSpecificError: 0x83,
  /** 0x84 (CONNACK): the server does not support the requested protocol level. */
  UnsupportedProtocolVersion: 0x84,
  /** 0x85 (CONNACK): client identifier well-formed but not allowed by the server. */
  ClientIdentifierNotValid: 0x85,
  /** 0x86 (CONNACK): credentials refused. */
  BadUserNameOrPassword: 0x86,
  /** 0x87: not authorized (CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT). */
  NotAuthorized: 0x87,
  /** 0x88 (CONNACK): the server is unavailable. */
  ServerUnavailable: 0x88,
  /** 0x89 (CONNACK, DISCONNECT): the server is busy; try later. */
  ServerBusy: 0x89,
  /** 0x8A (CONNACK): this client is banned. */
  Banned: 0x8a,
  /** 0x8B (DISCONNECT from the server): the server is shutting down. */
  ServerShuttingDown: 0x8b,
  /** 0x8C (CONNACK): the authentication method is not supported or does not match the one in use. */
  BadAuthenticationMethod: 0x8c,
  /** 0x8D (DISCONNECT from the server): nothing received within 1.5 times the keepalive. */
  KeepAliveTimeout: 0x8d,
  /** 0x8E (DISCONNECT from the server): another connection with the same client identifier took the session. */
  SessionTakenOver: 0x8e,
  /** 0x8F (SUBACK, UNSUBACK, DISCONNECT): topic filter well-formed but not accepted by the server. */
  TopicFilterInvalid: 0x8f,
  /** 0x90 (CONNACK, PUBACK, PUBREC, DISCONNECT): topic name well-formed but not accepted. */
  TopicNameInvalid: 0x90,
  /** 0x91 (PUBACK, PUBREC, SUBACK, UNSUBACK): the packet identifier is already in use. */
  PacketIdentifierInUse: 0x91,
  /** 0x92 (PUBREL, PUBCOMP): the packet identifier is not known (no QoS 2 flow in progress). */
  PacketIdentifierNotFound: 0x92,
  /** 0x93 (DISCONNECT): more QoS 1 and 2 PUBLISH packets in flight than Receive Maximum allows. */
  ReceiveMaximumExceeded: 0x93,
  /** 0x94 (DISCONNECT): a PUBLISH carried a topic alias above the Topic Alias Maximum the receiver announced. */
  TopicAliasInvalid: 0x94,
  /** 0x95 (CONNACK, DISCONNECT): a packet exceeds the maximum packet size. */
  PacketTooLarge: 0x95,
  /** 0x96 (DISCONNECT): the received data rate is too high. */
  MessageRateTooHigh: 0x96,
  /**
   * 0x97: an implementation or administrative quota was exceeded (CONNACK, PUBACK, PUBREC, SUBACK, DISCONNECT).
   */
  QuotaExceeded: 0x97,
  /** 0x98 (DISCONNECT): closed by an administrative action. */
  AdministrativeAction: 0x98,
  /** 0x99 (CONNACK, PUBACK, PUBREC, DISCONNECT): payload does not match the Payload Format Indicator. */
  PayloadFormatInvalid: 0x99,
  /** 0x9A (CONNACK, DISCONNECT): the server does not support retained messages. */
  RetainNotSupported: 0x9a,
  /** 0x9B (CONNACK, DISCONNECT): QoS above the server's Maximum QoS. */
  QoSNotSupported: 0x9b,
  /** 0x9C (CONNACK, DISCONNECT): use another server temporarily (see the Server Reference property). */
  UseAnotherServer: 0x9c,
  /** 0x9D (CONNACK, DISCONNECT): use another server permanently (see the Server Reference property). */
  ServerMoved: 0x9d,
  /** 0x9E (SUBACK, DISCONNECT): the server does not support shared subscriptions. */
  SharedSubscriptionsNotSupported: 0x9e,
  /** 0x9F (CONNACK, DISCONNECT): the connection rate limit was exceeded. */
  ConnectionRateExceeded: 0x9f,
  /** 0xA0 (DISCONNECT): the maximum connection time for this client was reached. */
  MaximumConnectTime: 0xa0,
  /** 0xA1 (SUBACK, DISCONNECT): the server does not support subscription identifiers. */
  SubscriptionIdentifiersNotSupported: 0xa1,
  /** 0xA2 (SUBACK, DISCONNECT): the server does not support wildcard subscriptions. */
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** MQTT 3.1.1 CONNACK return codes (0..5). */
export const ConnectReturnCode = {
  /** 0: connection accepted. */
  Accepted: 0,
  /** 1: the server does not support the requested protocol level. */
  UnacceptableProtocolVersion: 1,
  /** 2: client identifier well-formed but not allowed by the server. */
  IdentifierRejected: 2,
  /** 3: the network connection is up but the MQTT service is unavailable. */
  ServerUnavailable: 3,
  /** 4: bad user name or password. */
  BadUserNameOrPassword: 4,
  /** 5: the client is not authorized to connect. */
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
