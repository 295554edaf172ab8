/**
 * Tests of `@mqttx/codec/arbitraries` itself: every arbitrary yields values the codec accepts and that keep
 * the documented invariants; the malformed-frame arbitrary really changes frames and reaches every mutation.
 * Spec rules that only constrain the generators are named without brackets, so that the conformance report
 * does not count them as checks of mqttx.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, validateTopicFilter, validateTopicName, type Packet } from '@mqttx/codec';
import {
  MAX_STRING_BYTES,
  MUTATION_NAMES,
  PROPERTY_TABLE,
  ackArb,
  authArb,
  binaryArb,
  chunksArb,
  connackArb,
  connectArb,
  disconnectArb,
  malformedFrameArb,
  mqttStringArb,
  packetArb,
  packetStreamArb,
  pingreqArb,
  pingrespArb,
  propertiesArb,
  publishArb,
  subackArb,
  subscribeArb,
  topicFilterArb,
  topicNameArb,
  unsubackArb,
  unsubscribeArb,
  type MutationName,
  type PropertyContext,
  type Role,
  type Version,
} from '@mqttx/codec/arbitraries';

const SEED = process.env.MQTTX_SEED ? Number(process.env.MQTTX_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
console.log(`[codec arbitraries.test] fast-check seed ${SEED} (replay: MQTTX_SEED=${SEED})`);
const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number): T[] => fc.sample(arb, { seed: SEED, numRuns });

/** A JavaScript string that is a valid MQTT UTF-8 string (5.0 section 1.5.4). */
function isMqttString(s: string): boolean {
  if (s.includes('\u0000')) return false;
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) return false;
  return Buffer.byteLength(s, 'utf8') <= MAX_STRING_BYTES;
}

/** Every string inside a value (keys of user properties included). */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) stringsIn(v, out);
  }
  return out;
}

