/**
 * Error classes of `@mqttx/client`. Every class extends {@link MqttxError} and carries a stable `code`
 * (applications and tests switch on `code`, never on `message`), a coarse `kind`, and where the failure has
 * one the MQTT 5 `reasonCode`.
 *
 * | class                        | code                          | kind           | temporary | timeout |
 * |------------------------------|-------------------------------|----------------|-----------|---------|
 * | {@link ConnackError}         | `ERR_CONNACK_REFUSED`         | connection / authentication | per reason code | no |
 * | {@link PubackError}          | `ERR_PUBACK_FAILED`           | publish        | no        | no      |
 * | {@link PubrecError}          | `ERR_PUBREC_FAILED`           | publish        | no        | no      |
 * | {@link SubackError}          | `ERR_SUBACK_FAILED`           | subscription   | no        | no      |
 * | {@link ClientClosedError}    | `ERR_CLIENT_CLOSED`           | connection     | no        | no      |
 * | {@link ConnectionClosedError}| `ERR_CONNECTION_CLOSED`       | connection     | yes       | no      |
 * | {@link NotConnectedError}    | `ERR_NOT_CONNECTED`           | connection     | yes       | no      |
 * | {@link KeepaliveTimeoutError}| `ERR_KEEPALIVE_TIMEOUT`       | connection     | yes       | yes     |
 * | {@link ConnectTimeoutError}  | `ERR_CONNECT_TIMEOUT`         | connection     | yes       | yes     |
 * | {@link PacketTooLargeError}  | `ERR_PACKET_TOO_LARGE`        | publish        | no        | no      |
 * | {@link QosNotSupportedError} | `ERR_QOS_NOT_SUPPORTED`       | publish        | no        | no      |
 * | {@link RetainNotSupportedError} | `ERR_RETAIN_NOT_SUPPORTED` | publish        | no        | no      |
 * | {@link FeatureNotSupportedError} | `ERR_FEATURE_NOT_SUPPORTED` | subscription | no        | no      |
 * | {@link PacketIdsExhaustedError} | `ERR_PACKET_IDS_EXHAUSTED` | publish        | yes       | no      |
 * | {@link OfflineQueueFullError}| `ERR_QUEUE_FULL`              | publish        | yes       | no      |
 * | {@link MessageDroppedError}  | `ERR_MESSAGE_DROPPED`         | publish        | yes       | no      |
 * | {@link ServerDisconnectError}| `ERR_SERVER_DISCONNECT`       | connection     | per reason code | no |
 * | {@link ProtocolViolationError} | `ERR_PROTOCOL_VIOLATION`    | protocol       | yes       | no      |
 * | {@link AuthenticationError}  | `ERR_AUTH_FAILED`             | authentication | no        | no      |
 * | {@link InvalidRequestError}  | `ERR_INVALID_REQUEST`         | per request    | no        | no      |
 * | {@link ConfigError}          | `ERR_CONFIG`                  | configuration  | no        | no      |
 * | {@link StoreError}           | `ERR_STORE`                   | storage        | yes       | no      |
 * | {@link AbortError}           | `ERR_ABORTED`                 | per request    | no        | no      |
 * @module
 */
import { MqttxError, type ErrorKind } from '@mqttx/codec/errors';

/** Maps an MQTT 3.1.1 CONNACK return code (1..5) to the equivalent MQTT 5 reason code. */
export function connackReturnCodeToReasonCode(returnCode: number): number {
  switch (returnCode) {
    case 0:
      return 0x00;
    case 1:
      return 0x84; // unacceptable protocol version -> Unsupported Protocol Version
    case 2:
      return 0x85; // identifier rejected -> Client Identifier not valid
    case 3:
      return 0x88; // server unavailable -> Server unavailable
    case 4:
      return 0x86; // bad user name or password -> Bad User Name or Password
    case 5:
      return 0x87; // not authorized -> Not authorized
    default:
      return 0x80; // unspecified error
  }
}

