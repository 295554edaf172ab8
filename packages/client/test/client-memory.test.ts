/**
 * What keeps an idle session small without changing behaviour: the decoder shared by links that hold no
 * partial packet (each link's bytes still decode as its own stream), the shared empty queue, interned
 * server limits and interned core options.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CodecError, encode, type Packet, type PublishPacket } from '@mqttx/codec';
import { fromDuplex } from '@mqttx/transport';
import { Link, type LinkOwner } from '../src/link.js';
import { EMPTY_FIFO, Fifo, writable } from '../src/state/fifo.js';
import { ClientCore, ConnectOp, RecordingEffects } from '../src/state/index.js';

const owner: LinkOwner = { linkData() {}, linkClosed() {} };

/** A link over a stream nobody writes to (only `decode` is used); `close()` releases it. */
function link(protocolVersion: 4 | 5 = 5, maximumPacketSize?: number): { link: Link; close(): void } {
  const connection = fromDuplex(new PassThrough());
  return { link: new Link(owner, connection, protocolVersion, maximumPacketSize), close: () => connection.destroy() };
}

function publish(topic: string, payload: string, packetId?: number): Buffer {
  const p: PublishPacket = {
    type: 'publish',
    topic,
    payload: Buffer.from(payload),
    qos: packetId === undefined ? 0 : 1,
    retain: false,
    dup: false,
    packetId,
    properties: undefined,
  };
  return encode(p, { protocolVersion: 5 });
}

const topics = (packets: Packet[]): string[] => packets.map((p) => (p as PublishPacket).topic);

