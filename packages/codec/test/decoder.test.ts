/**
 * Stream decoder behaviour: framing and buffering, zero-copy views, poisoning, protocol detection,
 * role filtering, the one-shot decode(), and the shape (field order) of decoded packets.
 */
import { describe, expect, it } from 'vitest';
import { CodecError, Decoder, decode, encode, type DecoderOptions, type Packet } from '@mqttx/codec';
import { fixtures, hex, roleOf } from './fixtures/index.js';

function caught(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return err as CodecError;
  }
  throw new Error('expected a CodecError');
}

const publishV4 = hex('32 0a 00 03 "a/b" 00 07 "hey"'); // PUBLISH QoS 1, id 7
const pingresp = hex('d0 00');
const puback = hex('40 02 00 07');

describe('framing', () => {
  it('returns nothing and keeps the bytes while the fixed header is incomplete', () => {
    const d = new Decoder({ protocolVersion: 4 });
    // Remaining length 200 needs two bytes; give only the first.
    expect(d.push(hex('30 c8'))).toEqual([]);
    expect(d.buffered).toBe(2);
  });

  it('decodes several packets from one chunk, in order', () => {
    const d = new Decoder({ protocolVersion: 4 });
    const out = d.push(Buffer.concat([publishV4, pingresp, puback]));
    expect(out.map((p) => p.type)).toEqual(['publish', 'pingresp', 'puback']);
    expect(d.buffered).toBe(0);
  });

  it('gives the same packets for every split of a stream into two chunks', () => {
    const stream = Buffer.concat([publishV4, pingresp, puback, publishV4]);
    const expected = new Decoder({ protocolVersion: 4 }).push(stream);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new Decoder({ protocolVersion: 4 });
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(got).toEqual(expected);
      expect(d.buffered).toBe(0);
    }
  });

  it('gives the same packets for every split into three chunks (5.0 stream of every client-bound fixture)', () => {
    const list = Object.values(fixtures)
      .flat()
      .filter((f) => f.version === 5 && roleOf(f) === 'client' && !f.decodeOnly);
    const stream = Buffer.concat(list.map((f) => hex(f.bytes)));
    const expected = list.map((f) => f.packet);
    // Every 7th first cut keeps the run short; the second cut sweeps the stream.
    for (let a = 0; a < stream.length; a += 7) {
      for (let b = a; b <= stream.length; b += 13) {
        const d = new Decoder({ protocolVersion: 5 });
        const got = [...d.push(stream.subarray(0, a)), ...d.push(stream.subarray(a, b)), ...d.push(stream.subarray(b))];
        expect(got).toEqual(expected);
      }
    }
  });

  it('handles a packet completed across many chunks, then more packets in the last chunk', () => {
    const d = new Decoder({ protocolVersion: 4 });
    const big = encode(
      { type: 'publish', topic: 't', payload: Buffer.alloc(5000, 1), qos: 0, retain: false, dup: false },
      { protocolVersion: 4 },
    );
    const stream = Buffer.concat([big, pingresp]);
    const got: Packet[] = [];
    for (let i = 0; i < stream.length; i += 1000) got.push(...d.push(stream.subarray(i, i + 1000)));
    expect(got.map((p) => p.type)).toEqual(['publish', 'pingresp']);
    expect((got[0] as { payload: Buffer }).payload.equals(Buffer.alloc(5000, 1))).toBe(true);
  });

  it('accepts an empty chunk', () => {
    const d = new Decoder({ protocolVersion: 4 });
    expect(d.push(Buffer.alloc(0))).toEqual([]);
    expect(d.push(hex('d0'))).toEqual([]);
    expect(d.push(Buffer.alloc(0))).toEqual([]);
    expect(d.push(hex('00'))).toEqual([{ type: 'pingresp' }]);
  });

  it('accepts a plain Uint8Array chunk', () => {
    const d = new Decoder({ protocolVersion: 4 });
    expect(d.push(new Uint8Array(pingresp) as Buffer)).toEqual([{ type: 'pingresp' }]);
  });

  it('accepts a non-minimal remaining length in 3.1.1 (the 5.0 rule [MQTT-1.5.5-1] is not in 3.1.1)', () => {
    expect(new Decoder({ protocolVersion: 4 }).push(hex('d0 80 00'))).toEqual([{ type: 'pingresp' }]);
  });

  it('decodes the largest 4-byte remaining length header without buffering the body when over the limit', () => {
    const d = new Decoder({ protocolVersion: 4, maximumPacketSize: 268_435_460 });
    // 268,435,455 = ff ff ff 7f: accepted as a header, the body is then awaited.
    expect(d.push(hex('30 ff ff ff 7f 00 01 "t"'))).toEqual([]);
    expect(d.buffered).toBe(8);
  });
});

