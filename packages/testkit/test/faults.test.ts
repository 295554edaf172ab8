/** Scripting and fault injection: each test fails if its hook did nothing. */
import { describe, expect, it } from 'vitest';
import { ManualClock, type BrokerConnection } from '@mqttx/testkit';
import { harness } from './helpers/harness.js';
import { RawClient } from './helpers/raw-client.js';

const h = harness();

const turns = async (n = 3): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('connack hook', () => {
  it('overrides any property per CONNECT, and the broker enforces what it advertised', async () => {
    await h.start({
      hooks: {
        connack: (connect) =>
          connect.clientId === 'tight'
            ? {
                properties: {
                  receiveMaximum: 1,
                  maximumPacketSize: 1000,
                  topicAliasMaximum: undefined, // removes the broker's default (10)
                  serverKeepAlive: 30,
                  maximumQoS: 1,
                  retainAvailable: false,
                  wildcardSubscriptionAvailable: false,
                  reasonString: 'scripted',
                  userProperties: [['k', 'v']],
                },
              }
            : undefined,
      },
    });
    const tight = await h.client({ clientId: 'tight' }, { autoAck: false });
    const props = tight.all('connack')[0]!.properties!;
    expect(props).toMatchObject({
      receiveMaximum: 1,
      maximumPacketSize: 1000,
      serverKeepAlive: 30,
      maximumQoS: 1,
      retainAvailable: false,
      wildcardSubscriptionAvailable: false,
      reasonString: 'scripted',
      userProperties: [['k', 'v']],
    });
    expect(props.topicAliasMaximum).toBeUndefined();
    expect((await tight.subscribe('a/+', 1)).reasonCodes).toEqual([0xa2]);
    const loose = await h.client({ clientId: 'loose' });
    expect(loose.all('connack')[0]!.properties?.topicAliasMaximum).toBe(10);
    // receiveMaximum 1 is enforced: two unacknowledged QoS 1 PUBLISHes (PUBACK withheld below) -> 0x93
    h.broker.withhold({ direction: 'out', type: 'puback', clientId: 'tight', times: Infinity });
    for (const id of [1, 2]) {
      tight.send({ type: 'publish', topic: 'x', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, packetId: id, properties: undefined });
    }
    expect((await tight.next('disconnect')).reasonCode).toBe(0x93);
  });

  it('a reason code >= 0x80 refuses (with properties such as serverReference); an async hook works', async () => {
    await h.start({
      hooks: { connack: async () => ({ reasonCode: 0x9c, properties: { serverReference: 'other.example:1883' } }) },
    });
    const c = await h.raw();
    const ack = await c.connect({ clientId: 'moved' });
    expect(ack.reasonCode).toBe(0x9c);
    expect(ack.sessionPresent).toBe(false);
    expect(ack.properties?.serverReference).toBe('other.example:1883');
    await c.waitClosed();
    expect(h.broker.sessions.has('moved')).toBe(false);
    const c4 = await h.raw({ protocolVersion: 4 });
    expect((await c4.connect({ clientId: 'v4' })).reasonCode).toBe(3); // 0x9C mapped to 3.1.1 "server unavailable"
  });

  it('sessionPresent can be forced (the session handling is unchanged)', async () => {
    await h.start({ hooks: { connack: () => ({ sessionPresent: true }) } });
    const c = await h.raw();
    expect((await c.connect({ clientId: 'liar' })).sessionPresent).toBe(true);
  });
});

