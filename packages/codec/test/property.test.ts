/**
 * Property-based tests of the codec over the `@mqttx/codec/arbitraries` generators.
 *
 * Seeded: `MQTTX_SEED=<n>` replays a run (the seed is printed once per file); `MQTTX_SOAK=1` multiplies the
 * number of runs by 40.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError, Decoder, decode, encode, encodedLength, type Packet } from '@mqttx/codec';
import {
  chunksArb,
  malformedFrameArb,
  packetArb,
  packetStreamArb,
  publishArb,
  type MalformedFrame,
  type MutationName,
  type Role,
  type Version,
} from '@mqttx/codec/arbitraries';

const SEED = process.env.MQTTX_SEED ? Number(process.env.MQTTX_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
console.log(`[codec property.test] fast-check seed ${SEED} (replay: MQTTX_SEED=${SEED})`);
const SOAK = process.env.MQTTX_SOAK === '1';
const params = (numRuns: number) => ({ seed: SEED, numRuns: SOAK ? numRuns * 40 : numRuns });

const VERSIONS: readonly Version[] = [4, 5];
const ROLES: readonly Role[] = ['client', 'server'];
const receiverOf = (sender: Role): Role => (sender === 'client' ? 'server' : 'client');

/** Runs `fn`; returns its packets, or the CodecError it threw. Any other exception fails the test. */
function decodeOrCodecError(fn: () => Packet[]): Packet[] | CodecError {
  try {
    const out = fn();
    expect(Array.isArray(out)).toBe(true);
    return out;
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    // Every decode failure names the MQTT 5 reason code to close the connection with (0x80 and above).
    expect(err.reasonCode).toBeGreaterThanOrEqual(0x80);
    return err;
  }
}

/** Concatenates whole frames (test helper; the codec itself never concatenates per packet). */
const concat = (frames: Buffer[]) => Buffer.concat(frames);

describe('round trip of arbitrary valid packets', () => {
  for (const version of VERSIONS) {
    for (const sender of ROLES) {
      it(`v${version} ${sender} packets: decode(encode(p)) equals p, encodedLength is exact, re-encoding is byte-stable`, () => {
        fc.assert(
          fc.property(packetArb(version, { role: sender }), (packet) => {
            const opts = { protocolVersion: version } as const;
            const bytes = encode(packet, opts);
            expect(encodedLength(packet, opts)).toBe(bytes.length);
            const back = decode(bytes, { protocolVersion: version, role: receiverOf(sender) });
            expect(back).toEqual(packet);
            // Canonical encodings are stable: encoding the decoded packet gives the same bytes.
            expect(Buffer.compare(encode(back, opts), bytes)).toBe(0);
          }),
          params(400),
        );
      });
    }
  }

  it('[MQTT-2.2.2-1] a v5 PUBLISH without properties carries a Property Length of zero', () => {
    fc.assert(
      fc.property(publishArb(5, { role: 'client' }), (p) => {
        const packet = { ...p, topic: p.topic === '' ? 'a' : p.topic, properties: undefined };
        const bytes = encode(packet, { protocolVersion: 5 });
        const rl = bytes[1]! < 0x80 ? 1 : bytes[2]! < 0x80 ? 2 : bytes[3]! < 0x80 ? 3 : 4;
        const afterTopic = 1 + rl + 2 + bytes.readUInt16BE(1 + rl);
        const propertyLength = afterTopic + (packet.qos > 0 ? 2 : 0);
        expect(bytes[propertyLength]).toBe(0);
      }),
      params(200),
    );
  });

  it('[MQTT-1.5.4-3] [MQTT-1.5.3-3] U+FEFF inside a topic is neither skipped nor stripped', () => {
    fc.assert(
      fc.property(publishArb(5, { role: 'server' }), fc.nat(), fc.constantFrom<Version>(4, 5), (p, at, version) => {
        const base = p.topic === '' ? 'x' : p.topic;
        const cut = at % (base.length + 1);
        const topic = `${base.slice(0, cut)}\ufeff${base.slice(cut)}`;
        // Keep the topic short enough to stay a valid string after the insertion.
        fc.pre(Buffer.byteLength(topic) <= 65_535 && !/[\ud800-\udbff]$/.test(base.slice(0, cut)));
        const packet = { ...p, topic, properties: version === 5 ? p.properties : undefined };
        const back = decode(encode(packet, { protocolVersion: version }), { protocolVersion: version, role: 'client' });
        expect((back as typeof packet).topic).toBe(topic);
      }),
      params(150),
    );
  });
});

/** Random bytes, or random bodies behind a plausible fixed header (to reach the packet parsers). */
const noiseArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .record({ type: fc.integer({ min: 0, max: 15 }), flags: fc.integer({ min: 0, max: 15 }), body: fc.uint8Array({ maxLength: 120 }) })
    .map(({ type, flags, body }) => Uint8Array.from([(type << 4) | flags, body.length, ...body])),
);