describe('links share a decoder only while they hold no partial packet', () => {
  it('two links with packets cut in the middle, interleaved, each get their own packets', () => {
    const a = link();
    const b = link();
    const pa = publish('a/topic', 'payload of a', 1);
    const pb = publish('b/topic', 'the payload of b', 2);
    expect(a.link.decode(pa.subarray(0, 7))).toEqual([]);
    expect(b.link.decode(pb.subarray(0, 3))).toEqual([]);
    // A third link decoding whole packets in between uses the shared decoder.
    const c = link();
    expect(topics(c.link.decode(Buffer.concat([publish('c/1', 'x'), publish('c/2', 'y')])))).toEqual(['c/1', 'c/2']);
    const fromB = b.link.decode(pb.subarray(3));
    const fromA = a.link.decode(pa.subarray(7));
    expect(topics(fromA)).toEqual(['a/topic']);
    expect((fromA[0] as PublishPacket).payload.toString()).toBe('payload of a');
    expect(topics(fromB)).toEqual(['b/topic']);
    expect((fromB[0] as PublishPacket).packetId).toBe(2);
    for (const l of [a, b, c]) l.close();
  });

  it('three packets split at every byte: the same packets, whatever the split', () => {
    const bytes = Buffer.concat([publish('t/1', 'one', 1), publish('t/2', 'two'), publish('t/3', 'three', 3)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const l = link();
      const other = link();
      const got = [...l.link.decode(bytes.subarray(0, cut))];
      other.link.decode(publish('other', 'z')); // the shared decoder is used by someone else meanwhile
      got.push(...l.link.decode(bytes.subarray(cut)));
      expect(topics(got), `cut at ${cut}`).toEqual(['t/1', 't/2', 't/3']);
      l.close();
      other.close();
    }
  });

  it("a link whose bytes do not decode keeps failing; the other links (and the shared decoder) don't", () => {
    const bad = link();
    const good = link();
    // 0x00 is a reserved packet type: malformed [MQTT-2.1.3-1].
    let first: unknown;
    try {
      bad.link.decode(Buffer.from([0x00, 0x00]));
    } catch (err) {
      first = err;
    }
    expect(first).toBeInstanceOf(CodecError);
    expect(() => bad.link.decode(publish('x', 'y'))).toThrow(first as Error);
    expect(topics(good.link.decode(publish('still/fine', 'ok')))).toEqual(['still/fine']);
    bad.close();
    good.close();
  });

  it('links with another protocol version or maximum packet size use another decoder', () => {
    const small = link(5, 16);
    const big = link(5);
    const packet = publish('a/rather/long/topic', 'and a payload');
    expect(() => small.link.decode(packet)).toThrow(expect.objectContaining({ code: 'ERR_PACKET_TOO_LARGE' }));
    expect(topics(big.link.decode(packet))).toEqual(['a/rather/long/topic']);
    small.close();
    big.close();
  });
});

describe('the shared empty queue', () => {
  it('reads as empty, refuses a push, and writable() gives a queue of its own', () => {
    const shared: Fifo<number> = EMPTY_FIFO;
    expect(shared.length).toBe(0);
    expect(shared.shift()).toBeUndefined();
    expect(shared.drain()).toEqual([]);
    expect(() => shared.push(1)).toThrow();
    expect(shared.length).toBe(0);
    const own = writable(shared);
    expect(own).not.toBe(EMPTY_FIFO);
    own.push(1);
    expect(writable(own)).toBe(own);
    expect(EMPTY_FIFO.length).toBe(0);
  });
});

describe('interned limits and options', () => {
  function connected(properties?: Record<string, unknown>, options = {}) {
    const fx = new RecordingEffects();
    const core = new ClientCore({ clientId: 'm', ...options }, fx);
    core.open(0, new ConnectOp(undefined));
    core.receive({ type: 'connack', sessionPresent: false, reasonCode: 0, properties }, 1);
    return core;
  }

  it('cores that got equal CONNACK properties share one frozen limits object; other values get their own', () => {
    const a = connected({ receiveMaximum: 10, topicAliasMaximum: 5 });
    const b = connected({ receiveMaximum: 10, topicAliasMaximum: 5 });
    const c = connected({ receiveMaximum: 11, topicAliasMaximum: 5 });
    const d = connected(undefined);
    expect(b.limits).toBe(a.limits);
    expect(Object.isFrozen(a.limits)).toBe(true);
    expect(c.limits).toMatchObject({ receiveMaximum: 11, topicAliasMaximum: 5 });
    expect(a.limits).toMatchObject({ receiveMaximum: 10, topicAliasMaximum: 5, maximumQoS: 2 });
    expect(d.limits).toMatchObject({ receiveMaximum: 65535, topicAliasMaximum: 0 });
    expect(c.limits).not.toBe(a.limits);
    // Properties that only repeat the defaults give the default limits object itself.
    const e = connected({ receiveMaximum: 65535, maximumQoS: 2 });
    expect(e.limits).toBe(d.limits);
    for (const core of [a, b, c, d, e]) core.destroyAll();
  });

  it('cores configured alike share their settings; the session identity stays their own', () => {
    const fx = new RecordingEffects();
    const a = new ClientCore({ clientId: 'a', keepalive: 30 }, fx);
    const b = new ClientCore({ clientId: 'b', keepalive: 30 }, fx);
    const c = new ClientCore({ clientId: 'c', keepalive: 31 }, fx);
    expect(b.opts.shared).toBe(a.opts.shared);
    expect(b.opts).toBe(a.opts); // the whole resolved settings: the client id is the session's
    expect(Object.isFrozen(a.opts)).toBe(true);
    expect([a.clientId, b.clientId]).toEqual(['a', 'b']);
    expect(c.opts.shared.keepalive).toBe(31);
    expect(a.opts.shared.keepalive).toBe(30);
  });

  it('an idle connected core holds no collection of its own: the session maps, queues and ids are shared or not made', () => {
    const cores = [connected(), connected()];
    const [a, b] = cores as [ClientCore, ClientCore];
    expect(a.session.outbound).toBe(b.session.outbound);
    expect(a.session.inbound).toBe(b.session.inbound);
    expect(a.session.subscriptions).toBe(b.session.subscriptions);
    expect(a.session.outbound.size + a.session.inbound.size + a.session.subscriptions.size).toBe(0);
    expect(a.conn!.ackQueue).toBe(EMPTY_FIFO);
    // Made on first use only (private fields, read for this check).
    expect(a.session['madeIds']).toBeUndefined();
    expect(a.conn!['extras']).toBeUndefined();
    // Nothing published or subscribed: no publish or subscription half yet (made by the first use).
    expect(a['madeOutbound']).toBeUndefined();
    expect(a['madeControl']).toBeUndefined();
    expect([a.queuedCount, a.inflightCount, a.idle]).toEqual([0, 0, true]);
    expect(a.outbound['q0']).toBe(EMPTY_FIFO);
    expect(a.control['queue']).toBe(EMPTY_FIFO);
    for (const core of cores) core.destroyAll();
  });
});
