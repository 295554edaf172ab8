/**
 * The driver: turns the pure core's effects into I/O (one link, one timer, the store) and link events into
 * core inputs, and runs the connect / reconnect loop. This file holds the {@link Driver} with its data
 * path (requests, the timer, incoming bytes, the core's effects, events and errors); the connection's
 * lifecycle (established, closed, authentication steps, waiting for idle, shutdown) is in
 * `driver-lifecycle.ts`. See `state/README.md` for the contract it follows.
 * @module
 */
import { encode, type AuthPacket, type DisconnectPacket, type EncodeOptions, type Packet, type Properties, type PublishPacket } from '@mqttx/codec';
import { isTimeout } from '@mqttx/codec/errors';
import type { EventEmitter } from 'node:events';
import { Delivery, compactListeners, type DeliveryOwner } from './delivery.js';
import { connectedInfoOf, onConnected, onLinkClosed, shutdownDriver, stepAuthenticator, waitIdle } from './driver-lifecycle.js';
import { ConnectionClosedError, MessageDroppedError } from './errors.js';
import type { ClientEvents, ClientStats, ClientStatus } from './events.js';
import { Link, type LinkOwner } from './link.js';
import type { Message } from './messages.js';
import { driverOptionsOf, type ClientConnector, type ClientOptions, type DriverOptions } from './options.js';
import type { ClientObserver, ObservedEvent } from './observer.js';
import { Reconnector } from './reconnector.js';
import { OpSlot, type SlotOwner } from './slots.js';
import type { ClientCore } from './state/core.js';
import type { ConnectedInfo, CoreEffects, PersistRecord } from './state/effects.js';
import type { Op, PublishOp } from './state/ops.js';
import { Persistence } from './persistence.js';
import type { StoreSpec } from './store/create.js';
import type { Keyspace, StoreKey } from './store/types.js';
import type { TimerScheduler } from '@mqttx/transport';
import { type HeapTimer, type TimerHeap, timerHeapFor } from './timer-heap.js';

/** The emitter side of the client, as the driver sees it. */
export type ClientEmitter = EventEmitter<ClientEvents>;

function noop(): void {}

/** Encode options per protocol version, shared by every driver (never written). */
const ENCODE_V4: EncodeOptions = { protocolVersion: 4 };
const ENCODE_V5: EncodeOptions = { protocolVersion: 5 };

function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}

/** Implements the core's effects over one link at a time. @internal */
export class Driver implements CoreEffects, LinkOwner, DeliveryOwner, SlotOwner, HeapTimer {
  /** The protocol core (set right after construction). */
  core!: ClientCore;
  readonly emitter: ClientEmitter;
  /** Session store handling; none with persistence `none` (nothing to load, write or close). */
  readonly persistence: Persistence | undefined;
  /** The options read after construction (the caller's options object is not kept). */
  readonly options: DriverOptions;
  readonly connector: ClientConnector;
  readonly reconnector: Reconnector;
  readonly stats: ClientStats = {
    messagesSent: 0,
    messagesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    reconnects: 0,
    messagesDropped: 0,
  };
  /** The current link, if any. */
  link: Link | undefined = undefined;
  status: ClientStatus = 'new';
  /**
   * Of the last successful CONNACK, its session present flag (undefined before the first) and properties:
   * the rest of its {@link ConnectedInfo} is the core's (see {@link connectedInfo}). The packet object
   * itself is not kept.
   */
  sessionPresent: boolean | undefined = undefined;
  /** See {@link sessionPresent}. */
  connackProperties: Properties | undefined = undefined;
  /** {@inheritDoc HeapTimer.heapIndex} */
  heapIndex = -1;
  /** {@inheritDoc HeapTimer.heapAt} */
  heapAt = 0;
  /** The one timer of the core's next deadline, in a heap shared with every driver of this scheduler. */
  private readonly timers: TimerHeap;
  private readingPaused = false;
  /** `end()`: resolves when the core is idle (or the link is gone). */
  idleWaiter: (() => void) | undefined = undefined;
  /** Gets lifecycle events before the listeners (see `observeClient`). */
  observer: ClientObserver | undefined = undefined;
  /** See {@link delivery}. */
  madeDelivery: Delivery | undefined = undefined;

