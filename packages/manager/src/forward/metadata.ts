/**
 * What a forwarder adds to a message: the hop counter of the loop guard and the configured metadata, as
 * MQTT 5 user properties, or for MQTT 3.1.1 targets (which have no properties) optionally inside a JSON
 * envelope around the payload.
 * @module
 */
import type { Properties } from '@mqttx/codec';
import type { SessionMessage } from '../session/message.js';

/** User property carrying the number of forwarders a message went through. */
export const HOPS_PROPERTY = 'mqttx-hops';

/** Marker that starts every envelope (`{"mqttx":1,`), so one is recognised without parsing. */
const ENVELOPE_PREFIX = Buffer.from('{"mqttx":1,');

/**
 * The JSON envelope of a message forwarded to an MQTT 3.1.1 target with `envelope: true`:
 * `{"mqttx":1,"hops":n,"session":"...","topic":"...","metadata":{...},"encoding":"utf8"|"base64","payload":"..."}`
 * (`topic` and `session` are where the message came from).
 */
export interface Envelope {
  /** Envelope format version; always 1 (also how an envelope is recognised). */
  mqttx: 1;
  /** Forwarders the message has gone through, this one included (the loop guard compares it with `maxHops`). */
  hops: number;
  /** Name of the session the message was received on. */
  session: string;
  /** Topic the message was received on (before mapping). */
  topic: string;
  /** The forwarder's configured metadata pairs (what a 5.0 target gets as user properties). */
  metadata: Record<string, string>;
  /** How `payload` is encoded: `'utf8'` when the payload is valid UTF-8 text, `'base64'` otherwise. */
  encoding: 'utf8' | 'base64';
  /** The original payload, as text or base64 (see `encoding`). */
  payload: string;
}

/** Properties of a source message passed on to a 5.0 target (the client manages aliases and ids). */
const KEPT: ReadonlyArray<keyof Properties> = [
  'payloadFormatIndicator',
  'messageExpiryInterval',
  'contentType',
  'responseTopic',
  'correlationData',
];

/** Hops recorded on `message`: its `mqttx-hops` user property, or its envelope's count; 0 when none. */
export function hopsOf(message: SessionMessage): number {
  const pairs = message.properties?.userProperties;
  if (pairs !== undefined) {
    for (let i = pairs.length - 1; i >= 0; i--) {
      const pair = pairs[i]!;
      if (pair[0] === HOPS_PROPERTY) {
        const n = Number(pair[1]);
        return Number.isInteger(n) && n >= 0 ? n : 0;
      }
    }
    return 0;
  }
  const p = message.payload;
  if (p.length > ENVELOPE_PREFIX.length && p[0] === 0x7b && p.subarray(0, ENVELOPE_PREFIX.length).equals(ENVELOPE_PREFIX)) {
    const env = parseEnvelope(p);
    if (env !== undefined) return env.hops;
  }
  return 0;
}

/** Parses an envelope; undefined when `payload` is not one. */
export function parseEnvelope(payload: Buffer): Envelope | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as Partial<Envelope>;
    if (v.mqttx !== 1 || typeof v.hops !== 'number' || typeof v.payload !== 'string') return undefined;
    return v as Envelope;
  } catch {
    return undefined;
  }
}

/**
 * The 5.0 properties of the forwarded message: the source's content properties, its user properties
 * (without an earlier hop counter), the metadata, and the new hop counter.
 */
export function forwardProperties(
  source: Properties | undefined,
  metadata: ReadonlyArray<[string, string]>,
  hops: number,
): Properties {
  const out: Properties = {};
  if (source !== undefined) {
    for (const key of KEPT) if (source[key] !== undefined) (out as Record<string, unknown>)[key] = source[key];
  }
  const pairs: Array<[string, string]> = [];
  const own = source?.userProperties;
  if (own !== undefined) for (const pair of own) if (pair[0] !== HOPS_PROPERTY) pairs.push(pair);
  for (const pair of metadata) pairs.push(pair);
  pairs.push([HOPS_PROPERTY, String(hops)]);
  out.userProperties = pairs;
  return out;
}

/** The envelope payload for a 3.1.1 target. */
export function envelopePayload(message: SessionMessage, metadata: ReadonlyArray<[string, string]>, hops: number): Buffer {
  const text = message.payload.toString('utf8');
  const utf8 = Buffer.byteLength(text) === message.payload.length && !text.includes('\uFFFD');
  const env: Envelope = {
    mqttx: 1,
    hops,
    session: message.session,
    topic: message.topic,
    metadata: Object.fromEntries(metadata),
    encoding: utf8 ? 'utf8' : 'base64',
    payload: utf8 ? text : message.payload.toString('base64'),
  };
  return Buffer.from(JSON.stringify(env), 'utf8');
}
