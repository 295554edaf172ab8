/**
 * The message type handed to the application and `client.messages()`, an async iterator over incoming
 * messages with a bounded buffer.
 * @module
 */
import type { PublishPacket } from '@mqttx/codec';

/**
 * An incoming application message: `topic` (resolved from a topic alias), `payload`, `qos`, `retain`,
 * `dup`, `packetId` (QoS 1/2) and `properties` (MQTT 5). It is the decoded PUBLISH itself: the payload is a
 * zero-copy view of the bytes read from the socket, so copy it (`Buffer.from(msg.payload)`) to keep it
 * long or to change it.
 */
export type Message = Readonly<PublishPacket>;

/** What a {@link MessageIterator} needs from the driver. */
export interface IteratorOwner {
  /** The iterator's buffer is full: stop reading from the network. */
  pauseReading(): void;
  /** The iterator's buffer has room again. */
  resumeReading(): void;
  /** The consumer took the next message: the previous one is processed (manual acknowledgement). */
  released(message: Message): void;
  /** The iterator ended (return / close). */
  detach(iterator: MessageIterator): void;
}

/** Options of `client.messages()`. */
export interface MessagesOptions {
  /** Messages buffered before the client stops reading from the network. Default 1000. */
  bufferSize?: number;
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

const DONE: IteratorResult<Message> = Object.freeze({ value: undefined, done: true }) as IteratorResult<Message>;

/**
 * An async iterator over incoming messages. Messages wait in a buffer of `bufferSize`; when it is full the
 * client stops reading from the socket (TCP flow control holds the broker back) until the consumer catches
 * up, so nothing is lost. The iteration ends when the client closes, when the signal aborts, or on
 * `break` / `return()`. With `manualAck`, a message is acknowledged once the consumer asks for the next one
 * (or ends the loop).
 */
export class MessageIterator implements AsyncIterableIterator<Message> {
  private readonly owner: IteratorOwner;
  private readonly size: number;
  private buffer: Message[] = [];
  private head = 0;
  private waiting: ((result: IteratorResult<Message>) => void) | undefined = undefined;
  private current: Message | undefined = undefined;
  private ended = false;
  private paused = false;
  private signal: AbortSignal | undefined;

  /**
   * @param owner - the driver
   * @param options - buffer size and signal
   */
  constructor(owner: IteratorOwner, options: MessagesOptions = {}) {
    this.owner = owner;
    const size = options.bufferSize ?? 1000;
    this.size = Number.isInteger(size) && size > 0 ? size : 1000;
    this.signal = options.signal;
    if (this.signal !== undefined) {
      if (this.signal.aborted) this.ended = true;
      else this.signal.addEventListener('abort', this, { once: true });
    }
  }

  /** Messages waiting in the buffer. */
  get buffered(): number {
    return this.buffer.length - this.head;
  }

  /** True once the iteration ended. */
  get done(): boolean {
    return this.ended;
  }

  /** A new message from the driver. */
  push(message: Message): void {
    if (this.ended) {
      this.owner.released(message);
      return;
    }
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      this.current = message;
      waiting({ value: message, done: false });
      return;
    }
    this.buffer.push(message);
    if (!this.paused && this.buffered >= this.size) {
      this.paused = true;
      this.owner.pauseReading();
    }
  }

  /**
   * The next message: at once from the buffer, else when one arrives; `{ done: true }` once the iteration
   * ended and the buffer is empty. Taking a message marks the previous one processed (with `manualAck`, that
   * acknowledges it), and draining the buffer to half resumes reading from the network.
   */
  next(): Promise<IteratorResult<Message>> {
    this.releaseCurrent();
    if (this.buffered > 0) {
      const message = this.buffer[this.head]!;
      this.buffer[this.head++] = undefined as unknown as Message;
      if (this.head > 1024 && this.head * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.head);
        this.head = 0;
      }
      if (this.paused && this.buffered <= this.size >> 1) {
        this.paused = false;
        this.owner.resumeReading();
      }
      this.current = message;
      return Promise.resolve({ value: message, done: false });
    }
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Ends the iteration (also what `break` calls). */
  return(): Promise<IteratorResult<Message>> {
    this.end();
    return Promise.resolve(DONE);
  }

  /** Returns the iterator itself, so it works with `for await (const msg of client.messages())`. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** AbortSignal listener. */
  handleEvent(): void {
    this.end();
  }

  /** Ends the iteration: pending `next()` resolves done; buffered messages are released (acknowledged). */
  end(): void {
    if (this.ended && this.waiting === undefined && this.buffered === 0 && this.current === undefined) return;
    this.ended = true;
    this.releaseCurrent();
    for (let i = this.head; i < this.buffer.length; i++) this.owner.released(this.buffer[i]!);
    this.buffer = [];
    this.head = 0;
    if (this.signal !== undefined) {
      this.signal.removeEventListener('abort', this);
      this.signal = undefined;
    }
    if (this.paused) {
      this.paused = false;
      this.owner.resumeReading();
    }
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(DONE);
    this.owner.detach(this);
  }

  private releaseCurrent(): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    this.owner.released(current);
  }
}