describe('zero-copy payloads', () => {
  it('a payload parsed straight from the chunk is a view of it', () => {
    const chunk = Buffer.from(publishV4);
    const [p] = new Decoder({ protocolVersion: 4 }).push(chunk) as [Extract<Packet, { type: 'publish' }>];
    expect(p.payload.toString()).toBe('hey');
    expect(p.payload.buffer).toBe(chunk.buffer);
    chunk[chunk.length - 1] = 0x21; // '!'
    expect(p.payload.toString()).toBe('he!');
  });

  it('a payload assembled from several chunks is a copy', () => {
    const chunk = Buffer.from(publishV4);
    const d = new Decoder({ protocolVersion: 4 });
    expect(d.push(chunk.subarray(0, 5))).toEqual([]);
    const [p] = d.push(chunk.subarray(5)) as [Extract<Packet, { type: 'publish' }>];
    chunk[chunk.length - 1] = 0x21;
    expect(p.payload.toString()).toBe('hey');
  });

  it('decoded Buffers are real Buffers', () => {
    const [p] = new Decoder({ protocolVersion: 4 }).push(Buffer.from(publishV4)) as [Extract<Packet, { type: 'publish' }>];
    expect(Buffer.isBuffer(p.payload)).toBe(true);
    expect(p.payload.constructor).toBe(Buffer);
    expect(Buffer.isBuffer(p.payload.subarray(1))).toBe(true);
    expect(p.payload.toString('hex')).toBe('686579');
  });
});

describe('errors poison the decoder', () => {
  it('throws the same error on every later push', () => {
    const d = new Decoder({ protocolVersion: 4 });
    const first = caught(() => d.push(hex('00 00')));
    expect(first.code).toBe('ERR_UNKNOWN_PACKET_TYPE');
    expect(caught(() => d.push(pingresp))).toBe(first);
    expect(caught(() => d.push(Buffer.alloc(0)))).toBe(first);
  });

  it('keeps the valid packets that came before the bad one in the same chunk on the error', () => {
    const d = new Decoder({ protocolVersion: 4 });
    const err = caught(() => d.push(Buffer.concat([publishV4, pingresp, hex('00 00')])));
    expect(err.code).toBe('ERR_UNKNOWN_PACKET_TYPE');
    expect(err.packets?.map((p) => p.type)).toEqual(['publish', 'pingresp']);
    expect((err.packets?.[0] as { payload: Buffer }).payload.toString()).toBe('hey');
  });

  it('poisons on an error in a packet completed from buffered bytes', () => {
    const d = new Decoder({ protocolVersion: 4 });
    expect(d.push(hex('40 03 00'))).toEqual([]);
    const err = caught(() => d.push(hex('01 00')));
    expect(err.code).toBe('ERR_TRAILING_BYTES');
    expect(d.buffered).toBe(0);
    expect(caught(() => d.push(pingresp))).toBe(err);
  });

  it('reset() clears the error and the buffer', () => {
    const d = new Decoder({ protocolVersion: 4 });
    d.push(hex('d0'));
    caught(() => d.push(hex('01 00')));
    d.reset();
    expect(d.buffered).toBe(0);
    expect(d.push(pingresp)).toEqual([{ type: 'pingresp' }]);
  });
});

