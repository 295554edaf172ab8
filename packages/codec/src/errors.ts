/**
 * The project's error base. This module is I/O-free and imports nothing, so every package (the transport
 * included) may import it through `@mqttx/codec/errors` without pulling in the rest of the codec.
 *
 * Every error mqttx raises is an {@link MqttxError} with a stable `code` (tests and applications switch on
 * `code`, never on message text), an optional MQTT 5 `reasonCode`, a `kind` for coarse classification and the
 * standard `cause` chain.
 * @module
 */
import type { Packet } from './types.js';

/** Coarse classification of a failure, used by the manager's structured errors and metrics. */
export type ErrorKind =
  | 'connection'
  | 'authentication'
  | 'subscription'
  | 'publish'
  | 'configuration'
  | 'storage'
  | 'forwarder'
  | 'protocol'
  | 'internal';

/** Options accepted by every {@link MqttxError} constructor. */
export interface MqttxErrorOptions {
  /** The underlying error, kept on the standard `cause` property. */
  cause?: unknown;
  /** MQTT 5 reason code associated with the failure (sent or received). */
  reasonCode?: number;
  /** Coarse classification; defaults to the subclass's kind. */
  kind?: ErrorKind;
  /** Name of the session (manager) the error belongs to. */
  session?: string;
  /** Free-form, secret-free details (packet id, topic, limit, ...). */
  context?: Record<string, unknown>;
  /** True when retrying the same operation later may succeed (dropped link, store briefly down). */
  temporary?: boolean;
  /** True when the failure is a timeout. */
  timeout?: boolean;
}

/**
 * Base class of every error raised by mqttx.
 *
 * `code` is stable across releases; `message` is for humans and may change.
 */
export class MqttxError extends Error {
  /** Stable, machine-readable error code such as `ERR_MALFORMED_PACKET`. */
  readonly code: string;
  /** MQTT 5 reason code, when the failure has one. */
  reasonCode: number | undefined;
  /** Coarse classification. */
  kind: ErrorKind;
  /** Session name, set by the manager through {@link MqttxError.withSession}. */
  session: string | undefined;
  /** Secret-free details for logs and assertions. */
  context: Record<string, unknown> | undefined;
  /** Whether retrying later may succeed. See {@link isTemporary}. */
  readonly temporary: boolean;
  /** Whether this failure is a timeout. See {@link isTimeout}. */
  readonly timeout: boolean;

  /**
   * @param code - stable error code
   * @param message - human-readable description (never contains secrets)
   * @param options - cause, reason code, kind, session, context and classification flags
   */
  constructor(code: string, message: string, options: MqttxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.reasonCode = options.reasonCode;
    this.kind = options.kind ?? 'internal';
    this.session = options.session;
    this.context = options.context;
    this.temporary = options.temporary ?? false;
    this.timeout = options.timeout ?? false;
  }

  /** Tags the error with a session name and returns it (for chaining). */
  withSession(session: string): this {
    this.session = session;
    return this;
  }

  /** Merges secret-free details into `context` and returns the error (for chaining). */
  withContext(context: Record<string, unknown>): this {
    this.context = { ...this.context, ...context };
    return this;
  }
}

/** Node.js system error codes that describe a passing network condition. */
const TEMPORARY_SYSTEM_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'EADDRINUSE',
]);

