/**
 * How `mqttx sub` prints a message: `text` (topic, a space, the payload bytes, a line feed) or `json` (one
 * JSON object per line).
 * @module
 */
import { isUtf8 } from 'node:buffer';
import type { Properties } from '@mqttx/codec';

/** Output formats of `mqttx sub`. */
export type MessageFormat = 'text' | 'json';

/** The fields of a received message the output uses. */
export interface PrintableMessage {
  /** Topic name. */
  topic: string;
  /** Payload bytes. */
  payload: Buffer;
  /** QoS of the delivery. */
  qos: 0 | 1 | 2;
  /** RETAIN flag. */
  retain: boolean;
  /** MQTT 5 properties. */
  properties?: Properties | undefined;
}

/** A JSON line of `--format json`. */
export interface MessageJson {
  /** Topic name. */
  topic: string;
  /** Payload: UTF-8 text, or base64 when the bytes are not valid UTF-8 (see `payloadEncoding`). */
  payload: string;
  /** `utf8` or `base64`. */
  payloadEncoding: 'utf8' | 'base64';
  /** QoS of the delivery. */
  qos: 0 | 1 | 2;
  /** RETAIN flag of the delivery. */
  retain: boolean;
  /** MQTT 5 properties (binary ones base64; the topic alias left out, as the topic is resolved). */
  properties?: Record<string, unknown>;
}

/** The JSON object of a message (see {@link MessageJson}). */
export function messageToJson(msg: PrintableMessage): MessageJson {
  const utf8 = isUtf8(msg.payload);
  const out: MessageJson = {
    topic: msg.topic,
    payload: msg.payload.toString(utf8 ? 'utf8' : 'base64'),
    payloadEncoding: utf8 ? 'utf8' : 'base64',
    qos: msg.qos,
    retain: msg.retain,
  };
  const props = msg.properties;
  if (props !== undefined) {
    const shown: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(props)) {
      if (value === undefined || name === 'topicAlias') continue;
      shown[name] = Buffer.isBuffer(value) || value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
    }
    if (Object.keys(shown).length > 0) out.properties = shown;
  }
  return out;
}

/** One output record for `msg`: a JSON line, or `topic payload\n` with the payload bytes as received. */
export function formatMessage(msg: PrintableMessage, format: MessageFormat): string | Buffer {
  if (format === 'json') return `${JSON.stringify(messageToJson(msg))}\n`;
  const head = Buffer.from(`${msg.topic} `, 'utf8');
  const out = Buffer.allocUnsafe(head.length + msg.payload.length + 1);
  head.copy(out, 0);
  msg.payload.copy(out, head.length);
  out[out.length - 1] = 0x0a;
  return out;
}