  /**
   * @param emitter - the public client
   * @param options - the client's options (validated)
   * @param scheduler - clock and timers
   * @param connector - opens connections
   * @param storeSpec - the `store` option (a store, or what `createStore` builds one from); undefined with
   *   persistence `none`
   */
  constructor(
    emitter: ClientEmitter,
    options: ClientOptions,
    scheduler: TimerScheduler,
    connector: ClientConnector,
    storeSpec: StoreSpec | undefined,
  ) {
    this.emitter = emitter;
    this.options = driverOptionsOf(options);
    this.timers = timerHeapFor(scheduler);
    this.connector = connector;
    this.persistence = storeSpec === undefined ? undefined : new Persistence(this, storeSpec, options.clientId ?? '');
    compactListeners(emitter as unknown as EventEmitter);
    this.reconnector = new Reconnector(this, options.reconnect);
  }

  /** Clock and timers (kept by the timer heap this driver's timer belongs to). */
  get scheduler(): TimerScheduler {
    return this.timers.scheduler;
  }

  /**
   * Delivery of incoming messages, made by the first message or `messages()` call: a client that receives
   * nothing carries none.
   */
  get delivery(): Delivery {
    return (this.madeDelivery ??= new Delivery(
      this.emitter as unknown as EventEmitter,
      this,
      this.options.manualAck,
      this.options.maxHeldMessages,
    ));
  }

  // ------------------------------------------------------------ requests

  /** Hands a user op to the core (after the session was loaded from the store, when persistence is on). */
  submit(op: Op): void {
    const persistence = this.persistence;
    if (persistence === undefined || !persistence.hold(op)) this.input(op);
  }

  /** Gives `op` to the core now. */
  input(op: Op): void {
    const now = this.scheduler.now();
    const core = this.core;
    switch (op.kind) {
      case 'publish':
        core.publish(op, now);
        break;
      case 'subscribe':
        core.subscribe(op, now);
        break;
      case 'unsubscribe':
        core.unsubscribe(op, now);
        break;
      case 'reauth':
        core.reauthenticate(op, now);
        break;
      default:
        throw new Error(`unexpected op ${op.kind}`);
    }
    this.arm();
  }

  /** {@inheritDoc SlotOwner.cancelOp} */
  cancelOp(op: Op, error: Error): boolean {
    if (this.persistence?.cancel(op, error) === true) return true;
    const done = this.core.cancel(op, error, this.scheduler.now());
    this.arm();
    return done;
  }

  /** Manual acknowledgement of a delivered message. */
  ack(message: Message, reasonCode: number): void {
    this.core.ack(message as PublishPacket, this.scheduler.now(), reasonCode);
    this.arm();
  }

  // ------------------------------------------------------------ the timer

  /**
   * Reschedules the one timer to the core's next deadline (lazily: an early timer just re-arms). The timer
   * is an entry in the scheduler's {@link TimerHeap}, not a timer of its own.
   */
  arm(): void {
    const deadline = this.core.nextDeadline();
    if (deadline === Infinity) return;
    this.timers.schedule(this, deadline);
  }

  /** {@inheritDoc HeapTimer.fireTimer} */
  fireTimer(): void {
    this.core.tick(this.scheduler.now());
    this.arm();
  }

  /** Stops the timer. */
  clearTimer(): void {
    this.timers.remove(this);
  }

  /** The info of the established connection (see {@link connectedInfoOf}). */
  connectedInfo(): ConnectedInfo | undefined {
    return connectedInfoOf(this);
  }

  // ------------------------------------------------------------ links

  /** Starts using `link` (the core's `open` follows). */
  attach(link: Link): void {
    this.link = link;
    if (this.readingPaused) link.connection.pause();
  }

  /** {@inheritDoc LinkOwner.linkData} */
  linkData(link: Link, chunk: Buffer): void {
    if (link !== this.link) return;
    this.stats.bytesReceived += chunk.length;
    const core = this.core;
    const now = this.scheduler.now();
    let packets: Packet[];
    try {
      packets = link.decode(chunk);
    } catch (err) {
      // Packets completed before the bad one are handled, then DISCONNECT with the error's reason code.
      const before = (err as { packets?: Packet[] }).packets;
      if (before !== undefined) for (let i = 0; i < before.length; i++) core.receive(before[i]!, now);
      core.protocolError(err as Error, now);
      this.arm();
      return;
    }
    for (let i = 0; i < packets.length; i++) core.receive(packets[i]!, now);
    this.arm();
  }

  /** {@inheritDoc LinkOwner.linkClosed} */
  linkClosed(link: Link, transportError: Error | undefined): void {
    if (link === this.link) onLinkClosed(this, link, transportError);
  }

  /** Pauses / resumes reading for iterator backpressure. */
  pauseReading(): void {
    this.readingPaused = true;
    this.link?.connection.pause();
  }

  /** {@inheritDoc DeliveryOwner.resumeReading} */
  resumeReading(): void {
    this.readingPaused = false;
    this.link?.connection.resume();
  }

