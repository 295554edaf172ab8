/**
 * Transport errors: one class per family, each with a stable `code`. Node's own error is kept as `cause`.
 * Messages name the target in its redacted form only (see `redactTarget`); credentials never reach an error.
 * @module
 */
import { MqttxError, type MqttxErrorOptions } from '@mqttx/codec/errors';

/** Stable codes of {@link TlsError}. */
export type TlsErrorCode =
  /** We refused the server's certificate (`context.reason`: OpenSSL / Node code, e.g. `CERT_HAS_EXPIRED`). */
  | 'ERR_TLS_CERT_REJECTED'
  /** The server refused our certificate, or that none was sent (a certificate-related TLS alert). */
  | 'ERR_TLS_CLIENT_CERT_REJECTED'
  /** The handshake failed for another reason: no common protocol version, cipher or ALPN protocol, ... */
  | 'ERR_TLS_HANDSHAKE'
  /** A TLS failure after the handshake (fatal alert, bad record). */
  | 'ERR_TLS_PROTOCOL'
  /** Local TLS material is unusable: unreadable file, bad PEM, wrong passphrase, key/cert mismatch. */
  | 'ERR_TLS_CONFIG';

/** Stable codes of {@link TransportError} and its subclasses. */
export type TransportErrorCode =
  | 'ERR_CONNECT_REFUSED'
  | 'ERR_CONNECTION_RESET'
  | 'ERR_CONNECT_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_DNS'
  | 'ERR_NETWORK_UNREACHABLE'
  | 'ERR_WRITE_TIMEOUT'
  | 'ERR_READ_TIMEOUT'
  | 'ERR_END_TIMEOUT'
  | 'ERR_CONNECTION_CLOSED'
  | 'ERR_INVALID_TARGET'
  | 'ERR_INVALID_OPTION'
  | 'ERR_ALL_TARGETS_FAILED'
  | 'ERR_TRANSPORT'
  | TlsErrorCode;

/** A connection could not be opened, failed, or was used after it closed. `kind` is `'connection'` by default. */
export class TransportError extends MqttxError {
  declare readonly code: TransportErrorCode;

  /**
   * @param code - stable error code
   * @param message - human-readable description, free of secrets
   * @param options - cause, context and the temporary / timeout flags
   */
  constructor(code: TransportErrorCode, message: string, options: MqttxErrorOptions = {}) {
    super(code, message, { ...options, kind: options.kind ?? 'connection' });
  }
}

/** A TLS failure: certificate refused (either way), failed handshake, or unusable local TLS material. */
export class TlsError extends TransportError {
  declare readonly code: TlsErrorCode;

