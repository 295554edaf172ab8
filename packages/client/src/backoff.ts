/**
 * Reconnect backoff: exponential growth with full jitter, reset after a stable connection, and the policy
 * that decides whether an error is worth another attempt.
 * @module
 */
import { MqttxError, isTemporary } from '@mqttx/codec/errors';
import type { ResolvedReconnect } from './options.js';

/** DISCONNECT reason: Session taken over. */
export const SESSION_TAKEN_OVER = 0x8e;
/** DISCONNECT / CONNACK reasons that carry a Server Reference: Use another server, Server moved. */
export const REDIRECT_REASONS: ReadonlySet<number> = new Set([0x9c, 0x9d]);

/**
 * Backoff state of one client. Attempt `n` (1-based) waits a uniform delay in `[0, bound)` with
 * `bound = min(maxDelay, initialDelay * factor^(n-1))` ("full jitter").
 */
export class Backoff {
  /** Consecutive failed attempts (or lost connections) since the last stable connection. */
  attempt = 0;
  private readonly policy: ResolvedReconnect;

  /** @param policy - the resolved reconnect options */
  constructor(policy: ResolvedReconnect) {
    this.policy = policy;
  }

  /** Counts one more attempt and returns its delay in ms. */
  next(): number {
    const p = this.policy;
    this.attempt++;
    const bound = Math.min(p.maxDelay, p.initialDelay * p.factor ** (this.attempt - 1));
    const r = p.random();
    // A random source outside [0, 1) is clamped rather than trusted.
    return Math.floor(bound * Math.min(Math.max(r, 0), 1));
  }

  /** True when `attempt` more would exceed `maxAttempts`. */
  get exhausted(): boolean {
    return this.attempt >= this.policy.maxAttempts;
  }

  /** A connection that lasted `lastedMs` ends: after a stable one the backoff starts over. */
  connectionEnded(lastedMs: number): void {
    if (lastedMs >= this.policy.stableAfter) this.attempt = 0;
  }

  /** Forgets the failures (explicit `connect()`). */
  reset(): void {
    this.attempt = 0;
  }
}

/** The Server Reference of a redirecting CONNACK / DISCONNECT error, if any. */
export function serverReferenceOf(error: unknown): string | undefined {
  if (!(error instanceof MqttxError) || error.reasonCode === undefined || !REDIRECT_REASONS.has(error.reasonCode)) return undefined;
  const ref = error.context?.serverReference;
  return typeof ref === 'string' && ref !== '' ? ref : undefined;
}

/**
 * Whether a reconnect may help after `error` ended a connection or an attempt: temporary errors (network,
 * timeouts, server busy / shutting down, protocol violations) yes; a refusal for credentials, client id,
 * protocol version, a ban, or any permanent reason no; DISCONNECT 0x8E (session taken over) only with
 * `onTakenOver`. A clean close by the server (no error) is retried.
 */
export function shouldRetry(error: unknown, policy: ResolvedReconnect): boolean {
  if (error === undefined) return true;
  if (error instanceof MqttxError && error.code === 'ERR_SERVER_DISCONNECT') {
    if (error.reasonCode === SESSION_TAKEN_OVER) return policy.onTakenOver;
    // A DISCONNECT from the server ends this connection only; normal disconnection (0x00) is retried too.
    return error.reasonCode === 0 || isTemporary(error);
  }
  if (error instanceof MqttxError && (error.code === 'ERR_CONFIG' || error.code === 'ERR_CLIENT_CLOSED' || error.code === 'ERR_ABORTED')) {
    return false;
  }
  if (error instanceof MqttxError) return isTemporary(error);
  // Errors thrown by user functions (password, authenticator) without a classification: try again.
  return true;
}
