/**
 * Connection-scoped protocol state: everything that is rebuilt for every network connection (at `open`)
 * and completed at CONNACK. Nothing here survives a reconnect; the session half lives in `session.ts`.
 * @module
 */
import type { ConnackPacket, PublishPacket } from '@mqttx/codec';
import type { ServerLimits } from './effects.js';
import type { ConnectOp, ReauthOp } from './ops.js';
import { EMPTY_FIFO, type Fifo } from './fifo.js';
import { sameFields } from './options.js';

/** Phase of the current connection. */
export const Phase = {
  /** CONNECT sent, waiting for CONNACK (maybe exchanging AUTH). */
  Connecting: 1,
  /** CONNACK Success received. */
  Connected: 2,
  /** The core asked the driver to close the link; nothing more is sent or processed. */
  Closing: 3,
} as const;
/** A value of {@link Phase}. */
export type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * Limits that apply before a CONNACK says otherwise (the MQTT 5 defaults, and all of 3.1.1). Frozen and
 * shared, like every limits object the core hands out.
 */
const DEFAULT_LIMITS: ServerLimits = Object.freeze({
  receiveMaximum: 65535,
  maximumPacketSize: Infinity,
  topicAliasMaximum: 0,
  maximumQoS: 2,
  retainAvailable: true,
  wildcardSubscriptionAvailable: true,
  subscriptionIdentifiersAvailable: true,
  sharedSubscriptionAvailable: true,
});

/** The limits made last: the next CONNACK with the same values gets the same (frozen) object. */
let lastLimits: ServerLimits = DEFAULT_LIMITS;

/** Limits that apply before a CONNACK says otherwise (the MQTT 5 defaults, and all of 3.1.1). */
export function defaultLimits(): ServerLimits {
  return DEFAULT_LIMITS;
}

/**
 * Reads the server limits from a CONNACK (MQTT 5 properties; defaults where absent or in 3.1.1). The result
 * is frozen and shared: sessions of one broker (same CONNACK properties) hold one object between them.
 */
export function limitsFromConnack(connack: ConnackPacket): ServerLimits {
  const p = connack.properties;
  if (p === undefined) return DEFAULT_LIMITS;
  const d = DEFAULT_LIMITS;
  const limits: ServerLimits = {
    receiveMaximum: p.receiveMaximum ?? d.receiveMaximum,
    maximumPacketSize: p.maximumPacketSize ?? d.maximumPacketSize,
    topicAliasMaximum: p.topicAliasMaximum ?? d.topicAliasMaximum,
    maximumQoS: p.maximumQoS ?? d.maximumQoS,
    retainAvailable: p.retainAvailable ?? d.retainAvailable,
    wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable ?? d.wildcardSubscriptionAvailable,
    subscriptionIdentifiersAvailable: p.subscriptionIdentifiersAvailable ?? d.subscriptionIdentifiersAvailable,
    sharedSubscriptionAvailable: p.sharedSubscriptionAvailable ?? d.sharedSubscriptionAvailable,
  };
  if (sameFields(limits, lastLimits)) return lastLimits;
  if (sameFields(limits, d)) return d;
  lastLimits = Object.freeze(limits);
  return lastLimits;
}

/** One manually acknowledged incoming QoS 1/2 message waiting for its turn to be acknowledged. */
export class PendingAck {
  /** The delivered message. */
  readonly message: PublishPacket;
  /** Its packet id. */
  readonly packetId: number;
  /** 1 or 2. */
  readonly qos: 1 | 2;
  /** True once the application acknowledged it. */
  acked: boolean;
  /** Reason code to acknowledge with (MQTT 5). */
  reasonCode: number;

  /**
   * @param message - the delivered PUBLISH
   * @param packetId - its packet id
   * @param qos - 1 or 2
   * @param acked - already acknowledged
   */
  constructor(message: PublishPacket, packetId: number, qos: 1 | 2, acked: boolean) {
    this.message = message;
    this.packetId = packetId;
    this.qos = qos;
    this.acked = acked;
    this.reasonCode = 0;
  }
}

/** The rarely used part of a {@link ConnectionState} (see its accessors). */
class ConnectionExtras {
  aliasOut: Map<string, number> | undefined = undefined;
  nextAlias = 1;
  aliasIn: Array<string | undefined> | undefined = undefined;
  ackQueue: Fifo<PendingAck> = EMPTY_FIFO;
  ackById: Map<number, PendingAck> | undefined = undefined;
  early: PublishPacket[] | undefined = undefined;
  reauthOp: ReauthOp | undefined = undefined;
  awaitingAuth = false;
}

