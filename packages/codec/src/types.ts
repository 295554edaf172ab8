/**
 * Packet shapes shared by every mqttx package. Packets are plain objects discriminated by `type`, with
 * camelCase field names taken from the MQTT specification.
 *
 * Decoded packets always carry every field of their shape (absent optional fields are `undefined`), so
 * objects of one packet type share one hidden class in V8.
 * @module
 */

/**
 * MQTT protocol level: 3 (MQTT 3.1, protocol name `MQIsdp`), 4 (3.1.1) or 5 (5.0). Level 3 appears only in a
 * CONNECT, which is decoded and encoded with its own level; the other packets of a 3.1 connection follow the
 * 3.1.1 rules.
 */
export type ProtocolVersion = 3 | 4 | 5;

/** Quality of service level. */
export type QoS = 0 | 1 | 2;

/** MQTT 5 user properties: ordered `[key, value]` pairs; order and repeats are kept. */
export type UserProperties = Array<[string, string]>;

/**
 * MQTT 5 properties. One bag type serves every packet; the codec checks on encode and decode that each
 * property is allowed in the packet that carries it [MQTT-2.2.2-2].
 *
 * Byte properties whose only values are 0 and 1 are booleans here (for example `retainAvailable`).
 */
export interface Properties {
  /** 0x01: 0 unspecified bytes, 1 UTF-8 payload (PUBLISH, will). */
  payloadFormatIndicator?: 0 | 1;
  /** 0x02: message lifetime in seconds (PUBLISH, will). */
  messageExpiryInterval?: number;
  /** 0x03: MIME type of the payload (PUBLISH, will). */
  contentType?: string;
  /** 0x08: topic for a response (PUBLISH, will). */
  responseTopic?: string;
  /** 0x09: request/response correlation (PUBLISH, will). */
  correlationData?: Buffer;
  /**
   * 0x0B: subscription identifier (1..268,435,455). In SUBSCRIBE at most one; in PUBLISH it may repeat:
   * a decoded PUBLISH gives a number for one occurrence and an array for several.
   */
  subscriptionIdentifier?: number | number[];
  /** 0x11: session expiry interval in seconds (CONNECT, CONNACK, DISCONNECT). */
  sessionExpiryInterval?: number;
  /** 0x12: client id assigned by the server (CONNACK). */
  assignedClientIdentifier?: string;
  /** 0x13: keepalive imposed by the server, in seconds (CONNACK). */
  serverKeepAlive?: number;
  /** 0x15: enhanced authentication method (CONNECT, CONNACK, AUTH). */
  authenticationMethod?: string;
  /** 0x16: enhanced authentication data (CONNECT, CONNACK, AUTH). */
  authenticationData?: Buffer;
  /** 0x17: request problem information (CONNECT). */
  requestProblemInformation?: boolean;
  /** 0x18: will delay in seconds (will properties). */
  willDelayInterval?: number;
  /** 0x19: request response information (CONNECT). */
  requestResponseInformation?: boolean;
  /** 0x1A: response information (CONNACK). */
  responseInformation?: string;
  /** 0x1C: another server to use (CONNACK, DISCONNECT). */
  serverReference?: string;
  /** 0x1F: human-readable reason (acks, CONNACK, DISCONNECT, AUTH). */
  reasonString?: string;
  /** 0x21: receive maximum, 1..65535 (CONNECT, CONNACK). */
  receiveMaximum?: number;
  /** 0x22: topic alias maximum (CONNECT, CONNACK). */
  topicAliasMaximum?: number;
  /** 0x23: topic alias, 1..65535 (PUBLISH). */
  topicAlias?: number;
  /** 0x24: maximum QoS the server supports, 0 or 1 (CONNACK). */
  maximumQoS?: 0 | 1;
  /** 0x25: retained messages supported (CONNACK). */
  retainAvailable?: boolean;
  /** 0x26: user properties (most packets). */
  userProperties?: UserProperties;
  /** 0x27: maximum packet size in bytes, 1..4,294,967,295 (CONNECT, CONNACK). */
  maximumPacketSize?: number;
  /** 0x28: wildcard subscriptions supported (CONNACK). */
  wildcardSubscriptionAvailable?: boolean;
  /** 0x29: subscription identifiers supported (CONNACK). */
  subscriptionIdentifiersAvailable?: boolean;
  /** 0x2A: shared subscriptions supported (CONNACK). */
  sharedSubscriptionAvailable?: boolean;
}

/** The will message of a CONNECT. */
export interface Will {
  /** Will topic: a Topic Name, not empty and without wildcards [MQTT-3.3.2-2]. */
  topic: string;
  /** Will payload, sent as is (0..65,535 bytes: it is encoded as binary data with a 2-byte length). */
  payload: Buffer;
  /** QoS the server publishes the will with. */
  qos: QoS;
  /** Whether the server publishes the will as a retained message. */
  retain: boolean;
  /** Will properties (5.0 only). */
  properties?: Properties | undefined;
}