describe('packet rules', () => {
  it('dropAfter out: the link closes right after the 3rd PUBACK; the will is published', async () => {
    await h.start();
    const watcher = await h.client({ clientId: 'w' });
    await watcher.subscribe('will', 0);
    const rule = h.broker.dropAfter({ direction: 'out', type: 'puback', count: 3 });
    const c = await h.client({ clientId: 'c', will: { topic: 'will', payload: Buffer.from('x'), qos: 0, retain: false } });
    for (let i = 1; i <= 4; i++) {
      c.send({ type: 'publish', topic: 't', payload: Buffer.from(String(i)), qos: 1, retain: false, dup: false, packetId: i, properties: undefined });
    }
    await c.waitClosed();
    expect(c.all('puback').map((a) => a.packetId)).toEqual([1, 2, 3]);
    expect(c.all('disconnect')).toEqual([]);
    expect((await rule.triggered).packet.type).toBe('puback');
    expect(rule.hits).toBe(1);
    expect((await watcher.next('publish')).topic).toBe('will');
  });

  it('dropAfter in with a predicate: the packet is processed, then the link closes', async () => {
    await h.start();
    const sub = await h.client({ clientId: 'sub' });
    await sub.subscribe('t/#', 0);
    h.broker.dropAfter({ direction: 'in', where: (ctx) => ctx.packet.type === 'publish' && ctx.packet.topic === 't/kill' });
    const c = await h.client({ clientId: 'c' });
    await c.publish('t/ok', 'a');
    await c.publish('t/kill', 'b');
    await c.waitClosed();
    expect((await sub.next('publish', (p) => p.topic === 't/kill')).payload.toString()).toBe('b');
  });

  it('dropBefore out: the PUBLISH is lost with the link, then resent with DUP after reconnect', async () => {
    await h.start();
    const fields = { clientId: 's', clean: false, properties: { sessionExpiryInterval: 60 } };
    const s = await h.client(fields);
    await s.subscribe('t', 1);
    h.broker.dropBefore({ direction: 'out', type: 'publish', clientId: 's' });
    h.broker.publish('t', 'once', { qos: 1 });
    await s.waitClosed();
    expect(s.all('publish')).toEqual([]);
    const again = await h.client(fields);
    const p = await again.next('publish');
    expect(p.dup).toBe(true);
    expect(p.payload.toString()).toBe('once');
  });

  it('withhold out + release: the PUBACK is held, then sent', async () => {
    await h.start();
    const hold = h.broker.withhold({ direction: 'out', type: 'puback' });
    const c = await h.client({ clientId: 'c' });
    const acked = c.publish('t', 'x', { qos: 1 });
    await hold.triggered;
    expect(hold.held).toBe(1);
    expect(c.all('puback')).toEqual([]);
    hold.release();
    expect((await acked)?.type).toBe('puback');
    expect(hold.active).toBe(false);
  });

  it('withhold in: the broker never sees the PUBACK, so the message is resent on reconnect', async () => {
    await h.start();
    const fields = { clientId: 's', clean: false, properties: { sessionExpiryInterval: 60 } };
    const s = await h.client(fields);
    await s.subscribe('t', 1);
    const rule = h.broker.withhold({ direction: 'in', type: 'puback' });
    h.broker.publish('t', 'x', { qos: 1 });
    await rule.triggered; // our client auto-acked
    expect(h.broker.sessions.get('s')?.inflight).toBe(1);
    await s.destroy();
    const again = await h.client(fields);
    expect((await again.next('publish')).dup).toBe(true);
  });

  it('delay out on the broker clock', async () => {
    const clock = new ManualClock();
    await h.start({ clock });
    h.broker.delay({ direction: 'out', type: 'suback' }, 1000);
    const c = await h.client({ clientId: 'c' });
    const suback = c.subscribe('t', 0);
    await h.broker.waitFor({ direction: 'in', type: 'subscribe' });
    clock.advance(999);
    await turns();
    expect(c.all('suback')).toEqual([]);
    clock.advance(1);
    expect((await suback).reasonCodes).toEqual([0]);
  });

  it('replace out with raw bytes (malformed) and with another packet', async () => {
    await h.start();
    h.broker.replace({ direction: 'out', type: 'puback', clientId: 'p' }, (ctx) => ({
      type: 'puback',
      packetId: (ctx.packet as { packetId: number }).packetId,
      reasonCode: 0x87,
      properties: { reasonString: 'no' },
    }));
    const p = await h.client({ clientId: 'p' });
    const ack = await p.publish('t', 'x', { qos: 1 });
    expect(ack?.reasonCode).toBe(0x87);
    const rule = h.broker.replace({ direction: 'out', type: 'pingresp' }, Buffer.from([0xd0, 0x01, 0x00])); // PINGRESP with a body
    const c = await h.client({ clientId: 'c' });
    c.send({ type: 'pingreq' });
    await c.waitClosed();
    expect((c.decodeError as { code?: string }).code).toBe('ERR_TRAILING_BYTES');
    expect(rule.hits).toBe(1);
    expect(h.broker.records.some((r) => r.raw !== null && r.raw.equals(Buffer.from([0xd0, 0x01, 0x00])))).toBe(true);
  });

  it('disconnectOn: DISCONNECT with a reason code and properties instead of the 2nd PUBLISH ack', async () => {
    await h.start();
    h.broker.disconnectOn({ direction: 'in', type: 'publish', count: 2 }, 0x9c, { serverReference: 'b:1883', reasonString: 'go' });
    const c = await h.client({ clientId: 'c' });
    await c.publish('t', '1', { qos: 1 });
    c.send({ type: 'publish', topic: 't', payload: Buffer.from('2'), qos: 1, retain: false, dup: false, packetId: 99, properties: undefined });
    const d = await c.next('disconnect');
    expect(d.reasonCode).toBe(0x9c);
    expect(d.properties).toEqual({ serverReference: 'b:1883', reasonString: 'go' });
    expect(c.all('puback').map((a) => a.packetId)).not.toContain(99);
  });

  it('times: Infinity acts on every match from count on; remove() stops the rule', async () => {
    await h.start();
    const rule = h.broker.withhold({ direction: 'out', type: 'pingresp', count: 2, times: Infinity });
    const c = await h.client({ clientId: 'c' });
    for (let i = 0; i < 4; i++) c.send({ type: 'pingreq' });
    await c.next('pingresp');
    await h.broker.waitFor((r) => r.direction === 'in' && r.packet?.type === 'pingreq' && rule.matched === 4);
    expect(rule.hits).toBe(3);
    expect(rule.held).toBe(3);
    rule.remove();
    c.send({ type: 'pingreq' });
    await c.next('pingresp');
    expect(c.all('pingresp')).toHaveLength(2);
  });

  it('the packet hook sees both directions and may act', async () => {
    const seen: string[] = [];
    await h.start({
      hooks: {
        packet: (ctx) => {
          seen.push(`${ctx.direction}:${ctx.packet.type}`);
          return ctx.direction === 'out' && ctx.packet.type === 'suback' ? { type: 'drop', when: 'before' } : undefined;
        },
      },
    });
    const c = await h.client({ clientId: 'c' });
    c.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 't', qos: 0 }], properties: undefined });
    await c.waitClosed();
    expect(seen).toEqual(['in:connect', 'out:connack', 'in:subscribe', 'out:suback']);
  });

  it('a replacement the codec cannot encode is reported in hookErrors and drops the link', async () => {
    await h.start();
    h.broker.replace({ direction: 'out', type: 'pingresp' }, { type: 'puback', packetId: 0, reasonCode: undefined, properties: undefined });
    const c = await h.client({ clientId: 'c' });
    c.send({ type: 'pingreq' });
    await c.waitClosed();
    expect((h.broker.hookErrors[0] as { code?: string }).code).toBe('ERR_INVALID_PACKET_ID');
  });
});

