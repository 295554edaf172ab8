/**
 * What a `Connection` fixes at construction: its settings (one shared frozen object for every connection
 * with the defaults), its TLS details (none for TCP), and the timeout errors those settings lead to.
 * @module
 */
import { TransportError, type TransportErrorCode } from './errors.js';
import type { ExpiredDeadline } from './deadlines.js';
import { type ConnectionOptions, type TimerScheduler, systemScheduler } from './options.js';
import type { ConnectionInfo } from './connection-types.js';

/** Default `endTimeout` in milliseconds. */
const DEFAULT_END_TIMEOUT = 5000;

/** Settings of a connection. */
export interface ConnectionConfig {
  /** Clock and timers of the deadlines. */
  readonly scheduler: TimerScheduler;
  /** Milliseconds without inbound data, 0 for none. */
  readonly readTimeout: number;
  /** Milliseconds without write progress, 0 for none. */
  readonly writeTimeout: number;
  /** Milliseconds allowed for a graceful end, 0 for none. */
  readonly endTimeout: number;
  /** Largest `'data'` chunk, or 0 for no limit. */
  readonly maxReadChunk: number;
}

/** The settings of every connection made with the default options. */
const DEFAULT_CONFIG: ConnectionConfig = Object.freeze({
  scheduler: systemScheduler,
  readTimeout: 0,
  writeTimeout: 0,
  endTimeout: DEFAULT_END_TIMEOUT,
  maxReadChunk: 0,
});

/**
 * The settings for `options` (already validated): {@link DEFAULT_CONFIG} itself when they are the defaults.
 * @param options - the connection's options
 */
export function configOf(options: ConnectionOptions): ConnectionConfig {
  const scheduler = options.scheduler ?? systemScheduler;
  const readTimeout = options.readTimeout ?? 0;
  const writeTimeout = options.writeTimeout ?? 0;
  const endTimeout = options.endTimeout ?? DEFAULT_END_TIMEOUT;
  const maxReadChunk = options.maxReadChunk ?? 0;
  const d = DEFAULT_CONFIG;
  if (
    scheduler === d.scheduler &&
    readTimeout === d.readTimeout &&
    writeTimeout === d.writeTimeout &&
    endTimeout === d.endTimeout &&
    maxReadChunk === d.maxReadChunk
  ) {
    return d;
  }
  return { scheduler, readTimeout, writeTimeout, endTimeout, maxReadChunk };
}

/** TLS details of a connection. */
export interface TlsDetails {
  /** True for TLS. */
  readonly encrypted: boolean;
  /** Negotiated ALPN protocol. */
  readonly alpnProtocol: string | undefined;
  /** Whether the peer certificate verified. */
  readonly authorized: boolean | undefined;
  /** Why it did not verify. */
  readonly authorizationError: string | undefined;
}

/**
 * The TLS details in `info`, or `undefined` when it has none (TCP and plain duplex connections).
 * @param info - the connection's descriptive details
 */
export function tlsDetailsOf(info: ConnectionInfo): TlsDetails | undefined {
  const encrypted = info.encrypted ?? false;
  return !encrypted && info.alpnProtocol === undefined && info.authorized === undefined && info.authorizationError === undefined
    ? undefined
    : { encrypted, alpnProtocol: info.alpnProtocol, authorized: info.authorized, authorizationError: info.authorizationError };
}

/**
 * The error a connection is destroyed with when a deadline expires (the caller first exempts an end that
 * only waited for the peer's FIN with everything flushed).
 * @param expired - which deadline expired
 * @param config - the connection's settings (the timeouts)
 * @param target - the redacted target
 * @param queued - bytes still queued
 */
export function deadlineError(expired: ExpiredDeadline, config: ConnectionConfig, target: string, queued: number): TransportError {
  const [code, what, ms]: [TransportErrorCode, string, number] =
    expired === 'read'
      ? ['ERR_READ_TIMEOUT', 'no data received', config.readTimeout]
      : expired === 'write'
        ? ['ERR_WRITE_TIMEOUT', 'queued data made no progress', config.writeTimeout]
        : ['ERR_END_TIMEOUT', 'end() did not flush the queue', config.endTimeout];
  return new TransportError(code, `${what} on ${target} within ${ms} ms`, {
    timeout: true,
    temporary: true,
    context: { target, timeoutMs: ms, queued },
  });
}
