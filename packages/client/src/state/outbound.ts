/**
 * Outbound application messages, from request to wire: validation, the bounded QoS 0 and QoS 1/2 queues,
 * packet ids, the send quota (Receive Maximum), server limits and topic aliases. The acknowledgements of the
 * QoS 1 / QoS 2 sender flows and redelivery on a new connection are in `outbound-acks.ts`.
 * @module
 */
import { encodedLength, isValidTopicName, validateTopicName, type PublishPacket } from '@mqttx/codec';
import {
  ClientClosedError,
  InvalidRequestError,
  MessageDroppedError,
  OfflineQueueFullError,
  PacketIdsExhaustedError,
  PacketTooLargeError,
  QosNotSupportedError,
  RetainNotSupportedError,
  StoreError,
} from '../errors.js';
import { Phase, type ConnectionState } from './connection.js';
import type { ClientCore } from './core.js';
import { EMPTY_FIFO, type Fifo, writable } from './fifo.js';
import { PublishOp, PublishState } from './ops.js';
import type { ResolvedQueueLimits } from './options.js';
import { publishRecordBytes } from './session.js';

const EMPTY = Buffer.alloc(0);

/**
 * The outbound half of the core (its acknowledgement and redelivery side: `outbound-acks.ts`).
 * @internal
 */
export class Outbound {
  /** The owning core. */
  readonly core: ClientCore;
  private q0: Fifo<PublishOp> = EMPTY_FIFO;
  private q0Count = 0;
  private q0Bytes = 0;
  /** QoS 1/2 publishes never sent yet, in publish order (some hold a packet id). */
  private q12: Fifo<PublishOp> = EMPTY_FIFO;
  private q12Count = 0;
  private q12Bytes = 0;
  /** The tail of `q12` still waiting for a packet id, in order. */
  private noId: Fifo<PublishOp> = EMPTY_FIFO;
  /** Session publishes to (re)send on this connection before `q12`, in their original order. */
  resendQ: Fifo<PublishOp> = EMPTY_FIFO;
  /** Last topic that passed validation (publishers often reuse one topic). */
  private lastTopic = '';
  /** Cached `{ topicAlias }` property objects by alias (made by the first alias). */
  private aliasProps: Array<{ topicAlias: number } | undefined> | undefined = undefined;

  /** @param core - the owning core */
  constructor(core: ClientCore) {
    this.core = core;
  }

  /** Publishes waiting in the bounded queues. */
  get queued(): number {
    return this.q0Count + this.q12Count;
  }

  // ------------------------------------------------------------ requests

  /** `core.publish`. */
  publish(op: PublishOp): void {
    const core = this.core;
    if (op.state !== PublishState.New) throw new InvalidRequestError('publish op reused', 'internal');
    if (core.status === 'destroyed') return core.settle(op, new ClientClosedError(), undefined);
    const error = this.validate(op);
    if (error !== undefined) return core.settle(op, error, undefined);
    if (op.qos === 0) {
      if (!this.admit(op, this.core.opts.shared.queueQos0, true)) return;
      op.state = PublishState.Queued;
      op.inQueue = true;
      (this.q0 = writable(this.q0)).push(op);
      this.q0Count++;
      this.q0Bytes += op.size;
    } else {
      if (!this.admit(op, this.core.opts.shared.queueQos12, false)) return;
      op.state = PublishState.Queued;
      op.inQueue = true;
      (this.q12 = writable(this.q12)).push(op);
      this.q12Count++;
      this.q12Bytes += op.size;
      // Ids go out in publish order: only when nobody older waits for one.
      if (this.noId.length > 0) this.assignWaiting();
      if (this.noId.length > 0 || !this.assignId(op)) (this.noId = writable(this.noId)).push(op);
    }
    core.gen++;
  }

  private validate(op: PublishOp): Error | undefined {
    const core = this.core;
    if (op.topic !== this.lastTopic || op.topic === '') {
      if (!isValidTopicName(op.topic)) {
        // [MQTT-3.3.2-2] no wildcards, [MQTT-4.7.3-1] not empty, ...
        try {
          validateTopicName(op.topic);
        } catch (err) {
          return err as Error;
        }
      }
      this.lastTopic = op.topic;
    }
    if (op.qos !== 0 && op.qos !== 1 && op.qos !== 2) return new InvalidRequestError('qos must be 0, 1 or 2', 'publish', { qos: op.qos });
    if (!Buffer.isBuffer(op.payload)) return new InvalidRequestError('payload must be a Buffer', 'publish');
    if (typeof op.retain !== 'boolean') return new InvalidRequestError('retain must be a boolean', 'publish');
    const props = op.properties;
    if (props !== undefined) {
      if (!core.v5) return new InvalidRequestError('publish properties need MQTT 5', 'publish');
      // [MQTT-3.3.4-6] a client never sends a Subscription Identifier in PUBLISH.
      if (props.subscriptionIdentifier !== undefined) {
        return new InvalidRequestError('a PUBLISH from a client cannot carry a subscription identifier', 'publish');
      }
      if (props.topicAlias !== undefined) {
        return new InvalidRequestError('topic aliases are managed by the client (option topicAliases)', 'publish');
      }
      // Validate the properties now (encode would refuse them later, after the op got a packet id).
      try {
        encodedLength({ type: 'publish', topic: op.topic, payload: EMPTY, qos: 0, retain: false, dup: false, packetId: undefined, properties: props }, { protocolVersion: 5 });
      } catch (err) {
        return err as Error;
      }
    }
    return undefined;
  }

