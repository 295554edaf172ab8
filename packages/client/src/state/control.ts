/**
 * Subscriptions: SUBSCRIBE / UNSUBSCRIBE requests and their acknowledgements, the user's subscriptions kept
 * in the session, and resubscribing after a connect without a session.
 * @module
 */
import {
  encodedLength,
  hasWildcard,
  isSharedSubscription,
  isValidTopicFilter,
  validateTopicFilter,
  type Packet,
  type Properties,
  type SubackPacket,
  type Subscription,
  type UnsubackPacket,
} from '@mqttx/codec';
import {
  ClientClosedError,
  ConnectionClosedError,
  FeatureNotSupportedError,
  InvalidRequestError,
  NotConnectedError,
  PacketTooLargeError,
} from '../errors.js';
import { Phase, type ConnectionState } from './connection.js';
import type { ClientCore } from './core.js';
import type { ServerLimits } from './effects.js';
import { EMPTY_FIFO, type Fifo, writable } from './fifo.js';
import { violate } from './lifecycle.js';
import { RequestState, SubscribeOp, type UnsubscribeOp } from './ops.js';
import { SubscriptionEntry, subscriptionRecordBytes } from './session.js';

type ControlOp = SubscribeOp | UnsubscribeOp;

/** Filters per resubscribe SUBSCRIBE. */
const RESUBSCRIBE_BATCH = 64;
/** Largest Subscription Identifier [section 3.8.2.1.2]. */
const MAX_SUBSCRIPTION_ID = 268_435_455;

/** The subscription half of the core. @internal */
export class Control {
  private readonly core: ClientCore;
  /** Requests waiting for a connection or a packet id, in order. */
  private queue: Fifo<ControlOp> = EMPTY_FIFO;
  /** Requests sent and waiting for SUBACK / UNSUBACK, by packet id (Map order = send order). */
  /** SUBSCRIBE / UNSUBSCRIBE sent and not yet acknowledged, by packet id (created by the first one). */
  private pending: Map<number, ControlOp> | undefined = undefined;
  /** Resubscribe SUBSCRIBEs not yet acknowledged on this connection. */
  resubscribing = 0;

  /** @param core - the owning core */
  constructor(core: ClientCore) {
    this.core = core;
  }

  /** True when no request waits or is unacknowledged. */
  get idle(): boolean {
    return this.queue.length === 0 && (this.pending === undefined || this.pending.size === 0);
  }

  /** `core.subscribe`. */
  subscribe(op: SubscribeOp): void {
    if (op.state !== RequestState.New) throw new InvalidRequestError('subscribe op reused', 'internal');
    const error = this.validateSubscribe(op);
    if (error !== undefined) return this.core.settle(op, error, undefined);
    this.enqueue(op, 'subscribe');
  }

  /** `core.unsubscribe`. */
  unsubscribe(op: UnsubscribeOp): void {
    if (op.state !== RequestState.New) throw new InvalidRequestError('unsubscribe op reused', 'internal');
    const error = this.validateUnsubscribe(op);
    if (error !== undefined) return this.core.settle(op, error, undefined);
    this.enqueue(op, 'unsubscribe');
  }

  private enqueue(op: ControlOp, what: string): void {
    const core = this.core;
    if (core.status === 'destroyed') return core.settle(op, new ClientClosedError(), undefined);
    if (!core.connected && core.opts.shared.offlineSubscribe === 'reject') return core.settle(op, new NotConnectedError(what), undefined);
    op.state = RequestState.Queued;
    (this.queue = writable(this.queue)).push(op);
    core.gen++;
  }

  private validateSubscribe(op: SubscribeOp): Error | undefined {
    const v5 = this.core.v5;
    const subs = op.subscriptions;
    // [MQTT-3.8.3-2] (5.0) / [MQTT-3.8.3-3] (3.1.1): at least one filter.
    if (!Array.isArray(subs) || subs.length === 0) return new InvalidRequestError('subscribe needs at least one filter', 'subscription');
    for (const sub of subs) {
      const error = filterError(sub?.topicFilter);
      if (error !== undefined) return error;
      if (sub.qos !== 0 && sub.qos !== 1 && sub.qos !== 2) return new InvalidRequestError('qos must be 0, 1 or 2', 'subscription', { qos: sub.qos });
      const rh = sub.retainHandling ?? 0;
      if (rh !== 0 && rh !== 1 && rh !== 2) return new InvalidRequestError('retainHandling must be 0, 1 or 2', 'subscription');
      if (!v5 && (sub.noLocal === true || sub.retainAsPublished === true || rh !== 0)) {
        return new InvalidRequestError('noLocal, retainAsPublished and retainHandling need MQTT 5', 'subscription');
      }
      // [MQTT-3.8.3-4] No Local on a shared subscription is a protocol error.
      if (sub.noLocal === true && isSharedSubscription(sub.topicFilter)) {
        return new InvalidRequestError('noLocal cannot be set on a shared subscription', 'subscription');
      }
    }
    const props = op.properties;
    if (props !== undefined) {
      if (!v5) return new InvalidRequestError('subscribe properties need MQTT 5', 'subscription');
      const id = props.subscriptionIdentifier;
      if (id !== undefined && (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > MAX_SUBSCRIPTION_ID)) {
        return new InvalidRequestError('subscriptionIdentifier must be an integer in 1..268435455', 'subscription');
      }
    }
    return this.encodeError(op);
  }

