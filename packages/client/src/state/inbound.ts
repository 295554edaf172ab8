/**
 * Inbound application messages: topic alias resolution, our Receive Maximum, delivery, the QoS 1 / QoS 2
 * receiver flows with exactly-once delivery for QoS 2, and ordered (manual) acknowledgements.
 * @module
 */
import type { PubackPacket, PubcompPacket, PublishPacket, PubrecPacket, PubrelPacket } from '@mqttx/codec';
import { Phase, PendingAck, type ConnectionState } from './connection.js';
import type { ClientCore } from './core.js';
import { writable } from './fifo.js';
import { violate } from './lifecycle.js';
import { Held, inboundRecordBytes } from './session.js';

/**
 * Scratch ack packets shared by every core: the driver encodes synchronously in `send` (and a recording
 * driver copies), so one object per kind serves all connections of the process.
 */
const PUBACK: PubackPacket = { type: 'puback', packetId: 0, reasonCode: undefined, properties: undefined };
const PUBREC: PubrecPacket = { type: 'pubrec', packetId: 0, reasonCode: undefined, properties: undefined };
const PUBCOMP: PubcompPacket = { type: 'pubcomp', packetId: 0, reasonCode: undefined, properties: undefined };

/**
 * The inbound half of the core. Stateless (the state is the core's, passed to every method): one
 * instance, {@link INBOUND}, serves every core.
 * @internal
 */
export class Inbound {
  /** An incoming PUBLISH (after CONNACK). */
  onPublish(core: ClientCore, p: PublishPacket): void {
    const conn = core.conn!;
    if (core.v5 && p.properties !== undefined && p.properties.topicAlias !== undefined && !this.resolveAlias(core, conn, p)) return;
    if (p.topic === '') return violate(core, 0x82, 'PUBLISH without a topic', undefined);
    const qos = p.qos;
    if (qos === 0) {
      core.effects.deliver(p);
      return;
    }
    const id = p.packetId!;
    if (qos === 1) {
      // [MQTT-4.3.2-5] a new publication even when the id was seen before (we acknowledged it).
      if (!this.count(core, conn)) return;
      if (core.opts.shared.manualAck) {
        // The pending ack exists before delivery, so an ack given synchronously by the handler finds it.
        this.acknowledge(core, conn, p, id, 1, false);
        core.effects.deliver(p);
        return;
      }
      core.effects.deliver(p);
      if (core.conn !== conn || conn.phase !== Phase.Connected) return;
      // [MQTT-4.3.2-4] PUBACK with the same id; [MQTT-4.5.0-2] whatever the application does with it.
      this.acknowledge(core, conn, p, id, 1, true);
      return;
    }
    const session = core.session;
    const flags = session.inbound.get(id);
    if (flags === undefined) {
      // First time: deliver and hold the id until PUBREL [MQTT-4.3.3-8].
      if (!this.count(core, conn)) return;
      const acked = !core.opts.shared.manualAck;
      session.setInbound(id, Held.Counted | (acked ? Held.Acked : 0));
      core.persist('inbound', id, session.nextSeq(), inboundRecordBytes(), undefined);
      if (!acked) {
        // Manual ack: register the pending PUBREC first (a synchronous ack from the handler must find it).
        this.acknowledge(core, conn, p, id, 2, false);
        core.effects.deliver(p);
        return;
      }
      core.effects.deliver(p);
      if (core.conn !== conn || conn.phase !== Phase.Connected) return;
      this.acknowledge(core, conn, p, id, 2, true);
      return;
    }
    // [MQTT-4.3.3-10] a repeat before PUBREL: PUBREC again, never a second delivery.
    if ((flags & Held.Counted) === 0) {
      if (!this.count(core, conn)) return;
      session.setInbound(id, flags | Held.Counted);
    }
    if ((flags & Held.Acked) !== 0) this.acknowledge(core, conn, p, id, 2, true);
    else if (conn.ackById?.has(id) !== true) this.acknowledge(core, conn, p, id, 2, false);
  }

  /**
   * Counts one more unacknowledged QoS 1/2 PUBLISH against the Receive Maximum we sent in CONNECT; more
   * than that is a protocol violation by the server (DISCONNECT 0x93) [MQTT-3.3.4-9].
   */
  private count(core: ClientCore, conn: ConnectionState): boolean {
    if (++conn.unackedIn > core.opts.shared.receiveMaximum && core.v5) {
      violate(core, 0x93, 'the server exceeded our Receive Maximum', { receiveMaximum: core.opts.shared.receiveMaximum });
      return false;
    }
    return true;
  }

  /** Resolves (or records) an inbound topic alias; false after a protocol violation. */
  private resolveAlias(core: ClientCore, conn: ConnectionState, p: PublishPacket): boolean {
    const alias = p.properties!.topicAlias!;
    const max = core.opts.shared.topicAliasMaximum;
    // [MQTT-3.3.2-10] we accept 1..our Topic Alias Maximum; anything else is Topic Alias invalid (0x94).
    if (alias < 1 || alias > max) {
      violate(core, 0x94, 'topic alias out of range', { topicAlias: alias, topicAliasMaximum: max });
      return false;
    }
    const table = (conn.aliasIn ??= new Array<string | undefined>(max + 1));
    if (p.topic !== '') {
      table[alias] = p.topic;
      return true;
    }
    const topic = table[alias];
    if (topic === undefined) {
      // [MQTT-3.3.2-7] mappings never carry over from another connection.
      violate(core, 0x94, 'unknown topic alias', { topicAlias: alias });
      return false;
    }
    p.topic = topic;
    return true;
  }