/** State of one network connection. */
export class ConnectionState {
  /** Connection number (1, 2, ...); ops remember the epoch they were last sent in. */
  readonly epoch: number;
  /** Current phase. */
  phase: Phase;
  /** The connect op to settle at CONNACK, if any. */
  connectOp: ConnectOp | undefined;
  /** Deadline for the CONNACK (ms), 0 when none (an integer, like every time kept here: no boxed number). */
  connectDeadline: number;
  /** Server limits (defaults until CONNACK). */
  limits: ServerLimits;
  /** Effective send window: min(server Receive Maximum, our maxInflight). */
  sendLimit: number;
  /** QoS 1/2 publishes sent on this connection and not yet completed (the used send quota) [MQTT-4.9.0-2]. */
  inflight: number;
  /** Keepalive in ms in effect (0: disabled). */
  keepaliveMs: number;
  /** Ping timeout in ms. */
  pingTimeoutMs: number;
  /** When we last sent a packet (ms). */
  lastSent: number;
  /** Deadline for an answer to our PINGREQ, or 0 when no PINGREQ is outstanding. */
  pingDeadline: number;
  /** Incoming QoS 1/2 publishes not yet completed by our PUBACK / PUBCOMP (our Receive Maximum). */
  unackedIn: number;
  /** Topic aliases, manual acks, early packets, re-authentication: made by the first that is needed. */
  private extras: ConnectionExtras | undefined;

  /**
   * @param epoch - connection number
   * @param now - when CONNECT is sent (an integer: the core's `now`)
   * @param connectTimeout - ms to wait for CONNACK (0: no limit)
   * @param keepaliveMs - keepalive from the options in ms (replaced by the server's at CONNACK)
   * @param connectOp - op to settle at CONNACK
   */
  constructor(epoch: number, now: number, connectTimeout: number, keepaliveMs: number, connectOp: ConnectOp | undefined) {
    this.epoch = epoch;
    this.phase = Phase.Connecting;
    this.connectOp = connectOp;
    this.connectDeadline = connectTimeout > 0 ? now + connectTimeout : 0;
    this.limits = defaultLimits();
    this.sendLimit = 65535;
    this.inflight = 0;
    this.keepaliveMs = keepaliveMs;
    this.pingTimeoutMs = 0;
    this.lastSent = now;
    this.pingDeadline = 0;
    this.unackedIn = 0;
    this.extras = undefined;
  }

  private more(): ConnectionExtras {
    return (this.extras ??= new ConnectionExtras());
  }

  // The rarely used state below lives in `extras`; reading it without extras gives the default, and
  // writing the default does not make extras.

  /** Outbound topic aliases: topic -> alias (auto mode, after CONNACK). */
  get aliasOut(): Map<string, number> | undefined {
    return this.extras?.aliasOut;
  }
  set aliasOut(value: Map<string, number> | undefined) {
    if (value !== undefined || this.extras !== undefined) this.more().aliasOut = value;
  }

  /** Next outbound alias to assign. */
  get nextAlias(): number {
    return this.extras?.nextAlias ?? 1;
  }
  set nextAlias(value: number) {
    if (value !== 1 || this.extras !== undefined) this.more().nextAlias = value;
  }

  /** Inbound topic aliases: alias -> topic. */
  get aliasIn(): Array<string | undefined> | undefined {
    return this.extras?.aliasIn;
  }
  set aliasIn(value: Array<string | undefined> | undefined) {
    if (value !== undefined || this.extras !== undefined) this.more().aliasIn = value;
  }

  /** Manual-ack order queue (the shared empty queue until the first entry). */
  get ackQueue(): Fifo<PendingAck> {
    return this.extras?.ackQueue ?? EMPTY_FIFO;
  }
  set ackQueue(value: Fifo<PendingAck>) {
    if (value !== EMPTY_FIFO || this.extras !== undefined) this.more().ackQueue = value;
  }

  /** Manual-ack entries by packet id (created by the first entry: most connections never need it). */
  get ackById(): Map<number, PendingAck> | undefined {
    return this.extras?.ackById;
  }
  set ackById(value: Map<number, PendingAck> | undefined) {
    if (value !== undefined || this.extras !== undefined) this.more().ackById = value;
  }

  /** PUBLISH packets that arrived before CONNACK, processed after it. */
  get early(): PublishPacket[] | undefined {
    return this.extras?.early;
  }
  set early(value: PublishPacket[] | undefined) {
    if (value !== undefined || this.extras !== undefined) this.more().early = value;
  }

  /** Re-authentication in progress, if any. */
  get reauthOp(): ReauthOp | undefined {
    return this.extras?.reauthOp;
  }
  set reauthOp(value: ReauthOp | undefined) {
    if (value !== undefined || this.extras !== undefined) this.more().reauthOp = value;
  }

  /** True while the driver's authenticator works on a server AUTH 0x18 (`auth()` effect emitted). */
  get awaitingAuth(): boolean {
    return this.extras?.awaitingAuth ?? false;
  }
  set awaitingAuth(value: boolean) {
    if (value || this.extras !== undefined) this.more().awaitingAuth = value;
  }

  /** When the driver must call `tick` next (ms), or Infinity. */
  deadline(): number {
    if (this.phase === Phase.Connecting) return this.connectDeadline === 0 ? Infinity : this.connectDeadline;
    if (this.phase !== Phase.Connected || this.keepaliveMs === 0) return Infinity;
    return this.pingDeadline !== 0 ? this.pingDeadline : this.lastSent + this.keepaliveMs;
  }
}
