/**
 * The event side of a `Connection`: what the connection does when its stream reports data, drain,
 * finish, the peer's end, an error or its close (and when its deadline timer fires or the writes of a tick
 * are uncorked), and how reading starts. One module-level listener per stream event, shared by every
 * connection (so each can be removed by identity), called with the stream as `this`; it finds its
 * connection through the {@link OWNER} symbol the connection stores on the stream. An idle connection thus
 * holds no listener closure of its own.
 *
 * `connection.ts` (construction and the public API) and this module are one unit split for size: the
 * listeners here read and write the connection's private state by element access (`c['state']`), and no
 * other module does. The state and flag constants both use are defined here.
 * @module
 */
import type { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Connection } from './connection.js';
import { deadlineError } from './connection-config.js';
import { closedError, toTransportError } from './errors.js';

/** `Connection.state`: open for reading and writing. */
export const OPEN = 0;
/** `Connection.state`: `end()` called or the peer ended: nothing more can be sent. */
export const ENDING = 1;
/** `Connection.state`: `destroy()` called, `'close'` pending. */
export const DESTROYING = 2;
/** `Connection.state`: `'close'` emitted. */
export const CLOSED = 3;

/** `Connection.flags`: writes of this tick are corked (one `process.nextTick` uncorks them). */
export const CORKED = 1;
/** `Connection.flags`: reading paused by `pause()`. */
export const PAUSED = 2;
/** `Connection.flags`: reading started (a `'data'` listener or a handler exists). */
export const FLOWING = 4;
/** `Connection.flags`: the peer ended its side before we did. */
export const PEER_ENDED = 8;
/** `Connection.flags`: listening to the stream's `'drain'` (from the first `write()` that returned false). */
export const DRAIN_LISTENING = 16;
/** `Connection.flags`: listening to the stream's `'finish'` (from the first flush waiting while ending). */
export const FINISH_LISTENING = 32;
/** `Connection.flags`: the stream's `'end'` listener stands for Node's own too (see {@link listenEnd}). */
export const END_MERGED = 64;

/**
 * A listener table for an `EventEmitter` (`_events`) that stays in V8's fast mode: an instance of a
 * constructor whose prototype has no prototype, so no event name can hit an inherited property. Node's
 * own `{ __proto__: null }` table starts as a dictionary of about 160 bytes, even while empty.
 */
export const ListenerTable = function ListenerTable(): void {} as unknown as new () => object;
ListenerTable.prototype = Object.create(null) as object;

/** The connection a stream belongs to: its listeners are shared functions, called with the stream as `this`. */
export const OWNER = Symbol('mqttx.connection');
/** A stream that may carry its {@link OWNER}. */
export type OwnedStream = Duplex & { [OWNER]?: Connection };

/**
 * The connection `stream` belongs to (set by the `Connection` constructor before any listener is added).
 * @param stream - a connection's stream
 */
function ownerOf(stream: Duplex): Connection {
  return (stream as OwnedStream)[OWNER]!;
}

/** Stream `'data'`: inbound bytes (the read deadline restarts). */
function onStreamData(this: Duplex, chunk: Buffer): void {
  const c = ownerOf(this);
  c['readCount'] += chunk.length;
  const d = c['deadlines'];
  if (d !== undefined && d.readTimeout > 0) d.lastReadAt = d.now();
  emitData(c, chunk);
}

/**
 * Hands `chunk` to the handler and the `'data'` listeners, in pieces of at most `maxReadChunk` bytes. When
 * a listener pauses the connection in between, the rest is held back and delivered first on `resume()`.
 * @param c - the connection
 * @param chunk - inbound bytes
 */
export function emitData(c: Connection, chunk: Buffer): void {
  const max = c['config'].maxReadChunk;
  if (max === 0 || chunk.length <= max) {
    deliver(c, chunk);
    return;
  }
  let offset = 0;
  while (offset < chunk.length) {
    const end = Math.min(offset + max, chunk.length);
    deliver(c, chunk.subarray(offset, end));
    offset = end;
    if (c['state'] >= DESTROYING) return; // a listener destroyed the connection
    if ((c['flags'] & PAUSED) !== 0 && offset < chunk.length) {
      c['more']().pendingChunk = chunk.subarray(offset); // delivered first on resume()
      return;
    }
  }
}

function deliver(c: Connection, chunk: Buffer): void {
  const handler = c['handler'];
  if (handler !== undefined) handler.connectionData(chunk);
  c.emit('data', chunk);
}

/** Stream `'drain'` (listened to from the first `write()` that returned false). */
export function onStreamDrain(this: Duplex): void {
  const c = ownerOf(this);
  c['extras']?.drained();
  c['handler']?.connectionDrain();
  c.emit('drain');
}

/** Stream `'finish'` (listened to from the first flush waiting while ending): everything flushed after `end()`. */
export function onStreamFinish(this: Duplex): void {
  ownerOf(this)['extras']?.finished();
}

/** Stream `'end'`: the peer ended its side. */
export function onStreamEnd(this: Duplex): void {
  peerEnded(ownerOf(this));
}

function peerEnded(c: Connection): void {
  if (c['state'] === OPEN) {
    c['flags'] |= PEER_ENDED;
    c['state'] = ENDING; // nothing more can be sent
    c['startEndDeadline']();
  }
  // No half-open connections: once the peer has ended, end our side too (net.Socket does this itself).
  const stream = c['stream'];
  if (!stream.writableEnded && !stream.destroyed) {
    c['flags'] &= ~CORKED;
    stream.end();
  }
}

/**
 * `net.Socket`'s own `'end'` listener: every socket (TLS ones too) gets the same module function from its
 * constructor. Found once, from a socket that never connects; `null` if this Node does it differently.
 */
