/**
 * The stream listeners of a `Connection`, shared by every connection: one module-level function per event
 * (so each can be removed by identity), called with the stream as `this`, which finds its connection through
 * the {@link OWNER} symbol the connection stores on the stream. An idle connection thus holds no listener
 * closure of its own. Each calls a different method directly: no dispatch by name on the `'data'` path.
 *
 * The listeners call the connection's private `stream*` methods by element access, the one place outside
 * the class that does.
 * @module
 */
import type { Duplex } from 'node:stream';
import type { Connection } from './connection.js';

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

/** Stream `'data'`: inbound bytes. */
export function onStreamData(this: Duplex, chunk: Buffer): void {
  ownerOf(this)['streamData'](chunk);
}
/** Stream `'drain'` (listened to from the first `write()` that returned false). */
export function onStreamDrain(this: Duplex): void {
  ownerOf(this)['streamDrain']();
}
/** Stream `'finish'` (listened to from the first flush waiting while ending). */
export function onStreamFinish(this: Duplex): void {
  ownerOf(this)['streamFinish']();
}
/** Stream `'end'`: the peer ended its side. */
export function onStreamEnd(this: Duplex): void {
  ownerOf(this)['streamEnd']();
}
/** Stream `'error'` (its `'close'` follows). */
export function onStreamError(this: Duplex, err: Error): void {
  ownerOf(this)['streamError'](err);
}
/** Stream `'close'`. */
export function onStreamClose(this: Duplex): void {
  ownerOf(this)['streamClose']();
}

/**
 * Closes the connection of a stream that was already destroyed when wrapped (`process.nextTick` callback).
 * @param stream - the connection's stream
 */
export function closeStream(stream: Duplex): void {
  ownerOf(stream)['streamClose']();
}

/**
 * Uncorks the writes of this tick (`process.nextTick` callback of the first write of a tick).
 * @param connection - the connection that corked its stream
 */
export function uncork(connection: Connection): void {
  connection['uncork']();
}

/** The connection's own `'newListener'` listener, until reading starts: the first `'data'` listener starts it. */
export function onNewListener(this: Connection, event: string | symbol): void {
  this['listenerAdded'](event);
}

/** Does nothing (maps the `closed` promise to `void`). */
export function noop(): void {}
