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