/** CONNACK / DISCONNECT reason codes after which trying again later may succeed. */
const TEMPORARY_REASONS = new Set([
  0x80, // unspecified error
  0x83, // implementation specific error
  0x88, // server unavailable
  0x89, // server busy
  0x8b, // server shutting down
  0x8d, // keep alive timeout
  0x93, // receive maximum exceeded
  0x96, // message rate too high
  0x97, // quota exceeded
  0x98, // administrative action
  0x9c, // use another server
  0x9d, // server moved
  0x9f, // connection rate exceeded
  0xa0, // maximum connect time
]);

/** Reason codes that mean the credentials or the authentication exchange were refused. */
const AUTH_REASONS = new Set([0x86, 0x87, 0x8a, 0x8c]);

/** Whether retrying after a CONNACK / DISCONNECT with `reasonCode` may succeed. */
export function isTemporaryReasonCode(reasonCode: number): boolean {
  return TEMPORARY_REASONS.has(reasonCode);
}

/**
 * The server refused the connection (CONNACK with a failure reason code). `reasonCode` is the MQTT 5 reason
 * code; for MQTT 3.1.1 the return code is mapped (1 -> 0x84, 2 -> 0x85, 3 -> 0x88, 4 -> 0x86, 5 -> 0x87)
 * and kept in `returnCode`.
 */
export class ConnackError extends MqttxError {
  /** The 3.1.1 return code (1..5), or undefined for MQTT 5. */
  readonly returnCode: number | undefined;

  /**
   * @param reasonCode - MQTT 5 reason code (mapped for 3.1.1)
   * @param returnCode - the raw 3.1.1 return code, when the connection was 3.1.1
   * @param context - details such as the server's reason string
   */
  constructor(reasonCode: number, returnCode?: number, context?: Record<string, unknown>) {
    super('ERR_CONNACK_REFUSED', `connection refused by the server (reason code 0x${reasonCode.toString(16)})`, {
      reasonCode,
      kind: AUTH_REASONS.has(reasonCode) ? 'authentication' : 'connection',
      temporary: TEMPORARY_REASONS.has(reasonCode),
      context: returnCode === undefined ? context : { ...context, returnCode },
    });
    this.returnCode = returnCode;
  }
}

/** A QoS 1 publish was answered with a PUBACK carrying a failure reason code (>= 0x80, MQTT 5). */
export class PubackError extends MqttxError {
  /**
   * @param reasonCode - the PUBACK reason code
   * @param context - packet id, topic, reason string
   */
  constructor(reasonCode: number, context?: Record<string, unknown>) {
    super('ERR_PUBACK_FAILED', `publish refused by the server (PUBACK 0x${reasonCode.toString(16)})`, {
      reasonCode,
      kind: 'publish',
      context,
    });
  }
}

/** A QoS 2 publish was answered with a PUBREC carrying a failure reason code (>= 0x80, MQTT 5). */
export class PubrecError extends MqttxError {
  /**
   * @param reasonCode - the PUBREC reason code
   * @param context - packet id, topic, reason string
   */
  constructor(reasonCode: number, context?: Record<string, unknown>) {
    super('ERR_PUBREC_FAILED', `publish refused by the server (PUBREC 0x${reasonCode.toString(16)})`, {
      reasonCode,
      kind: 'publish',
      context,
    });
  }
}

/**
 * Every filter of a SUBSCRIBE was refused. The core reports per-filter results as values (the SUBACK reason
 * codes); this class is for drivers and applications that want to turn a refusal into an error.
 */
export class SubackError extends MqttxError {
  /** Reason code per requested filter, in request order. */
  readonly reasonCodes: number[];

  /**
   * @param reasonCodes - the SUBACK reason codes
   * @param context - filters and reason string
   */
  constructor(reasonCodes: number[], context?: Record<string, unknown>) {
    super('ERR_SUBACK_FAILED', 'subscription refused by the server', {
      reasonCode: reasonCodes[0],
      kind: 'subscription',
      context,
    });
    this.reasonCodes = reasonCodes;
  }
}

/** The client was closed (`end()` / `destroy()`) while the operation was pending. */
export class ClientClosedError extends MqttxError {
  /** @param cause - the error the client was destroyed with, if any */
  constructor(cause?: unknown) {
    super('ERR_CLIENT_CLOSED', 'the client was closed', { cause, kind: 'connection' });
  }
}