describe("protocol detection ('auto', server side)", () => {
  const connect = (level: 3 | 4 | 5): Buffer =>
    encode({ type: 'connect', protocolVersion: level, clientId: 'c', clean: true, keepalive: 0 }, { protocolVersion: 4 });

  it('is undefined before the CONNECT', () => {
    expect(new Decoder({ protocolVersion: 'auto' }).protocolVersion).toBeUndefined();
  });

  for (const level of [3, 4, 5] as const) {
    it(`learns level ${level} from the CONNECT and decodes the rest with it`, () => {
      const d = new Decoder({ protocolVersion: 'auto' });
      // A 5.0 PUBLISH carries a property length byte; a 3.1.1 one does not.
      const publish = level === 5 ? hex('30 05 00 01 "t" 00 "x"') : hex('30 04 00 01 "t" "x"');
      const out = d.push(Buffer.concat([connect(level), publish]));
      expect(d.protocolVersion).toBe(level);
      expect(out[1]).toMatchObject({ type: 'publish', topic: 't', payload: Buffer.from('x'), properties: undefined });
    });
  }

  it('[MQTT-3.1.0-1] accepts only a CONNECT first', () => {
    const err = caught(() => new Decoder({ protocolVersion: 'auto' }).push(hex('c0 00')));
    expect(err.code).toBe('ERR_UNEXPECTED_PACKET');
    expect(err.reasonCode).toBe(0x82);
  });

  it('[MQTT-3.1.0-2] rejects a second CONNECT', () => {
    const d = new Decoder({ protocolVersion: 'auto' });
    d.push(connect(4));
    const err = caught(() => d.push(connect(4)));
    expect(err.code).toBe('ERR_UNEXPECTED_PACKET');
  });

  it('[MQTT-3.1.0-2] a fixed-version server decoder also rejects a second CONNECT', () => {
    const d = new Decoder({ protocolVersion: 4, role: 'server' });
    d.push(connect(4));
    expect(caught(() => d.push(connect(4))).code).toBe('ERR_UNEXPECTED_PACKET');
  });

  it('reset() forgets the learned level', () => {
    const d = new Decoder({ protocolVersion: 'auto' });
    d.push(connect(5));
    d.reset();
    expect(d.protocolVersion).toBeUndefined();
    d.push(connect(4));
    expect(d.protocolVersion).toBe(4);
  });

  it('AUTH stays unknown after a 3.1.1 CONNECT', () => {
    const d = new Decoder({ protocolVersion: 'auto' });
    d.push(connect(4));
    expect(caught(() => d.push(hex('f0 00'))).code).toBe('ERR_UNKNOWN_PACKET_TYPE');
  });
});

describe('role filtering', () => {
  const clientSent: Array<[string, string]> = [
    ['CONNECT', '10 0c 00 04 "MQTT" 04 02 00 00 00 00'],
    ['SUBSCRIBE', '82 08 00 01 00 03 "a/b" 00'],
    ['UNSUBSCRIBE', 'a2 07 00 01 00 03 "a/b"'],
    ['PINGREQ', 'c0 00'],
  ];
  const serverSent: Array<[string, string]> = [
    ['CONNACK', '20 02 00 00'],
    ['SUBACK', '90 03 00 01 00'],
    ['UNSUBACK', 'b0 02 00 01'],
    ['PINGRESP', 'd0 00'],
  ];
  for (const [name, bytes] of clientSent) {
    it(`a client rejects ${name} with ERR_UNEXPECTED_PACKET (0x82), a server accepts it`, () => {
      const err = caught(() => new Decoder({ protocolVersion: 4 }).push(hex(bytes)));
      expect(err.code).toBe('ERR_UNEXPECTED_PACKET');
      expect(err.reasonCode).toBe(0x82);
      expect(new Decoder({ protocolVersion: 4, role: 'server' }).push(hex(bytes))).toHaveLength(1);
    });
  }
  for (const [name, bytes] of serverSent) {
    it(`a server rejects ${name} with ERR_UNEXPECTED_PACKET (0x82), a client accepts it`, () => {
      const err = caught(() => new Decoder({ protocolVersion: 4, role: 'server' }).push(hex(bytes)));
      expect(err.code).toBe('ERR_UNEXPECTED_PACKET');
      expect(err.reasonCode).toBe(0x82);
      expect(new Decoder({ protocolVersion: 4, role: 'client' }).push(hex(bytes))).toHaveLength(1);
    });
  }
  it('rejects the packet from its first byte alone', () => {
    expect(caught(() => new Decoder({ protocolVersion: 5 }).push(hex('82'))).code).toBe('ERR_UNEXPECTED_PACKET');
  });
});

describe('options', () => {
  const bad: Array<[string, unknown]> = [
    ['protocol version 3', { protocolVersion: 3 }],
    ['auto with role client', { protocolVersion: 'auto', role: 'client' }],
    ['unknown role', { protocolVersion: 4, role: 'broker' }],
    ['maximum packet size 0', { protocolVersion: 4, maximumPacketSize: 0 }],
    ['fractional maximum packet size', { protocolVersion: 4, maximumPacketSize: 10.5 }],
  ];
  for (const [name, opts] of bad) {
    it(`rejects ${name}`, () => {
      expect(caught(() => new Decoder(opts as DecoderOptions)).code).toBe('ERR_INVALID_OPTIONS');
    });
  }
  it('exposes the fixed protocol version', () => {
    expect(new Decoder({ protocolVersion: 5 }).protocolVersion).toBe(5);
  });
});

