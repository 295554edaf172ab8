/**
 * `Connection`: an established byte stream (TCP, TLS or any Duplex) with coalesced writes, an explicit
 * backpressure contract, read / write / end deadlines on one timer, and a single `'close'` event that carries
 * the error, if any.
 *
 * The transport is the MQTT "Network Connection": an ordered, lossless stream of bytes in each direction
 * [MQTT-4.2.0-1]. It knows nothing of packets.
 *
 * This file holds construction and the public API; what the connection does when its stream reports
 * data, drain, finish, end, an error or its close, or its timer fires, is in `connection-stream.ts` (one
 * unit, split for size).
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { closedError } from './errors.js';
import { Deadlines } from './deadlines.js';
import { type ConnectionOptions, validateConnectionOptions } from './options.js';
import type { ConnectionEvents, ConnectionHandler, ConnectionInfo } from './connection-types.js';
import { type Target, maskCredentials } from './target.js';
import { type ConnectionConfig, type TlsDetails, configOf, tlsDetailsOf } from './connection-config.js';
import { Extras } from './connection-extras.js';
import {
  CLOSED,
  CORKED,
  DESTROYING,
  DRAIN_LISTENING,
  END_MERGED,
  ENDING,
  FINISH_LISTENING,
  FLOWING,
  ListenerTable,
  OPEN,
  OWNER,
  type OwnedStream,
  PAUSED,
  PEER_ENDED,
  emitData,
  listenEnd,
  noop,
  onNewListener,
  onStreamClose,
  onStreamDrain,
  onStreamError,
  onStreamFinish,
  startReading,
  streamClosed,
  timerFired,
  uncork,
} from './connection-stream.js';

const EMPTY = Buffer.alloc(0);

/**
 * An established byte stream. Create one with `connect()`, a connector, or `fromDuplex()`.
 *
 * Backpressure contract: `write()` queues the bytes and returns false once the queue is at or above the
 * high-water mark. A writer that gets false must stop and wait for `'drain'` (or `await waitForDrain()`)
 * before writing more; the queue then never exceeds the high-water mark by more than one chunk.
 *
 * Writes made in the same tick are coalesced: the first write of a tick corks the stream and one
 * `process.nextTick` uncorks it, so they leave in one `writev` system call.
 *
 * Memory: an idle connection holds no closure, promise, array or timer of its own. Its stream listeners are
 * functions shared by every connection, and `closed`, the waiter lists and the deadline timer are created
 * on first use.
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** Peer address, as connected. */
  readonly remoteAddress: string | undefined;
  /** Peer port. */
  readonly remotePort: number | undefined;
  /** Local address of the socket. */
  readonly localAddress: string | undefined;
  /** Local (ephemeral) port of the socket. */
  readonly localPort: number | undefined;

  /** `info.target` as given (displayed through {@link target}). */
  private readonly targetInfo: Target | string | undefined;
  private readonly tls: TlsDetails | undefined;
  private readonly stream: Duplex;
  private readonly config: ConnectionConfig;
  /** The deadline timer, once a deadline exists (a read or write timeout, or `end()`). */
  private deadlines: Deadlines | undefined;
  private state: number;
  /** Bit set of CORKED, PAUSED, FLOWING, PEER_ENDED, DRAIN_LISTENING, FINISH_LISTENING, END_MERGED. */
  private flags: number;
  private closeError: Error | undefined;
  private readCount: number;
  private writeCount: number;
  private extras: Extras | undefined;
  private handler: ConnectionHandler | undefined;

  /**
   * Wraps an open stream. Prefer `connect()` / `fromDuplex()`; the stream must emit `'close'` when done.
   * @param stream - an open Duplex (socket, TLS socket, in-memory stream)
   * @param info - descriptive details
   * @param options - timeouts, read chunk limit and scheduler
   */
  constructor(stream: Duplex, info: ConnectionInfo = {}, options: ConnectionOptions = {}) {
    super();
    validateConnectionOptions(options);
    // Node resets the table to its own (a dictionary) only when the last listener is removed.
    (this as unknown as { _events: object })._events = new ListenerTable();
    this.remoteAddress = info.remoteAddress;
    this.remotePort = info.remotePort;
    this.localAddress = info.localAddress;
    this.localPort = info.localPort;
    this.targetInfo = info.target;
    this.tls = tlsDetailsOf(info);
    this.stream = stream;
    this.config = configOf(options);
    this.deadlines = undefined;
    this.state = OPEN;
    this.flags = 0;
    this.closeError = undefined;
    this.readCount = 0;
    this.writeCount = 0;
    this.extras = undefined;
    this.handler = undefined;

    (stream as OwnedStream)[OWNER] = this;
    stream.on('error', onStreamError);
    stream.on('close', onStreamClose);
    if (listenEnd(stream)) this.flags |= END_MERGED;
    // Reading starts with the first 'data' listener (or handler), so no inbound byte is lost before then.
    (this as EventEmitter).on('newListener', onNewListener);
    if (stream.destroyed) {
      this.state = DESTROYING; // already gone: its 'close' may have been emitted; report closed
      process.nextTick(streamClosed, this);
    } else if (this.config.readTimeout > 0 || this.config.writeTimeout > 0) {
      this.timers().arm(false, 0);
    }
  }

  /** The target, redacted (never contains credentials). */
  get target(): string {
    const target = this.targetInfo;
    return target === undefined ? '(duplex)' : typeof target === 'string' ? maskCredentials(target) : String(target);
  }

  /** The parsed target (displays redacted; holds URL credentials for the MQTT layer), if known. */
  get endpoint(): Target | undefined {
    const target = this.targetInfo;
    return typeof target === 'object' ? target : undefined;
  }

  /** True for TLS connections. */
  get encrypted(): boolean {
    return this.tls?.encrypted ?? false;
  }

  /** Negotiated ALPN protocol, if any. */
  get alpnProtocol(): string | undefined {
    return this.tls?.alpnProtocol;
  }

  /** TLS: whether the peer certificate verified. */
  get authorized(): boolean | undefined {
    return this.tls?.authorized;
  }

  /** TLS: verification failure code when `authorized` is false. */
  get authorizationError(): string | undefined {
    return this.tls?.authorizationError;
  }

  /** Resolves once the connection has closed, with the close error (or `undefined`). Never rejects. */
  get closed(): Promise<Error | undefined> {
    return this.more().closed(this.state === CLOSED, this.closeError);
  }

  /** Total bytes received. */
  get bytesRead(): number {
    return this.readCount;
  }

  /** Total bytes accepted by `write()` (queued); `bytesWritten - writableLength` have reached the kernel. */
  get bytesWritten(): number {
    return this.writeCount;
  }

  /** Bytes queued in user space, not yet handed to the kernel. */
  get writableLength(): number {
    return this.stream.writableLength;
  }

  /** The writable high-water mark in bytes. */
  get highWaterMark(): number {
    return this.stream.writableHighWaterMark;
  }

  /** True after `write()` returned false, until `'drain'`: the writer must wait. */
  get needsDrain(): boolean {
    return this.stream.writableNeedDrain;
  }

  /** True when nothing is queued: everything written so far has been handed to the kernel. */
  get drained(): boolean {
    return this.stream.writableLength === 0;
  }

  /** True once the connection can no longer carry data (`end()`, `destroy()`, or closed). */
  get isClosing(): boolean {
    return this.state !== OPEN;
  }

  /** True once `'close'` has been emitted. */
  get isClosed(): boolean {
    return this.state === CLOSED;
  }

  /** True when the peer ended its side (sent FIN) before we did. */
  get endedByPeer(): boolean {
    return (this.flags & PEER_ENDED) !== 0;
  }

  /** True while reading is paused by `pause()`. */
  get isPaused(): boolean {
    return (this.flags & PAUSED) !== 0;
  }

  /**
   * Sets the {@link ConnectionHandler} (replacing a previous one) and starts reading. Listeners still get
   * every event, after the handler.
   */
  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
    if ((this.flags & FLOWING) === 0) startReading(this);
  }

  /**
   * Queues `chunk` for sending. Returns false when the queue is at or above the high-water mark (wait for
   * `'drain'`), and also once the connection is closing or closed (the bytes are then dropped; `flush()`,
   * `writeAsync()` and `waitForDrain()` reject with `ERR_CONNECTION_CLOSED`). Never throws.
   * @param chunk - bytes to send; the caller must not modify them afterwards
   */
  write(chunk: Uint8Array): boolean {
    const stream = this.stream;
    if (this.state !== OPEN) return false;
    const length = chunk.byteLength;
    if (length === 0) return !stream.writableNeedDrain;
    if ((this.flags & CORKED) === 0) {
      this.flags |= CORKED;
      stream.cork();
      process.nextTick(uncork, this);
    }
    const wasIdle = stream.writableLength === 0;
    this.writeCount += length;
    const ok = stream.write(chunk);
    if (!ok) this.listenDrain();
    const d = this.deadlines;
    if (wasIdle && d !== undefined && d.writeTimeout > 0 && d.writeStarted(this.writeCount - length)) {
      this.schedule(); // the queue went from empty to busy: the write deadline starts now
    }
    return ok;
  }

  /**
   * Writes `chunk` and resolves once it (and everything queued before it) has been handed to the kernel.
   * Rejects with `ERR_CONNECTION_CLOSED` if the connection closes first.
   * @param chunk - bytes to send
   */
  writeAsync(chunk: Uint8Array): Promise<void> {
    if (this.state !== OPEN) return Promise.reject(closedError(this.target, this.closeError));
    this.write(chunk);
    return this.flush();
  }

  /**
   * Resolves once everything queued so far has been handed to the kernel. Rejects with
   * `ERR_CONNECTION_CLOSED` if the connection is destroyed or closes first.
   */
  flush(): Promise<void> {
    const state = this.state;
    const stream = this.stream;
    if (state === DESTROYING || state === CLOSED) return Promise.reject(closedError(this.target, this.closeError));
    if (stream.writableLength === 0 || (state === ENDING && stream.writableFinished)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const x = this.more();
      (x.flushWaiters ??= []).push({ resolve, reject });
      // An empty write completes after every write queued before it: its callback marks the flush point.
      // While ending, no write is possible: 'finish' resolves every waiter instead.
      if (state === OPEN) {
        stream.write(EMPTY, (x.flushWritten ??= (err) => x.flushPointWritten(err)));
      } else if ((this.flags & FINISH_LISTENING) === 0) {
        this.flags |= FINISH_LISTENING;
        stream.on('finish', onStreamFinish);
      }
    });
  }

  /** Resolves immediately unless `needsDrain`; then on `'drain'`. Rejects with `ERR_CONNECTION_CLOSED` on close. */
  waitForDrain(): Promise<void> {
    if (this.state >= DESTROYING) return Promise.reject(closedError(this.target, this.closeError));
    if (!this.stream.writableNeedDrain) return Promise.resolve();
    this.listenDrain();
    const x = this.more();
    return new Promise<void>((resolve, reject) => (x.drainWaiters ??= []).push({ resolve, reject }));
  }

  /** Stops emitting `'data'` (the kernel then applies TCP flow control to the peer). The read timeout pauses too. */
  pause(): void {
    if ((this.flags & PAUSED) !== 0) return;
    this.flags |= PAUSED;
    this.stream.pause();
  }

  /** Resumes emitting `'data'`; the read timeout restarts from now. */
  resume(): void {
    if ((this.flags & PAUSED) === 0) return;
    this.flags &= ~PAUSED;
    const d = this.deadlines;
    if (d !== undefined) d.lastReadAt = d.now();
    const x = this.extras;
    const pending = x?.pendingChunk;
    if (pending !== undefined) {
      x!.pendingChunk = undefined;
      emitData(this, pending);
      if ((this.flags & PAUSED) !== 0) return;
    }
    if ((this.flags & FLOWING) !== 0) this.stream.resume();
    this.schedule();
  }

  /**
   * Graceful close: flushes what is queued, sends FIN, and resolves once the connection has closed (the peer
   * closed its side too). Bounded by `endTimeout`, after which the link is destroyed. Idempotent; never rejects.
   */
  end(): Promise<void> {
    if (this.state === OPEN) {
      this.state = ENDING;
      this.startEndDeadline();
      this.flags &= ~CORKED; // end() uncorks the stream itself
      this.stream.end();
      // Read to EOF so the peer's FIN is seen and the connection can close (late data still reaches listeners).
      this.flags &= ~PAUSED;
      if (this.extras !== undefined) this.extras.pendingChunk = undefined;
      if ((this.flags & FLOWING) === 0) startReading(this);
      else this.stream.resume();
    }
    return this.closed.then(noop);
  }

  /**
   * Immediate close: drops queued bytes and releases the socket. `'close'` follows with `error` (or
   * `undefined`). Idempotent: only the first call's error counts.
   * @param error - reason reported by `'close'`
   */
  destroy(error?: Error): void {
    if (this.state >= DESTROYING) return;
    this.state = DESTROYING;
    if (this.closeError === undefined) this.closeError = error;
    this.deadlines?.clear();
    this.stream.destroy();
  }

  /** The rarely needed state (created on first use). */
  private more(): Extras {
    return (this.extras ??= new Extras());
  }

  /** The deadline timer (created on first use). */
  private timers(): Deadlines {
    let d = this.deadlines;
    if (d === undefined) {
      const c = this.config;
      d = new Deadlines(c.scheduler, c.readTimeout, c.writeTimeout, c.endTimeout, () => timerFired(this));
      this.deadlines = d;
    }
    return d;
  }

  /** Starts the end deadline (once), when there is one. */
  private startEndDeadline(): void {
    if (this.config.endTimeout > 0 && this.timers().endStarted()) this.schedule();
  }

  private listenDrain(): void {
    if ((this.flags & DRAIN_LISTENING) !== 0) return;
    this.flags |= DRAIN_LISTENING;
    this.stream.on('drain', onStreamDrain);
  }

  /** Arms the one timer for the earliest deadline (lazily: not if already armed at or before it). */
  private schedule(): void {
    const d = this.deadlines;
    if (d !== undefined && this.state < DESTROYING) d.arm((this.flags & PAUSED) !== 0, this.stream.writableLength);
  }
}