/** The network connection closed while an operation that belongs to it (connect, re-authentication) waited. */
export class ConnectionClosedError extends MqttxError {
  /** @param cause - the transport error, if any */
  constructor(cause?: unknown) {
    super('ERR_CONNECTION_CLOSED', 'the connection closed', { cause, kind: 'connection', temporary: true });
  }
}

/** The operation needs a connection and the client is offline (and the request was not to be queued). */
export class NotConnectedError extends MqttxError {
  /** @param what - the refused operation, for the message */
  constructor(what: string) {
    super('ERR_NOT_CONNECTED', `${what} needs a connection`, { kind: 'connection', temporary: true });
  }
}

/** Nothing came back from the server within the ping timeout after a PINGREQ. */
export class KeepaliveTimeoutError extends MqttxError {
  /** @param context - keepalive and ping timeout in ms */
  constructor(context?: Record<string, unknown>) {
    super('ERR_KEEPALIVE_TIMEOUT', 'no answer from the server to PINGREQ', {
      kind: 'connection',
      timeout: true,
      temporary: true,
      context,
    });
  }
}

/** No CONNACK came within the connect timeout. */
export class ConnectTimeoutError extends MqttxError {
  /** @param context - the timeout in ms */
  constructor(context?: Record<string, unknown>) {
    super('ERR_CONNECT_TIMEOUT', 'no CONNACK from the server in time', {
      kind: 'connection',
      timeout: true,
      temporary: true,
      context,
    });
  }
}

/** The packet would exceed the Maximum Packet Size the server announced [MQTT-3.2.2-15]; it was not sent. */
export class PacketTooLargeError extends MqttxError {
  /** @param context - size and limit in bytes */
  constructor(context?: Record<string, unknown>) {
    super('ERR_PACKET_TOO_LARGE', 'packet exceeds the maximum packet size of the server', {
      reasonCode: 0x95,
      kind: 'publish',
      context,
    });
  }
}

/** The publish asks for a QoS above the server's Maximum QoS [MQTT-3.2.2-11]. */
export class QosNotSupportedError extends MqttxError {
  /** @param context - requested and maximum QoS */
  constructor(context?: Record<string, unknown>) {
    super('ERR_QOS_NOT_SUPPORTED', 'QoS above the maximum QoS of the server', {
      reasonCode: 0x9b,
      kind: 'publish',
      context,
    });
  }
}

/** The publish sets RETAIN and the server announced Retain Available 0 [MQTT-3.2.2-14]. */
export class RetainNotSupportedError extends MqttxError {
  /** @param context - topic */
  constructor(context?: Record<string, unknown>) {
    super('ERR_RETAIN_NOT_SUPPORTED', 'the server does not support retained messages', {
      reasonCode: 0x9a,
      kind: 'publish',
      context,
    });
  }
}

/** Names of the optional server features checked before subscribing. */
export type ServerFeature = 'wildcard' | 'shared' | 'subscriptionIdentifier';

const FEATURE_REASON: Record<ServerFeature, number> = {
  wildcard: 0xa2,
  shared: 0x9e,
  subscriptionIdentifier: 0xa1,
};

/** A subscription needs a feature the server announced as unavailable (wildcards, shared, identifiers). */
export class FeatureNotSupportedError extends MqttxError {
  /** The missing feature. */
  readonly feature: ServerFeature;

  /**
   * @param feature - the missing feature
   * @param context - the filter
   */
  constructor(feature: ServerFeature, context?: Record<string, unknown>) {
    super('ERR_FEATURE_NOT_SUPPORTED', `the server does not support ${feature} subscriptions`, {
      reasonCode: FEATURE_REASON[feature],
      kind: 'subscription',
      context: { ...context, feature },
    });
    this.feature = feature;
  }
}

/** All 65,535 packet identifiers are in use and the waiting queue is at its configured bound. */
export class PacketIdsExhaustedError extends MqttxError {
  /** @param context - queue bounds */
  constructor(context?: Record<string, unknown>) {
    super('ERR_PACKET_IDS_EXHAUSTED', 'all packet identifiers are in use and the queue is full', {
      kind: 'publish',
      temporary: true,
      context,
    });
  }
}

