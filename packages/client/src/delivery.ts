/**
 * Delivery of incoming messages to the application: `message` listeners and `messages()` iterators, the
 * hold queue for messages that arrive while nobody listens (no message is lost for want of a listener, in
 * particular a PUBLISH read together with CONNACK before `connect()` resolved), and manual
 * acknowledgement (the ack goes once every consumer is done with the message).
 * @module
 */
import type { EventEmitter } from 'node:events';
import { MessageDroppedError } from './errors.js';
import type { Message } from './messages.js';
import { MessageIterator, type IteratorOwner, type MessagesOptions } from './messages.js';

/** What delivery needs from the driver. */
export interface DeliveryOwner {
  /** Acknowledge a manually acknowledged message (reason code 0, or 0x80 when a handler failed). */
  ack(message: Message, reasonCode: number): void;
  /** Report an error that settles no promise (a dropped held message). */
  report(error: unknown): void;
  /** An exception from application code (a throwing or rejecting handler). */
  raise(error: unknown): void;
  /** Stop / resume reading from the network (iterator backpressure). */
  pauseReading(): void;
  resumeReading(): void;
}

/**
 * A listener table for an `EventEmitter` (`_events`) that stays in V8's fast mode: an instance of a
 * constructor whose prototype has no prototype, so no event name can hit an inherited property. Node
 * replaces it with its own only when the last listener is removed.
 */
const ListenerTable = function ListenerTable(): void {} as unknown as new () => object;
ListenerTable.prototype = Object.create(null) as object;

/**
 * Gives `emitter` (with no listener yet) a listener table that stays small: Node's own starts as a
 * dictionary of about 160 bytes, even while empty. Node puts its own back only when the last listener is
 * removed.
 */
export function compactListeners(emitter: EventEmitter): void {
  const table = emitter as unknown as { _events: object; _eventsCount: number };
  if (table._eventsCount === 0) table._events = new ListenerTable();
}

/** The hold queue while nothing is held (never written: `deliver` replaces it before pushing). */
const NONE: Message[] = [];

/** Unspecified error: the PUBACK / PUBREC reason after a failing handler (MQTT 5, manual ack). */
const HANDLER_FAILED = 0x80;

/** Routes delivered messages to consumers. @internal */
export class Delivery implements IteratorOwner {
  private readonly emitter: EventEmitter;
  private readonly owner: DeliveryOwner;
  private readonly manualAck: boolean;
  private readonly maxHeld: number;
  /** Messages held for want of a consumer (the shared empty array until the first one). */
  private held: Message[] = NONE;
  private heldHead = 0;
  private flushScheduled = false;
  /** Active `messages()` iterators (none: no Set, most clients never iterate). */
  private iterators: Set<MessageIterator> | undefined = undefined;
  /** Manual ack: consumers still working on each message (created on the first message). */
  private holds: Map<Message, number> | undefined;
  /** Manual ack: messages a consumer failed on (created on the first failure). */
  private failed: Set<Message> | undefined;
  private pausedBy = 0;
  /**
   * `'newListener'` hook on the client while messages are held for want of a consumer: a new `message`
   * listener flushes them. Registered only then (made on first need), so an idle client carries no listener.
   */
  private onNewListener: ((event: string | symbol) => void) | undefined = undefined;
  /** Held messages dropped because the hold queue was full. */
  dropped = 0;

  /**
   * @param emitter - the client (its `message` listeners)
   * @param owner - the driver
   * @param manualAck - acknowledge after the consumers are done
   * @param maxHeld - bound of the hold queue
   */
  constructor(emitter: EventEmitter, owner: DeliveryOwner, manualAck: boolean, maxHeld: number) {
    this.emitter = emitter;
    this.owner = owner;
    this.manualAck = manualAck;
    this.maxHeld = maxHeld;
    // Created on first use: an idle session costs no Map or Set (~0.4 KB).
    this.holds = undefined;
    this.failed = undefined;
  }

  /** Watches for a `message` listener while messages are held. */
  private hook(): void {
    if (this.onNewListener !== undefined) return;
    this.onNewListener = (event: string | symbol): void => {
      if (event === 'message') this.scheduleFlush();
    };
    this.emitter.on('newListener', this.onNewListener);
  }

  private unhook(): void {
    const listener = this.onNewListener;
    if (listener === undefined) return;
    this.onNewListener = undefined;
    this.emitter.off('newListener', listener);
  }

  private get hasConsumer(): boolean {
    return (this.iterators !== undefined && this.iterators.size > 0) || this.emitter.listenerCount('message') > 0;
  }

