/**
 * The sender side of the QoS 1 / QoS 2 flows after a PUBLISH left: its acknowledgements (PUBACK, PUBREC →
 * PUBREL, PUBCOMP) and redelivery on a new connection (session present: resume; session lost: renew).
 * Module functions over the core's {@link Outbound}, which holds the queues and the sending side.
 * @module
 */
import type { PubackPacket, PubcompPacket, PubrecPacket, PubrelPacket } from '@mqttx/codec';
import { MessageDroppedError, PubackError, PubrecError } from '../errors.js';
import type { ConnectionState } from './connection.js';
import type { ClientCore } from './core.js';
import { writable } from './fifo.js';
import { violate } from './lifecycle.js';
import { type PublishOp, PublishState } from './ops.js';
import type { Outbound } from './outbound.js';
import { publishRecordBytes, pubrelRecordBytes } from './session.js';

/** Scratch PUBREL shared by every core (the driver encodes synchronously in `send`). */
const PUBREL: PubrelPacket = { type: 'pubrel', packetId: 0, reasonCode: undefined, properties: undefined };

// ------------------------------------------------------------ acknowledgements

/**
 * PUBACK: QoS 1 complete [MQTT-4.3.2-3]; a 5.0 failure code rejects and is not retransmitted [MQTT-4.4.0-2].
 * @internal
 */
export function onPuback(out: Outbound, packet: PubackPacket): void {
  const core = out.core;
  const op = core.session.outbound.get(packet.packetId);
  if (op === undefined || op.qos !== 1 || op.state !== PublishState.Sent) {
    return violate(core, 0x82, 'PUBACK for a packet id not in flight', { packetId: packet.packetId });
  }
  out.release(op);
  const rc = packet.reasonCode ?? 0;
  if (core.v5 && rc >= 0x80) {
    core.settle(op, new PubackError(rc, { packetId: packet.packetId, topic: op.topic, reasonString: packet.properties?.reasonString }), undefined);
  } else {
    core.settle(op, undefined, packet);
  }
}

/** PUBREC: send PUBREL [MQTT-4.3.3-4]; a 5.0 failure code rejects the publish [MQTT-4.4.0-2]. @internal */
export function onPubrec(out: Outbound, packet: PubrecPacket): void {
  const core = out.core;
  const id = packet.packetId;
  const op = core.session.outbound.get(id);
  if (op === undefined || op.qos !== 2 || (op.state !== PublishState.Sent && op.state !== PublishState.Released)) {
    // 5.0 answers an unknown id with PUBREL 0x92 (Packet Identifier not found); 3.1.1 has no such answer.
    if (!core.v5) return violate(core, 0x82, 'PUBREC for a packet id not in flight', { packetId: id });
    return sendPubrel(core, id, 0x92);
  }
  const rc = packet.reasonCode ?? 0;
  if (core.v5 && rc >= 0x80) {
    out.release(op);
    return core.settle(op, new PubrecError(rc, { packetId: id, topic: op.topic, reasonString: packet.properties?.reasonString }), undefined);
  }
  if (op.state === PublishState.Sent) {
    // [MQTT-4.3.3-5] PUBREL unacknowledged until PUBCOMP; [MQTT-4.3.3-6] the PUBLISH is never resent now.
    op.state = PublishState.Released;
    if (core.opts.persistence === 'durable') {
      // The PUBREL leaves only once its record replaced the PUBLISH record on disk: a process killed in
      // between must come back with PUBREL, not resend a PUBLISH the server may have delivered and
      // forgotten [MQTT-4.3.3-6]. `persisted(op)` sends it (see `pubrelStored`).
      op.stored = false;
      core.persist('outbound', id, op.seq, pubrelRecordBytes(id, core.opts.protocolVersion), op);
      return;
    }
    core.persist('outbound', id, op.seq, pubrelRecordBytes(id, core.opts.protocolVersion), undefined);
  } else if (core.opts.persistence === 'durable' && !op.stored) {
    return; // a repeated PUBREC while our PUBREL record is still being written: PUBREL follows it
  }
  sendPubrel(core, id, 0);
}

/** Durable mode: the PUBREL record of `op` is stored, so its PUBREL may leave (if the link is up). @internal */
export function pubrelStored(out: Outbound, op: PublishOp): void {
  const conn = out.core.conn;
  if (conn !== undefined && out.live(conn) && op.epoch === conn.epoch) sendPubrel(out.core, op.packetId!, 0);
}

/** PUBCOMP: QoS 2 complete. @internal */
export function onPubcomp(out: Outbound, packet: PubcompPacket): void {
  const core = out.core;
  const op = core.session.outbound.get(packet.packetId);
  if (op === undefined || op.state !== PublishState.Released) {
    return violate(core, 0x82, 'PUBCOMP for a packet id not released', { packetId: packet.packetId });
  }
  out.release(op);
  core.settle(op, undefined, packet);
}

function sendPubrel(core: ClientCore, packetId: number, reasonCode: number): void {
  const p = PUBREL;
  p.packetId = packetId;
  p.reasonCode = reasonCode === 0 ? undefined : reasonCode;
  core.out(p, undefined);
}

// ------------------------------------------------------------ reconnects

/**
 * CONNACK with Session Present: resend, in original order, PUBREL for publishes past PUBREC and the
 * unacknowledged PUBLISH packets with DUP 1, as far as the send quota allows (the rest follow as acks
 * free it) [MQTT-4.4.0-1] [MQTT-4.6.0-1].
 * @internal
 */
export function resume(out: Outbound, conn: ConnectionState): void {
  const core = out.core;
  out.resendQ.drain();
  for (const op of core.session.outbound.values()) {
    if (op.state === PublishState.Released) {
      op.epoch = conn.epoch;
      conn.inflight++;
      if (op.stored || core.opts.persistence !== 'durable') sendPubrel(core, op.packetId!, 0);
      else core.persist('outbound', op.packetId!, op.seq, pubrelRecordBytes(op.packetId!, core.opts.protocolVersion), op);
    } else if (op.state === PublishState.Sent || (op.state === PublishState.Queued && !op.inQueue)) {
      if (out.resendQ.length === 0 && conn.inflight < conn.sendLimit) out.sendNow(conn, op);
      else (out.resendQ = writable(out.resendQ)).push(op);
    }
    if (!out.live(conn)) return;
  }
}

/**
 * CONNACK without a session: publishes the old session left unacknowledged are sent again as new
 * publishes (DUP 0, same order) with option `onSessionLost: 'resend'`, or settle with
 * `MessageDroppedError` with `'fail'`. PUBREL records restored without their message settle that way too.
 * @internal
 */
export function renew(out: Outbound): void {
  const core = out.core;
  out.resendQ.drain();
  const fail = core.opts.shared.onSessionLost === 'fail';
  for (const op of [...core.session.outbound.values()]) {
    if (op.state === PublishState.Queued && op.inQueue) continue;
    if (fail || op.topic === '') {
      out.release(op);
      core.settle(op, new MessageDroppedError({ reason: 'session lost', packetId: op.packetId }), undefined);
      continue;
    }
    if (op.state === PublishState.Released) {
      core.persist('outbound', op.packetId!, op.seq, publishRecordBytes(op, core.opts.protocolVersion), undefined);
    }
    op.state = PublishState.Queued;
    op.dup = false;
    (out.resendQ = writable(out.resendQ)).push(op);
  }
  core.gen++;
}
