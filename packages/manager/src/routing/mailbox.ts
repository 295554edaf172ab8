/**
 * A bounded message buffer with an overflow policy, drained either by a handler (one message at a time,
 * in order) or by an async iterator. Used by every route, listener and session handler.
 * @module
 */
import { Fifo } from '../fifo.js';
import type { MessageHandler, SessionMessage } from '../session/message.js';

/**
 * What happens when a message arrives and the buffer is full:
 * - `backpressure`: a QoS 1/2 message waits outside the buffer and its acknowledgement to the broker is
 *   withheld until it got a place (so the broker's in-flight window holds further messages back and nothing
 *   is lost); a QoS 0 message, which has no acknowledgement to withhold, is dropped and counted;
 * - `drop-newest`: the arriving message is dropped and counted;
 * - `drop-oldest`: the oldest buffered message is dropped and counted, the new one is buffered.
 */
export type OverflowPolicy = 'backpressure' | 'drop-oldest' | 'drop-newest';

/** The overflow policies. */
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = Object.freeze(['backpressure', 'drop-oldest', 'drop-newest']);

/** Default buffer bound of routes, listeners and handlers, messages. */
export const DEFAULT_BUFFER_SIZE = 1000;

/**
 * Receives the counts of a route's (or a session handler's) bounded buffer: the part of {@link Route}
 * its buffer calls, feeding the route's metrics.
 */
export interface MailboxSink {
  /** A message was handed to the handler or the iterator. */
  delivered(message: SessionMessage): void;
  /** A message was dropped by the overflow policy (or discarded at close). */
  dropped(message: SessionMessage): void;
  /** The handler threw or rejected. */
  failed(error: unknown, message: SessionMessage): void;
}

interface Waiting {
  message: SessionMessage;
  resolve: () => void;
}

const DONE: IteratorResult<SessionMessage> = Object.freeze({ value: undefined, done: true }) as IteratorResult<SessionMessage>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * A bounded FIFO of messages. With a handler, messages are handed to it one at a time: a handler that
 * returns a promise gets the next message once it settled, so messages arrive in order and the buffer
 * bounds what waits. Without one, {@link Mailbox.next} takes them (async iteration).
 */
export class Mailbox {
  /** Most messages buffered. */
  readonly capacity: number;
  /** Overflow policy. */
  readonly policy: OverflowPolicy;
  private readonly handler: MessageHandler | undefined;
  private readonly sink: MailboxSink;
  private buffer: Array<SessionMessage | undefined>;
  private head: number;
  private waiting: Fifo<Waiting> | undefined;
  private reader: ((result: IteratorResult<SessionMessage>) => void) | undefined;
  private running: boolean;
  private closed: boolean;
  /** Highest number of messages buffered at once (for tests and diagnostics). */
  highWater: number;

  /**
   * @param capacity - buffer bound (>= 1)
   * @param policy - overflow policy
   * @param sink - receives the counts
   * @param handler - drains the buffer; absent for an iterator
   */
  constructor(capacity: number, policy: OverflowPolicy, sink: MailboxSink, handler: MessageHandler | undefined) {
    this.capacity = capacity;
    this.policy = policy;
    this.handler = handler;
    this.sink = sink;
    this.buffer = [];
    this.head = 0;
    this.waiting = undefined;
    this.reader = undefined;
    this.running = false;
    this.closed = false;
    this.highWater = 0;
  }

  /** Messages in the buffer now. */
  get size(): number {
    return this.buffer.length - this.head;
  }

  /** Messages waiting for a place (backpressure). */
  get waitingCount(): number {
    return this.waiting === undefined ? 0 : this.waiting.length;
  }

  /** True once {@link Mailbox.close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Offers a message. Returns a promise only when the message has to wait for a place (policy
   * `backpressure`): it resolves once the message is buffered (or discarded at close), and the caller
   * withholds the broker's acknowledgement until then.
   */
  offer(message: SessionMessage): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.size === 0) {
      if (this.handler !== undefined) {
        if (!this.running) {
          this.run(message);
          return undefined;
        }
      } else {
        const reader = this.reader;
        if (reader !== undefined) {
          this.reader = undefined;
          this.sink.delivered(message);
          reader({ value: message, done: false });
          return undefined;
        }
      }
    }
    if (this.size < this.capacity) {
      this.push(message);
      return undefined;
    }
    switch (this.policy) {
      case 'drop-newest':
        this.sink.dropped(message);
        return undefined;
      case 'drop-oldest':
        this.sink.dropped(this.shift());
        this.push(message);
        return undefined;
      default:
        if (message.qos === 0) {
          this.sink.dropped(message);
          return undefined;
        }
        return new Promise<void>((resolve) => (this.waiting ??= new Fifo()).push({ message, resolve }));
    }
  }

  /** The next message (iterator mode): at once when one is buffered, else when one arrives; done once closed. */
  next(): Promise<IteratorResult<SessionMessage>> {
    if (this.size > 0) {
      const message = this.shift();
      this.sink.delivered(message);
      return Promise.resolve({ value: message, done: false });
    }
    if (this.closed) return Promise.resolve(DONE);
    if (this.reader !== undefined) {
      return Promise.reject(new Error('next() called again before the previous call resolved'));
    }
    return new Promise((resolve) => (this.reader = resolve));
  }

  /**
   * Closes the mailbox: buffered and waiting messages are discarded (counted as dropped; waiting ones are
   * released so their acknowledgements go), a pending `next()` resolves done. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    while (this.size > 0) this.sink.dropped(this.shiftRaw());
    this.buffer = [];
    this.head = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting !== undefined) {
      for (const w of waiting.drain()) {
        this.sink.dropped(w.message);
        w.resolve();
      }
    }
    const reader = this.reader;
    this.reader = undefined;
    reader?.(DONE);
  }

  private push(message: SessionMessage): void {
    this.buffer.push(message);
    const size = this.size;
    if (size > this.highWater) this.highWater = size;
  }

  /** Takes the oldest buffered message without refilling. */
  private shiftRaw(): SessionMessage {
    const message = this.buffer[this.head]!;
    this.buffer[this.head++] = undefined;
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    return message;
  }

  /** Takes the oldest buffered message and moves the first waiting one (if any) into the freed place. */
  private shift(): SessionMessage {
    const message = this.shiftRaw();
    const waiting = this.waiting;
    if (waiting !== undefined && waiting.length > 0 && !this.closed) {
      const w = waiting.shift()!;
      this.push(w.message);
      w.resolve();
    }
    return message;
  }

  /** Hands `message` to the handler; an async handler holds the queue until it settled. */
  private run(message: SessionMessage): void {
    this.sink.delivered(message);
    let result: unknown;
    try {
      result = this.handler!(message);
    } catch (err) {
      this.sink.failed(err, message);
      return;
    }
    if (isThenable(result)) {
      this.running = true;
      result.then(this.onSettled, (err: unknown) => {
        this.sink.failed(err, message);
        this.onSettled();
      });
    }
  }

  /** The async handler settled: hand over what is buffered (sync handlers drain in one go). */
  private readonly onSettled = (): void => {
    this.running = false;
    while (!this.running && !this.closed && this.size > 0) this.run(this.shift());
  };
}
