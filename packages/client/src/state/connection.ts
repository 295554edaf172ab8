/**
 * Connection-scoped protocol state: everything that is rebuilt for every network connection (at `open`)
 * and completed at CONNACK. Nothing here survives a reconnect; the session half lives in `session.ts`.
 * @module
 */
import type { ConnackPacket, PublishPacket } from '@mqttx/codec';
import type { ServerLimits } from './effects.js';
import type { ConnectOp, ReauthOp } from './ops.js';
import { Fifo } from './fifo.js';

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

/** Limits that apply before a CONNACK says otherwise (the MQTT 5 defaults, and all of 3.1.1). */
export function defaultLimits(): ServerLimits {
  return {
    receiveMaximum: 65535,
    maximumPacketSize: Infinity,
    topicAliasMaximum: 0,
    maximumQoS: 2,
    retainAvailable: true,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: true,
    sharedSubscriptionAvailable: true,
  };
}

/** Reads the server limits from a CONNACK (MQTT 5 properties; defaults where absent or in 3.1.1). */
export function limitsFromConnack(connack: ConnackPacket): ServerLimits {
  const limits = defaultLimits();
  const p = connack.properties;
  if (p === undefined) return limits;
  if (p.receiveMaximum !== undefined) limits.receiveMaximum = p.receiveMaximum;
  if (p.maximumPacketSize !== undefined) limits.maximumPacketSize = p.maximumPacketSize;
  if (p.topicAliasMaximum !== undefined) limits.topicAliasMaximum = p.topicAliasMaximum;
  if (p.maximumQoS !== undefined) limits.maximumQoS = p.maximumQoS;
  if (p.retainAvailable !== undefined) limits.retainAvailable = p.retainAvailable;
  if (p.wildcardSubscriptionAvailable !== undefined) limits.wildcardSubscriptionAvailable = p.wildcardSubscriptionAvailable;
  if (p.subscriptionIdentifiersAvailable !== undefined) {
    limits.subscriptionIdentifiersAvailable = p.subscriptionIdentifiersAvailable;
  }
  if (p.sharedSubscriptionAvailable !== undefined) limits.sharedSubscriptionAvailable = p.sharedSubscriptionAvailable;
  return limits;
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

/** State of one network connection. */
export class ConnectionState {
  /** Connection number (1, 2, ...); ops remember the epoch they were last sent in. */
  readonly epoch: number;
  /** Current phase. */
  phase: Phase;
  /** The connect op to settle at CONNACK, if any. */
  connectOp: ConnectOp | undefined;
  /** Deadline for the CONNACK (ms), Infinity when none. */
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
  /** Deadline for an answer to our PINGREQ, or Infinity when no PINGREQ is outstanding. */
  pingDeadline: number;
  /** Outbound topic aliases: topic -> alias (auto mode, after CONNACK). */
  aliasOut: Map<string, number> | undefined;
  /** Next outbound alias to assign. */
  nextAlias: number;
  /** Inbound topic aliases: alias -> topic. */
  aliasIn: Array<string | undefined> | undefined;
  /** Incoming QoS 1/2 publishes not yet completed by our PUBACK / PUBCOMP (our Receive Maximum). */
  unackedIn: number;
  /** Manual-ack order queue. */
  readonly ackQueue: Fifo<PendingAck>;
  /** Manual-ack entries by packet id (created by the first entry: most connections never need it). */
  ackById: Map<number, PendingAck> | undefined;
  /** PUBLISH packets that arrived before CONNACK, processed after it. */
  early: PublishPacket[] | undefined;
  /** The CONNACK, once received. */
  connack: ConnackPacket | undefined;
  /** Re-authentication in progress, if any. */
  reauthOp: ReauthOp | undefined;
  /** True while the driver's authenticator works on a server AUTH 0x18 (`auth()` effect emitted). */
  awaitingAuth: boolean;

  /**
   * @param epoch - connection number
   * @param now - when CONNECT is sent
   * @param connectTimeout - ms to wait for CONNACK (0: no limit)
   * @param keepaliveMs - keepalive from the options in ms (replaced by the server's at CONNACK)
   * @param connectOp - op to settle at CONNACK
   */
  constructor(epoch: number, now: number, connectTimeout: number, keepaliveMs: number, connectOp: ConnectOp | undefined) {
    this.epoch = epoch;
    this.phase = Phase.Connecting;
    this.connectOp = connectOp;
    this.connectDeadline = connectTimeout > 0 ? now + connectTimeout : Infinity;
    this.limits = defaultLimits();
    this.sendLimit = 65535;
    this.inflight = 0;
    this.keepaliveMs = keepaliveMs;
    this.pingTimeoutMs = 0;
    this.lastSent = now;
    this.pingDeadline = Infinity;
    this.aliasOut = undefined;
    this.nextAlias = 1;
    this.aliasIn = undefined;
    this.unackedIn = 0;
    this.ackQueue = new Fifo<PendingAck>();
    this.ackById = undefined;
    this.early = undefined;
    this.connack = undefined;
    this.reauthOp = undefined;
    this.awaitingAuth = false;
  }

  /** When the driver must call `tick` next (ms), or Infinity. */
  deadline(): number {
    if (this.phase === Phase.Connecting) return this.connectDeadline;
    if (this.phase !== Phase.Connected || this.keepaliveMs === 0) return Infinity;
    return this.pingDeadline !== Infinity ? this.pingDeadline : this.lastSent + this.keepaliveMs;
  }
}