  /**
   * @param code - stable TLS error code
   * @param message - human-readable description, free of secrets
   * @param options - cause and context (`context.reason` holds the OpenSSL / Node reason code)
   */
  constructor(code: TlsErrorCode, message: string, options: MqttxErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * Every target of a connector call failed (`ERR_ALL_TARGETS_FAILED`). Like `AggregateError`, `errors` holds
 * one error per attempt, in order; `context.targets` the redacted targets tried. `temporary` is true when at
 * least one attempt failed for a temporary reason; `cause` is the last attempt's error.
 */
export class AllTargetsFailedError extends TransportError {
  /** One error per attempt, in the order the targets were tried. */
  readonly errors: readonly Error[];

  /**
   * @param errors - the attempts' errors, in order
   * @param targets - the redacted targets, in the same order
   */
  constructor(errors: readonly Error[], targets: readonly string[]) {
    super('ERR_ALL_TARGETS_FAILED', `all ${targets.length} target(s) failed: ${summarize(errors, targets)}`, {
      cause: errors[errors.length - 1],
      temporary: errors.some((e) => e instanceof MqttxError && (e.temporary || e.timeout)),
      context: { targets: [...targets], codes: errors.map(codeOf) },
    });
    this.errors = errors;
  }
}

function summarize(errors: readonly Error[], targets: readonly string[]): string {
  return targets.map((t, i) => `${t} (${codeOf(errors[i])})`).join(', ');
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

/**
 * Node's certificate verification codes (OpenSSL X509_V_ERR_* names, as Node reports them) plus Node's own
 * host-name check. Any of these before the handshake completes means we refused the server's certificate.
 */
const CERT_VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** TLS alerts a server sends when it refuses (or misses) the client certificate. */
const CLIENT_CERT_ALERT = /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|DECRYPT_ERROR)$/;

/** Where a failure happened: while opening the connection or once it was established. */
export type FailurePhase = 'connect' | 'established';

/** The system error code of `err`, looking into an `AggregateError` (Node's happy-eyeballs connect). */
export function systemCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string') return code;
  const inner = (err as { errors?: unknown } | null | undefined)?.errors;
  if (Array.isArray(inner) && inner.length > 0) return systemCode(inner[0]);
  return undefined;
}

/**
 * Maps a Node socket / TLS error to a {@link TransportError}. An {@link MqttxError} is returned unchanged.
 * @param err - the error emitted by the socket
 * @param target - redacted target, for the message and `context.target`
 * @param phase - whether the connection was already established
 */
export function toTransportError(err: unknown, target: string, phase: FailurePhase): MqttxError {
  if (err instanceof MqttxError) return err;
  const code = systemCode(err);
  const context = { target, systemCode: code };
  const base = { cause: err, context };
  switch (code) {
    case 'ECONNREFUSED':
      return new TransportError('ERR_CONNECT_REFUSED', `connection to ${target} refused`, { ...base, temporary: true });
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return new TransportError('ERR_CONNECTION_RESET', `connection to ${target} reset`, { ...base, temporary: true });
    case 'ETIMEDOUT':
      return phase === 'connect'
        ? new TransportError('ERR_CONNECT_TIMEOUT', `connecting to ${target} timed out (system)`, {
            ...base,
            temporary: true,
            timeout: true,
          })
        : new TransportError('ERR_CONNECTION_RESET', `connection to ${target} timed out (system)`, {
            ...base,
            temporary: true,
            timeout: true,
          });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
      return new TransportError('ERR_DNS', `cannot resolve the host of ${target}`, {
        ...base,
        temporary: code === 'EAI_AGAIN',
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
    case 'EHOSTDOWN':
    case 'EADDRNOTAVAIL':
      return new TransportError('ERR_NETWORK_UNREACHABLE', `${target} is unreachable`, { ...base, temporary: true });
    default:
      break;
  }
  if (code !== undefined) {
    if (CERT_VERIFY_CODES.has(code)) {
      return new TlsError('ERR_TLS_CERT_REJECTED', `certificate of ${target} refused: ${code}`, {
        cause: err,
        context: { target, reason: code },
      });
    }
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
      const tlsCode: TlsErrorCode = CLIENT_CERT_ALERT.test(code)
        ? 'ERR_TLS_CLIENT_CERT_REJECTED'
        : phase === 'connect'
          ? 'ERR_TLS_HANDSHAKE'
          : 'ERR_TLS_PROTOCOL';
      return new TlsError(tlsCode, `TLS failure with ${target}: ${code}`, { cause: err, context: { target, reason: code } });
    }
    if (code.startsWith('ERR_OSSL_')) {
      return new TlsError('ERR_TLS_CONFIG', `unusable TLS material for ${target}: ${code}`, {
        cause: err,
        kind: 'configuration',
        context: { target, reason: code },
      });
    }
  }
  return new TransportError('ERR_TRANSPORT', `transport failure with ${target}${code ? `: ${code}` : ''}`, base);
}

/** The error a connect attempt rejects with when its signal aborts. `cause` is the signal's reason. */
export function abortError(reason: unknown, target: string): TransportError {
  return new TransportError('ERR_ABORTED', `connecting to ${target} was aborted`, { cause: reason, context: { target } });
}

/** `ERR_CONNECTION_CLOSED`: an operation on a connection that has closed (or is closing). */
export function closedError(target: string, cause?: unknown): TransportError {
  return new TransportError('ERR_CONNECTION_CLOSED', `connection to ${target} is closed`, {
    cause,
    temporary: true,
    context: { target },
  });
}

/** `ERR_INVALID_OPTION` (kind `'configuration'`). */
export function invalidOption(name: string, message: string): TransportError {
  return new TransportError('ERR_INVALID_OPTION', `invalid option ${name}: ${message}`, {
    kind: 'configuration',
    context: { option: name },
  });
}
