/**
 * Operations: one small object per user request, created by the driver and handed to the core
 * (`core.publish(op, now)`, ...). An op carries the request, the core's bookkeeping for it, and an opaque
 * `slot` that belongs to the driver (typically its promise resolvers). The core never reads `slot`.
 *
 * Every op class assigns all of its fields in its constructor in one order, so ops of one class share one
 * hidden class in V8. The publish, subscribe and unsubscribe ops *are* the packets the core sends (they
 * implement the codec's packet interfaces), so sending allocates nothing.
 *
 * An op is settled exactly once, through `CoreEffects.settle(op, error, value)`; after that `op.done` is
 * true. The `value` per kind is documented on each class.
 * @module
 */
import type {
  Properties,
  PublishPacket,
  QoS,
  SubscribePacket,
  Subscription,
  UnsubscribePacket,
  DisconnectPacket,
} from '@mqttx/codec';

/** Lifecycle of a {@link PublishOp}. */
export const PublishState = {
  /** Created, not yet given to the core. */
  New: 0,
  /** Waiting in a queue (offline, no packet id, no send quota, or not yet stored). */
  Queued: 1,
  /** PUBLISH sent (QoS 1/2), waiting for PUBACK / PUBREC. Also restored records of unknown send status. */
  Sent: 2,
  /** QoS 2: PUBREC received and PUBREL sent, waiting for PUBCOMP. */
  Released: 3,
  /** Settled (acknowledged, failed, dropped or cancelled). */
  Done: 4,
} as const;
/** A value of {@link PublishState}. */
export type PublishState = (typeof PublishState)[keyof typeof PublishState];

/**
 * A publish request. It is also the PUBLISH packet the core sends (`type`, `topic`, `payload`, `qos`,
 * `retain`, `dup`, `packetId`, `properties`).
 *
 * Settled with: QoS 0 -> settled by the driver once written (the core hands it over through
 * `send(packet, op)`); QoS 1 -> the PUBACK packet; QoS 2 -> the PUBCOMP packet; or an error.
 */
export class PublishOp implements PublishPacket {
  /** Discriminant of ops. */
  readonly kind = 'publish' as const;
  /** Discriminant of packets. */
  readonly type = 'publish' as const;
  /** Topic name. */
  topic: string;
  /** Application payload. */
  payload: Buffer;
  /** Requested QoS (may be lowered by the core with the `downgradeQos` option). */
  qos: QoS;
  /** RETAIN flag (may be cleared by the core with the `downgradeQos` option). */
  retain: boolean;
  /** DUP flag; set by the core on redelivery [MQTT-3.3.1-1]. */
  dup: boolean;
  /** Packet identifier while the op holds one (QoS 1/2), else undefined. */
  packetId: number | undefined;
  /** MQTT 5 PUBLISH properties. */
  properties: Properties | undefined;
  /** Where the op is in its lifecycle ({@link PublishState}). */
  state: PublishState;
  /** Insertion sequence in the session (order of in-flight messages); 0 until it holds a packet id. */
  seq: number;
  /** Bytes counted against queue bounds (payload length plus topic length). */
  size: number;
  /** QoS 1/2: true once its session record is written (`persisted(op)`), or at once with persistence `none`. */
  stored: boolean;
  /** True once settled. */
  done: boolean;
  /** Maximum packet size this op was last checked against (0: not checked). Internal. */
  checkedLimit: number;
  /** Connection epoch it was last sent in (0: never sent). Internal. */
  epoch: number;
  /** True while it is counted in a bounded publish queue (never sent yet). Internal. */
  inQueue: boolean;
  /** The driver's slot (promise resolvers, a handle, ...). Never read by the core. */
  slot: unknown;

  /**
   * @param topic - topic name
   * @param payload - payload bytes
   * @param qos - 0, 1 or 2
   * @param retain - RETAIN flag
   * @param properties - MQTT 5 properties (no topic alias and no subscription identifier: the core refuses them)
   * @param slot - the driver's slot
   */
  constructor(topic: string, payload: Buffer, qos: QoS, retain = false, properties?: Properties, slot?: unknown) {
    this.topic = topic;
    this.payload = payload;
    this.qos = qos;
    this.retain = retain;
    this.dup = false;
    this.packetId = undefined;
    this.properties = properties;
    this.state = PublishState.New;
    this.seq = 0;
    this.size = (payload?.length ?? 0) + (typeof topic === 'string' ? topic.length : 0);
    this.stored = false;
    this.done = false;
    this.checkedLimit = 0;
    this.epoch = 0;
    this.inQueue = false;
    this.slot = slot;
  }
}

/** Lifecycle of subscribe / unsubscribe / re-authentication ops. */
export const RequestState = {
  /** Created, not yet given to the core. */
  New: 0,
  /** Waiting (offline or for a packet id). */
  Queued: 1,
  /** Sent, waiting for its acknowledgement. */
  Sent: 2,
  /** Settled. */
  Done: 3,
} as const;
/** A value of {@link RequestState}. */
export type RequestState = (typeof RequestState)[keyof typeof RequestState];

/**
 * A subscribe request; also the SUBSCRIBE packet. Settled with the SUBACK packet (`reasonCodes`: granted
 * QoS or a failure code per filter, in request order) or an error. Per-filter refusals are values, not
 * errors. `resubscribe` marks the ops the core makes itself to restore subscriptions after a connect
 * without a session (their `slot` is undefined).
 */
