/**
 * The codec's ASCII fast paths and their fallbacks:
 * - decode: short ASCII strings are built from the bytes with `String.fromCharCode` (one call per length),
 *   longer ones with a native slice;
 * - encode: topic names, topic filters, client ids and user names are sized as pure ASCII and checked while
 *   they are written; anything else (non-ASCII text, an invalid field) makes the encoder give the Buffer back
 *   to the pool and redo the packet on the checked path, with the same bytes and errors as before.
 *
 * Seeded: `MQTTX_SEED=<n>` replays a run (the seed is printed once per file).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CodecError,
  Decoder,
  decode,
  encode,
  encodedLength,
  isValidTopicFilter,
  isValidTopicName,
  type CodecErrorCode,
  type Packet,
} from '@mqttx/codec';
import { asciiString, SHORT_ASCII_MAX } from '../src/primitives/ascii-string.js';
import { writeAsciiFilter, writeAsciiString, writeAsciiTopic } from '../src/primitives/ascii-write.js';
import { BufferPool, sharedPool } from '../src/pool.js';

const SEED = process.env.MQTTX_SEED ? Number(process.env.MQTTX_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
console.log(`[codec ascii-paths.test] fast-check seed ${SEED} (replay: MQTTX_SEED=${SEED})`);

const v4 = { protocolVersion: 4 } as const;
const v5 = { protocolVersion: 5 } as const;
const ASCII = /^[\u0001-\u007f]*$/;

function caught(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    return err as CodecError;
  }
  throw new Error('expected a CodecError, nothing was thrown');
}

/** The bytes of a UTF-8 string field: Two Byte length, then the UTF-8 bytes. */
function field(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

const publish = (topic: string): Packet => ({
  type: 'publish',
  topic,
  payload: Buffer.from('p'),
  qos: 0,
  retain: false,
  dup: false,
  packetId: undefined,
  properties: undefined,
});

const subscribe = (filters: string[]): Packet => ({
  type: 'subscribe',
  packetId: 9,
  subscriptions: filters.map((topicFilter) => ({
    topicFilter,
    qos: 1,
    noLocal: false,
    retainAsPublished: false,
    retainHandling: 0,
  })),
  properties: undefined,
});

const connect = (clientId: string, willTopic: string, username: string): Packet => ({
  type: 'connect',
  protocolVersion: 4,
  clientId,
  clean: true,
  keepalive: 30,
  username,
  password: Buffer.from('pw'),
  will: { topic: willTopic, payload: Buffer.from('bye'), qos: 1, retain: false, properties: undefined },
  properties: undefined,
});

describe('decode: ASCII strings from bytes', () => {
  it(`builds every length from 0 to ${SHORT_ASCII_MAX + 8} at any offset, one character per byte`, () => {
    for (let len = 0; len <= SHORT_ASCII_MAX + 8; len++) {
      const bytes = Array.from({ length: len }, (_, i) => ((len * 13 + i * 7) % 127) + 1);
      const buf = Buffer.from([0xff, 0xff, 0xff, ...bytes, 0xff]);
      const expected = String.fromCharCode(...bytes);
      expect(asciiString(buf, 3, 3 + len)).toBe(expected);
      expect(asciiString(buf, 3, 3 + len)).toBe(buf.toString('latin1', 3, 3 + len));
    }
  });

  it('[MQTT-3.3.2-1] [MQTT-3.8.3-1] [MQTT-3.1.3-3] decodes topics, filters and client ids of every length', () => {
    for (let len = 1; len <= SHORT_ASCII_MAX + 8; len++) {
      const s = Array.from({ length: len }, (_, i) => String.fromCharCode(0x61 + ((i * 5 + len) % 26))).join('');
      expect(decode(encode(publish(s), v5), { protocolVersion: 5, role: 'client' })).toMatchObject({ topic: s });
      const sub = decode(encode(subscribe([s, `${s}/+`, `${s}/#`]), v5), { protocolVersion: 5, role: 'server' });
      expect(sub).toMatchObject({ subscriptions: [{ topicFilter: s }, { topicFilter: `${s}/+` }, { topicFilter: `${s}/#` }] });
      expect(decode(encode(connect(s, `w/${s}`, s), v4), { protocolVersion: 'auto' })).toMatchObject({
        clientId: s,
        username: s,
        will: { topic: `w/${s}` },
      });
    }
  });

  it('[MQTT-1.5.4-2] still rejects U+0000 and non-ASCII bytes are still decoded as UTF-8', () => {
    const decoder = (): Decoder => new Decoder({ protocolVersion: 5, role: 'client' });
    const topicBytes = (t: Buffer): Buffer =>
      Buffer.concat([Buffer.from([0x30, 2 + t.length + 2, 0, t.length]), t, Buffer.from([0, 0x70])]);
    expect(caught(() => decoder().push(topicBytes(Buffer.from('ab\u0000cd', 'latin1')))).code).toBe('ERR_INVALID_UTF8');
    expect(decoder().push(topicBytes(Buffer.from('maison/été', 'utf8')))).toMatchObject([{ topic: 'maison/été' }]);
  });

  it('[MQTT-3.3.2-2] [MQTT-1.5.4-2] checks will topics on the ASCII and the UTF-8 path alike', () => {
    const willConnect = (topic: Buffer): Buffer => {
      // 3.1.1 CONNECT: clean session and a QoS 0 will, client id "c", will payload "x".
      const head = Buffer.concat([field('MQTT'), Buffer.from([4, 0x06, 0, 30]), field('c')]);
      const body = Buffer.concat([head, Buffer.from([0, topic.length]), topic, field('x')]);
      return Buffer.concat([Buffer.from([0x10, body.length]), body]);
    };
    const decodeWill = (topic: Buffer) => new Decoder({ protocolVersion: 'auto' }).push(willConnect(topic));
    expect(decodeWill(Buffer.from('w/ü/t'))).toMatchObject([{ will: { topic: 'w/ü/t' } }]);
    for (const bad of ['w/+', 'w/#', 'w/ü/+']) expect(caught(() => decodeWill(Buffer.from(bad))).code).toBe('ERR_INVALID_TOPIC');
    // U+0000 is reported as such even after a wildcard.
    expect(caught(() => decodeWill(Buffer.from('w/+/\u0000'))).code).toBe('ERR_INVALID_UTF8');
  });
});

describe('encode: checking writers', () => {
  it('[MQTT-1.5.4-2] writeAsciiString writes ASCII 1..127 and gives up on U+0000 and anything above U+007F', () => {
    const all = Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)).join('');
    const buf = Buffer.alloc(2 + all.length);
    expect(writeAsciiString(buf, 0, all)).toBe(buf.length);
    expect(buf).toEqual(field(all));
    for (const bad of ['\u0000', '\u0080', 'é', '中', '\ud800', '😀']) {
      for (const s of [bad, `ab${bad}`, `${bad}cd`, `ab${bad}cd`]) {
        expect(writeAsciiString(Buffer.alloc(2 + s.length), 0, s)).toBe(-1);
      }
    }
  });

  it('[MQTT-3.3.2-2] writeAsciiTopic gives up exactly on wildcards, U+0000 and non-ASCII', () => {
    const alphabet = fc.constantFrom('a', 'Z', '0', '/', ' ', '$', '+', '#', '\u0000', '\u007f', '\u0080', 'é', '\ud83d');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }), (chars) => {
        const s = chars.join('');
        const buf = Buffer.alloc(2 + s.length);
        const accepted = ASCII.test(s) && !s.includes('+') && !s.includes('#');
        expect(writeAsciiTopic(buf, 0, s)).toBe(accepted ? buf.length : -1);
        if (accepted) {
          expect(buf).toEqual(field(s));
          if (s.length > 0) expect(isValidTopicName(s)).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('[MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.7.3-1] writeAsciiFilter accepts exactly the valid ASCII filters not starting with $', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '/', '+', '#', '$', ' ', '\u0000', 'é');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 10 }), (chars) => {
        const s = chars.join('');
        const buf = Buffer.alloc(2 + s.length);
        const accepted = s.length > 0 && !s.startsWith('$') && ASCII.test(s) && isValidTopicFilter(s);
        expect(writeAsciiFilter(buf, 0, s)).toBe(accepted ? buf.length : -1);
        if (accepted) expect(buf).toEqual(field(s));
      }),
      { seed: SEED, numRuns: 3000 },
    );
    for (const ok of ['#', '+', '/', '+/+', 'a/+/b/#', '/#', 'a//b', 'a/$b']) {
      expect(writeAsciiFilter(Buffer.alloc(2 + ok.length), 0, ok)).toBe(2 + ok.length);
    }
    for (const bad of ['', 'a+', '+a', 'a/b+/c', '#/', 'a#', 'a/#/b', '$SYS/#', '$share/g/a']) {
      expect(writeAsciiFilter(Buffer.alloc(2 + bad.length), 0, bad)).toBe(-1);
    }
  });
});