/** CONNECT (type 1). */
export interface ConnectPacket {
  /** Discriminant. */
  type: 'connect';
  /** Protocol level: 4 for 3.1.1, 5 for 5.0, 3 for 3.1 (protocol name `MQIsdp`; decoded and encoded). */
  protocolVersion: ProtocolVersion;
  /**
   * Client identifier, a UTF-8 string [MQTT-3.1.3-3] [MQTT-3.1.3-4]. The codec accepts any length, empty included
   * (an empty id asks the server to assign one; whether it accepts is the server's rule).
   */
  clientId: string;
  /** Clean Session (3.1.1) / Clean Start (5.0). */
  clean: boolean;
  /** Keepalive in seconds, 0 disables. */
  keepalive: number;
  /** User Name (UTF-8 string); `undefined` when the User Name flag is 0. */
  username?: string | undefined;
  /**
   * Password (binary data, 0..65,535 bytes); `undefined` when the Password flag is 0. In 3.1.1 a password needs a
   * `username` [MQTT-3.1.2-22], so encoding one without it throws `ERR_CONNECT_FLAGS`.
   */
  password?: Buffer | undefined;
  /** Will message; `undefined` when the Will flag is 0. */
  will?: Will | undefined;
  /** CONNECT properties (5.0 only; a 3.1.1 packet with properties throws `ERR_PROPERTY_NOT_ALLOWED` on encode). */
  properties?: Properties | undefined;
}

/** CONNACK (type 2). In 3.1.1 `reasonCode` carries the connect return code (0..5). */
export interface ConnackPacket {
  /** Discriminant. */
  type: 'connack';
  /**
   * Whether the server resumed a stored session. Always `false` with a non-zero `reasonCode` [MQTT-3.2.2-6]; the
   * decoder rejects that combination with `ERR_PROTOCOL_ERROR`.
   */
  sessionPresent: boolean;
  /**
   * 5.0: a CONNACK reason code (0x00 success, 0x80 and above refused; see {@link ReasonCode}). 3.1.1: the connect
   * return code 0..5 (see {@link ConnectReturnCode}). Other values throw `ERR_INVALID_REASON_CODE`.
   */
  reasonCode: number;
  /** CONNACK properties (5.0 only): the server's limits and assigned values. */
  properties?: Properties | undefined;
}

/** PUBLISH (type 3). `payload` of a decoded packet is a zero-copy view of the received bytes. */
export interface PublishPacket {
  /** Discriminant. */
  type: 'publish';
  /** Topic name; may be empty in 5.0 when a topic alias is set. */
  topic: string;
  /**
   * Application message bytes (may be empty). Decoded: a zero-copy view sharing memory with the chunk the decoder
   * was given, so do not modify that chunk while the payload is in use.
   */
  payload: Buffer;
  /** Delivery QoS (fixed header bits 2-1); 3 is malformed [MQTT-3.3.1-4]. */
  qos: QoS;
  /**
   * RETAIN flag: on a publish to the server, store the message as the topic's retained message; on delivery,
   * whether it is sent as a retained message.
   */
  retain: boolean;
  /**
   * DUP flag: this is a redelivery of a QoS 1 or 2 PUBLISH. Must be `false` at QoS 0 [MQTT-3.3.1-2]
   * (`ERR_PROTOCOL_ERROR`).
   */
  dup: boolean;
  /** Present exactly when `qos` > 0. */
  packetId?: number | undefined;
  /** PUBLISH properties (5.0 only). */
  properties?: Properties | undefined;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP (types 4..7). `reasonCode` is 5.0 only (decoded as 0 when omitted). */
export interface AckPacket<T extends 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'> {
  /** Discriminant: `'puback'`, `'pubrec'`, `'pubrel'` or `'pubcomp'`. */
  type: T;
  /** Packet identifier (1..65535) of the PUBLISH (or PUBREL) this acknowledges [MQTT-2.2.1-5]. */
  packetId: number;
  /**
   * 5.0 reason code (0x00 success; 0x80 and above a failure). `undefined` or 0 in 3.1.1; encoding a non-zero value
   * for 3.1.1 throws `ERR_INVALID_REASON_CODE`.
   */
  reasonCode?: number | undefined;
  /** 5.0 properties (reason string, user properties). */
  properties?: Properties | undefined;
}
/** PUBACK (type 4). */
export type PubackPacket = AckPacket<'puback'>;
/** PUBREC (type 5). */
export type PubrecPacket = AckPacket<'pubrec'>;
/** PUBREL (type 6). */
export type PubrelPacket = AckPacket<'pubrel'>;
/** PUBCOMP (type 7). */
export type PubcompPacket = AckPacket<'pubcomp'>;

/** One entry of a SUBSCRIBE. The 5.0-only options are `false`/`0` in 3.1.1. */
export interface Subscription {
  /**
   * Topic filter, wildcards `+` and `#` allowed [MQTT-4.7.1-1] [MQTT-4.7.1-2]; may be a shared subscription
   * `$share/{group}/{filter}` in 5.0.
   */
  topicFilter: string;
  /** Requested maximum QoS. */
  qos: QoS;
  /** 5.0: do not receive own publications. */
  noLocal?: boolean | undefined;
  /** 5.0: keep the retain flag as published. */
  retainAsPublished?: boolean | undefined;
  /** 5.0: 0 send retained at subscribe, 1 only if new, 2 never. */
  retainHandling?: 0 | 1 | 2 | undefined;
}