let socketEnd: ((this: Duplex) => void) | null | undefined;

function socketEndListener(): ((this: Duplex) => void) | null {
  if (socketEnd === undefined) {
    const own = new Socket().listeners('end');
    socketEnd = own.length === 1 ? (own[0] as (this: Duplex) => void) : null;
  }
  return socketEnd;
}

/** Stands for `net.Socket`'s own `'end'` listener followed by {@link onStreamEnd} (same order, same `this`). */
function onSocketEnd(this: Duplex): void {
  socketEnd!.call(this);
  peerEnded(ownerOf(this));
}

/**
 * Listens to the stream's `'end'`. A socket already has Node's own `'end'` listener, and a second one
 * turns its listener slot into an array (about 75 bytes per connection); so when Node's is the only one,
 * it is replaced by {@link onSocketEnd}, which calls it and then does ours. Any other stream gets
 * {@link onStreamEnd}.
 * @param stream - a connection's stream
 * @returns true when Node's listener was merged (give the same to {@link unlistenEnd})
 */
export function listenEnd(stream: Duplex): boolean {
  if (stream.listenerCount('end') === 1) {
    const node = socketEndListener();
    if (node !== null && stream.listeners('end')[0] === node) {
      stream.off('end', node);
      stream.on('end', onSocketEnd);
      return true;
    }
  }
  stream.on('end', onStreamEnd);
  return false;
}

/**
 * Undoes {@link listenEnd} (Node's own listener is put back).
 * @param stream - a connection's stream
 * @param merged - what `listenEnd` returned
 */
function unlistenEnd(stream: Duplex, merged: boolean): void {
  if (!merged) {
    stream.off('end', onStreamEnd);
    return;
  }
  stream.off('end', onSocketEnd);
  stream.on('end', socketEnd!);
}

/** Stream `'error'` (its `'close'` follows): the first error is the close error. */
export function onStreamError(this: Duplex, err: Error): void {
  const c = ownerOf(this);
  if (c['closeError'] === undefined && c['state'] !== CLOSED) {
    c['closeError'] = toTransportError(err, c.target, 'established');
  }
}

/** Stream `'close'`. */
export function onStreamClose(this: Duplex): void {
  streamClosed(ownerOf(this));
}

/**
 * The stream closed: stop listening, reject the waiters, emit `'error'` (when listened to) and `'close'`.
 * Also the `process.nextTick` callback closing a connection whose stream was already destroyed when wrapped.
 * @param c - the connection
 */
export function streamClosed(c: Connection): void {
  if (c['state'] === CLOSED) return;
  c['state'] = CLOSED;
  c['deadlines']?.clear();
  const error = c['closeError'];
  const stream = c['stream'];
  stream.off('data', onStreamData);
  unlistenEnd(stream, (c['flags'] & END_MERGED) !== 0);
  if ((c['flags'] & FINISH_LISTENING) !== 0) stream.off('finish', onStreamFinish);
  if ((c['flags'] & DRAIN_LISTENING) !== 0) stream.off('drain', onStreamDrain);
  (c as EventEmitter).off('newListener', onNewListener);
  const x = c['extras'];
  if (x !== undefined && x.hasWaiters()) x.rejectWaiters(closedError(c.target, error));
  if (error !== undefined && c.listenerCount('error') > 0) c.emit('error', error);
  c['handler']?.connectionClose(error);
  c.emit('close', error);
  c['extras']?.settleClosed(error); // a listener may have asked for `closed` meanwhile (then already resolved)
}

/**
 * Uncorks the writes of this tick (`process.nextTick` callback of the first write of a tick).
 * @param connection - the connection that corked its stream
 */
export function uncork(connection: Connection): void {
  if ((connection['flags'] & CORKED) === 0) return;
  connection['flags'] &= ~CORKED;
  const stream = connection['stream'];
  if (!stream.destroyed) stream.uncork();
}

/** The connection's own `'newListener'` listener, until reading starts: the first `'data'` listener starts it. */
export function onNewListener(this: Connection, event: string | symbol): void {
  if (event === 'data' && (this['flags'] & FLOWING) === 0) startReading(this);
}

/**
 * Starts reading: the stream's `'data'` listener (the `'newListener'` watch ends). Called by a first
 * `'data'` listener or handler, or by `end()` (to see the peer's FIN).
 * @param c - the connection
 */
export function startReading(c: Connection): void {
  c['flags'] |= FLOWING;
  const self = c as unknown as EventEmitter & { _events: object; _eventsCount: number };
  self.off('newListener', onNewListener);
  if (self._eventsCount === 0) self._events = new ListenerTable(); // Node's empty table is a dictionary
  const stream = c['stream'];
  stream.on('data', onStreamData);
  if ((c['flags'] & PAUSED) !== 0) stream.pause();
}

/**
 * The deadline timer fired: a deadline that expired destroys the connection (with its timeout error; none
 * when `end()` only waited for the peer's FIN), else the timer is armed for the next one.
 * @param c - the connection
 */
export function timerFired(c: Connection): void {
  if (c['state'] >= DESTROYING) return;
  const stream = c['stream'];
  const queued = stream.writableLength;
  const expired = c['deadlines']!.check((c['flags'] & PAUSED) !== 0, queued, c['writeCount'] - queued);
  if (expired === undefined) c['schedule']();
  else if (expired === 'end' && stream.writableFinished) c.destroy(); // only waited for the peer's FIN: no error
  else c.destroy(deadlineError(expired, c['config'], c.target, queued));
}

/** Does nothing (maps the `closed` promise to `void`). */
export function noop(): void {}