  /** Whether one more op of `size` bytes fits the bounds of the QoS 0 or QoS 1/2 queue. */
  private fits(limits: ResolvedQueueLimits, qos0: boolean, size: number): boolean {
    return (
      (qos0 ? this.q0Count : this.q12Count) + 1 <= limits.maxCount &&
      (qos0 ? this.q0Bytes : this.q12Bytes) + size <= limits.maxBytes
    );
  }

  /** Applies the queue bounds for a new op; false when the op was refused (and settled). */
  private admit(op: PublishOp, limits: ResolvedQueueLimits, qos0: boolean): boolean {
    if (this.fits(limits, qos0, op.size)) return true;
    if (limits.policy === 'drop-oldest' && limits.maxCount > 0 && op.size <= limits.maxBytes) {
      const queue = qos0 ? this.q0 : this.q12;
      while (!this.fits(limits, qos0, op.size)) {
        const victim = queue.shift();
        if (victim === undefined) break;
        if (victim.done) continue;
        this.dequeued(victim);
        this.release(victim);
        this.core.settle(victim, new MessageDroppedError({ queue: qos0 ? 'qos0' : 'qos12', topic: victim.topic }), undefined);
      }
      if (this.fits(limits, qos0, op.size)) return true;
    }
    const context = { queue: qos0 ? 'qos0' : 'qos12', maxCount: limits.maxCount, maxBytes: limits.maxBytes, policy: limits.policy };
    const error = !qos0 && this.core.session.ids.exhausted ? new PacketIdsExhaustedError(context) : new OfflineQueueFullError(context);
    this.core.settle(op, error, undefined);
    return false;
  }

  /** Gives `op` a packet id and a place in the session; false when all ids are in use. */
  private assignId(op: PublishOp): boolean {
    const core = this.core;
    const session = core.session;
    // [MQTT-2.2.1-3] (5.0) / [MQTT-2.3.1-2] (3.1.1): a new packet id that is currently unused.
    const id = session.ids.allocate();
    if (id === 0) return false;
    op.packetId = id;
    op.seq = session.nextSeq();
    session.setOutbound(id, op);
    if (core.opts.persistence === 'none') op.stored = true;
    else core.persist('outbound', id, op.seq, publishRecordBytes(op, core.opts.protocolVersion), op);
    return true;
  }

  /** Hands free packet ids to publishes waiting for one. */
  private assignWaiting(): void {
    let op: PublishOp | undefined;
    while ((op = this.noId.peek()) !== undefined) {
      if (op.done || op.packetId !== undefined) {
        this.noId.shift();
        continue;
      }
      if (!this.assignId(op)) return;
      this.noId.shift();
      this.core.gen++;
    }
  }

  /** `core.cancel` for a publish. */
  cancel(op: PublishOp, error: Error): boolean {
    if (op.state !== PublishState.Queued) return false;
    if (op.inQueue) this.dequeued(op);
    this.release(op);
    this.core.settle(op, error, undefined);
    return true;
  }

  /** `core.persistFailed`. */
  storeFailed(op: PublishOp, cause: unknown): void {
    // A PUBREL record that failed stays unstored: its PUBREL waits, and the next resume writes it again.
    if (op.state !== PublishState.Queued) return;
    if (op.inQueue) this.dequeued(op);
    this.release(op);
    this.core.settle(op, new StoreError('the session record could not be written', cause, { packetId: op.packetId }), undefined);
  }

  /** Takes an op out of its bounded-queue accounting (it stays in the Fifo as a tombstone when done). */
  private dequeued(op: PublishOp): void {
    op.inQueue = false;
    if (op.qos === 0) {
      this.q0Count--;
      this.q0Bytes -= op.size;
    } else {
      this.q12Count--;
      this.q12Bytes -= op.size;
    }
  }

  /** Removes `op` from the session (packet id and record) and marks it done. */
  release(op: PublishOp): void {
    const core = this.core;
    const id = op.packetId;
    op.state = PublishState.Done;
    if (id !== undefined && core.session.outbound.get(id) === op) {
      core.session.deleteOutbound(id);
      core.session.ids.release(id);
      core.unpersist('outbound', id);
      const conn = core.conn;
      if (conn !== undefined && op.epoch === conn.epoch) conn.inflight--;
      core.gen++;
    }
  }

  // ------------------------------------------------------------ sending

