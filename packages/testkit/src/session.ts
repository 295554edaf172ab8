/**
 * Session state kept by the broker per client id: subscriptions, outbound messages (queued and in flight),
 * inbound QoS 2 packet ids, and after a disconnect the delayed will and the expiry timer.
 * @module
 */
import type { QoS, Will } from '@mqttx/codec';
import type { TimerHandle } from './clock.js';
import type { Connection } from './connection.js';
import { Fifo, type Delivery, type Inflight } from './message.js';
import type { SubscriptionEntry } from './subscriptions.js';

/** Session Expiry Interval meaning "never expires". */
export const EXPIRY_NEVER = 0xffffffff;

/** Read-only view of one subscription. */
export interface SubscriptionInfo {
  /** Filter as subscribed (with `$share/...` for shared subscriptions). */
  filter: string;
  /** Granted maximum QoS. */
  qos: QoS;
  /** 5.0 No Local: the client's own publications are not delivered to it on this subscription. */
  noLocal: boolean;
  /** 5.0 Retain As Published: deliveries keep the RETAIN flag they were published with. */
  retainAsPublished: boolean;
  /** 5.0 Retain Handling: 0 send retained messages at subscribe, 1 only for a new subscription, 2 never. */
  retainHandling: 0 | 1 | 2;
  /** 5.0 Subscription Identifier sent back on matching PUBLISH packets; `undefined` when none. */
  subscriptionIdentifier: number | undefined;
  /** Share name of a `$share/{name}/{filter}` subscription; `null` for an ordinary one. */
  shareName: string | null;
}

/** Read-only snapshot of a session (see `broker.sessions`). */
export interface SessionInfo {
  /** Client identifier (the assigned one when the client connected with an empty id). */
  clientId: string;
  /** Whether a link is attached. */
  connected: boolean;
  /** Protocol level of the last connection. */
  protocolVersion: 3 | 4 | 5;
  /** Seconds the session survives a disconnect (4294967295: never). */
  expiryInterval: number;
  /** The session's subscriptions. */
  subscriptions: SubscriptionInfo[];
  /** Outbound QoS 1/2 messages with a packet id (sent, awaiting acknowledgement). */
  inflight: number;
  /** Outbound messages waiting for the link or for the client's receive window. */
  queued: number;
  /** Inbound QoS 2 packet ids received and not yet released (PUBREL). */
  inboundQos2: number[];
  /** A will is waiting (will delay) for this disconnected session. */
  pendingWill: boolean;
  /** Messages dropped for this session (queue full, too large for the client, expired). */
  dropped: number;
}

/** Server-side session state. */
export class Session {
  /** The link currently attached, if any. */
  connection: Connection | null = null;
  /** Subscriptions by filter as subscribed. */
  readonly subscriptions = new Map<string, SubscriptionEntry>();
  /** Deliveries not yet sent. */
  readonly queue = new Fifo<Delivery>();
  /** Sent QoS 1/2 deliveries by packet id, in send order. */
  readonly inflight = new Map<number, Inflight>();
  /** Inbound QoS 2 packet ids between PUBLISH and PUBREL [MQTT-4.3.3-10]. */
  readonly inboundQos2 = new Set<number>();
  /** Seconds the session survives the link (0: ends with it; {@link EXPIRY_NEVER}: never). */
  expiryInterval = 0;
  /** Protocol level of the last connection. */
  protocolVersion: 3 | 4 | 5 = 4;
  /** Will waiting for its delay after an abnormal disconnect. */
  pendingWill: Will | null = null;
  /** Timer publishing {@link Session.pendingWill}. */
  willTimer: TimerHandle | undefined = undefined;
  /** Timer ending the session after a disconnect. */
  expiryTimer: TimerHandle | undefined = undefined;
  /** Messages dropped for this session. */
  dropped = 0;
  private nextPacketId = 1;

  /** @param clientId - the client id identifying the session [MQTT-3.1.3-2] */
  constructor(readonly clientId: string) {}

  /**
   * Allocates an unused packet id [MQTT-2.2.1-4], increasing from 1 and wrapping at 65535.
   * @returns the id, or 0 when all 65,535 are in flight
   */
  allocatePacketId(): number {
    if (this.inflight.size >= 65535) return 0;
    let id = this.nextPacketId;
    while (this.inflight.has(id)) id = id === 65535 ? 1 : id + 1;
    this.nextPacketId = id === 65535 ? 1 : id + 1;
    return id;
  }

  /** Snapshot for introspection. */
  info(): SessionInfo {
    return {
      clientId: this.clientId,
      connected: this.connection !== null,
      protocolVersion: this.protocolVersion,
      expiryInterval: this.expiryInterval,
      subscriptions: [...this.subscriptions.values()].map((s) => ({
        filter: s.filter,
        qos: s.qos,
        noLocal: s.noLocal,
        retainAsPublished: s.retainAsPublished,
        retainHandling: s.retainHandling,
        subscriptionIdentifier: s.subscriptionIdentifier,
        shareName: s.shareName,
      })),
      inflight: this.inflight.size,
      queued: this.queue.length,
      inboundQos2: [...this.inboundQos2],
      pendingWill: this.pendingWill !== null,
      dropped: this.dropped,
    };
  }
}
