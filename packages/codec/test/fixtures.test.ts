/**
 * Runs every annotated fixture (test/fixtures/*.ts) as: decode (bytes -> packet), encode (packet -> exactly
 * those bytes, unless the fixture is decode-only), round trip both ways, a stream fed one byte at a time,
 * and a stream where the packet is followed by another packet or by a partial packet.
 */
import { describe, expect, it } from 'vitest';
import { Decoder, decode, encode, encodedLength, type DecoderOptions, type Packet } from '@mqttx/codec';
import { fixtures, hex, roleOf, type Fixture } from './fixtures/index.js';

function decoderOptions(f: Fixture): DecoderOptions {
  const role = roleOf(f);
  // A server learns the level from the CONNECT ('auto'); MQTT 3.1 packets other than CONNECT use 3.1.1 rules.
  if (f.packet.type === 'connect') return { protocolVersion: 'auto', role: 'server' };
  return { protocolVersion: f.version === 3 ? 4 : f.version, role };
}

function encodeVersion(f: Fixture): 4 | 5 {
  return f.version === 5 ? 5 : 4;
}

/** A packet the fixture's receiver may get next: PINGREQ on a server, PINGRESP on a client. */
function nextPacket(f: Fixture): { bytes: Buffer; packet: Packet } {
  return roleOf(f) === 'server'
    ? { bytes: hex('c0 00'), packet: { type: 'pingreq' } }
    : { bytes: hex('d0 00'), packet: { type: 'pingresp' } };
}

/** A small PUBLISH in the connection's version, to split as a partial tail. */
function tailPublish(f: Fixture): { bytes: Buffer; packet: Packet } {
  const v5 = f.version === 5;
  const packet: Packet = {
    type: 'publish',
    topic: 'a/b',
    payload: Buffer.from('zz'),
    qos: 0,
    retain: false,
    dup: false,
    packetId: undefined,
    properties: undefined,
  };
  // Written out rather than encoded, so the tail does not depend on the encoder under test.
  return { bytes: v5 ? hex('30 08 00 03 "a/b" 00 "zz"') : hex('30 07 00 03 "a/b" "zz"'), packet };
}

for (const [kind, list] of Object.entries(fixtures)) {
  describe(`${kind} fixtures`, () => {
    for (const f of list) {
      describe(f.name, () => {
        const bytes = hex(f.bytes);

        it('decodes to the packet', () => {
          expect(decode(bytes, decoderOptions(f))).toEqual(f.packet);
        });

        if (!f.decodeOnly) {
          it('encodes to exactly the bytes', () => {
            const out = encode(f.packet, { protocolVersion: encodeVersion(f) });
            expect(out.toString('hex')).toBe(bytes.toString('hex'));
            expect(encodedLength(f.packet, { protocolVersion: encodeVersion(f) })).toBe(bytes.length);
          });
        }

        it('round trips', () => {
          const opts = { protocolVersion: encodeVersion(f) } as const;
          expect(decode(encode(f.packet, opts), decoderOptions(f))).toEqual(f.packet);
          const reencoded = encode(decode(bytes, decoderOptions(f)), opts);
          if (f.decodeOnly) {
            // A longer-than-needed form re-encodes to the shortest form of the same packet.
            expect(reencoded.length).toBeLessThan(bytes.length);
            expect(decode(reencoded, decoderOptions(f))).toEqual(f.packet);
          } else {
            expect(reencoded.toString('hex')).toBe(bytes.toString('hex'));
          }
        });

        it('decodes when fed one byte at a time', () => {
          const decoder = new Decoder(decoderOptions(f));
          const got: Packet[] = [];
          for (let i = 0; i < bytes.length; i++) {
            const out = decoder.push(bytes.subarray(i, i + 1));
            if (i < bytes.length - 1) expect(out).toEqual([]);
            got.push(...out);
          }
          expect(got).toEqual([f.packet]);
          expect(decoder.buffered).toBe(0);
        });

        it('is followed by the next packet in the same chunk', () => {
          const next = nextPacket(f);
          const decoder = new Decoder(decoderOptions(f));
          expect(decoder.push(Buffer.concat([bytes, next.bytes]))).toEqual([f.packet, next.packet]);
          expect(decoder.buffered).toBe(0);
        });

        it('keeps a partial next packet buffered until it completes', () => {
          const tail = tailPublish(f);
          const decoder = new Decoder(decoderOptions(f));
          const cut = 3;
          expect(decoder.push(Buffer.concat([bytes, tail.bytes.subarray(0, cut)]))).toEqual([f.packet]);
          expect(decoder.buffered).toBe(cut);
          expect(decoder.push(tail.bytes.subarray(cut))).toEqual([tail.packet]);
          expect(decoder.buffered).toBe(0);
        });
      });
    }
  });
}