describe('random bytes give packets or a CodecError, never another exception or a hang', () => {
  const configs: Array<{ protocolVersion: 4 | 5 | 'auto'; role: Role }> = [
    { protocolVersion: 4, role: 'client' },
    { protocolVersion: 4, role: 'server' },
    { protocolVersion: 5, role: 'client' },
    { protocolVersion: 5, role: 'server' },
    { protocolVersion: 'auto', role: 'server' },
  ];
  for (const options of configs) {
    it(`Decoder v${options.protocolVersion} role ${options.role}`, () => {
      fc.assert(
        fc.property(noiseArb, fc.integer({ min: 1, max: 64 }), (bytes, step) => {
          const decoder = new Decoder(options);
          const buf = Buffer.from(bytes);
          decodeOrCodecError(() => {
            const out: Packet[] = [];
            for (let i = 0; i < buf.length; i += step) out.push(...decoder.push(buf.subarray(i, i + step)));
            return out;
          });
        }),
        params(500),
      );
    });
  }
});

describe('any chunking of a stream of valid packets decodes to the same packets', () => {
  // A receiver must not assume packets are aligned with transport reads [MQTT-6.0.0-2].
  for (const version of VERSIONS) {
    for (const sender of ROLES) {
      it(`v${version} ${sender} stream`, () => {
        const streamArb = packetStreamArb(version, { role: sender }).chain((packets) => {
          const bytes = concat(packets.map((p) => Buffer.from(encode(p, { protocolVersion: version }))));
          return chunksArb(bytes).map((chunks) => ({ packets, chunks }));
        });
        fc.assert(
          fc.property(streamArb, ({ packets, chunks }) => {
            const decoder = new Decoder({ protocolVersion: version, role: receiverOf(sender) });
            const out: Packet[] = [];
            for (const chunk of chunks) out.push(...decoder.push(chunk));
            expect(out).toEqual(packets);
          }),
          params(100),
        );
      });
    }
    it(`v${version} client stream through a Decoder in 'auto' mode (version learnt from CONNECT)`, () => {
      const streamArb = packetStreamArb(version, { role: 'client', maxLength: 4 }).chain((packets) => {
        const bytes = concat(packets.map((p) => Buffer.from(encode(p, { protocolVersion: version }))));
        return chunksArb(bytes).map((chunks) => ({ packets, chunks }));
      });
      fc.assert(
        fc.property(streamArb, ({ packets, chunks }) => {
          const decoder = new Decoder({ protocolVersion: 'auto', role: 'server' });
          const out: Packet[] = [];
          for (const chunk of chunks) out.push(...decoder.push(chunk));
          expect(out).toEqual(packets);
        }),
        params(60),
      );
    });
  }
});

describe('maximum packet size is enforced from the fixed header', () => {
  for (const version of VERSIONS) {
    it(`v${version}: a frame over maximumPacketSize fails with ERR_PACKET_TOO_LARGE before its body arrives`, () => {
      fc.assert(
        fc.property(packetArb(version, { role: 'server' }), fc.nat(), (packet, pick) => {
          const bytes = encode(packet, { protocolVersion: version });
          const rlBytes = bytes[1]! < 0x80 ? 1 : bytes[2]! < 0x80 ? 2 : bytes[3]! < 0x80 ? 3 : 4;
          const header = 1 + rlBytes;
          fc.pre(bytes.length > 2);
          const max = 2 + (pick % (bytes.length - 2)); // 2 .. length-1
          const decoder = new Decoder({ protocolVersion: version, role: 'client', maximumPacketSize: max });
          const err = decodeOrCodecError(() => decoder.push(bytes.subarray(0, header)));
          expect(err).toBeInstanceOf(CodecError);
          expect((err as CodecError).code).toBe('ERR_PACKET_TOO_LARGE');
          // The same frame passes when the limit is its exact size.
          const ok = new Decoder({ protocolVersion: version, role: 'client', maximumPacketSize: bytes.length });
          expect(ok.push(bytes)).toHaveLength(1);
        }),
        params(200),
      );
    });
  }
});

/** Checks one malformed frame against its expectation. */
function checkMalformed(version: Version, m: MalformedFrame): void {
  const decoder = new Decoder({ protocolVersion: version, role: receiverOf(m.sender) });
  const result = decodeOrCodecError(() => decoder.push(m.frame));
  const where = `${m.mutation} of ${m.packet.type}: ${m.frame.toString('hex')}`;
  if (m.expect === 'error') {
    expect(result, where).toBeInstanceOf(CodecError);
    if (m.codes) expect(m.codes, where).toContain((result as CodecError).code);
  } else if (m.expect === 'incomplete') {
    expect(result, where).toEqual([]);
  }
}