/** The offline / waiting queue is at its bound (count or bytes) and the policy is `reject-new`. */
export class OfflineQueueFullError extends MqttxError {
  /** @param context - queue, bound and policy */
  constructor(context?: Record<string, unknown>) {
    super('ERR_QUEUE_FULL', 'the publish queue is full', { kind: 'publish', temporary: true, context });
  }
}

/** A queued message was dropped to make room (policy `drop-oldest`). */
export class MessageDroppedError extends MqttxError {
  /** @param context - queue and topic */
  constructor(context?: Record<string, unknown>) {
    super('ERR_MESSAGE_DROPPED', 'the message was dropped from a full queue', {
      kind: 'publish',
      temporary: true,
      context,
    });
  }
}

/** The server closed the connection with a DISCONNECT (MQTT 5). `serverReference` is kept in `context`. */
export class ServerDisconnectError extends MqttxError {
  /**
   * @param reasonCode - the DISCONNECT reason code
   * @param context - reason string, server reference
   */
  constructor(reasonCode: number, context?: Record<string, unknown>) {
    super('ERR_SERVER_DISCONNECT', `the server disconnected (reason code 0x${reasonCode.toString(16)})`, {
      reasonCode,
      kind: AUTH_REASONS.has(reasonCode) ? 'authentication' : 'connection',
      temporary: TEMPORARY_REASONS.has(reasonCode),
      context,
    });
  }
}

/** The server broke the protocol; the client sent DISCONNECT with `reasonCode` (MQTT 5) and closed. */
export class ProtocolViolationError extends MqttxError {
  /**
   * @param reasonCode - the reason code the client disconnected with (0x81, 0x82, 0x93, 0x94, ...)
   * @param message - what went wrong
   * @param context - packet type, packet id
   * @param cause - the underlying error (a codec error, for example)
   */
  constructor(reasonCode: number, message: string, context?: Record<string, unknown>, cause?: unknown) {
    super('ERR_PROTOCOL_VIOLATION', message, { reasonCode, kind: 'protocol', temporary: true, context, cause });
  }
}

/** Enhanced authentication failed (authenticator error, or the server ended a re-authentication). */
export class AuthenticationError extends MqttxError {
  /**
   * @param message - what failed
   * @param reasonCode - the reason code involved, if any
   * @param cause - the authenticator's error, if any
   */
  constructor(message: string, reasonCode?: number, cause?: unknown) {
    super('ERR_AUTH_FAILED', message, { reasonCode, kind: 'authentication', cause });
  }
}

/** A request (publish, subscribe, ...) is invalid as given: bad QoS, forbidden property, bad option. */
export class InvalidRequestError extends MqttxError {
  /**
   * @param message - what is wrong
   * @param kind - `publish` or `subscription` ...
   * @param context - the offending field
   */
  constructor(message: string, kind: ErrorKind, context?: Record<string, unknown>) {
    super('ERR_INVALID_REQUEST', message, { kind, context });
  }
}

/** Invalid client options. */
export class ConfigError extends MqttxError {
  /**
   * @param message - what is wrong
   * @param context - the offending option
   */
  constructor(message: string, context?: Record<string, unknown>) {
    super('ERR_CONFIG', message, { kind: 'configuration', context });
  }
}

/** The session store failed (write, read, or a record that does not decode). */
export class StoreError extends MqttxError {
  /**
   * @param message - what failed
   * @param cause - the store's error
   * @param context - keyspace and key
   */
  constructor(message: string, cause?: unknown, context?: Record<string, unknown>) {
    super('ERR_STORE', message, { kind: 'storage', temporary: true, cause, context });
  }
}

/**
 * The caller's `AbortSignal` fired. `cause` is the signal's reason. `context.sent` is true when the request
 * was already on the wire: the caller stopped waiting, but the exchange may still complete.
 */
export class AbortError extends MqttxError {
  /**
   * @param cause - the signal's reason
   * @param kind - `publish`, `subscription`, `connection` ...
   * @param context - `{ sent }` and other details
   */
  constructor(cause: unknown, kind: ErrorKind, context?: Record<string, unknown>) {
    super('ERR_ABORTED', 'the operation was aborted', { cause, kind, context });
  }
}