/** SUBSCRIBE (type 8). */
export interface SubscribePacket {
  /** Discriminant. */
  type: 'subscribe';
  /** Packet identifier, 1..65535. */
  packetId: number;
  /** Requested subscriptions, at least one (`ERR_EMPTY_SUBSCRIPTION` otherwise) [MQTT-3.8.3-2]. */
  subscriptions: Subscription[];
  /** 5.0 properties (subscription identifier, user properties). */
  properties?: Properties | undefined;
}

/** SUBACK (type 9): one reason code (granted QoS or failure) per requested filter. */
export interface SubackPacket {
  /** Discriminant. */
  type: 'suback';
  /** Packet identifier of the SUBSCRIBE this answers. */
  packetId: number;
  /**
   * One code per requested filter, in request order [MQTT-3.9.3-1]: 0, 1, 2 (granted QoS) or 0x80 and above
   * (failure; 3.1.1 has only 0x80).
   */
  reasonCodes: number[];
  /** 5.0 properties (reason string, user properties). */
  properties?: Properties | undefined;
}

/** UNSUBSCRIBE (type 10). */
export interface UnsubscribePacket {
  /** Discriminant. */
  type: 'unsubscribe';
  /** Packet identifier, 1..65535. */
  packetId: number;
  /**
   * Topic filters to remove, each exactly as subscribed; at least one (`ERR_EMPTY_SUBSCRIPTION` otherwise)
   * [MQTT-3.10.3-2].
   */
  topicFilters: string[];
  /** 5.0 properties (user properties). */
  properties?: Properties | undefined;
}

/** UNSUBACK (type 11). `reasonCodes` is 5.0 only. */
export interface UnsubackPacket {
  /** Discriminant. */
  type: 'unsuback';
  /** Packet identifier of the UNSUBSCRIBE this answers. */
  packetId: number;
  /**
   * 5.0: one reason code per filter, in request order (0x00 success, 0x11 no subscription existed, 0x80 and above
   * failure). `undefined` in 3.1.1.
   */
  reasonCodes?: number[] | undefined;
  /** 5.0 properties (reason string, user properties). */
  properties?: Properties | undefined;
}

/** PINGREQ (type 12). */
export interface PingreqPacket {
  /** Discriminant. */
  type: 'pingreq';
}

/** PINGRESP (type 13). */
export interface PingrespPacket {
  /** Discriminant. */
  type: 'pingresp';
}

/** DISCONNECT (type 14). `reasonCode` and `properties` are 5.0 only (decoded as 0 when omitted). */
export interface DisconnectPacket {
  /** Discriminant. */
  type: 'disconnect';
  /**
   * 5.0 reason code: 0x00 normal disconnection, 0x04 disconnect with will message, 0x80 and above an error (see
   * {@link ReasonCode}).
   */
  reasonCode?: number | undefined;
  /** 5.0 properties (session expiry interval, reason string, server reference, user properties). */
  properties?: Properties | undefined;
}

/** AUTH (type 15, 5.0 only). `reasonCode` decodes as 0 when omitted. */
export interface AuthPacket {
  /** Discriminant. */
  type: 'auth';
  /** 0x00 success, 0x18 continue authentication or 0x19 re-authenticate. */
  reasonCode?: number | undefined;
  /** Authentication method and data, reason string, user properties. */
  properties?: Properties | undefined;
}

/** Every MQTT control packet. */
export type Packet =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | PubackPacket
  | PubrecPacket
  | PubrelPacket
  | PubcompPacket
  | SubscribePacket
  | SubackPacket
  | UnsubscribePacket
  | UnsubackPacket
  | PingreqPacket
  | PingrespPacket
  | DisconnectPacket
  | AuthPacket;

/** The `type` discriminant of {@link Packet}. */
export type PacketType = Packet['type'];

/** Options of {@link encode} and {@link encodedLength}. */
export interface EncodeOptions {
  /** 4 (3.1.1) or 5 (5.0). A CONNECT is encoded with its own `protocolVersion`. */
  protocolVersion: 4 | 5;
}

/** Options of the stream {@link Decoder}. */
export interface DecoderOptions {
  /** Protocol level of the connection, or `'auto'` (server side) to learn it from the CONNECT. */
  protocolVersion: 4 | 5 | 'auto';
  /**
   * Largest whole packet (fixed header included) accepted, checked from the fixed header before the body is
   * buffered [MQTT-3.1.2-24]. Defaults to the protocol maximum (268,435,460 bytes).
   */
  maximumPacketSize?: number;
  /**
   * `'client'` accepts only packets a server may send (CONNACK, PUBLISH, acks, SUBACK, UNSUBACK, PINGRESP,
   * DISCONNECT, AUTH); `'server'` only packets a client may send; `'any'` accepts both (tools, tests and
   * benchmarks that read captured traffic). Default `'client'`.
   */
  role?: 'client' | 'server' | 'any';
}