describe('encode: the checked path takes over where the fast path gives up', () => {
  it('[MQTT-1.5.4-1] writes non-ASCII topics, filters, client ids and user names as UTF-8', () => {
    const topic = 'maison/été';
    const out = encode(publish(topic), v4);
    expect(out).toEqual(Buffer.concat([Buffer.from([0x30, 2 + Buffer.byteLength(topic) + 1]), field(topic), Buffer.from('p')]));

    const filters = [...Array.from({ length: 9 }, (_, i) => `site/${i}/+`), 'capteurs/é/+', '温度/#', 'x/😀'];
    const sub = encode(subscribe(filters), v5);
    expect(encodedLength(subscribe(filters), v5)).toBe(sub.length);
    expect(decode(sub, { protocolVersion: 5, role: 'server' })).toEqual(subscribe(filters));
    const body = Buffer.concat([Buffer.from([0, 9, 0]), ...filters.map((f) => Buffer.concat([field(f), Buffer.from([1])]))]);
    expect(sub.subarray(sub.length - body.length)).toEqual(body);

    const unsub: Packet = { type: 'unsubscribe', packetId: 3, topicFilters: ['a/b', 'wärme/+'], properties: undefined };
    expect(decode(encode(unsub, v5), { protocolVersion: 5, role: 'server' })).toEqual(unsub);

    for (const p of [connect('clé-1', 'w/t', 'u'), connect('c', 'w/ü', 'u'), connect('c', 'w/t', '用户')]) {
      const bytes = encode(p, v4);
      expect(encodedLength(p, v4)).toBe(bytes.length);
      expect(decode(bytes, { protocolVersion: 'auto' })).toEqual(p);
    }
  });

  it('writes ASCII strings held as ropes, slices or two-byte strings byte for byte', () => {
    const n = Number('42');
    const strings = [
      `${'a'.repeat(20)}/${n}/${'b'.repeat(20)}`, // a rope (concatenation)
      ('é' + 'sensors/room-7').slice(1), // ASCII characters cut out of a two-byte string
      'x'.repeat(40).substring(3, 33),
    ];
    for (const s of strings) {
      const expected = [Buffer.from([0x30, 2 + s.length + 1, 0, s.length]), Buffer.from(s, 'latin1'), Buffer.from('p')];
      expect(encode(publish(s), v4)).toEqual(Buffer.concat(expected));
    }
  });

  const sub2 = (...subscriptions: { topicFilter: string; qos: number }[]): Packet =>
    ({ type: 'subscribe', packetId: 1, subscriptions, properties: undefined }) as unknown as Packet;
  const errorCases: { name: string; packet: Packet; opts: typeof v4 | typeof v5; code: CodecErrorCode; rc: number }[] = [
    {
      name: '[MQTT-4.7.1-2] a bad filter before bad subscription options reports the filter',
      packet: sub2({ topicFilter: 'a+', qos: 1 }, { topicFilter: 'b', qos: 3 }),
      opts: v5,
      code: 'ERR_INVALID_TOPIC_FILTER',
      rc: 0x8f,
    },
    {
      name: 'a good non-ASCII filter before bad subscription options reports the options',
      packet: sub2({ topicFilter: 'é/+', qos: 1 }, { topicFilter: 'b', qos: 3 }),
      opts: v5,
      code: 'ERR_INVALID_QOS',
      rc: 0x81,
    },
    {
      name: '[MQTT-3.3.2-2] a wildcard topic before a zero packet id reports the topic',
      packet: { ...publish('a/#'), qos: 1, packetId: 0 } as Packet,
      opts: v5,
      code: 'ERR_INVALID_TOPIC',
      rc: 0x90,
    },
    {
      name: '[MQTT-1.5.4-2] U+0000 in the client id before a will QoS 3 reports the client id',
      packet: { ...connect('a\u0000', 'w', 'u'), will: { topic: 'w', payload: Buffer.alloc(0), qos: 3, retain: false } } as unknown as Packet,
      opts: v4,
      code: 'ERR_INVALID_UTF8',
      rc: 0x81,
    },
    {
      name: '[MQTT-1.5.4-1] a lone surrogate in the user name before a password that is not a Buffer',
      packet: { ...connect('c', 'w', '\ud800'), password: 'pw' } as unknown as Packet,
      opts: v4,
      code: 'ERR_INVALID_UTF8',
      rc: 0x81,
    },
    {
      name: '[MQTT-4.8.2-1] a shared subscription without a ShareName (5.0)',
      packet: { type: 'unsubscribe', packetId: 1, topicFilters: ['$share/g/a', '$share//a'], properties: undefined },
      opts: v5,
      code: 'ERR_INVALID_TOPIC_FILTER',
      rc: 0x8f,
    },
    {
      name: '[MQTT-4.7.3-3] an ASCII topic of 65,536 characters',
      packet: publish('t'.repeat(65_536)),
      opts: v5,
      code: 'ERR_STRING_TOO_LONG',
      rc: 0x81,
    },
  ];
  for (const c of errorCases) {
    it(`${c.name}: encode and encodedLength throw the same error`, () => {
      const err = caught(() => encode(c.packet, c.opts));
      expect(err.code).toBe(c.code);
      expect(err.reasonCode).toBe(c.rc);
      expect(caught(() => encodedLength(c.packet, c.opts)).code).toBe(c.code);
    });
  }

  it('[MQTT-4.7.3-3] encodes an ASCII topic of exactly 65,535 characters', () => {
    const topic = 't'.repeat(65_535);
    const out = encode(publish(topic), v5);
    expect(out.length).toBe(encodedLength(publish(topic), v5));
    expect(decode(out, { protocolVersion: 5, role: 'client' })).toMatchObject({ topic });
  });

  it('gives the abandoned Buffer back to the pool and never touches a Buffer already returned', () => {
    // Start from a fresh slab (with room for the three small packets below).
    while (sharedPool.alloc(sharedPool.maxPooled).byteOffset !== 0);
    const before = encode(publish('a/b'), v4);
    const copy = Buffer.from(before);
    const redone = encode(publish('a/é'), v4); // the fast path allocates, gives up, and the checked path reallocates
    const after = encode(publish('a/c'), v4);
    expect(before).toEqual(copy);
    expect(decode(redone, { protocolVersion: 4 })).toMatchObject({ topic: 'a/é' });
    // The checked path reused the space of the abandoned attempt: no gap in the slab.
    expect(redone.buffer).toBe(before.buffer);
    expect(redone.byteOffset).toBe((before.byteOffset + before.length + 7) & ~7);
    expect(after.byteOffset).toBe((redone.byteOffset + redone.length + 7) & ~7);
  });
});

