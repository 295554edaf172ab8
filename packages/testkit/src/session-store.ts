/**
 * The broker's sessions by client id and their lifecycle: attach (takeover, Clean Start, resume), detach
 * (will now or after its delay, expiry timer), end, and delivery into a session's queue.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { ConnectPacket } from '@mqttx/codec';
import type { Clock } from './clock.js';
import type { Connection } from './connection.js';
import type { Delivery } from './message.js';
import type { ResolvedBrokerOptions } from './options.js';
import type { Router } from './router.js';
import { EXPIRY_NEVER, Session } from './session.js';
import type { SubscriptionIndex } from './subscriptions.js';

/** @internal Sessions of one broker. */
export class SessionStore {
  /** Sessions by client id. */
  readonly map = new Map<string, Session>();
  /** Set while the broker shuts down: no wills, no timers. */
  closing = false;

  /**
   * @param clock - broker clock
   * @param options - broker options
   * @param index - the subscription index
   * @param router - routes wills
   */
  constructor(
    private readonly clock: Clock,
    private readonly options: ResolvedBrokerOptions,
    private readonly index: SubscriptionIndex,
    private readonly router: Router,
  ) {}

  /** A new client id not used by any session [MQTT-3.2.2-16]. */
  assignClientId(): string {
    for (;;) {
      const id = `mqttx-${randomBytes(8).toString('hex')}`;
      if (!this.map.has(id)) return id;
    }
  }

  /** */
  get(clientId: string): Session | undefined {
    return this.map.get(clientId);
  }

  /**
   * Adds a delivery to a session: written at once when the client is connected and its window
   * allows, queued otherwise [MQTT-4.5.0-1] (QoS 0 is not queued for offline sessions unless `queueQoS0`).
   */
  deliver(s: Session, d: Delivery): boolean {
    const conn = s.connection;
    const online = conn !== null && conn.connected;
    if (!online && d.qos === 0 && !this.options.queueQoS0) return false;
    if (s.queue.length >= this.options.maxQueuedMessages) {
      s.dropped++;
      return false;
    }
    s.queue.push(d);
    if (online) conn.pump();
    return true;
  }

  /**
   * Takeover [MQTT-3.1.4-3], Clean Start [MQTT-3.1.2-4], resume or create [MQTT-3.1.2-5]
   * [MQTT-3.1.2-6], then attach `conn` with its will [MQTT-3.1.2-7].
   */
  attach(conn: Connection, clientId: string, connect: ConnectPacket, sessionExpiry: number): Session {
    let s = this.map.get(clientId);
    const old = s?.connection;
    if (old) old.disconnectWith(0x8e, undefined); // Session taken over (5.0); 3.1.1 links are just closed
    s = this.map.get(clientId);
    if (s !== undefined && connect.clean) {
      this.end(s);
      s = undefined;
    }
    if (s !== undefined) {
      // Reconnected in time: a delayed will is not sent [MQTT-3.1.3-9].
      this.clearTimers(s);
      s.pendingWill = null;
    } else {
      s = new Session(clientId);
      this.map.set(clientId, s);
    }
    s.expiryInterval = connect.protocolVersion === 5 ? sessionExpiry : connect.clean ? 0 : EXPIRY_NEVER;
    s.protocolVersion = connect.protocolVersion;
    s.connection = conn;
    conn.session = s;
    conn.will = connect.will ?? null;
    return s;
  }

  /**
   * The link is going: publish its will now or after the Will Delay Interval [MQTT-3.1.2-8]
   * [MQTT-3.1.3-9], end the session now (expiry 0) or start its expiry timer [MQTT-4.1.0-2].
   */
  detach(conn: Connection, publishWill: boolean): void {
    const will = publishWill && !this.closing ? conn.will : null;
    conn.will = null;
    const s = conn.session;
    if (s === null || s.connection !== conn) {
      if (will !== null) this.router.publishWill(will, conn.clientId ?? null);
      return;
    }
    s.connection = null;
    if (this.closing) return;
    if (s.expiryInterval === 0) {
      if (will !== null) this.router.publishWill(will, s.clientId);
      this.end(s);
      return;
    }
    if (!this.options.queueQoS0) dropQueuedQos0(s);
    if (will !== null) {
      const delay = will.properties?.willDelayInterval ?? 0;
      if (delay === 0) this.router.publishWill(will, s.clientId);
      else {
        s.pendingWill = will;
        if (s.expiryInterval === EXPIRY_NEVER || delay < s.expiryInterval) {
          s.willTimer = this.clock.setTimeout(() => {
            s.willTimer = undefined;
            const w = s.pendingWill;
            s.pendingWill = null;
            if (w !== null) this.router.publishWill(w, s.clientId);
          }, delay * 1000);
        }
      }
    }
    if (s.expiryInterval !== EXPIRY_NEVER) {
      s.expiryTimer = this.clock.setTimeout(() => {
        s.expiryTimer = undefined;
        this.end(s);
      }, s.expiryInterval * 1000);
    }
  }

  /** Ends a session; a pending will is published as the session ends [MQTT-3.1.3-9]. */
  end(s: Session): void {
    if (this.map.get(s.clientId) !== s) return;
    this.clearTimers(s);
    this.map.delete(s.clientId);
    for (const e of s.subscriptions.values()) this.index.remove(e);
    s.subscriptions.clear();
    s.queue.clear();
    s.inflight.clear();
    s.inboundQos2.clear();
    const w = s.pendingWill;
    s.pendingWill = null;
    if (w !== null && !this.closing) this.router.publishWill(w, s.clientId);
  }

  /** Cancels a session's will and expiry timers. */
  clearTimers(s: Session): void {
    if (s.willTimer !== undefined) this.clock.clearTimeout(s.willTimer);
    if (s.expiryTimer !== undefined) this.clock.clearTimeout(s.expiryTimer);
    s.willTimer = s.expiryTimer = undefined;
  }

  /** Cancels every timer (broker shutdown). */
  clearAllTimers(): void {
    for (const s of this.map.values()) this.clearTimers(s);
  }
}

function dropQueuedQos0(s: Session): void {
  if (s.queue.length === 0) return;
  const keep = s.queue.toArray().filter((d) => d.qos > 0);
  s.queue.clear();
  for (const d of keep) s.queue.push(d);
}
