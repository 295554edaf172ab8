/**
 * Structured errors of the manager, built on the project's {@link MqttxError}: a `kind` for coarse
 * classification, a stable `code` per kind, the session name, secret-free context and the `cause` chain
 * (walked by {@link isTemporary} and {@link isTimeout}).
 * @module
 */
import { MqttxError, isTemporary, isTimeout } from '@mqttx/codec/errors';
import type { ErrorKind, MqttxErrorOptions } from '@mqttx/codec/errors';

export { MqttxError, isTemporary, isTimeout };
export type { ErrorKind, MqttxErrorOptions };

/** The kinds of failure the manager reports. */
export type ManagerErrorKind =
  | 'connection'
  | 'authentication'
  | 'subscription'
  | 'publish'
  | 'configuration'
  | 'storage'
  | 'forwarder'
  | 'internal';

/** The stable code of each {@link ManagerErrorKind}, used by the `new*Error` constructors. */
export const MANAGER_ERROR_CODES = Object.freeze({
  /** A connection could not be made or was lost ({@link newConnectionError}). */
  connection: 'ERR_CONNECTION',
  /** The broker refused the credentials ({@link newAuthenticationError}). */
  authentication: 'ERR_AUTHENTICATION',
  /** A subscribe or unsubscribe failed ({@link newSubscriptionError}). */
  subscription: 'ERR_SUBSCRIPTION',
  /** A publish failed ({@link newPublishError}). */
  publish: 'ERR_PUBLISH',
  /** An option or builder call is invalid ({@link newConfigurationError}). */
  configuration: 'ERR_CONFIGURATION',
  /** A session store failed ({@link newStorageError}). */
  storage: 'ERR_STORAGE',
  /** A forwarder failed ({@link newForwarderError}). */
  forwarder: 'ERR_FORWARDER',
  /** A bug or an unexpected failure inside the manager ({@link newInternalError}). */
  internal: 'ERR_INTERNAL',
} as const satisfies Record<ManagerErrorKind, string>);

/** Codes of the `new*Error` constructors (other manager codes, such as `ERR_EVENT_HANDLER`, may appear). */
export type ManagerErrorCode = (typeof MANAGER_ERROR_CODES)[ManagerErrorKind];

/** Options of the `new*Error` constructors: everything of {@link MqttxErrorOptions} but `cause` and `kind`. */
export type ManagerErrorOptions = Omit<MqttxErrorOptions, 'cause' | 'kind'>;

/**
 * An error raised by the manager. `kind` says what failed, `code` is stable, `session` names the session
 * (set with `withSession`), `context` holds secret-free details (merged with `withContext`), and `cause`
 * keeps the underlying error so {@link isTemporary} / {@link isTimeout} can look through it.
 */
export class ManagerError extends MqttxError {
  declare kind: ManagerErrorKind;

  /**
   * @param code - stable code
   * @param message - human-readable description (never contains secrets)
   * @param kind - what failed
   * @param cause - the underlying error, if any
   * @param options - reason code, session, context, temporary and timeout flags
   */
  constructor(
    code: string,
    message: string,
    kind: ManagerErrorKind,
    cause?: unknown,
    options: ManagerErrorOptions = {},
  ) {
    super(code, message, { ...options, kind, cause });
  }
}

/** Builds a {@link ManagerError} of `kind` with that kind's stable code. */
function make(
  kind: ManagerErrorKind,
  message: string,
  cause: unknown,
  options: ManagerErrorOptions | undefined,
): ManagerError {
  return new ManagerError(MANAGER_ERROR_CODES[kind], message, kind, cause, options);
}

/** A connection could not be made or was lost (`ERR_CONNECTION`, kind `connection`). */
export function newConnectionError(
  message: string,
  cause?: unknown,
  options?: ManagerErrorOptions,
): ManagerError {
  return make('connection', message, cause, options);
}

/** The broker refused the credentials (`ERR_AUTHENTICATION`, kind `authentication`). */
export function newAuthenticationError(
  message: string,
  cause?: unknown,
  options?: ManagerErrorOptions,
): ManagerError {
  return make('authentication', message, cause, options);
}

/** A subscribe or unsubscribe failed (`ERR_SUBSCRIPTION`, kind `subscription`). */
export function newSubscriptionError(
  message: string,
  cause?: unknown,
  options?: ManagerErrorOptions,
): ManagerError {
  return make('subscription', message, cause, options);
}

/** A publish failed (`ERR_PUBLISH`, kind `publish`). */
export function newPublishError(
  message: string,
  cause?: unknown,
  options?: ManagerErrorOptions,
): ManagerError {
  return make('publish', message, cause, options);
}

/** An option or builder call is invalid (`ERR_CONFIGURATION`, kind `configuration`). */
export function newConfigurationError(
  message: string,
  cause?: unknown,
  options?: ManagerErrorOptions,
): ManagerError {
  return make('configuration', message, cause, options);
}

/** A session store failed (`ERR_STORAGE`, kind `storage`). */
export function newStorageError(
  message: string,
  cause?: unknown,
  options?: ManagerErrorOptions,
): ManagerError {
  return make('storage', message, cause, options);
}

/** A forwarder failed (`ERR_FORWARDER`, kind `forwarder`). */
export function newForwarderError(
  message: string,
  cause?: unknown,
  options?: ManagerErrorOptions,
): ManagerError {
  return make('forwarder', message, cause, options);
}

/** A bug or broken invariant inside the manager (`ERR_INTERNAL`, kind `internal`). */
export function newInternalError(
  message: string,
  cause?: unknown,
  options?: ManagerErrorOptions,
): ManagerError {
  return make('internal', message, cause, options);
}

/**
 * Returns `err` itself when it is already an {@link MqttxError}, otherwise wraps it in a
 * {@link ManagerError} of `kind` (with `err` as the cause), so every error the manager reports has a code.
 * @param err - anything thrown or rejected
 * @param kind - the kind to give a foreign error
 * @param message - message of the wrapper (defaults to the wrapped error's message, or a generic one)
 */
export function toMqttxError(err: unknown, kind: ManagerErrorKind = 'internal', message?: string): MqttxError {
  if (err instanceof MqttxError) return err;
  const text = message ?? (err instanceof Error ? err.message : `${kind} failure`);
  return make(kind, text, err, undefined);
}