describe('decode() (one whole packet)', () => {
  it('decodes without role filtering by default', () => {
    expect(decode(hex('c0 00'), { protocolVersion: 4 })).toEqual({ type: 'pingreq' });
    expect(decode(hex('d0 00'), { protocolVersion: 4 })).toEqual({ type: 'pingresp' });
  });
  it('applies a role when asked', () => {
    expect(caught(() => decode(hex('c0 00'), { protocolVersion: 4, role: 'client' })).code).toBe('ERR_UNEXPECTED_PACKET');
  });
  it('throws ERR_TRUNCATED for an incomplete packet or header', () => {
    expect(caught(() => decode(hex('40 02 00'), { protocolVersion: 4 })).code).toBe('ERR_TRUNCATED');
    expect(caught(() => decode(hex('30 80'), { protocolVersion: 4 })).code).toBe('ERR_TRUNCATED');
    expect(caught(() => decode(Buffer.alloc(0), { protocolVersion: 4 })).code).toBe('ERR_TRUNCATED');
  });
  it('throws ERR_TRAILING_BYTES when bytes remain after the packet', () => {
    expect(caught(() => decode(hex('d0 00 d0 00'), { protocolVersion: 4 })).code).toBe('ERR_TRAILING_BYTES');
  });
  it('applies the maximum packet size', () => {
    expect(caught(() => decode(publishV4, { protocolVersion: 4, maximumPacketSize: 5 })).code).toBe('ERR_PACKET_TOO_LARGE');
  });
});

describe('decoded packet shape', () => {
  // Every field of the interface, in one fixed order, so packets of a type share one hidden class.
  const keys: Record<string, string[]> = {
    connect: ['type', 'protocolVersion', 'clientId', 'clean', 'keepalive', 'username', 'password', 'will', 'properties'],
    connack: ['type', 'sessionPresent', 'reasonCode', 'properties'],
    publish: ['type', 'topic', 'payload', 'qos', 'retain', 'dup', 'packetId', 'properties'],
    puback: ['type', 'packetId', 'reasonCode', 'properties'],
    pubrec: ['type', 'packetId', 'reasonCode', 'properties'],
    pubrel: ['type', 'packetId', 'reasonCode', 'properties'],
    pubcomp: ['type', 'packetId', 'reasonCode', 'properties'],
    subscribe: ['type', 'packetId', 'subscriptions', 'properties'],
    suback: ['type', 'packetId', 'reasonCodes', 'properties'],
    unsubscribe: ['type', 'packetId', 'topicFilters', 'properties'],
    unsuback: ['type', 'packetId', 'reasonCodes', 'properties'],
    pingreq: ['type'],
    pingresp: ['type'],
    disconnect: ['type', 'reasonCode', 'properties'],
    auth: ['type', 'reasonCode', 'properties'],
  };
  for (const f of Object.values(fixtures).flat()) {
    it(`${f.name}: fields in order`, () => {
      const opts: DecoderOptions =
        f.packet.type === 'connect' ? { protocolVersion: 'auto' } : { protocolVersion: f.version === 5 ? 5 : 4, role: roleOf(f) };
      const p = decode(hex(f.bytes), opts);
      expect(Object.keys(p)).toEqual(keys[p.type]);
      if (p.type === 'connect' && p.will) expect(Object.keys(p.will)).toEqual(['topic', 'payload', 'qos', 'retain', 'properties']);
      if (p.type === 'subscribe') {
        for (const s of p.subscriptions) {
          expect(Object.keys(s)).toEqual(['topicFilter', 'qos', 'noLocal', 'retainAsPublished', 'retainHandling']);
        }
      }
    });
  }

  it('5.0 acks always carry a reason code; 3.1.1 acks never do', () => {
    expect(decode(hex('40 02 00 01'), { protocolVersion: 5 })).toMatchObject({ reasonCode: 0 });
    expect((decode(hex('40 02 00 01'), { protocolVersion: 4 }) as { reasonCode?: number }).reasonCode).toBeUndefined();
  });

  it('an empty property section decodes to properties: undefined', () => {
    expect((decode(hex('30 05 00 01 "t" 00 "x"'), { protocolVersion: 5 }) as { properties?: unknown }).properties).toBeUndefined();
  });
});