describe('refusals', () => {
  it('refuse(): the next link is closed at accept, the one after is served', async () => {
    await h.start();
    const r = h.broker.refuse();
    const first = await h.raw();
    await first.waitClosed();
    expect(first.received).toEqual([]);
    expect(r.hits).toBe(1);
    expect(r.active).toBe(false);
    await h.client({ clientId: 'ok' });
  });

  it('refuse({ reasonCode }): CONNACK failure (mapped for 3.1.1), optionally for one client id', async () => {
    await h.start();
    h.broker.refuse({ reasonCode: 0x89, times: 2 });
    const v5 = await h.raw();
    expect((await v5.connect({ clientId: 'a' })).reasonCode).toBe(0x89);
    const v4 = await h.raw({ protocolVersion: 4 });
    expect((await v4.connect({ clientId: 'b' })).reasonCode).toBe(3); // server unavailable
    h.broker.refuse({ reasonCode: 0x8a, clientId: 'banned' });
    const other = await h.client({ clientId: 'fine' });
    expect(other.isOpen).toBe(true);
    const banned = await h.raw();
    expect((await banned.connect({ clientId: 'banned' })).reasonCode).toBe(0x8a);
  });

  it('the accept hook can close links before anything is read', async () => {
    let n = 0;
    await h.start({ hooks: { accept: () => ++n !== 1 } });
    const first = await h.raw();
    await first.waitClosed();
    await h.client({ clientId: 'second' });
    expect(n).toBe(2);
  });
});

