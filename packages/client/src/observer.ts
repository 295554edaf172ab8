/**
 * An internal hook for code that wraps a client (the session manager): one observer object gets the
 * client's lifecycle events, in place of one `EventEmitter` listener per event. A client with a listener
 * for each of seven events keeps a larger listener table (about 0.3 KB more per client); with thousands of
 * sessions in one process that is the largest part of a wrapper's cost per idle session.
 * @module
 */
import type { ClientEvents } from './events.js';

/** Lifecycle events an observer receives (every event of {@link ClientEvents} except `message`). */
export type ObservedEvent = Exclude<keyof ClientEvents, 'message'>;

/**
 * Receives a client's lifecycle events before its listeners do. `error` reaches the observer whether or
 * not the client has `error` listeners (an observer counts as one: an exception from application code is
 * then reported, not thrown again).
 * @internal
 */
export interface ClientObserver {
  /**
   * One event with its first argument (`connect`: the CONNACK info; `reconnecting`: attempt and delay;
   * `disconnect`: the packet; `offline`, `close`: the error or undefined; `error`: the error; `ready`:
   * undefined). Must not throw.
   */
  clientEvent(event: ObservedEvent, arg: unknown): void;
}

/** Where a client keeps its observer. @internal */
export const OBSERVER = Symbol('mqttx.observer');

/** Something that can carry an observer (an `MqttClient`). @internal */
export interface Observable {
  [OBSERVER](observer: ClientObserver): void;
}

/**
 * Attaches `observer` to `client` (one observer per client; a second call replaces the first).
 * @internal
 */
export function observeClient(client: Observable, observer: ClientObserver): void {
  client[OBSERVER](observer);
}