/**
 * The encoder keeps a few values between calls (the plans of the property sections, the recent topic
 * filters, the fields of the last CONNECT). Sequences of packets that differ only a little must still each
 * encode to their own exact bytes.
 */
describe('encoding sequences of similar packets', () => {
  const v5 = { protocolVersion: 5 } as const;
  const server5: DecoderOptions = { protocolVersion: 5, role: 'server' };

  function subscribe(filters: string[]): Packet {
    return {
      type: 'subscribe',
      packetId: 9,
      subscriptions: filters.map((topicFilter, i) => ({
        topicFilter,
        qos: (i % 3) as 0 | 1 | 2,
        noLocal: i % 2 === 1,
        retainAsPublished: false,
        retainHandling: 0,
      })),
      properties: undefined,
    };
  }

  it('SUBSCRIBE: the filter at each position is the one of this packet', () => {
    expect(encode(subscribe(['a/b', 'c/+']), v5).toString('hex')).toBe(hex('82 0f 00 09 00 00 03 "a/b" 00 00 03 "c/+" 05').toString('hex'));
    expect(encode(subscribe(['a/c', 'c/+']), v5).toString('hex')).toBe(hex('82 0f 00 09 00 00 03 "a/c" 00 00 03 "c/+" 05').toString('hex'));
    expect(encode(subscribe(['a/c', 'c/#']), v5).toString('hex')).toBe(hex('82 0f 00 09 00 00 03 "a/c" 00 00 03 "c/#" 05').toString('hex'));
  });

  it('SUBSCRIBE and UNSUBSCRIBE with non-ASCII, long, shared and many filters round trip, twice', () => {
    const filters = [
      'capteurs/é/+',
      `long/${'x'.repeat(300)}/#`,
      '$share/g/a/+',
      ...Array.from({ length: 20 }, (_, i) => `f/${i}/+/t`),
    ];
    const unsubscribe: Packet = { type: 'unsubscribe', packetId: 3, topicFilters: filters, properties: undefined };
    for (let round = 0; round < 2; round++) {
      const p = subscribe(filters);
      // No Local is a Protocol Error on a shared subscription [MQTT-3.8.3-4].
      if (p.type === 'subscribe') p.subscriptions[2]!.noLocal = false;
      expect(decode(encode(p, v5), server5)).toEqual(p);
      expect(decode(encode(unsubscribe, v5), server5)).toEqual(unsubscribe);
    }
  });

  it('CONNECT: client id, will topic and user name are this packet\'s, also when they become empty or shorter', () => {
    const connect = (clientId: string, willTopic: string, username: string | undefined): Packet => ({
      type: 'connect',
      protocolVersion: 4,
      clientId,
      clean: true,
      keepalive: 30,
      username,
      password: undefined,
      will: { topic: willTopic, payload: Buffer.from('bye'), qos: 1, retain: false, properties: undefined },
      properties: undefined,
    });
    const server: DecoderOptions = { protocolVersion: 'auto' };
    for (const p of [
      connect('client-1', 'status/client-1', 'user'),
      connect('client-2', 'status/client-1', 'user'),
      connect('', 'status/x', 'user'),
      connect('client-1', 'status/client-1', undefined),
      connect('clïent', 'status/ü', 'üser'),
      connect('clïent', 'status/ü', 'üser'),
    ]) {
      expect(decode(encode(p, v5), server)).toEqual(p);
    }
    expect(encode(connect('', 's', undefined), v5).toString('hex')).toBe(
      hex('10 14 00 04 "MQTT" 04 0e 00 1e 00 00 00 01 "s" 00 03 "bye"').toString('hex'),
    );
  });

  it('PUBLISH: the topic is this packet\'s when topics of one length alternate or repeat', () => {
    const publish = (topic: string): Packet => ({
      type: 'publish',
      topic,
      payload: Buffer.from('z'),
      qos: 0,
      retain: false,
      dup: false,
      packetId: undefined,
      properties: undefined,
    });
    for (const topic of ['a/b', 'a/b', 'a/b', 'a/c', 'a/b', 'a/c', 'a/c', 'a/c', 'ü/b', 'ü/b', 'a/b']) {
      const bytes = Buffer.from(topic, 'utf8');
      const expected = Buffer.concat([Buffer.from([0x30, 2 + bytes.length + 1 + 1, 0, bytes.length]), bytes, hex('00 "z"')]);
      expect(encode(publish(topic), v5).toString('hex')).toBe(expected.toString('hex'));
    }
  });

  it('properties are written in ascending identifier order whatever the key order of the object', () => {
    const base = { type: 'publish', topic: 't', payload: Buffer.alloc(0), qos: 0, retain: false, dup: false, packetId: undefined } as const;
    const ascending: Packet = {
      ...base,
      properties: { payloadFormatIndicator: 1, messageExpiryInterval: 5, contentType: 'a/b', userProperties: [['k', 'v']] },
    };
    const reversed: Packet = {
      ...base,
      properties: { userProperties: [['k', 'v']], contentType: 'a/b', messageExpiryInterval: 5, payloadFormatIndicator: 1 },
    };
    const expected = hex('30 18 00 01 "t" 14 01 01 02 00 00 00 05 03 00 03 "a/b" 26 00 01 "k" 00 01 "v"').toString('hex');
    expect(encode(ascending, v5).toString('hex')).toBe(expected);
    expect(encode(reversed, v5).toString('hex')).toBe(expected);
  });

  it('a PUBLISH with fewer properties after one with more carries only its own', () => {
    const publish = (properties: Record<string, unknown> | undefined): Packet =>
      ({ type: 'publish', topic: 't', payload: Buffer.from('p'), qos: 1, retain: false, dup: false, packetId: 4, properties }) as Packet;
    const client: DecoderOptions = { protocolVersion: 5, role: 'client' };
    for (const props of [
      { contentType: 'text/plain', responseTopic: 'r/1', correlationData: Buffer.from('c'), userProperties: [['a', '1'], ['b', '2']] },
      { contentType: 'text/plain' },
      { userProperties: [['ü', 'ñ']] },
      undefined,
      { subscriptionIdentifier: [3, 4], topicAlias: 2 },
    ]) {
      const p = publish(props);
      expect(decode(encode(p, v5), client)).toEqual(p);
    }
  });

  it('CONNECT properties and will properties are sized and written separately', () => {
    const p: Packet = {
      type: 'connect',
      protocolVersion: 5,
      clientId: 'c',
      clean: false,
      keepalive: 10,
      username: undefined,
      password: undefined,
      will: {
        topic: 'w',
        payload: Buffer.from('x'),
        qos: 0,
        retain: false,
        properties: { willDelayInterval: 3, contentType: 'text/plain', userProperties: [['will', 'yes']] },
      },
      properties: { sessionExpiryInterval: 60, authenticationMethod: 'M', userProperties: [['connect-key', 'v'], ['k', 'v']] },
    };
    expect(decode(encode(p, v5), { protocolVersion: 'auto' })).toEqual(p);
    // Sizing alone (encodedLength) between encodes does not disturb the next encode.
    const other: Packet = { type: 'disconnect', reasonCode: 0x04, properties: { reasonString: 'bye now' } };
    expect(encodedLength(other, v5)).toBe(encode(other, v5).length);
    expect(decode(encode(p, v5), { protocolVersion: 'auto' })).toEqual(p);
  });
});