  /** Sends what the connection allows: QoS 0, then redeliveries, then new QoS 1/2 in order. */
  pump(): void {
    const core = this.core;
    const conn = core.conn!;
    if (this.noId.length > 0) this.assignWaiting();
    let op: PublishOp | undefined;
    while ((op = this.q0.shift()) !== undefined) {
      if (op.done) continue;
      this.dequeued(op);
      this.sendNow(conn, op);
      if (!this.live(conn)) return;
    }
    while (conn.inflight < conn.sendLimit && (op = this.resendQ.shift()) !== undefined) {
      if (op.done || (op.state !== PublishState.Sent && op.state !== PublishState.Queued)) continue;
      this.sendNow(conn, op);
      if (!this.live(conn)) return;
    }
    if (this.resendQ.length > 0) return;
    const durable = core.opts.persistence === 'durable';
    // [MQTT-3.3.4-7] [MQTT-4.9.0-2] no more than the send quota of QoS 1/2 PUBLISH in flight.
    while (conn.inflight < conn.sendLimit && (op = this.q12.peek()) !== undefined) {
      if (op.done) {
        this.q12.shift();
        continue;
      }
      if (op.packetId === undefined || (durable && !op.stored)) return;
      this.q12.shift();
      this.dequeued(op);
      this.sendNow(conn, op);
      if (!this.live(conn)) return;
    }
  }

  /** True while `conn` is the core's connection and connected (a send may have closed it). */
  live(conn: ConnectionState): boolean {
    return this.core.conn === conn && conn.phase === Phase.Connected;
  }

  /** Checks `op` against the server limits and sends it (first send, or redelivery when state is Sent). */
  sendNow(conn: ConnectionState, op: PublishOp): void {
    const core = this.core;
    const limits = conn.limits;
    if (op.qos > limits.maximumQoS) {
      // [MQTT-3.2.2-11] never above the server's Maximum QoS.
      if (!core.opts.shared.downgradeQos) return this.reject(op, new QosNotSupportedError({ qos: op.qos, maximumQoS: limits.maximumQoS }));
      op.qos = limits.maximumQoS;
      if (op.qos === 0) {
        this.release(op);
        op.packetId = undefined;
        op.dup = false;
      } else if (core.opts.persistence !== 'none') {
        core.persist('outbound', op.packetId!, op.seq, publishRecordBytes(op, core.opts.protocolVersion), undefined);
      }
    }
    if (op.retain && !limits.retainAvailable) {
      // [MQTT-3.2.2-14] no RETAIN when the server has no retained messages.
      if (!core.opts.shared.downgradeQos) return this.reject(op, new RetainNotSupportedError({ topic: op.topic }));
      op.retain = false;
    }
    const max = limits.maximumPacketSize;
    if (max !== Infinity && op.checkedLimit !== max) {
      // [MQTT-3.2.2-15] never a packet above the server's Maximum Packet Size.
      const size = encodedLength(op, { protocolVersion: core.opts.protocolVersion });
      if (size > max) return this.reject(op, new PacketTooLargeError({ size, maximumPacketSize: max, topic: op.topic }));
      op.checkedLimit = max;
    }
    if (op.qos === 0) {
      // [MQTT-4.3.1-1] QoS 0 with DUP 0; the driver settles the op once written.
      op.state = PublishState.Done;
      op.done = true;
      core.out(this.wire(conn, op), op);
      return;
    }
    // First send: DUP 0 [MQTT-4.3.2-2] [MQTT-4.3.3-2]; redelivery: DUP 1 [MQTT-3.3.1-1].
    op.dup = op.state === PublishState.Sent;
    op.state = PublishState.Sent;
    op.epoch = conn.epoch;
    conn.inflight++;
    core.out(this.wire(conn, op), undefined);
  }

  private reject(op: PublishOp, error: Error): void {
    this.release(op);
    this.core.settle(op, error, undefined);
  }

  /** The packet to send for `op`: the op itself, or a copy using a topic alias. */
  private wire(conn: ConnectionState, op: PublishOp): PublishPacket {
    const aliases = conn.aliasOut;
    if (aliases === undefined) return op;
    let alias = aliases.get(op.topic);
    let topic = '';
    if (alias === undefined) {
      // [MQTT-3.3.2-9] [MQTT-3.2.2-17] never above the server's Topic Alias Maximum; [MQTT-3.3.2-8] never 0.
      if (conn.nextAlias > conn.limits.topicAliasMaximum) return op;
      alias = conn.nextAlias++;
      aliases.set(op.topic, alias);
      topic = op.topic;
    }
    const properties = op.properties === undefined ? ((this.aliasProps ??= [])[alias] ??= { topicAlias: alias }) : { ...op.properties, topicAlias: alias };
    return {
      type: 'publish',
      topic,
      payload: op.payload,
      qos: op.qos,
      retain: op.retain,
      dup: op.dup,
      packetId: op.packetId,
      properties,
    };
  }

  /** Settles every queued and in-flight publish with `error`. */
  destroy(error: Error): void {
    const core = this.core;
    for (const op of core.session.outbound.values()) core.settle(op, error, undefined);
    for (const queue of [this.q0, this.q12]) {
      for (const op of queue.drain()) core.settle(op, error, undefined);
    }
    this.noId.drain();
    this.resendQ.drain();
    core.session.clearOutbound();
    core.session.ids.reset();
    this.q0Count = this.q0Bytes = this.q12Count = this.q12Bytes = 0;
  }
}