describe('topic filters: the ASCII fast path and the full checks', () => {
  const server5: DecoderOptions = { protocolVersion: 5, role: 'server' };
  const server4: DecoderOptions = { protocolVersion: 4, role: 'server' };

  /** SUBSCRIBE bytes (packet id 1, no properties in 5.0, options byte 0x01) for `filters`. */
  function subscribeBytes(filters: string[], v5: boolean): Buffer {
    const body: number[] = [0, 1];
    if (v5) body.push(0);
    for (const f of filters) {
      const bytes = Buffer.from(f, 'utf8');
      body.push(bytes.length >> 8, bytes.length & 0xff, ...bytes, 1);
    }
    // Remaining lengths here stay under 16,384 (two-byte varint at most).
    const rl = body.length < 128 ? [body.length] : [(body.length & 0x7f) | 0x80, body.length >> 7];
    return Buffer.from([0x82, ...rl, ...body]);
  }

  function filtersOf(bytes: Buffer, opts: DecoderOptions): string[] {
    const [p] = new Decoder(opts).push(bytes);
    if (p?.type !== 'subscribe') throw new Error('expected a SUBSCRIBE');
    return p.subscriptions.map((s) => s.topicFilter);
  }

  it('gives each packet its own filters when filters at the same position change', () => {
    expect(filtersOf(subscribeBytes(['a/b', 'c/+/d'], true), server5)).toEqual(['a/b', 'c/+/d']);
    expect(filtersOf(subscribeBytes(['a/c', 'c/+/d'], true), server5)).toEqual(['a/c', 'c/+/d']);
    expect(filtersOf(subscribeBytes(['a/b', 'c/+/e'], true), server5)).toEqual(['a/b', 'c/+/e']);
  });

  it('[MQTT-4.7.1-2] rejects a bad filter of the same length as the last good one at that position', () => {
    expect(filtersOf(subscribeBytes(['a/b/+'], true), server5)).toEqual(['a/b/+']);
    const err = caught(() => new Decoder(server5).push(subscribeBytes(['a/b+/'], true)));
    expect(err.code).toBe('ERR_INVALID_TOPIC_FILTER');
    expect(err.reasonCode).toBe(0x8f);
  });

  it('[MQTT-4.8.2-2] checks $share filters per version (ordinary in 3.1.1, shared in 5.0)', () => {
    expect(filtersOf(subscribeBytes(['$share/+/x'], false), server4)).toEqual(['$share/+/x']);
    expect(filtersOf(subscribeBytes(['$share/+/x'], false), server4)).toEqual(['$share/+/x']);
    const err = caught(() => new Decoder(server5).push(subscribeBytes(['$share/+/x'], true)));
    expect(err.code).toBe('ERR_INVALID_TOPIC_FILTER');
  });

  it('decodes non-ASCII, long and many filters the same on first and later sight', () => {
    const filters = [
      'capteurs/é/+', // non-ASCII: the full UTF-8 path
      `long/${'x'.repeat(300)}/#`, // longer than the short-string path builds
      ...Array.from({ length: 20 }, (_, i) => `f/${i}/+/t`), // many filters in one packet
    ];
    const bytes = subscribeBytes(filters, true);
    expect(filtersOf(bytes, server5)).toEqual(filters);
    expect(filtersOf(bytes, server5)).toEqual(filters);
  });

  it('[MQTT-1.5.4-2] rejects U+0000 in a filter after a valid one at that position', () => {
    expect(filtersOf(subscribeBytes(['a/b'], true), server5)).toEqual(['a/b']);
    const err = caught(() => new Decoder(server5).push(subscribeBytes(['a\u0000b'], true)));
    expect(err.code).toBe('ERR_INVALID_UTF8');
    expect(err.reasonCode).toBe(0x81);
  });

  it('UNSUBSCRIBE filters take the same path', () => {
    const unsub = (filters: string[]): Buffer => {
      const body: number[] = [0, 2, 0];
      for (const f of filters) body.push(0, f.length, ...Buffer.from(f, 'latin1'));
      return Buffer.from([0xa2, body.length, ...body]);
    };
    for (const filters of [['a/#', 'b'], ['a/#', 'c'], ['x/+', 'c']]) {
      const [p] = new Decoder(server5).push(unsub(filters));
      expect(p).toEqual({ type: 'unsubscribe', packetId: 2, topicFilters: filters, properties: undefined });
    }
    const err = caught(() => new Decoder(server5).push(unsub(['a/#', 'c#'])));
    expect(err.code).toBe('ERR_INVALID_TOPIC_FILTER');
  });
});

