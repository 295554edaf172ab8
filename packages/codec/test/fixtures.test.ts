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