  /** Runs the codec's validation now, so the driver's encode cannot fail later. */
  private encodeError(op: ControlOp): Error | undefined {
    try {
      encodedLength(withPacketId(op), { protocolVersion: this.core.opts.protocolVersion });
    } catch (err) {
      return err as Error;
    }
    return undefined;
  }

  private validateUnsubscribe(op: UnsubscribeOp): Error | undefined {
    const filters = op.topicFilters;
    // [MQTT-3.10.3-2] at least one filter.
    if (!Array.isArray(filters) || filters.length === 0) return new InvalidRequestError('unsubscribe needs at least one filter', 'subscription');
    for (const filter of filters) {
      const error = filterError(filter);
      if (error !== undefined) return error;
    }
    if (op.properties !== undefined && !this.core.v5) return new InvalidRequestError('unsubscribe properties need MQTT 5', 'subscription');
    return this.encodeError(op);
  }

  /** Early typed errors for features the server announced as missing (5.0 CONNACK). */
  private featureError(op: SubscribeOp, limits: ServerLimits): Error | undefined {
    for (const sub of op.subscriptions) {
      const filter = sub.topicFilter;
      const shared = isSharedSubscription(filter);
      if (shared && !limits.sharedSubscriptionAvailable) return new FeatureNotSupportedError('shared', { topicFilter: filter });
      if (!limits.wildcardSubscriptionAvailable && hasWildcard(filter)) return new FeatureNotSupportedError('wildcard', { topicFilter: filter });
    }
    if (op.properties?.subscriptionIdentifier !== undefined && !limits.subscriptionIdentifiersAvailable) {
      return new FeatureNotSupportedError('subscriptionIdentifier');
    }
    return undefined;
  }

  /** Sends queued requests while packet ids are free. */
  pump(): void {
    const core = this.core;
    const conn = core.conn!;
    let op: ControlOp | undefined;
    while ((op = this.queue.peek()) !== undefined) {
      if (op.done) {
        this.queue.shift();
        continue;
      }
      const error = this.sendError(conn, op);
      if (error !== undefined) {
        this.queue.shift();
        core.settle(op, error, undefined);
        this.finish(op);
        continue;
      }
      // [MQTT-2.2.1-3] (5.0) / [MQTT-2.3.1-2] (3.1.1): an unused packet id; wait when none is free.
      const id = core.session.ids.allocate();
      if (id === 0) return;
      this.queue.shift();
      op.packetId = id;
      op.state = RequestState.Sent;
      (this.pending ??= new Map()).set(id, op);
      core.out(op, undefined);
      if (core.conn !== conn || conn.phase !== Phase.Connected) return;
    }
  }

  private sendError(conn: ConnectionState, op: ControlOp): Error | undefined {
    const limits = conn.limits;
    if (op.kind === 'subscribe') {
      const error = this.featureError(op, limits);
      if (error !== undefined) return error;
    }
    if (limits.maximumPacketSize !== Infinity) {
      // [MQTT-3.2.2-15] nothing above the server's Maximum Packet Size (packet id 1 stands in for the size).
      const size = encodedLength(withPacketId(op), { protocolVersion: this.core.opts.protocolVersion });
      if (size > limits.maximumPacketSize) return new PacketTooLargeError({ size, maximumPacketSize: limits.maximumPacketSize });
    }
    return undefined;
  }

  private finish(op: ControlOp): void {
    if (op.kind === 'subscribe' && op.resubscribe) this.resubscribeDone();
    op.state = RequestState.Done;
  }

  /** SUBACK: one reason code per filter [MQTT-3.9.3-1]; accepted filters are kept, refused ones dropped. */
  onSuback(packet: SubackPacket): void {
    const core = this.core;
    const op = this.pending?.get(packet.packetId);
    if (op === undefined || op.kind !== 'subscribe') return violate(core, 0x82, 'SUBACK for a packet id not subscribing', { packetId: packet.packetId });
    const codes = packet.reasonCodes;
    if (codes.length !== op.subscriptions.length) {
      return violate(core, 0x82, 'SUBACK reason codes do not match the filters', { packetId: packet.packetId });
    }
    this.pending?.delete(packet.packetId);
    core.session.ids.release(packet.packetId);
    core.gen++;
    const session = core.session;
    for (let i = 0; i < codes.length; i++) {
      const sub = op.subscriptions[i]!;
      const filter = sub.topicFilter;
      if (codes[i]! < 0x80) {
        const entry = new SubscriptionEntry(sub, op.properties, session.nextSeq());
        session.setSubscription(filter, entry);
        core.persist('subscriptions', filter, entry.seq, subscriptionRecordBytes(entry, core.opts.protocolVersion), undefined);
      } else if (session.deleteSubscription(filter)) {
        // A refused filter is not kept, so it is not resubscribed.
        core.unpersist('subscriptions', filter);
      }
    }
    core.settle(op, undefined, packet);
    this.finish(op);
  }

