/**
 * The message type handed to handlers, routes, listeners and forwarders: the received PUBLISH plus the name
 * of the session it arrived on, with `payloadString()` / `payloadJSON()` helpers.
 * @module
 */
import type { Message } from '@mqttx/client';
import type { Properties } from '@mqttx/codec';
import { ManagerError } from '../errors.js';

/** QoS level. */
export type QoS = 0 | 1 | 2;

/** A message handler. A returned promise is awaited before the handler gets its next message. */
export type MessageHandler = (message: SessionMessage) => unknown;

/** Fields of a message that {@link SessionMessage.with} may replace. */
export interface MessageChanges {
  /** New topic; omitted keeps the original. */
  topic?: string;
  /**
   * New payload; a string is encoded as UTF-8, a Uint8Array is wrapped without copying. Omitted keeps the
   * original.
   */
  payload?: Buffer | string | Uint8Array;
  /** New QoS; omitted keeps the original. */
  qos?: QoS;
  /** New RETAIN flag; omitted keeps the original. */
  retain?: boolean;
  /** New 5.0 properties; present with `undefined` removes them, absent keeps the original. */
  properties?: Properties | undefined;
}

function toBuffer(payload: Buffer | string | Uint8Array): Buffer {
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (Buffer.isBuffer(payload)) return payload;
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/**
 * A received application message. `payload` is a zero-copy view of the bytes read from the socket: copy it
 * (`Buffer.from(msg.payload)`) to change it. All fields are set in the constructor, in one order (one
 * hidden class for every message).
 */
export class SessionMessage {
  /** Name of the session the message arrived on. */
  readonly session: string;
  /** Topic name. */
  readonly topic: string;
  /** Payload bytes. */
  readonly payload: Buffer;
  /** QoS it was delivered with. */
  readonly qos: QoS;
  /** RETAIN flag (a retained message sent on subscribe, or kept as published). */
  readonly retain: boolean;
  /** DUP flag. */
  readonly dup: boolean;
  /** Packet identifier (QoS 1 and 2), undefined for QoS 0. */
  readonly packetId: number | undefined;
  /** MQTT 5 properties (user properties, content type, ...), undefined when none. */
  readonly properties: Properties | undefined;
  /** Wall-clock time of receipt, ms since the epoch. */
  readonly receivedAt: number;
  /** Monotonic time of receipt (`performance.now()`), ms, for latencies. */
  readonly receivedAtMono: number;

  /**
   * @param session - session name
   * @param topic - topic name
   * @param payload - payload bytes
   * @param qos - QoS
   * @param retain - RETAIN flag
   * @param dup - DUP flag
   * @param packetId - packet id (QoS 1/2)
   * @param properties - MQTT 5 properties
   * @param receivedAt - wall-clock receipt time, ms
   * @param receivedAtMono - monotonic receipt time, ms
   */
  constructor(
    session: string,
    topic: string,
    payload: Buffer,
    qos: QoS,
    retain: boolean,
    dup: boolean,
    packetId: number | undefined,
    properties: Properties | undefined,
    receivedAt: number,
    receivedAtMono: number,
  ) {
    this.session = session;
    this.topic = topic;
    this.payload = payload;
    this.qos = qos;
    this.retain = retain;
    this.dup = dup;
    this.packetId = packetId;
    this.properties = properties;
    this.receivedAt = receivedAt;
    this.receivedAtMono = receivedAtMono;
  }

  /** Wraps a message delivered by the client. */
  static from(session: string, m: Message, receivedAt: number, receivedAtMono: number): SessionMessage {
    return new SessionMessage(
      session,
      m.topic,
      m.payload,
      m.qos,
      m.retain,
      m.dup,
      m.packetId,
      m.properties,
      receivedAt,
      receivedAtMono,
    );
  }

  /** The payload decoded as text (UTF-8 by default). */
  payloadString(encoding: BufferEncoding = 'utf8'): string {
    return this.payload.toString(encoding);
  }

  /**
   * The payload parsed as JSON (UTF-8).
   * @throws {@link ManagerError} `ERR_INVALID_PAYLOAD` (kind `subscription`) when it is not valid JSON; the
   *   `SyntaxError` is the cause
   */
  payloadJSON<T = unknown>(): T {
    try {
      return JSON.parse(this.payload.toString('utf8')) as T;
    } catch (err) {
      throw new ManagerError('ERR_INVALID_PAYLOAD', 'the payload is not valid JSON', 'subscription', err, {
        session: this.session,
        context: { topic: this.topic },
      });
    }
  }

  /** A copy with some fields replaced (for transformers); the receipt times are kept. */
  with(changes: MessageChanges): SessionMessage {
    return new SessionMessage(
      this.session,
      changes.topic ?? this.topic,
      changes.payload === undefined ? this.payload : toBuffer(changes.payload),
      changes.qos ?? this.qos,
      changes.retain ?? this.retain,
      this.dup,
      this.packetId,
      'properties' in changes ? changes.properties : this.properties,
      this.receivedAt,
      this.receivedAtMono,
    );
  }
}
