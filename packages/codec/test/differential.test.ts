/**
 * Differential tests against mqtt-packet (a dev dependency only): mqtt-packet parses our encodings of
 * arbitrary packets to the same content, and we decode mqtt-packet's encodings to the same content.
 *
 * The two libraries' shapes differ (`cmd`/`type`, `messageId`/`packetId`, `subscriptions[].topic`,
 * `returnCode`/`granted`/`reasonCode(s)`, user properties as an object, booleans for the Payload Format
 * Indicator), so both sides are mapped to our packet shape and compared on a normalised form where user
 * properties are ordered by key (mqtt-packet's object keeps the order of values per key, not across keys).
 *
 * Seeded like property.test.ts: `MQTTX_SEED=<n>` replays, `MQTTX_SOAK=1` runs 40 times more.
 */
import fc from 'fast-check';
import mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { decode, encode, type Packet, type Properties, type UserProperties } from '@mqttx/codec';
import { packetArb, type Role, type Version } from '@mqttx/codec/arbitraries';

const SEED = process.env.MQTTX_SEED ? Number(process.env.MQTTX_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
console.log(`[codec differential.test] fast-check seed ${SEED} (replay: MQTTX_SEED=${SEED})`);
const SOAK = process.env.MQTTX_SOAK === '1';
const params = (numRuns: number) => ({ seed: SEED, numRuns: SOAK ? numRuns * 40 : numRuns });

/** mqtt-packet's packet objects, loosely typed (its own typings are incomplete for 5.0). */
type MpPacket = Record<string, any>;

const VERSIONS: readonly Version[] = [4, 5];
const ROLES: readonly Role[] = ['client', 'server'];
const receiverOf = (sender: Role): Role => (sender === 'client' ? 'server' : 'client');

/** Parses one buffer with mqtt-packet; throws what it reports. */
function mpParse(buf: Buffer, version: Version): MpPacket[] {
  const parser = mqtt.parser({ protocolVersion: version });
  const out: MpPacket[] = [];
  let failure: Error | undefined;
  parser.on('packet', (p: MpPacket) => out.push(p));
  parser.on('error', (e: Error) => (failure = e));
  parser.parse(buf);
  if (failure) throw failure;
  return out;
}

// ---- mapping between the two shapes -------------------------------------------------------------------

/** Our ordered pairs to mqtt-packet's object (a repeated key becomes an array). */
function toMpUser(pairs: UserProperties): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function fromMpUser(obj: Record<string, string | string[]>): UserProperties {
  const out: UserProperties = [];
  for (const [k, v] of Object.entries(obj)) for (const one of Array.isArray(v) ? v : [v]) out.push([k, one]);
  return out;
}

function toMpProps(props: Properties | undefined): MpPacket | undefined {
  if (!props) return undefined;
  const out: MpPacket = { ...props };
  if (props.userProperties) out.userProperties = toMpUser(props.userProperties);
  // mqtt-packet only accepts a boolean Payload Format Indicator.
  if (props.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = props.payloadFormatIndicator === 1;
  return out;
}

function fromMpProps(props: MpPacket | undefined): Properties | undefined {
  if (!props || Object.keys(props).length === 0) return undefined;
  const out: MpPacket = { ...props };
  if (props.userProperties) out.userProperties = fromMpUser(props.userProperties);
  if (props.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = props.payloadFormatIndicator ? 1 : 0;
  return out as Properties;
}

/** Our packet as an mqtt-packet object for `generate`. */
function toMp(p: Packet, version: Version): MpPacket {
  switch (p.type) {
    case 'connect':
      return {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: p.protocolVersion,
        clientId: p.clientId,
        clean: p.clean,
        keepalive: p.keepalive,
        username: p.username,
        password: p.password,
        will: p.will && { ...p.will, properties: toMpProps(p.will.properties) },
        properties: toMpProps(p.properties),
      };
    case 'connack':
      return {
        cmd: 'connack',
        sessionPresent: p.sessionPresent,
        [version === 5 ? 'reasonCode' : 'returnCode']: p.reasonCode,
        properties: toMpProps(p.properties),
      };
    case 'publish':
      return {
        cmd: 'publish',
        topic: p.topic,
        payload: p.payload,
        qos: p.qos,
        retain: p.retain,
        dup: p.dup,
        messageId: p.packetId,
        properties: toMpProps(p.properties),
      };
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return { cmd: p.type, messageId: p.packetId, reasonCode: p.reasonCode, properties: toMpProps(p.properties) };
    case 'subscribe':
      return {
        cmd: 'subscribe',
        messageId: p.packetId,
        subscriptions: p.subscriptions.map((s) => ({
          topic: s.topicFilter,
          qos: s.qos,
          nl: s.noLocal,
          rap: s.retainAsPublished,
          rh: s.retainHandling,
        })),
        properties: toMpProps(p.properties),
      };
    case 'suback':
      return { cmd: 'suback', messageId: p.packetId, granted: p.reasonCodes, properties: toMpProps(p.properties) };
    case 'unsubscribe':
      return {
        cmd: 'unsubscribe',
        messageId: p.packetId,
        unsubscriptions: p.topicFilters,
        properties: toMpProps(p.properties),
      };
    case 'unsuback':
      return { cmd: 'unsuback', messageId: p.packetId, granted: p.reasonCodes, properties: toMpProps(p.properties) };
    case 'pingreq':
    case 'pingresp':
      return { cmd: p.type };
    case 'disconnect':
    case 'auth':
      return { cmd: p.type, reasonCode: p.reasonCode, properties: toMpProps(p.properties) };
  }
}

/** An mqtt-packet parse result in our shape, with our normalisation for `version`. */
function fromMp(m: MpPacket, version: Version): Packet {
  const v5 = version === 5;
  const opt = <T>(x: T | null | undefined): T | undefined => (x === null ? undefined : x);
  switch (m.cmd) {
    case 'connect':
      return {
        type: 'connect',
        protocolVersion: m.protocolVersion,
        clientId: m.clientId,
        clean: m.clean,
        keepalive: m.keepalive,
        username: opt(m.username),
        password: opt(m.password),
        will: m.will
          ? {
              topic: m.will.topic,
              payload: m.will.payload,
              qos: m.will.qos,
              retain: m.will.retain,
              properties: fromMpProps(m.will.properties),
            }
          : undefined,
        properties: fromMpProps(m.properties),
      };
    case 'connack':
      return {
        type: 'connack',
        sessionPresent: m.sessionPresent,
        reasonCode: v5 ? m.reasonCode : m.returnCode,
        properties: fromMpProps(m.properties),
      };
    case 'publish':
      return {
        type: 'publish',
        topic: m.topic,
        payload: m.payload,
        qos: m.qos,
        retain: m.retain,
        dup: m.dup,
        packetId: m.qos > 0 ? m.messageId : undefined,
        properties: fromMpProps(m.properties),
      };
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return {
        type: m.cmd,
        packetId: m.messageId,
        reasonCode: v5 ? (m.reasonCode ?? 0) : undefined,
        properties: fromMpProps(m.properties),
      };
    case 'subscribe':
      return {
        type: 'subscribe',
        packetId: m.messageId,
        subscriptions: m.subscriptions.map((s: MpPacket) => ({
          topicFilter: s.topic,
          qos: s.qos,
          noLocal: Boolean(s.nl),
          retainAsPublished: Boolean(s.rap),
          retainHandling: s.rh ?? 0,
        })),
        properties: fromMpProps(m.properties),
      };
    case 'suback':
      return { type: 'suback', packetId: m.messageId, reasonCodes: m.granted, properties: fromMpProps(m.properties) };
    case 'unsubscribe':
      return {
        type: 'unsubscribe',
        packetId: m.messageId,
        topicFilters: m.unsubscriptions,
        properties: fromMpProps(m.properties),
      };
    case 'unsuback':
      return {
        type: 'unsuback',
        packetId: m.messageId,
        reasonCodes: v5 ? m.granted : undefined,
        properties: fromMpProps(m.properties),
      };
    case 'pingreq':
    case 'pingresp':
      return { type: m.cmd };
    case 'disconnect':
    case 'auth':
      return { type: m.cmd, reasonCode: v5 ? (m.reasonCode ?? 0) : undefined, properties: fromMpProps(m.properties) };
    default:
      throw new Error(`unexpected mqtt-packet cmd ${String(m.cmd)}`);
  }
}

/** Orders user properties by key (stable), recursively, so both sides compare equal. */
function normalise<T>(value: T): T {
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(normalise) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'userProperties' && Array.isArray(v)) {
      out[k] = [...(v as UserProperties)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    } else {
      out[k] = normalise(v);
    }
  }
  return out as T;
}

// ---- restrictions where mqtt-packet deviates from the spec or cannot represent a packet ------------------

/** True when mqtt-packet 9.0.2 can represent and handle `p`; each exclusion names the deviation. */
function mqttPacketCanHandle(p: Packet): boolean {
  const props: Array<Properties | undefined> = [p.type === 'connect' ? p.will?.properties : undefined];
  if ('properties' in p) props.push(p.properties);
  for (const pr of props) {
    const pairs = pr?.userProperties ?? [];
    // Its user properties are a plain object: a key such as `__proto__` is lost.
    if (pairs.some(([k]) => k === '__proto__' || k === 'constructor' || k === 'prototype')) return false;
    // Its parser loses the first value of a repeated key when that value is the empty string
    // ([['k', ''], ['k', 'a']] parses as { k: 'a' }); 5.0 allows repeated names and empty values (3.3.2.3.7).
    const seen = new Map<string, string>();
    for (const [k, v] of pairs) {
      if (seen.has(k) && seen.get(k) === '') return false;
      if (!seen.has(k)) seen.set(k, v);
    }
  }
  if (p.type === 'connect') {
    // It refuses an empty Client Identifier with Clean Start 0 even in 5.0, where the server assigns one
    // (3.1.3.1; in 3.1.1 [MQTT-3.1.3-7] makes it a client error, and our arbitrary never generates it).
    if (p.clientId === '' && !p.clean) return false;
    // It refuses to generate a 5.0 password without a user name ("Username is required to use password"),
    // which 5.0 allows (3.1.2.9); in 3.1.1 [MQTT-3.1.2-22] forbids it and our arbitrary never generates it.
    if (p.password !== undefined && p.username === undefined) return false;
  }
  return true;
}

const arbFor = (version: Version, sender: Role) => packetArb(version, { role: sender }).filter(mqttPacketCanHandle);

describe('differential: mqtt-packet parses our encodings to the same content', () => {
  for (const version of VERSIONS) {
    for (const sender of ROLES) {
      it(`v${version} ${sender} packets`, () => {
        fc.assert(
          fc.property(arbFor(version, sender), (packet) => {
            const bytes = Buffer.from(encode(packet, { protocolVersion: version }));
            const parsed = mpParse(bytes, version);
            expect(parsed).toHaveLength(1);
            expect(normalise(fromMp(parsed[0]!, version))).toEqual(normalise(packet));
          }),
          params(300),
        );
      });
    }
  }
});

describe('differential: we decode mqtt-packet encodings to the same content', () => {
  for (const version of VERSIONS) {
    for (const sender of ROLES) {
      it(`v${version} ${sender} packets`, () => {
        fc.assert(
          fc.property(arbFor(version, sender), (packet) => {
            const bytes = mqtt.generate(toMp(packet, version) as never, { protocolVersion: version });
            const back = decode(bytes, { protocolVersion: version, role: receiverOf(sender) });
            expect(normalise(back)).toEqual(normalise(packet));
          }),
          params(300),
        );
      });
    }
  }
});