  /**
   * Queues the acknowledgement of a delivered message. Acks leave in arrival order [MQTT-4.6.0-2]
   * [MQTT-4.6.0-3]: straight away when nothing earlier waits, else behind the earlier ones.
   */
  private acknowledge(core: ClientCore, conn: ConnectionState, p: PublishPacket, id: number, qos: 1 | 2, acked: boolean): void {
    if (acked && conn.ackQueue.length === 0) {
      this.sendAck(core, conn, id, qos, 0);
      return;
    }
    const entry = new PendingAck(p, id, qos, acked);
    (conn.ackQueue = writable(conn.ackQueue)).push(entry);
    (conn.ackById ??= new Map()).set(id, entry);
  }

  /** `core.ack`. */
  ack(core: ClientCore, message: PublishPacket, reasonCode: number): boolean {
    const conn = core.conn;
    const id = message.packetId;
    if (message.qos === 0 || id === undefined) return false;
    if (message.qos === 1) {
      const entry = conn?.ackById?.get(id);
      if (entry === undefined || entry.message !== message || entry.acked) return false;
      entry.acked = true;
      entry.reasonCode = reasonCode;
    } else {
      const flags = core.session.inbound.get(id);
      if (flags === undefined || (flags & Held.Acked) !== 0) return false;
      const entry = conn?.ackById?.get(id);
      if (entry !== undefined && entry.qos === 2) {
        entry.acked = true;
        entry.reasonCode = reasonCode;
        core.session.setInbound(id, flags | Held.Acked);
      } else if (reasonCode >= 0x80) {
        // Offline refusal: forget the id, so the server's resend is a new publication [MQTT-4.3.3-9].
        core.session.deleteInbound(id);
        core.unpersist('inbound', id);
      } else {
        // Offline: PUBREC goes when the server sends the PUBLISH again.
        core.session.setInbound(id, flags | Held.Acked);
      }
    }
    if (conn !== undefined && conn.phase === Phase.Connected) this.drainAcks(core, conn);
    return true;
  }

  private drainAcks(core: ClientCore, conn: ConnectionState): void {
    let entry: PendingAck | undefined;
    while ((entry = conn.ackQueue.peek()) !== undefined && entry.acked) {
      conn.ackQueue.shift();
      if (conn.ackById?.get(entry.packetId) === entry) conn.ackById.delete(entry.packetId);
      this.sendAck(core, conn, entry.packetId, entry.qos, entry.reasonCode);
      if (core.conn !== conn || conn.phase !== Phase.Connected) return;
    }
  }

  private sendAck(core: ClientCore, conn: ConnectionState, id: number, qos: 1 | 2, reasonCode: number): void {
    const rc = reasonCode === 0 ? undefined : reasonCode;
    if (qos === 1) {
      conn.unackedIn--;
      const p = PUBACK;
      p.packetId = id;
      p.reasonCode = rc;
      core.out(p, undefined);
      return;
    }
    if (reasonCode >= 0x80) {
      // [MQTT-4.3.3-9] after a failing PUBREC the id is free: a repeat is a new publication.
      const flags = core.session.inbound.get(id);
      if (flags !== undefined) {
        core.session.deleteInbound(id);
        core.unpersist('inbound', id);
        if ((flags & Held.Counted) !== 0) conn.unackedIn--;
      }
    }
    const p = PUBREC;
    p.packetId = id;
    p.reasonCode = rc;
    core.out(p, undefined);
  }

  /** PUBREL: release the id and answer PUBCOMP [MQTT-4.3.3-11]; unknown ids get PUBCOMP too (0x92 in 5.0). */
  onPubrel(core: ClientCore, packet: PubrelPacket): void {
    const conn = core.conn!;
    const id = packet.packetId;
    const flags = core.session.inbound.get(id);
    let rc: number | undefined;
    if (flags === undefined) {
      rc = core.v5 ? 0x92 : undefined;
    } else {
      const entry = conn.ackById?.get(id);
      if ((flags & Held.Acked) === 0 || (entry !== undefined && entry.qos === 2)) {
        return violate(core, 0x82, 'PUBREL before our PUBREC', { packetId: id });
      }
      // [MQTT-4.3.3-12] after PUBCOMP the id is free again.
      core.session.deleteInbound(id);
      core.unpersist('inbound', id);
      if ((flags & Held.Counted) !== 0) conn.unackedIn--;
    }
    const p = PUBCOMP;
    p.packetId = id;
    p.reasonCode = rc;
    core.out(p, undefined);
  }

  /** CONNACK with Session Present: held ids stay; none counts against this connection yet. */
  resume(core: ClientCore): void {
    const session = core.session;
    for (const [id, flags] of session.inbound) session.setInbound(id, flags & ~Held.Counted);
  }

  /** CONNACK without a session: the server forgot the QoS 2 exchanges, so we forget the held ids. */
  discardSession(core: ClientCore): void {
    for (const id of core.session.inbound.keys()) core.unpersist('inbound', id);
    core.session.clearInbound();
  }
}

/** The one {@link Inbound} (it has no state of its own). @internal */
export const INBOUND = new Inbound();