const TIMEOUT_SYSTEM_CODES = new Set(['ETIMEDOUT', 'ABORT_ERR_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Walks `err` and its `cause` chain (cycle-safe, bounded depth), stopping at the first `test` hit. */
function walkCauses(err: unknown, test: (e: unknown) => boolean): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 32 && current != null; depth++) {
    if (test(current)) return true;
    if (typeof current !== 'object') return false;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * True when `err`, or any error in its `cause` chain, is temporary: an {@link MqttxError} flagged temporary
 * or a Node.js network error such as `ECONNRESET`.
 */
export function isTemporary(err: unknown): boolean {
  return walkCauses(err, (e) => {
    if (e instanceof MqttxError) return e.temporary || e.timeout;
    const code = (e as { code?: unknown } | null)?.code;
    return typeof code === 'string' && TEMPORARY_SYSTEM_CODES.has(code);
  });
}

/**
 * True when `err`, or any error in its `cause` chain, is a timeout: an {@link MqttxError} flagged timeout,
 * a `TimeoutError` (as thrown for `AbortSignal.timeout()`), or a Node.js `ETIMEDOUT`.
 */
export function isTimeout(err: unknown): boolean {
  return walkCauses(err, (e) => {
    if (e instanceof MqttxError) return e.timeout;
    if ((e as { name?: unknown } | null)?.name === 'TimeoutError') return true;
    const code = (e as { code?: unknown } | null)?.code;
    return typeof code === 'string' && TIMEOUT_SYSTEM_CODES.has(code);
  });
}

/** MQTT 5 reason codes the codec closes a connection with. */
export const CodecReasonCode = {
  /** 0x81: bytes that cannot be parsed (bad lengths, bad UTF-8, reserved bits); the default. */
  MalformedPacket: 0x81,
  /** 0x82: a parsed packet that breaks a protocol rule (for example DUP set at QoS 0). */
  ProtocolError: 0x82,
  /** 0x95: remaining length above the maximum packet size, rejected before the body is buffered. */
  PacketTooLarge: 0x95,
  /** 0x90: an invalid Topic Name (wildcards, or empty where not allowed); `ERR_INVALID_TOPIC`. */
  TopicNameInvalid: 0x90,
  /** 0x8F: a malformed Topic Filter or shared subscription; `ERR_INVALID_TOPIC_FILTER`. */
  TopicFilterInvalid: 0x8f,
  /** 0x84: a CONNECT with another protocol name or an unsupported protocol level. */
  UnsupportedProtocolVersion: 0x84,
} as const;

/**
 * Stable codes of {@link CodecError}. Each names one validation rule; the `reasonCode` of the error is the
 * MQTT 5 reason code a receiver closes the connection with.
 */
export type CodecErrorCode =
  | 'ERR_MALFORMED_PACKET' // generic malformed packet (0x81)
  | 'ERR_PROTOCOL_ERROR' // generic protocol error (0x82)
  | 'ERR_PACKET_TOO_LARGE' // remaining length above maximumPacketSize (0x95)
  | 'ERR_UNKNOWN_PACKET_TYPE' // type 0 or 15 in 3.1.1, 0 in 5.0 (0x81)
  | 'ERR_RESERVED_FLAGS' // wrong fixed-header flag bits (0x81)
  | 'ERR_INVALID_QOS' // QoS 3 (0x81)
  | 'ERR_VARINT' // variable byte integer longer than 4 bytes or not minimal where required (0x81)
  | 'ERR_TRUNCATED' // a field runs past the end of the packet (0x81)
  | 'ERR_TRAILING_BYTES' // bytes left over inside a packet after its last field (0x81)
  | 'ERR_INVALID_UTF8' // ill-formed UTF-8, U+0000 or surrogates in a UTF-8 string (0x81)
  | 'ERR_STRING_TOO_LONG' // a string or binary field over 65,535 bytes (encode side)
  | 'ERR_INVALID_TOPIC' // wildcard or empty topic name where not allowed (0x90 / 0x82)
  | 'ERR_INVALID_TOPIC_FILTER' // malformed topic filter (0x8f / 0x82)
  | 'ERR_INVALID_PACKET_ID' // packet id 0 where one is required, or missing (0x82)
  | 'ERR_EMPTY_SUBSCRIPTION' // SUBSCRIBE / UNSUBSCRIBE without any filter (0x82)
  | 'ERR_SUBSCRIPTION_OPTIONS' // reserved subscription option bits, or retain handling 3 (0x82)
  | 'ERR_UNKNOWN_PROPERTY' // property id not defined by MQTT 5 (0x81)
  | 'ERR_PROPERTY_NOT_ALLOWED' // property not allowed in this packet (0x82)
  | 'ERR_DUPLICATE_PROPERTY' // property that may not repeat appears twice (0x82)
  | 'ERR_PROPERTY_VALUE' // property value out of range (0x82)
  | 'ERR_INVALID_REASON_CODE' // reason code not valid for this packet (0x82)
  | 'ERR_PROTOCOL_NAME' // CONNECT protocol name not MQTT / MQIsdp (0x84 or close)
  | 'ERR_UNSUPPORTED_PROTOCOL_VERSION' // protocol level not 3, 4 or 5 (0x84)
  | 'ERR_CONNECT_FLAGS' // reserved CONNECT flag, will flag/QoS/retain mismatch, password without user in 3.1.1
  | 'ERR_UNEXPECTED_PACKET' // a packet the other role may not send (client receiving CONNECT, ...) (0x82)
  | 'ERR_INVALID_PACKET' // an encode-side packet object that is not a valid packet (wrong field types)
  | 'ERR_INVALID_OPTIONS'; // invalid encoder / decoder options (protocol version, maximum packet size, role)

/**
 * A packet could not be decoded or encoded. `code` names the violated rule and `reasonCode` is the MQTT 5
 * reason code the connection should be closed with (0x81 malformed, 0x82 protocol error, 0x95 too large, ...).
 */
export class CodecError extends MqttxError {
  declare readonly code: CodecErrorCode;
  /**
   * Set by `Decoder.push()`: the whole, valid packets that the failing push decoded before the bad one, in
   * order. Nothing is lost: handle them, then close the connection with `reasonCode`. (A poisoned decoder
   * rethrows this same error on later pushes; the packets belong to the push that first failed.)
   */
  packets: Packet[] | undefined;

  /**
   * @param code - the violated rule
   * @param message - human-readable description
   * @param reasonCode - MQTT 5 reason code to close with (defaults to 0x81 malformed packet)
   * @param context - details such as the packet type or property id
   */
  constructor(
    code: CodecErrorCode,
    message: string,
    reasonCode: number = CodecReasonCode.MalformedPacket,
    context?: Record<string, unknown>,
  ) {
    super(code, message, { reasonCode, kind: 'protocol', context });
    this.packets = undefined;
  }
}