  /** A message from the core. Delivered now when a consumer exists and nothing is held, else held. */
  deliver(message: Message): void {
    if (this.heldHead === this.held.length && this.hasConsumer) {
      this.dispatch(message);
      return;
    }
    if (this.held === NONE) this.held = [];
    this.held.push(message);
    if (this.held.length - this.heldHead > this.maxHeld) {
      const victim = this.held[this.heldHead]!;
      this.held[this.heldHead++] = undefined as unknown as Message;
      this.dropped++;
      if (this.manualAck) this.owner.ack(victim, 0);
      this.owner.report(new MessageDroppedError({ reason: 'no listener', topic: victim.topic }));
    }
    if (this.hasConsumer) this.scheduleFlush();
    else this.hook();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.heldHead === this.held.length) return;
    this.flushScheduled = true;
    // A microtask: `client.on('message', ...)` has returned (the listener exists) by the time it runs.
    queueMicrotask(() => this.flush());
  }

  /** Delivers held messages while a consumer exists. */
  flush(): void {
    this.flushScheduled = false;
    while (this.heldHead < this.held.length && this.hasConsumer) {
      const message = this.held[this.heldHead]!;
      this.held[this.heldHead++] = undefined as unknown as Message;
      this.dispatch(message);
    }
    if (this.heldHead === this.held.length) {
      this.held = NONE;
      this.heldHead = 0;
      this.unhook();
    } else {
      this.hook(); // the consumers left: wait for the next one
    }
  }

  /** Messages held for want of a consumer. */
  get heldCount(): number {
    return this.held.length - this.heldHead;
  }

  private dispatch(message: Message): void {
    const iterators = this.iterators;
    if (this.manualAck) (this.holds ??= new Map()).set(message, (iterators === undefined ? 0 : iterators.size) + 1);
    if (iterators !== undefined) for (const it of iterators) it.push(message);
    if (!this.manualAck) {
      try {
        this.emitter.emit('message', message);
      } catch (err) {
        this.owner.raise(err);
      }
      return;
    }
    this.callListeners(message);
  }

  /** Manual ack: calls the listeners, and releases the message once the promises they returned settled. */
  private callListeners(message: Message): void {
    let pending: Array<PromiseLike<unknown>> | undefined;
    for (const listener of this.emitter.rawListeners('message')) {
      try {
        const result: unknown = (listener as (m: Message) => unknown).call(this.emitter, message);
        if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
          (pending ??= []).push(result as PromiseLike<unknown>);
        }
      } catch (err) {
        (this.failed ??= new Set()).add(message);
        this.owner.raise(err);
      }
    }
    if (pending === undefined) return this.released(message);
    Promise.allSettled(pending).then((results) => {
      for (const r of results) {
        if (r.status === 'rejected') {
          (this.failed ??= new Set()).add(message);
          this.owner.raise(r.reason);
        }
      }
      this.released(message);
    });
  }

  /** One consumer is done with `message` (manual ack): the last one acknowledges it. */
  released(message: Message): void {
    if (!this.manualAck) return;
    const holds = (this.holds ??= new Map());
    const left = (holds.get(message) ?? 1) - 1;
    if (left > 0) {
      holds.set(message, left);
      return;
    }
    holds.delete(message);
    const failed = this.failed !== undefined && this.failed.delete(message);
    this.owner.ack(message, failed ? HANDLER_FAILED : 0);
  }

  /** A new iterator (see `client.messages()`). */
  iterate(options?: MessagesOptions): MessageIterator {
    const it = new MessageIterator(this, options);
    if (!it.done) {
      (this.iterators ??= new Set()).add(it);
      this.scheduleFlush();
    }
    return it;
  }

  /** {@inheritDoc IteratorOwner.detach} */
  detach(iterator: MessageIterator): void {
    this.iterators?.delete(iterator);
  }

  /** {@inheritDoc IteratorOwner.pauseReading} */
  pauseReading(): void {
    if (this.pausedBy++ === 0) this.owner.pauseReading();
  }

  /** {@inheritDoc IteratorOwner.resumeReading} */
  resumeReading(): void {
    if (this.pausedBy > 0 && --this.pausedBy === 0) this.owner.resumeReading();
  }

  /** True while an iterator's full buffer holds reading back. */
  get paused(): boolean {
    return this.pausedBy > 0;
  }

  /** The client closed: iterations end, held messages are dropped. */
  close(): void {
    if (this.iterators !== undefined) for (const it of [...this.iterators]) it.end();
    this.held = NONE;
    this.heldHead = 0;
    this.unhook();
    this.holds?.clear();
    this.failed?.clear();
  }
}
