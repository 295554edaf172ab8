/**
 * Errors raised by the testkit broker's own API (not by the protocol: protocol failures are reason codes on
 * the wire).
 * @module
 */
import { MqttxError } from '@mqttx/codec/errors';

/** Stable codes of {@link TestkitError}. */
export type TestkitErrorCode =
  | 'ERR_WAIT_TIMEOUT' // waitFor() saw no matching record in time
  | 'ERR_BROKER_CLOSED' // the broker was closed while something was waiting on it
  | 'ERR_INVALID_OPTIONS' // startBroker() or a fault rule got options it cannot use
  | 'ERR_LISTEN'; // a listener could not be bound

/** A failure of the testkit API, with a stable {@link TestkitErrorCode}. */
export class TestkitError extends MqttxError {
  declare readonly code: TestkitErrorCode;

  /**
   * @param code - stable error code
   * @param message - human-readable description
   * @param options - cause, timeout flag and secret-free context
   */
  constructor(
    code: TestkitErrorCode,
    message: string,
    options: { cause?: unknown; timeout?: boolean; context?: Record<string, unknown> } = {},
  ) {
    super(code, message, { ...options, kind: code === 'ERR_INVALID_OPTIONS' ? 'configuration' : 'internal' });
  }
}
