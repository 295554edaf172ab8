/**
 * Small constructors for {@link CodecError}, so the packet modules read as a list of rules.
 * Each helper fixes the MQTT 5 reason code that goes with the kind of failure.
 * @module
 */
import { CodecError, CodecReasonCode, type CodecErrorCode } from './errors.js';

/** A malformed packet (reason code 0x81 Malformed Packet). */
export function malformed(code: CodecErrorCode, message: string, context?: Record<string, unknown>): CodecError {
  return new CodecError(code, message, CodecReasonCode.MalformedPacket, context);
}

/** A well-formed packet that breaks a protocol rule (reason code 0x82 Protocol Error). */
export function protocolError(code: CodecErrorCode, message: string, context?: Record<string, unknown>): CodecError {
  return new CodecError(code, message, CodecReasonCode.ProtocolError, context);
}

/** A field runs past the end of its packet or section. */
export function truncated(what: string): CodecError {
  return malformed('ERR_TRUNCATED', `${what} runs past the end of the packet`, { field: what });
}

/** An encode-side packet object whose field has the wrong type or range. */
export function invalidField(field: string, expected: string): CodecError {
  return new CodecError('ERR_INVALID_PACKET', `${field} must be ${expected}`, CodecReasonCode.MalformedPacket, {
    field,
  });
}