export class SubscribeOp implements SubscribePacket {
  /** Discriminant of ops. */
  readonly kind = 'subscribe' as const;
  /** Discriminant of packets. */
  readonly type = 'subscribe' as const;
  /** Packet identifier while sent, else 0. */
  packetId: number;
  /** Filters and options. */
  subscriptions: Subscription[];
  /** MQTT 5 properties (subscription identifier, user properties). */
  properties: Properties | undefined;
  /** {@link RequestState}. */
  state: RequestState;
  /** True for the core's own resubscribe ops. */
  readonly resubscribe: boolean;
  /** True once settled. */
  done: boolean;
  /** The driver's slot. */
  slot: unknown;

  /**
   * @param subscriptions - filters and options
   * @param properties - MQTT 5 properties
   * @param slot - the driver's slot
   * @param resubscribe - internal: made by the core to restore subscriptions
   */
  constructor(subscriptions: Subscription[], properties?: Properties, slot?: unknown, resubscribe = false) {
    this.packetId = 0;
    this.subscriptions = subscriptions;
    this.properties = properties;
    this.state = RequestState.New;
    this.resubscribe = resubscribe;
    this.done = false;
    this.slot = slot;
  }
}

/**
 * An unsubscribe request; also the UNSUBSCRIBE packet. Settled with the UNSUBACK packet (MQTT 5
 * `reasonCodes` per filter; undefined in 3.1.1) or an error.
 */
export class UnsubscribeOp implements UnsubscribePacket {
  /** Discriminant of ops. */
  readonly kind = 'unsubscribe' as const;
  /** Discriminant of packets. */
  readonly type = 'unsubscribe' as const;
  /** Packet identifier while sent, else 0. */
  packetId: number;
  /** Filters to remove. */
  topicFilters: string[];
  /** MQTT 5 properties (user properties). */
  properties: Properties | undefined;
  /** {@link RequestState}. */
  state: RequestState;
  /** True once settled. */
  done: boolean;
  /** The driver's slot. */
  slot: unknown;

  /**
   * @param topicFilters - filters to remove
   * @param properties - MQTT 5 properties
   * @param slot - the driver's slot
   */
  constructor(topicFilters: string[], properties?: Properties, slot?: unknown) {
    this.packetId = 0;
    this.topicFilters = topicFilters;
    this.properties = properties;
    this.state = RequestState.New;
    this.done = false;
    this.slot = slot;
  }
}

/**
 * A graceful disconnect; also the DISCONNECT packet (reason code and properties are MQTT 5 only). Settled
 * (value undefined) once the DISCONNECT is handed to `send`, or at once when offline.
 */
export class DisconnectOp implements DisconnectPacket {
  /** Discriminant of ops. */
  readonly kind = 'disconnect' as const;
  /** Discriminant of packets. */
  readonly type = 'disconnect' as const;
  /** DISCONNECT reason code (MQTT 5), 0 by default. */
  reasonCode: number | undefined;
  /** DISCONNECT properties (MQTT 5). */
  properties: Properties | undefined;
  /** True once settled. */
  done: boolean;
  /** The driver's slot. */
  slot: unknown;

  /**
   * @param reasonCode - MQTT 5 reason code (0x00 normal, 0x04 with will message, ...)
   * @param properties - MQTT 5 properties (session expiry interval, reason string, user properties)
   * @param slot - the driver's slot
   */
  constructor(reasonCode?: number, properties?: Properties, slot?: unknown) {
    this.reasonCode = reasonCode;
    this.properties = properties;
    this.done = false;
    this.slot = slot;
  }
}

/**
 * A re-authentication (MQTT 5 enhanced authentication, AUTH 0x19) [MQTT-4.12.1-1]. `data` is the first
 * authentication data (the driver gets it from its authenticator). Settled (value: the final AUTH packet
 * from the server) when the server answers AUTH 0x00, or with an error.
 */
export class ReauthOp {
  /** Discriminant of ops. */
  readonly kind = 'reauth' as const;
  /** Authentication data for the first AUTH packet. */
  data: Buffer | undefined;
  /** Extra AUTH properties (reason string, user properties). */
  properties: Properties | undefined;
  /** {@link RequestState}. */
  state: RequestState;
  /** True once settled. */
  done: boolean;
  /** The driver's slot. */
  slot: unknown;

  /**
   * @param data - authentication data
   * @param properties - extra properties
   * @param slot - the driver's slot
   */
  constructor(data?: Buffer, properties?: Properties, slot?: unknown) {
    this.data = data;
    this.properties = properties;
    this.state = RequestState.New;
    this.done = false;
    this.slot = slot;
  }
}

/**
 * One connection attempt, passed to `core.open(now, op)`. Settled with the {@link ConnectedInfo} of the
 * CONNACK, or with an error: `ConnackError` (refused), `ConnectTimeoutError`, `ConnectionClosedError` (the
 * link closed first), `ProtocolViolationError`, `AuthenticationError`.
 */
export class ConnectOp {
  /** Discriminant of ops. */
  readonly kind = 'connect' as const;
  /** True once settled. */
  done: boolean;
  /** The driver's slot. */
  slot: unknown;

  /** @param slot - the driver's slot */
  constructor(slot?: unknown) {
    this.done = false;
    this.slot = slot;
  }
}

/** Every op kind. */
export type Op = PublishOp | SubscribeOp | UnsubscribeOp | DisconnectOp | ReauthOp | ConnectOp;