describe('strings and topics', () => {
  it('mqttStringArb yields valid MQTT strings, mostly short, some at the 65,535-byte limit', () => {
    const values = sample(mqttStringArb(), 2000);
    for (const s of values) expect(isMqttString(s)).toBe(true);
    const long = values.filter((s) => Buffer.byteLength(s) > 60_000);
    expect(long.length).toBeGreaterThan(0);
    expect(long.length).toBeLessThan(values.length / 10);
  });

  it('binaryArb stays within 65,535 bytes', () => {
    for (const b of sample(binaryArb(), 500)) expect(b.length).toBeLessThanOrEqual(MAX_STRING_BYTES);
  });

  it('[MQTT-4.7.3-1] [MQTT-4.7.0-1] topicNameArb values pass validateTopicName', () => {
    for (const t of sample(topicNameArb(), 1000)) {
      expect(t.length).toBeGreaterThan(0);
      expect(/[+#]/.test(t)).toBe(false);
      expect(() => validateTopicName(t)).not.toThrow();
    }
  });

  it('[MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.8.2-1] [MQTT-4.8.2-2] topicFilterArb values pass validateTopicFilter and include wildcards and $share', () => {
    const filters = sample(topicFilterArb(), 1000);
    for (const f of filters) expect(() => validateTopicFilter(f)).not.toThrow();
    expect(filters.some((f) => f.includes('+'))).toBe(true);
    expect(filters.some((f) => f.endsWith('#'))).toBe(true);
    expect(filters.some((f) => f.startsWith('$share/'))).toBe(true);
  });
});

describe('propertiesArb', () => {
  const contexts: PropertyContext[] = [
    'connect',
    'will',
    'connack',
    'publish',
    'puback',
    'pubrec',
    'pubrel',
    'pubcomp',
    'subscribe',
    'suback',
    'unsubscribe',
    'unsuback',
    'disconnect',
    'auth',
  ];
  for (const context of contexts) {
    it(`${context}: only allowed properties, never an empty object`, () => {
      const allowed = new Set(PROPERTY_TABLE.filter((p) => p.contexts.includes(context)).map((p) => p.name));
      for (const props of sample(propertiesArb(context), 300)) {
        if (props === undefined) continue;
        expect(Object.keys(props).length).toBeGreaterThan(0);
        for (const key of Object.keys(props)) expect(allowed.has(key as never), key).toBe(true);
        if (props.userProperties) expect(props.userProperties.length).toBeGreaterThan(0);
      }
    });
  }

  it('user properties repeat keys', () => {
    const repeated = sample(propertiesArb('publish'), 1000).some((p) => {
      const keys = p?.userProperties?.map(([k]) => k) ?? [];
      return new Set(keys).size < keys.length;
    });
    expect(repeated).toBe(true);
  });

  it('a client PUBLISH never carries a Subscription Identifier; a server PUBLISH may carry several', () => {
    for (const p of sample(propertiesArb('publish', { role: 'client' }), 500)) {
      expect(p?.subscriptionIdentifier).toBeUndefined();
    }
    const server = sample(propertiesArb('publish', { role: 'server' }), 1000);
    expect(server.some((p) => Array.isArray(p?.subscriptionIdentifier))).toBe(true);
    expect(server.some((p) => typeof p?.subscriptionIdentifier === 'number')).toBe(true);
  });
});

/** Invariants of a 3.1.1 packet: no properties, no 5.0-only fields. */
function checkV4(p: Packet): void {
  if ('properties' in p) expect(p.properties).toBeUndefined();
  if (p.type === 'connect') {
    expect(p.will?.properties).toBeUndefined();
    if (p.password !== undefined) expect(p.username).toBeDefined(); // 3.1.1 rule 3.1.2-22
    if (p.clientId === '') expect(p.clean).toBe(true); // 3.1.1 rule 3.1.3-7
  }
  if (p.type === 'subscribe') {
    for (const s of p.subscriptions) expect([s.noLocal, s.retainAsPublished, s.retainHandling]).toEqual([false, false, 0]);
  }
  if (p.type === 'unsuback') expect(p.reasonCodes).toBeUndefined();
  if (p.type === 'puback' || p.type === 'pubrec' || p.type === 'pubrel' || p.type === 'pubcomp' || p.type === 'disconnect') {
    expect(p.reasonCode).toBeUndefined();
  }
}

/** Invariants of any generated packet. */
function checkPacket(p: Packet, version: Version): void {
  for (const s of stringsIn(p)) expect(isMqttString(s)).toBe(true);
  if (version === 4) checkV4(p);
  if (p.type === 'publish') {
    if (p.qos === 0) {
      expect(p.packetId).toBeUndefined(); // rules 2.2.1-2 (5.0), 2.3.1-5 (3.1.1)
      expect(p.dup).toBe(false); // rule 3.3.1-2
    } else {
      expect(p.packetId).toBeGreaterThan(0);
    }
  }
  if (version === 5 && p.type !== 'connect' && p.type !== 'connack' && 'reasonCode' in p) {
    expect(typeof p.reasonCode).toBe('number');
  }
}

describe('every packet arbitrary yields packets the encoder accepts', () => {
  const perVersion = (v: Version): Array<[string, fc.Arbitrary<Packet>]> => [
    ['connect', connectArb(v)],
    ['connack', connackArb(v)],
    ['publish (client)', publishArb(v, { role: 'client' })],
    ['publish (server)', publishArb(v, { role: 'server' })],
    ['puback', ackArb('puback', v)],
    ['pubrec', ackArb('pubrec', v)],
    ['pubrel', ackArb('pubrel', v)],
    ['pubcomp', ackArb('pubcomp', v)],
    ['subscribe', subscribeArb(v)],
    ['suback', subackArb(v)],
    ['unsubscribe', unsubscribeArb(v)],
    ['unsuback', unsubackArb(v)],
    ['pingreq', pingreqArb()],
    ['pingresp', pingrespArb()],
    ['disconnect (client)', disconnectArb(v, { role: 'client' })],
    ['disconnect (server)', disconnectArb(v, { role: 'server' })],
    ['packetArb', packetArb(v)],
  ];
  for (const version of [4, 5] as const) {
    for (const [name, arb] of perVersion(version)) {
      it(`v${version} ${name}`, () => {
        for (const p of sample(arb, 150)) {
          checkPacket(p, version);
          expect(() => encode(p, { protocolVersion: version })).not.toThrow();
        }
      });
    }
  }
  for (const role of ['client', 'server'] as const) {
    it(`v5 auth (${role})`, () => {
      for (const p of sample(authArb({ role }), 150)) {
        expect(p.properties?.authenticationMethod).toBeDefined();
        expect(() => encode(p, { protocolVersion: 5 })).not.toThrow();
      }
    });
  }

  for (const version of [4, 5] as const) {
    for (const role of ['client', 'server'] as const) {
      it(`v${version} packetStreamArb (${role}) opens with ${role === 'client' ? 'CONNECT' : 'CONNACK'} and never repeats it`, () => {
        const first = role === 'client' ? 'connect' : 'connack';
        for (const stream of sample(packetStreamArb(version, { role }), 60)) {
          expect(stream[0]!.type).toBe(first);
          expect(stream.slice(1).some((p) => p.type === first)).toBe(false);
          for (const p of stream) expect(() => encode(p, { protocolVersion: version })).not.toThrow();
        }
      });
    }
  }

  it('chunksArb cuts give the bytes back', () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    for (const chunks of sample(chunksArb(bytes), 200)) {
      expect(chunks.every((c) => c.length > 0)).toBe(true);
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    }
  });
});

/** Where each mutation applies, so a targeted sample reaches it quickly. */
function senderFor(name: MutationName): Role | undefined {
  if (/^(connect|will|subscriptionOptions|emptySubscribe)/.test(name)) return 'client';
  if (name === 'connackReservedFlags') return 'server';
  return undefined;
}

describe('malformedFrameArb', () => {
  for (const version of [4, 5] as const) {
    it(`v${version}: every frame differs from its valid original and is labelled`, () => {
      for (const m of sample(malformedFrameArb(version), 1000)) {
        expect(Buffer.compare(m.frame, m.valid), m.mutation).not.toBe(0);
        expect(MUTATION_NAMES).toContain(m.mutation);
        expect(['error', 'incomplete', 'any']).toContain(m.expect);
      }
    });

    const propertyOnly = new Set<MutationName>([
      'duplicateProperty',
      'unknownProperty',
      'propertyNotAllowed',
      'propertyValueOutOfRange',
      'propertyLengthOverflow',
    ]);
    for (const name of MUTATION_NAMES) {
      if (version === 4 && propertyOnly.has(name)) continue;
      it(`v${version}: reaches mutation ${name}`, () => {
        const arb = malformedFrameArb(version, { mutations: [name], role: senderFor(name) });
        const got = sample(arb, 250).filter((m) => m.mutation === name);
        expect(got.length).toBeGreaterThan(0);
        for (const m of got) expect(Buffer.compare(m.frame, m.valid)).not.toBe(0);
      });
    }
  }
});