describe('topic names and CONNECT fields: the ASCII fast path and the full checks', () => {
  const client5: DecoderOptions = { protocolVersion: 5, role: 'client' };

  /** PUBLISH QoS 0 bytes (5.0, no properties) with `topic` and payload "p". */
  function publishBytes(topic: Buffer | string): Buffer {
    const t = typeof topic === 'string' ? Buffer.from(topic, 'utf8') : topic;
    const rl = 2 + t.length + 2; // Under 16,384: one or two varint bytes.
    const header = rl < 128 ? [0x30, rl] : [0x30, (rl & 0x7f) | 0x80, rl >> 7];
    return Buffer.concat([Buffer.from([...header, t.length >> 8, t.length & 0xff]), t, Buffer.from([0, 0x70])]);
  }

  function topicOf(bytes: Buffer): string {
    const [p] = new Decoder(client5).push(bytes);
    if (p?.type !== 'publish') throw new Error('expected a PUBLISH');
    return p.topic;
  }

  it('decodes topics that differ in one middle byte each as itself', () => {
    for (const topic of ['room/1/temp', 'room/2/temp', 'room/1/temp', 'rXom/1/temp']) {
      expect(topicOf(publishBytes(topic))).toBe(topic);
    }
  });

  it('[MQTT-3.3.2-2] rejects a wildcard topic of the same length and last byte as a recent one', () => {
    expect(topicOf(publishBytes('a/b/c'))).toBe('a/b/c');
    const err = caught(() => new Decoder(client5).push(publishBytes('a/+/c')));
    expect(err.code).toBe('ERR_INVALID_TOPIC');
    expect(err.reasonCode).toBe(0x90);
  });

  it('[MQTT-1.5.4-1] [MQTT-1.5.4-2] rejects U+0000 and ill-formed UTF-8 in a topic of a recent shape', () => {
    expect(topicOf(publishBytes('a/b/c'))).toBe('a/b/c');
    expect(caught(() => new Decoder(client5).push(publishBytes('a/\u0000/c'))).code).toBe('ERR_INVALID_UTF8');
    expect(caught(() => new Decoder(client5).push(publishBytes(Buffer.from([0x61, 0xc0, 0x80, 0x2f, 0x63])))).code).toBe('ERR_INVALID_UTF8');
  });

  it('decodes non-ASCII and long topics the same on first and later sight', () => {
    for (const topic of ['maison/été', `t/${'y'.repeat(200)}`]) {
      expect(topicOf(publishBytes(topic))).toBe(topic);
      expect(topicOf(publishBytes(topic))).toBe(topic);
    }
  });

  /** 3.1.1 CONNECT bytes with a will (QoS 0) and, when given, a user name. */
  function connectBytes(clientId: string, willTopic: string, username?: string): Buffer {
    const str = (s: string): number[] => {
      const b = Buffer.from(s, 'utf8');
      return [b.length >> 8, b.length & 0xff, ...b];
    };
    const flags = 0x02 | 0x04 | (username !== undefined ? 0x80 : 0);
    const body = [...str('MQTT'), 4, flags, 0, 30, ...str(clientId), ...str(willTopic), 0, 1, 0x21];
    if (username !== undefined) body.push(...str(username));
    return Buffer.from([0x10, body.length, ...body]);
  }

  function connectOf(bytes: Buffer): Packet {
    const [p] = new Decoder({ protocolVersion: 'auto' }).push(bytes);
    return p!;
  }

  it('gives each CONNECT its own client id, will topic and user name', () => {
    for (const [id, topic, user] of [
      ['dev-1', 'st/dev-1', 'u'],
      ['dev-2', 'st/dev-1', 'u'],
      ['', 'st/dev-9', 'v'],
      ['dév', 'st/é', 'ü'],
      ['dév', 'st/é', undefined],
    ] as const) {
      expect(connectOf(connectBytes(id, topic, user))).toMatchObject({
        type: 'connect',
        clientId: id,
        username: user,
        will: { topic, payload: Buffer.from('!') },
      });
    }
  });

  it('rejects an empty or wildcard will topic after a valid one of the same length', () => {
    expect(connectOf(connectBytes('c', 'w/t'))).toMatchObject({ will: { topic: 'w/t' } });
    // Each bad one twice: a rejected value must not be remembered either.
    for (const bad of ['', 'w/#', 'w/#', 'w/+', 'w/+']) {
      const err = caught(() => connectOf(connectBytes('c', bad)));
      expect(err.code).toBe('ERR_INVALID_TOPIC');
      expect(err.reasonCode).toBe(0x90);
    }
  });
});
