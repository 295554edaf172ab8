/**
 * `Connection`: an established byte stream (TCP, TLS or any Duplex) with coalesced writes, an explicit
 * backpressure contract, read / write / end deadlines on one timer, and a single `'close'` event that carries
 * the error, if any.
 *
 * The transport is the MQTT "Network Connection": an ordered, lossless stream of bytes in each direction
 * [MQTT-4.2.0-1]. It knows nothing of packets.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { MqttxError } from '@mqttx/codec/errors';
import { TransportError, type TransportErrorCode, closedError, toTransportError } from './errors.js';
import { Deadlines, type ExpiredDeadline } from './deadlines.js';
import { type ConnectionOptions, systemScheduler, validateConnectionOptions } from './options.js';
import type { ConnectionEvents, ConnectionInfo } from './connection-types.js';
import { type Target, maskCredentials } from './target.js';

const OPEN = 0;
const ENDING = 1;
const DESTROYING = 2;
const CLOSED = 3;
const DEFAULT_END_TIMEOUT = 5000;
const EMPTY = Buffer.alloc(0);

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * An established byte stream. Create one with `connect()`, a connector, or `fromDuplex()`.
 *
 * Backpressure contract: `write()` queues the bytes and returns false once the queue is at or above the
 * high-water mark. A writer that gets false must stop and wait for `'drain'` (or `await waitForDrain()`)
 * before writing more; the queue then never exceeds the high-water mark by more than one chunk.
 *
 * Writes made in the same tick are coalesced: the first write of a tick corks the stream and one
 * `process.nextTick` uncorks it, so they leave in one `writev` system call.
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** The target, redacted (never contains credentials). */
  readonly target: string;
  /** The parsed target (displays redacted; holds URL credentials for the MQTT layer), if known. */
  readonly endpoint: Target | undefined;
  /** Peer address, as connected. */
  readonly remoteAddress: string | undefined;
  /** Peer port. */
  readonly remotePort: number | undefined;
  /** Local address of the socket. */
  readonly localAddress: string | undefined;
  /** Local (ephemeral) port of the socket. */
  readonly localPort: number | undefined;
  /** True for TLS connections. */
  readonly encrypted: boolean;
  /** Negotiated ALPN protocol, if any. */
  readonly alpnProtocol: string | undefined;
  /** TLS: whether the peer certificate verified. */
  readonly authorized: boolean | undefined;
  /** TLS: verification failure code when `authorized` is false. */
  readonly authorizationError: string | undefined;
  /** Resolves once the connection has closed, with the close error (or `undefined`). Never rejects. */
  readonly closed: Promise<Error | undefined>;

  private readonly stream: Duplex;
  private readonly deadlines: Deadlines;
  private readonly maxReadChunk: number;
  private state: number;
  private closeError: Error | undefined;
  private corked: boolean;
  private paused: boolean;
  private flowing: boolean;
  private finished: boolean;
  private peerEnded: boolean;
  private readCount: number;
  private writeCount: number;
  private pendingChunk: Buffer | undefined;
  private readonly flushWaiters: Waiter[];
  private readonly drainWaiters: Waiter[];
  private resolveClosed: (err: Error | undefined) => void;

  /**
   * Wraps an open stream. Prefer `connect()` / `fromDuplex()`; the stream must emit `'close'` when done.
   * @param stream - an open Duplex (socket, TLS socket, in-memory stream)
   * @param info - descriptive details
   * @param options - timeouts, read chunk limit and scheduler
   */
  constructor(stream: Duplex, info: ConnectionInfo = {}, options: ConnectionOptions = {}) {
    super();
    validateConnectionOptions(options);
    const target = info.target;
    this.target = target === undefined ? '(duplex)' : typeof target === 'string' ? maskCredentials(target) : String(target);
    this.endpoint = typeof target === 'object' ? target : undefined;
    this.remoteAddress = info.remoteAddress;
    this.remotePort = info.remotePort;
    this.localAddress = info.localAddress;
    this.localPort = info.localPort;
    this.encrypted = info.encrypted ?? false;
    this.alpnProtocol = info.alpnProtocol;
    this.authorized = info.authorized;
    this.authorizationError = info.authorizationError;
    let resolveClosed!: (err: Error | undefined) => void;
    this.closed = new Promise((resolve) => (resolveClosed = resolve));
    this.resolveClosed = resolveClosed;

    this.stream = stream;
    this.deadlines = new Deadlines(
      options.scheduler ?? systemScheduler,
      options.readTimeout ?? 0,
      options.writeTimeout ?? 0,
      options.endTimeout ?? DEFAULT_END_TIMEOUT,
      this.onTimer,
    );
    this.maxReadChunk = options.maxReadChunk ?? Number.MAX_SAFE_INTEGER;
    this.state = OPEN;
    this.closeError = undefined;
    this.corked = false;
    this.paused = false;
    this.flowing = false;
    this.finished = false;
    this.peerEnded = false;
    this.readCount = 0;
    this.writeCount = 0;
    this.pendingChunk = undefined;
    this.flushWaiters = [];
    this.drainWaiters = [];

    stream.on('error', this.onStreamError);
    stream.on('close', this.onStreamClose);
    stream.on('end', this.onStreamEnd);
    stream.on('finish', this.onStreamFinish);
    stream.on('drain', this.onStreamDrain);
    // Reading starts with the first 'data' listener, so no inbound byte is lost before the caller listens.
    (this as EventEmitter).on('newListener', this.onNewListener);
    if (stream.destroyed) {
      this.state = DESTROYING; // already gone: its 'close' may have been emitted; report closed
      process.nextTick(this.onStreamClose);
    } else {
      this.deadlines.arm(false, 0);
    }
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
    return this.peerEnded;
  }

  /** True while reading is paused by `pause()`. */
  get isPaused(): boolean {
    return this.paused;
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
    if (!this.corked) {
      this.corked = true;
      stream.cork();
      process.nextTick(this.uncork);
    }
    const wasIdle = stream.writableLength === 0;
    this.writeCount += length;
    const ok = stream.write(chunk);
    if (wasIdle && this.deadlines.writeTimeout > 0 && this.deadlines.writeStarted(this.writeCount - length)) {
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
    if (state === DESTROYING || state === CLOSED) return Promise.reject(closedError(this.target, this.closeError));
    if (this.stream.writableLength === 0 || (state === ENDING && this.finished)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.flushWaiters.push({ resolve, reject });
      // An empty write completes after every write queued before it: its callback marks the flush point.
      // While ending, no write is possible: 'finish' resolves every waiter instead.
      if (state === OPEN) this.stream.write(EMPTY, this.onFlushWritten);
    });
  }

  /** Resolves immediately unless `needsDrain`; then on `'drain'`. Rejects with `ERR_CONNECTION_CLOSED` on close. */
  waitForDrain(): Promise<void> {
    if (this.state >= DESTROYING) return Promise.reject(closedError(this.target, this.closeError));
    if (!this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  /** Stops emitting `'data'` (the kernel then applies TCP flow control to the peer). The read timeout pauses too. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.stream.pause();
  }

  /** Resumes emitting `'data'`; the read timeout restarts from now. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.deadlines.lastReadAt = this.deadlines.now();
    const pending = this.pendingChunk;
    if (pending !== undefined) {
      this.pendingChunk = undefined;
      this.emitData(pending);
      if (this.paused) return;
    }
    if (this.flowing) this.stream.resume();
    this.schedule();
  }

  /**
   * Graceful close: flushes what is queued, sends FIN, and resolves once the connection has closed (the peer
   * closed its side too). Bounded by `endTimeout`, after which the link is destroyed. Idempotent; never rejects.
   */
  end(): Promise<void> {
    if (this.state === OPEN) {
      this.state = ENDING;
      if (this.deadlines.endStarted()) this.schedule();
      this.corked = false; // end() uncorks the stream itself
      this.stream.end();
      // Read to EOF so the peer's FIN is seen and the connection can close (late data still reaches listeners).
      this.paused = false;
      this.pendingChunk = undefined;
      if (!this.flowing) this.startReading();
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
    this.deadlines.clear();
    this.stream.destroy();
  }

  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    if (!this.stream.destroyed) this.stream.uncork();
  };

  private readonly onNewListener = (event: string | symbol): void => {
    if (event === 'data' && !this.flowing) this.startReading();
  };

  private startReading(): void {
    this.flowing = true;
    (this as EventEmitter).off('newListener', this.onNewListener);
    this.stream.on('data', this.onData);
    if (this.paused) this.stream.pause();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.readCount += chunk.length;
    if (this.deadlines.readTimeout > 0) this.deadlines.lastReadAt = this.deadlines.now();
    this.emitData(chunk);
  };

  private emitData(chunk: Buffer): void {
    const max = this.maxReadChunk;
    if (chunk.length <= max) {
      this.emit('data', chunk);
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      const end = Math.min(offset + max, chunk.length);
      this.emit('data', chunk.subarray(offset, end));
      offset = end;
      if (this.state >= DESTROYING) return; // a listener destroyed the connection
      if (this.paused && offset < chunk.length) {
        this.pendingChunk = chunk.subarray(offset); // delivered first on resume()
        return;
      }
    }
  }

  private readonly onFlushWritten = (err?: Error | null): void => {
    if (err) return; // the connection is failing: the close handler rejects every waiter
    this.flushWaiters.shift()?.resolve();
  };

  private readonly onStreamDrain = (): void => {
    const waiters = this.drainWaiters.splice(0);
    for (const w of waiters) w.resolve();
    this.emit('drain');
  };

  private readonly onStreamFinish = (): void => {
    this.finished = true;
    const waiters = this.flushWaiters.splice(0);
    for (const w of waiters) w.resolve();
  };

  private readonly onStreamEnd = (): void => {
    if (this.state === OPEN) {
      this.peerEnded = true;
      this.state = ENDING; // nothing more can be sent
      if (this.deadlines.endStarted()) this.schedule();
    }
    // No half-open connections: once the peer has ended, end our side too (net.Socket does this itself).
    if (!this.stream.writableEnded && !this.stream.destroyed) {
      this.corked = false;
      this.stream.end();
    }
  };

  private readonly onStreamError = (err: Error): void => {
    if (this.closeError === undefined && this.state !== CLOSED) {
      this.closeError = toTransportError(err, this.target, 'established');
    }
  };

  private readonly onStreamClose = (): void => {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.deadlines.clear();
    const error = this.closeError;
    const stream = this.stream;
    stream.off('data', this.onData);
    stream.off('end', this.onStreamEnd);
    stream.off('finish', this.onStreamFinish);
    stream.off('drain', this.onStreamDrain);
    (this as EventEmitter).off('newListener', this.onNewListener);
    const waiters = this.flushWaiters.splice(0).concat(this.drainWaiters.splice(0));
    if (waiters.length > 0) {
      const closed = closedError(this.target, error);
      for (const w of waiters) w.reject(closed);
    }
    if (error !== undefined && this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('close', error);
    this.resolveClosed(error);
  };

  private readonly onTimer = (): void => {
    if (this.state >= DESTROYING) return;
    const queued = this.stream.writableLength;
    const expired = this.deadlines.check(this.paused, queued, this.writeCount - queued);
    if (expired === undefined) this.schedule();
    else this.destroy(this.deadlineError(expired, queued));
  };

  private deadlineError(expired: ExpiredDeadline, queued: number): MqttxError | undefined {
    const d = this.deadlines;
    // An end that only waited for the peer's FIN, with everything flushed, is not an error.
    if (expired === 'end' && this.finished) return undefined;
    const [code, what, ms]: [TransportErrorCode, string, number] =
      expired === 'read'
        ? ['ERR_READ_TIMEOUT', 'no data received', d.readTimeout]
        : expired === 'write'
          ? ['ERR_WRITE_TIMEOUT', 'queued data made no progress', d.writeTimeout]
          : ['ERR_END_TIMEOUT', 'end() did not flush the queue', d.endTimeout];
    return new TransportError(code, `${what} on ${this.target} within ${ms} ms`, {
      timeout: true,
      temporary: true,
      context: { target: this.target, timeoutMs: ms, queued },
    });
  }

  /** Arms the one timer for the earliest deadline (lazily: not if already armed at or before it). */
  private schedule(): void {
    if (this.state < DESTROYING) this.deadlines.arm(this.paused, this.stream.writableLength);
  }
}

function noop(): void {}