describe('BufferPool.release', () => {
  it('takes back the latest allocation only', () => {
    const pool = new BufferPool(1024);
    const a = pool.alloc(10);
    pool.release(a);
    const b = pool.alloc(12);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset);
    const c = pool.alloc(5);
    pool.release(b); // not the latest: ignored
    const d = pool.alloc(5);
    expect(d.byteOffset).toBe(c.byteOffset + 8);
  });

  it('ignores an unpooled Buffer, a Buffer of an earlier slab and a second release', () => {
    const pool = new BufferPool(64);
    const first = pool.alloc(16);
    const big = pool.alloc(100); // above a quarter slab: its own allocation, and the latest one
    pool.release(big);
    pool.release(first); // no longer the latest
    expect(pool.alloc(8).byteOffset).toBe(first.byteOffset + 16);
    pool.alloc(16);
    const last = pool.alloc(16); // fills the slab up to 56 of 64 bytes
    const next = pool.alloc(16); // does not fit: a new slab
    expect(next.buffer).not.toBe(last.buffer);
    pool.release(last);
    expect(pool.alloc(8).byteOffset).toBe(next.byteOffset + 16);
    const again = pool.alloc(8);
    pool.release(again);
    pool.release(again);
    expect(pool.alloc(8).byteOffset).toBe(again.byteOffset);
    expect(pool.alloc(8).byteOffset).toBe(again.byteOffset + 8);
  });
});