describe('malformed frames give a CodecError (or packets where the mutation kept them valid)', () => {
  for (const version of VERSIONS) {
    for (const sender of ROLES) {
      it(`v${version} frames from a ${sender}, every mutation`, () => {
        fc.assert(
          fc.property(malformedFrameArb(version, { role: sender }), (m) => checkMalformed(version, m)),
          params(400),
        );
      });
    }
  }

  /**
   * Mutations a receiver must reject, with the statements they break per version (3.1.1, 5.0). The IDs are
   * written out here so that the conformance report finds them; the test also checks that the arbitrary's
   * own `statements` label agrees.
   */
  const TARGETED: Array<[MutationName, Role | undefined, string, string]> = [
    ['reservedFlags', undefined, '[MQTT-2.2.2-1] [MQTT-2.2.2-2] [MQTT-3.6.1-1] [MQTT-3.8.1-1] [MQTT-3.10.1-1] [MQTT-3.14.1-1]', '[MQTT-2.1.3-1] [MQTT-3.6.1-1] [MQTT-3.8.1-1] [MQTT-3.10.1-1] [MQTT-3.14.1-1] [MQTT-3.15.1-1]'],
    ['publishQos3', undefined, '[MQTT-3.3.1-4]', '[MQTT-3.3.1-4]'],
    ['nulInString', undefined, '[MQTT-1.5.3-2] [MQTT-4.7.3-2]', '[MQTT-1.5.4-2] [MQTT-4.7.3-2]'],
    ['surrogateInString', undefined, '[MQTT-1.5.3-1]', '[MQTT-1.5.4-1]'],
    ['overlongUtf8', undefined, '[MQTT-1.5.3-1]', '[MQTT-1.5.4-1]'],
    ['packetIdZero', undefined, '[MQTT-2.3.1-1]', '[MQTT-2.2.1-3] [MQTT-2.2.1-4]'],
    ['connectReservedFlag', 'client', '[MQTT-3.1.2-3]', '[MQTT-3.1.2-3]'],
    ['willFlagsWithoutWill', 'client', '[MQTT-3.1.2-11] [MQTT-3.1.2-13] [MQTT-3.1.2-15]', '[MQTT-3.1.2-11] [MQTT-3.1.2-13]'],
    ['willQos3', 'client', '[MQTT-3.1.2-14]', '[MQTT-3.1.2-12]'],
    ['subscriptionOptionsReserved', 'client', '[MQTT-3.8.3-4]', '[MQTT-3.8.3-5]'],
    ['emptySubscribe', 'client', '[MQTT-3.8.3-3] [MQTT-3.10.3-2]', '[MQTT-3.8.3-2] [MQTT-3.10.3-2]'],
    ['connackReservedFlags', 'server', '(3.1.2.1: bits 7-1 reserved)', '[MQTT-3.2.2-1]'],
    ['overlongVarint', undefined, '(2.2.3: at most four bytes)', '(1.5.5: at most four bytes)'],
    ['badPacketType', undefined, '(2.2.1: types 0 and 15 reserved)', '(2.1.2: type 0 reserved)'],
    ['wrongDirection', undefined, '(2.2.1: direction of flow)', '(2.1.2: direction of flow)'],
    ['duplicateProperty', undefined, '', '(2.2.2.2: a property at most once)'],
    ['unknownProperty', undefined, '', '(2.2.2.2: unknown identifier)'],
    ['propertyNotAllowed', undefined, '', '(2.2.2.2: property not valid for the packet)'],
    ['propertyValueOutOfRange', undefined, '', '[MQTT-3.3.2-8] (and 3.1.2.11, 3.2.2.3 value ranges)'],
  ];
  for (const version of VERSIONS) {
    for (const [name, role, v4, v5] of TARGETED) {
      const ids = version === 4 ? v4 : v5;
      if (ids === '') continue;
      it(`${ids} v${version}: ${name} is rejected with its error code`, () => {
        // packetIdZero is only an error where a non-zero id is required (PUBLISH QoS > 0, SUBSCRIBE,
        // UNSUBSCRIBE); the filter keeps those.
        const arb = malformedFrameArb(version, { mutations: [name], role }).filter(
          (m) => m.mutation === name && m.expect === 'error',
        );
        fc.assert(
          fc.property(arb, (m) => {
            for (const st of m.statements ?? []) expect(ids).toContain(`[${st}]`);
            checkMalformed(version, m);
          }),
          params(60),
        );
      });
    }
  }

  for (const version of VERSIONS) {
    it(`v${version}: a truncated frame or a remaining length past the data is incomplete, not an error`, () => {
      const arb = malformedFrameArb(version, { mutations: ['truncate', 'remainingLengthTooLong'] });
      fc.assert(
        fc.property(arb, (m) => {
          expect(m.expect).toBe('incomplete');
          checkMalformed(version, m);
        }),
        params(200),
      );
    });
  }
});