describe('connection controller', () => {
  it('pauseReading stops processing; resumeReading catches up', async () => {
    await h.start();
    const c = new RawClient(h.broker.connectDuplex());
    await c.connect({ clientId: 'c' });
    const conn = h.broker.clients.get('c')!;
    conn.pauseReading();
    expect(conn.readingPaused).toBe(true);
    const ack = c.publish('t', 'x', { qos: 1 });
    await turns();
    expect(h.broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish')).toEqual([]);
    conn.resumeReading();
    expect((await ack)?.type).toBe('puback');
    await c.destroy();
  });

  it('a pauseReading fault action pauses after the matching packet', async () => {
    await h.start();
    h.broker.fault({ direction: 'in', type: 'subscribe', action: { type: 'pauseReading' } });
    const c = new RawClient(h.broker.connectDuplex());
    await c.connect({ clientId: 'c' });
    await c.subscribe('t', 0); // processed, SUBACK sent, then reading pauses
    c.send({ type: 'pingreq' });
    await turns();
    expect(c.all('pingresp')).toEqual([]);
    h.broker.clients.get('c')!.resumeReading();
    await c.next('pingresp');
    await c.destroy();
  });

  it('send / sendRaw script packets; records mark raw bytes', async () => {
    await h.start();
    const c = await h.client({ clientId: 'c', properties: { topicAliasMaximum: 5 } });
    const conn: BrokerConnection = h.broker.clients.get('c')!;
    conn.send({ type: 'publish', topic: 'aliased', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, packetId: undefined, properties: { topicAlias: 2 } });
    conn.sendRaw(Buffer.from([0xd0, 0x00]));
    expect((await c.next('publish')).properties?.topicAlias).toBe(2);
    await c.next('pingresp');
    const raw = h.broker.records.filter((r) => r.raw !== null);
    expect(raw).toHaveLength(1);
    expect(raw[0]!.packet).toBeNull();
  });

  it('conn.disconnect and broker.disconnectClient send DISCONNECT with properties and publish the will', async () => {
    await h.start();
    const watcher = await h.client({ clientId: 'w' });
    await watcher.subscribe('will/#', 0);
    const a = await h.client({ clientId: 'a', will: { topic: 'will/a', payload: Buffer.from('a'), qos: 0, retain: false } });
    await h.broker.clients.get('a')!.disconnect(0x8b, { reasonString: 'bye' });
    expect(await a.next('disconnect')).toMatchObject({ reasonCode: 0x8b, properties: { reasonString: 'bye' } });
    expect((await watcher.next('publish')).topic).toBe('will/a');
    const b = await h.client({ clientId: 'b' });
    expect(await h.broker.disconnectClient('b', 0x9d, { serverReference: 'x:1' })).toBe(true);
    expect(await b.next('disconnect')).toMatchObject({ reasonCode: 0x9d, properties: { serverReference: 'x:1' } });
    expect(await h.broker.disconnectClient('nobody')).toBe(false);
    const c4 = await h.client({ clientId: 'c4' }, { protocolVersion: 4 });
    expect(await h.broker.disconnectClient('c4')).toBe(true);
    await c4.waitClosed();
    expect(c4.all('disconnect')).toEqual([]); // 3.1.1 has no server DISCONNECT
  });

  it('a fault handle that never fired rejects its triggered promise when the broker closes', async () => {
    await h.start();
    const rule = h.broker.dropAfter({ type: 'auth' });
    await h.broker.close();
    await expect(rule.triggered).rejects.toMatchObject({ code: 'ERR_BROKER_CLOSED' });
  });
});