  /** UNSUBACK: filters removed (5.0: those answered 0x00 or 0x11; 3.1.1: all). */
  onUnsuback(packet: UnsubackPacket): void {
    const core = this.core;
    const op = this.pending?.get(packet.packetId);
    if (op === undefined || op.kind !== 'unsubscribe') return violate(core, 0x82, 'UNSUBACK for a packet id not unsubscribing', { packetId: packet.packetId });
    const codes = packet.reasonCodes;
    if (core.v5 && (codes === undefined || codes.length !== op.topicFilters.length)) {
      return violate(core, 0x82, 'UNSUBACK reason codes do not match the filters', { packetId: packet.packetId });
    }
    this.pending?.delete(packet.packetId);
    core.session.ids.release(packet.packetId);
    core.gen++;
    for (let i = 0; i < op.topicFilters.length; i++) {
      const filter = op.topicFilters[i]!;
      if ((codes === undefined || codes[i]! < 0x80) && core.session.deleteSubscription(filter)) core.unpersist('subscriptions', filter);
    }
    core.settle(op, undefined, packet);
    this.finish(op);
  }

  /** `core.cancel` for a request not sent yet. */
  cancel(op: ControlOp, error: Error): boolean {
    if (op.state !== RequestState.Queued) return false;
    this.core.settle(op, error, undefined);
    this.finish(op);
    return true;
  }

  /**
   * CONNACK without a session: SUBSCRIBE again every kept subscription, ahead of queued requests. Entries
   * made by one request share its properties and go out together (at most 64 filters per packet).
   */
  resubscribeAll(): void {
    const entries = [...this.core.session.subscriptions.values()].sort((a, b) => a.seq - b.seq);
    const ops: SubscribeOp[] = [];
    let batch: Subscription[] = [];
    let props: Properties | undefined;
    for (const entry of entries) {
      if (batch.length > 0 && (entry.properties !== props || batch.length === RESUBSCRIBE_BATCH)) {
        ops.push(new SubscribeOp(batch, props, undefined, true));
        batch = [];
      }
      props = entry.properties;
      batch.push(entry.subscription);
    }
    if (batch.length > 0) ops.push(new SubscribeOp(batch, props, undefined, true));
    for (let i = ops.length - 1; i >= 0; i--) {
      ops[i]!.state = RequestState.Queued;
      (this.queue = writable(this.queue)).unshift(ops[i]!);
    }
    this.resubscribing = ops.length;
    if (ops.length > 0) this.core.gen++;
  }

  private resubscribeDone(): void {
    if (--this.resubscribing === 0 && this.core.connected) this.core.effects.ready();
  }

  /**
   * The link closed: requests waiting for an ack are queued again (ahead of the others, in their order)
   * with their packet ids freed; the core's own resubscribe ops are dropped (the next CONNACK decides).
   */
  onClosed(cause: Error | undefined): void {
    const core = this.core;
    const again = this.pending === undefined ? [] : [...this.pending.values()];
    this.pending?.clear();
    for (let i = again.length - 1; i >= 0; i--) {
      const op = again[i]!;
      core.session.ids.release(op.packetId);
      op.packetId = 0;
      if (op.kind === 'subscribe' && op.resubscribe) {
        op.state = RequestState.Done;
        core.settle(op, new ConnectionClosedError(cause), undefined);
        continue;
      }
      op.state = RequestState.Queued;
      (this.queue = writable(this.queue)).unshift(op);
    }
    this.queue.filter((op) => {
      if (op.kind === 'subscribe' && op.resubscribe && !op.done) {
        op.state = RequestState.Done;
        core.settle(op, new ConnectionClosedError(cause), undefined);
        return false;
      }
      return !op.done;
    });
    this.resubscribing = 0;
  }

  /** Settles every queued or unacknowledged request with `error`. */
  destroy(error: Error): void {
    const core = this.core;
    if (this.pending !== undefined) for (const op of this.pending.values()) core.settle(op, error, undefined);
    for (const op of this.queue.drain()) core.settle(op, error, undefined);
    this.pending?.clear();
    this.resubscribing = 0;
  }
}

/** A copy of the request packet with a stand-in packet id (for sizing and validation). */
function withPacketId(op: ControlOp): Packet {
  return op.kind === 'subscribe'
    ? { type: 'subscribe', packetId: 1, subscriptions: op.subscriptions, properties: op.properties }
    : { type: 'unsubscribe', packetId: 1, topicFilters: op.topicFilters, properties: op.properties };
}

function filterError(filter: unknown): Error | undefined {
  if (typeof filter === 'string' && isValidTopicFilter(filter)) return undefined;
  try {
    validateTopicFilter(filter as string);
  } catch (err) {
    return err as Error;
  }
  return new InvalidRequestError('invalid topic filter', 'subscription');
}
