/**
 * Option types shared by `connect`, `fromDuplex` and `createConnector`, the default timer scheduler, and
 * option validation.
 * @module
 */
import type { LookupFunction } from 'node:net';
import type { PeerCertificate, SecureVersion } from 'node:tls';
import { invalidOption } from './errors.js';

/**
 * Clock and timer functions a {@link Connection} uses for its read / write / end deadlines. Injected so tests
 * (and a manager running many connections) control time. `now` is in milliseconds, monotonic.
 */
export interface TimerScheduler {
  /** Current time in milliseconds (monotonic). */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer returned by `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** The real clock: `performance.now()` and unref'd Node timers (a pending deadline never keeps a process alive). */
export const systemScheduler: TimerScheduler = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Options of an established {@link Connection} (also accepted by `connect` and `fromDuplex`). */
export interface ConnectionOptions {
  /**
   * Milliseconds without any inbound byte after which the link is destroyed with `ERR_READ_TIMEOUT`.
   * Suspended while the connection is paused. 0 or absent: no read timeout.
   */
  readTimeout?: number;
  /**
   * Milliseconds during which queued bytes may make no progress toward the kernel before the link is
   * destroyed with `ERR_WRITE_TIMEOUT` (a stalled peer). 0 or absent: no write timeout.
   */
  writeTimeout?: number;
  /**
   * Upper bound in milliseconds for `end()`: flush, send FIN and wait for the peer to close. When it passes
   * the link is destroyed (with `ERR_END_TIMEOUT` if queued bytes were not all flushed). Default 5000; 0 waits
   * forever.
   */
  endTimeout?: number;
  /** Largest `'data'` chunk emitted; bigger reads are split into zero-copy views. Default: no limit. */
  maxReadChunk?: number;
  /** Clock and timers for the deadlines above. Default {@link systemScheduler}. */
  scheduler?: TimerScheduler;
}

/** TLS options (used when the target's protocol is `tls`). PEM contents may be given inline or as file paths. */
export interface TlsConnectOptions {
  /** Trusted CA certificates (PEM). Replaces Node's default root store when set. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate chain (PEM), for mutual TLS. */
  cert?: string | Buffer | Array<string | Buffer>;
  /** Client private key (PEM), for mutual TLS. */
  key?: string | Buffer | Array<string | Buffer>;
  /** Passphrase of an encrypted `key` (never logged). */
  passphrase?: string;
  /** Path of a PEM file read into `ca` at connect time. */
  caFile?: string;
  /** Path of a PEM file read into `cert` at connect time. */
  certFile?: string;
  /** Path of a PEM file read into `key` at connect time. */
  keyFile?: string;
  /**
   * Name sent in the SNI extension and checked against the certificate. Defaults to the target host when it
   * is a host name; an IP literal is never sent as SNI (RFC 6066) but is still used for the identity check.
   */
  servername?: string;
  /** ALPN protocols offered, in order of preference (e.g. `['mqtt']`). */
  alpnProtocols?: string[];
  /** Lowest TLS version accepted (Node's default otherwise, TLSv1.2). */
  minVersion?: SecureVersion;
  /** Highest TLS version offered. */
  maxVersion?: SecureVersion;
  /** OpenSSL cipher list. */
  ciphers?: string;
  /** Refuse servers whose certificate does not verify. Default true; false accepts any certificate. */
  rejectUnauthorized?: boolean;
  /** Custom host-name check (Node's `tls.checkServerIdentity` signature). */
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
}

/** Options of {@link connect}. */
export interface ConnectOptions extends ConnectionOptions, TlsConnectOptions {
  /** Milliseconds allowed for DNS, TCP connect and TLS handshake together. Default 30000; 0 disables. */
  connectTimeout?: number;
  /** Aborting rejects the attempt with `ERR_ABORTED` and destroys the socket before the promise settles. */
  signal?: AbortSignal;
  /** Disable Nagle's algorithm. Default true (MQTT packets are small and latency matters). */
  noDelay?: boolean;
  /** TCP keep-alive: `true`, or the initial delay in milliseconds. Default off. */
  keepAlive?: boolean | number;
  /** Writable high-water mark in bytes: above it `write()` returns false. Default Node's (16 KiB on Node 20). */
  highWaterMark?: number;
  /** Local interface address to bind. */
  localAddress?: string;
  /** Address family for DNS: 4, 6 or 0 (both). */
  family?: 0 | 4 | 6;
  /** Custom DNS lookup (Node's `net` lookup signature). */
  lookup?: LookupFunction;
}

function checkMs(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(name, 'expected a finite number of milliseconds >= 0');
  }
}

/**
 * Checks the numeric options of a connection; throws `ERR_INVALID_OPTION` (kind `'configuration'`).
 * @param options - options to check
 */
export function validateConnectionOptions(options: ConnectionOptions): void {
  checkMs('readTimeout', options.readTimeout);
  checkMs('writeTimeout', options.writeTimeout);
  checkMs('endTimeout', options.endTimeout);
  const max = options.maxReadChunk;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    throw invalidOption('maxReadChunk', 'expected an integer >= 1');
  }
}

/**
 * Checks the options of {@link connect}; throws `ERR_INVALID_OPTION` (kind `'configuration'`).
 * @param options - options to check
 */
export function validateConnectOptions(options: ConnectOptions): void {
  validateConnectionOptions(options);
  checkMs('connectTimeout', options.connectTimeout);
  if (typeof options.keepAlive === 'number') checkMs('keepAlive', options.keepAlive);
  const hwm = options.highWaterMark;
  if (hwm !== undefined && (!Number.isInteger(hwm) || hwm < 1)) {
    throw invalidOption('highWaterMark', 'expected an integer >= 1');
  }
}
