/**
 * Types of a `Connection`: its events, descriptive details and direct handler.
 * @module
 */
import type { Target } from './target.js';

/** Events of a {@link Connection}. */
export interface ConnectionEvents {
  /** Inbound bytes, in order, as they arrive (possibly split by `maxReadChunk`). */
  data: [chunk: Buffer];
  /** The write buffer went back below the high-water mark after `write()` returned false. */
  drain: [];
  /**
   * Emitted once per connection, whatever closed it: `undefined` for a clean close (either side), otherwise
   * the error (a `TransportError` for transport failures, or the error given to `destroy(err)`).
   */
  close: [error: Error | undefined];
  /** Emitted just before `'close'` with the same error, only when a listener exists (never an unhandled throw). */
  error: [error: Error];
}

/** Descriptive details of a connection (all optional for `fromDuplex`). */
export interface ConnectionInfo {
  /** Where the connection goes; displayed redacted. */
  target?: Target | string;
  /** Peer IP address, as the socket reported it at connect time. */
  remoteAddress?: string;
  /** Peer TCP port. */
  remotePort?: number;
  /** Local IP address of the socket. */
  localAddress?: string;
  /** Local TCP port of the socket. */
  localPort?: number;
  /** True for TLS. */
  encrypted?: boolean;
  /** Negotiated ALPN protocol. */
  alpnProtocol?: string;
  /** TLS: whether the server certificate verified (false only with `rejectUnauthorized: false`). */
  authorized?: boolean;
  /** TLS: why it did not verify (e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  authorizationError?: string;
}
/**
 * Receives a connection's inbound bytes, `'drain'` and `'close'` directly: one object with three methods in
 * place of three event listeners (a wrapper that keeps thousands of connections open saves a closure per
 * event and the listener table). The handler is called before the listeners of the same event. Setting one
 * starts reading, like a first `'data'` listener.
 */
export interface ConnectionHandler {
  /** Inbound bytes (same as the `'data'` event). */
  connectionData(chunk: Buffer): void;
  /** The write queue drained (same as the `'drain'` event). */
  connectionDrain(): void;
  /** The connection closed (same as the `'close'` event). */
  connectionClose(error: Error | undefined): void;
}