  /** Reports an error on the `error` event when someone listens (an unheard error never throws). */
  report(error: unknown): void {
    const observer = this.observer;
    if (observer === undefined && this.emitter.listenerCount('error') === 0) return;
    const err = error instanceof Error ? error : new Error(String(error));
    observer?.clientEvent('error', err);
    if (this.emitter.listenerCount('error') === 0) return;
    try {
      this.emitter.emit('error', err);
    } catch (thrown) {
      rethrowLater(thrown);
    }
  }

  /**
   * An exception from application code (an event listener, a message handler): on `error` when someone
   * listens, else thrown again on a later tick, outside the protocol core (like a throw in a timer).
   */
  raise(error: unknown): void {
    if (this.observer !== undefined || this.emitter.listenerCount('error') > 0) this.report(error);
    else rethrowLater(error);
  }

  /** Emits an event; a throwing listener cannot break the core (see {@link Driver.raise}). */
  emit<K extends ObservedEvent>(event: K, ...args: ClientEvents[K]): void {
    this.observer?.clientEvent(event, args[0]);
    try {
      (this.emitter.emit as (e: K, ...a: ClientEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.raise(err);
    }
  }

  /** Closes the client for good (its `destroy`); called when reconnecting gives up. */
  giveUp(error: Error | undefined): void {
    (this.emitter as unknown as { destroy(error?: Error): void }).destroy(error);
  }

  // ------------------------------------------------------------ end

  /** Resolves once the core is idle, the link is gone, or `timeout` ms passed. */
  waitIdle(timeout: number): Promise<void> {
    return waitIdle(this, timeout);
  }

  // ------------------------------------------------------------ core effects

  /** {@inheritDoc CoreEffects.send} */
  send(packet: Packet, op: PublishOp | undefined): void {
    const link = this.link;
    const slot = op === undefined ? undefined : (op.slot as OpSlot | undefined);
    if (link === undefined || link.closing) {
      slot?.settle(new ConnectionClosedError(), undefined);
      return;
    }
    let bytes: Buffer;
    try {
      bytes = encode(packet, this.core.v5 ? ENCODE_V5 : ENCODE_V4);
    } catch (err) {
      // The core validates requests before sending; an encode failure is a bug, never a hang.
      slot?.settle(err as Error, undefined);
      this.report(err);
      return;
    }
    this.stats.bytesSent += bytes.length;
    if (packet.type === 'publish') this.stats.messagesSent++;
    link.write(bytes, slot);
  }

  /** {@inheritDoc CoreEffects.deliver} */
  deliver(message: PublishPacket): void {
    this.stats.messagesReceived++;
    this.delivery.deliver(message);
    this.stats.messagesDropped = this.delivery.dropped;
  }

  /** {@inheritDoc CoreEffects.settle} */
  settle(op: Op, error: Error | undefined, value: unknown): void {
    const slot = op.slot;
    if (slot instanceof OpSlot) slot.settle(error, value);
    else if (error !== undefined && op.kind === 'publish' && error instanceof MessageDroppedError) this.report(error);
    if (this.idleWaiter !== undefined && this.core.idle) this.idleWaiter();
  }

  /** {@inheritDoc CoreEffects.persist} */
  persist(record: PersistRecord): void {
    this.persistence!.persist(record); // the core persists only with persistence on
  }

  /** {@inheritDoc CoreEffects.unpersist} */
  unpersist(keyspace: Keyspace, key: StoreKey): void {
    this.persistence!.unpersist(keyspace, key);
  }

  /** {@inheritDoc CoreEffects.close} */
  close(error: Error | undefined): void {
    const link = this.link;
    if (link === undefined) return;
    // A dead link (timeout) is cut; otherwise what was sent (a DISCONNECT) is flushed first.
    link.close(error, error !== undefined && isTimeout(error));
  }

  /** {@inheritDoc CoreEffects.connected} */
  connected(info: ConnectedInfo): void {
    onConnected(this, info);
  }

  /** {@inheritDoc CoreEffects.ready} */
  ready(): void {
    this.emit('ready');
  }

  /** {@inheritDoc CoreEffects.serverDisconnect} */
  serverDisconnect(packet: DisconnectPacket): void {
    this.emit('disconnect', packet);
  }

  /** {@inheritDoc CoreEffects.auth} */
  auth(packet: AuthPacket): void {
    stepAuthenticator(this, packet);
  }

  /** Closes the driver's resources after the core settled everything (see {@link shutdownDriver}). */
  shutdown(graceful: boolean): Promise<void> {
    return shutdownDriver(this, graceful);
  }
}
