/**
 * Message flow: persistent sessions and offline queues, redelivery with DUP, exactly-once inbound QoS 2,
 * Receive Maximum and Maximum Packet Size both ways, topic aliases, message expiry, property passthrough.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@mqttx/testkit';
import { harness } from './helpers/harness.js';

const h = harness();

describe('persistent sessions', () => {
  it.each([4, 5] as const)('[MQTT-3.1.2-5] level %i: QoS 1/2 messages queue while offline and arrive in order on resume', async (v) => {
    await h.start();
    const fields = { clientId: 'p', clean: false, properties: v === 5 ? { sessionExpiryInterval: 60 } : undefined };
    const c = await h.client(fields, { protocolVersion: v });
    await c.subscribe('q/#', 2);
    await c.disconnect();
    h.broker.publish('q/0', 'zero', { qos: 0 }); // QoS 0 is not queued for an offline session
    h.broker.publish('q/1', 'one', { qos: 1 });
    h.broker.publish('q/2', 'two', { qos: 2 });
    expect(h.broker.sessions.get('p')?.queued).toBe(2);
    const again = await h.raw({ protocolVersion: v });
    expect((await again.connect(fields)).sessionPresent).toBe(true);
    const first = await again.next('publish');
    const second = await again.next('publish');
    expect([first.topic, first.qos, second.topic, second.qos]).toEqual(['q/1', 1, 'q/2', 2]);
    expect(first.packetId).not.toBe(second.packetId); // [MQTT-2.2.1-4]
    await again.next('pubrel');
    await h.broker.waitFor({ direction: 'in', type: 'pubcomp', clientId: 'p' });
    expect(h.broker.sessions.get('p')).toMatchObject({ queued: 0, inflight: 0 });
  });

  it('[MQTT-4.4.0-1] [MQTT-3.3.1-1] unacknowledged PUBLISH is resent with DUP and the same id; PUBREL after PUBREC', async () => {
    await h.start();
    const fields = { clientId: 'r', clean: false, properties: { sessionExpiryInterval: 60 } };
    const c = await h.client(fields, { autoAck: false });
    await c.subscribe('t', 2);
    h.broker.publish('t', 'one', { qos: 1 });
    h.broker.publish('t', 'two', { qos: 2 });
    const p1 = await c.next('publish');
    const p2 = await c.next('publish');
    c.send(c.ack('pubrec', p2.packetId!)); // QoS 2 half way: the broker owes us nothing but PUBREL
    await c.next('pubrel');
    await c.destroy();
    const again = await h.raw({ autoAck: false });
    await again.connect(fields);
    const resent = await again.next('publish');
    expect(resent).toMatchObject({ topic: 't', dup: true, packetId: p1.packetId, qos: 1 });
    expect((await again.next('pubrel')).packetId).toBe(p2.packetId);
    again.send(again.ack('puback', p1.packetId!));
    again.send(again.ack('pubcomp', p2.packetId!));
    await h.broker.waitFor({ direction: 'in', type: 'pubcomp', clientId: 'r', where: (p) => 'packetId' in p && p.packetId === p2.packetId }, { since: 0 });
    expect(again.all('publish')).toHaveLength(1);
  });

  it('3.1.1 sessions with Clean Session 0 never expire; 5.0 sessions expire after their interval [MQTT-4.1.0-2]', async () => {
    const clock = new ManualClock();
    await h.start({ clock });
    const v4 = await h.client({ clientId: 'v4', clean: false }, { protocolVersion: 4 });
    const v5 = await h.client({ clientId: 'v5', clean: false, properties: { sessionExpiryInterval: 10 } });
    await v4.disconnect();
    await v5.disconnect();
    await h.broker.waitFor({ direction: 'in', type: 'disconnect', clientId: 'v5' });
    clock.advance(9_999);
    expect(h.broker.sessions.has('v5')).toBe(true);
    clock.advance(1);
    expect(h.broker.sessions.has('v5')).toBe(false);
    clock.advance(365 * 24 * 3600 * 1000);
    expect(h.broker.sessions.has('v4')).toBe(true);
  });

  it('DISCONNECT may shorten the session expiry, but not set it after 0 in CONNECT (0x82)', async () => {
    await h.start();
    const a = await h.client({ clientId: 'a', properties: { sessionExpiryInterval: 60 } });
    await a.disconnect(0, { sessionExpiryInterval: 0 });
    await h.broker.waitFor({ direction: 'in', type: 'disconnect', clientId: 'a' });
    expect(h.broker.sessions.has('a')).toBe(false);
    const b = await h.client({ clientId: 'b' });
    b.send({ type: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    expect((await b.next('disconnect')).reasonCode).toBe(0x82);
  });
});

describe('QoS 2 inbound', () => {
  it('[MQTT-4.3.3-10] [MQTT-4.3.3-12] a resent PUBLISH before PUBREL is acknowledged but not delivered twice; afterwards the id is new', async () => {
    await h.start();
    const sub = await h.client({ clientId: 'sub' });
    await sub.subscribe('x', 2);
    const pub = await h.client({ clientId: 'pub', clean: false, properties: { sessionExpiryInterval: 60 } }, { autoAck: false });
    const publish = (dup: boolean, payload: string) =>
      pub.send({ type: 'publish', topic: 'x', payload: Buffer.from(payload), qos: 2, retain: false, dup, packetId: 5, properties: undefined });
    publish(false, 'first');
    await pub.next('pubrec');
    publish(true, 'first');
    await pub.next('pubrec');
    await pub.destroy(); // the id stays held in the session across the reconnect
    const again = await h.client({ clientId: 'pub', clean: false, properties: { sessionExpiryInterval: 60 } }, { autoAck: false });
    expect(h.broker.sessions.get('pub')?.inboundQos2).toEqual([5]);
    again.send({ type: 'publish', topic: 'x', payload: Buffer.from('first'), qos: 2, retain: false, dup: true, packetId: 5, properties: undefined });
    await again.next('pubrec');
    again.send(again.ack('pubrel', 5));
    expect((await again.next('pubcomp')).reasonCode).toBe(0); // [MQTT-4.3.3-11]
    again.send(again.ack('pubrel', 5));
    expect((await again.next('pubcomp')).reasonCode).toBe(0x92); // unknown id now
    again.send({ type: 'publish', topic: 'x', payload: Buffer.from('second'), qos: 2, retain: false, dup: false, packetId: 5, properties: undefined });
    await again.next('pubrec');
    await sub.next('publish', (p) => p.payload.toString() === 'second');
    expect(sub.all('publish').map((p) => p.payload.toString())).toEqual(['first', 'second']);
  });
});

describe('flow control', () => {
  it("[MQTT-3.3.4-9] the client's Receive Maximum bounds unacknowledged QoS 1/2 deliveries", async () => {
    await h.start();
    const c = await h.client({ clientId: 'c', properties: { receiveMaximum: 2 } }, { autoAck: false });
    await c.subscribe('f', 2);
    for (let i = 0; i < 5; i++) h.broker.publish('f', String(i), { qos: i % 2 === 0 ? 1 : 2 });
    expect(h.broker.sessions.get('c')).toMatchObject({ inflight: 2, queued: 3 });
    const p0 = await c.next('publish');
    const p1 = await c.next('publish');
    expect([p0.payload.toString(), p1.payload.toString()]).toEqual(['0', '1']);
    c.send(c.ack('puback', p0.packetId!));
    const p2 = await c.next('publish');
    expect(p2.payload.toString()).toBe('2');
    expect(h.broker.sessions.get('c')).toMatchObject({ inflight: 2, queued: 2 });
    c.send(c.ack('pubrec', p1.packetId!)); // PUBREC does not free the slot: PUBCOMP does
    await c.next('pubrel');
    expect(h.broker.sessions.get('c')).toMatchObject({ inflight: 2, queued: 2 });
    c.send(c.ack('pubcomp', p1.packetId!));
    expect((await c.next('publish')).payload.toString()).toBe('3');
    expect(c.all('publish')).toHaveLength(4);
  });

  it('our Receive Maximum: one PUBLISH too many gives DISCONNECT 0x93', async () => {
    await h.start({ receiveMaximum: 2 });
    const c = await h.client({ clientId: 'c' }, { autoAck: false });
    expect(c.all('connack')[0]?.properties?.receiveMaximum).toBe(2);
    for (let id = 1; id <= 3; id++) {
      c.send({ type: 'publish', topic: 'x', payload: Buffer.from('x'), qos: 2, retain: false, dup: false, packetId: id, properties: undefined });
    }
    expect((await c.next('disconnect')).reasonCode).toBe(0x93);
    expect(c.all('pubrec')).toHaveLength(2);
  });

  it('[MQTT-3.2.2-15] our Maximum Packet Size: a bigger packet gives DISCONNECT 0x95', async () => {
    await h.start({ maximumPacketSize: 64 });
    const c = await h.client({ clientId: 'c' });
    expect(c.all('connack')[0]?.properties?.maximumPacketSize).toBe(64);
    await c.publish('t', Buffer.alloc(40), { qos: 1 });
    c.send({ type: 'publish', topic: 't', payload: Buffer.alloc(80), qos: 0, retain: false, dup: false, packetId: undefined, properties: undefined });
    expect((await c.next('disconnect')).reasonCode).toBe(0x95);
  });

  it("[MQTT-3.1.2-24] [MQTT-3.1.2-25] the client's Maximum Packet Size: bigger messages are dropped as if sent", async () => {
    await h.start();
    const c = await h.client({ clientId: 'c', properties: { maximumPacketSize: 64 } });
    await c.subscribe('m', 1);
    h.broker.publish('m', Buffer.alloc(100), { qos: 1 });
    h.broker.publish('m', 'small', { qos: 1 });
    expect((await c.next('publish')).payload.toString()).toBe('small');
    expect(h.broker.sessions.get('c')).toMatchObject({ dropped: 1, queued: 0 });
    await h.broker.waitFor({ direction: 'in', type: 'puback', clientId: 'c' });
    expect(h.broker.sessions.get('c')?.inflight).toBe(0);
  });
});

describe('topic aliases (client to broker)', () => {
  it('[MQTT-3.3.2-12] aliases up to our Topic Alias Maximum map topics on this link only [MQTT-3.3.2-7]', async () => {
    await h.start({ topicAliasMaximum: 3 });
    const sub = await h.client({ clientId: 'sub' });
    await sub.subscribe('a/#', 0);
    const c = await h.client({ clientId: 'c' });
    expect(c.all('connack')[0]?.properties?.topicAliasMaximum).toBe(3);
    await c.publish('a/long/topic', 'set', { properties: { topicAlias: 3 } });
    await c.publish('', 'use', { properties: { topicAlias: 3 } });
    const set = await sub.next('publish');
    const use = await sub.next('publish');
    expect([set.topic, use.topic]).toEqual(['a/long/topic', 'a/long/topic']);
    expect(use.properties?.topicAlias).toBeUndefined();
    await c.destroy();
    const c2 = await h.client({ clientId: 'c' });
    await c2.publish('', 'stale', { properties: { topicAlias: 3 } });
    expect((await c2.next('disconnect')).reasonCode).toBe(0x82); // not carried over from the old link
  });

  it('an alias above the maximum is 0x94 (Topic Alias invalid); no maximum advertised means none accepted', async () => {
    await h.start({ topicAliasMaximum: 2 });
    const c = await h.client({ clientId: 'c' });
    await c.publish('t', 'x', { properties: { topicAlias: 3 } });
    expect((await c.next('disconnect')).reasonCode).toBe(0x94);
    await h.broker.close();
    await h.start({ topicAliasMaximum: 0 });
    const d = await h.client({ clientId: 'd' });
    expect(d.all('connack')[0]?.properties?.topicAliasMaximum).toBeUndefined();
    await d.publish('t', 'x', { properties: { topicAlias: 1 } });
    expect((await d.next('disconnect')).reasonCode).toBe(0x94);
  });
});

describe('message expiry and properties', () => {
  it('[MQTT-3.3.2-5] [MQTT-3.3.2-6] queued messages expire; delivered ones carry the remaining interval', async () => {
    const clock = new ManualClock();
    await h.start({ clock });
    const fields = { clientId: 'e', clean: false, properties: { sessionExpiryInterval: 600 } };
    const c = await h.client(fields);
    await c.subscribe('e/#', 1);
    await c.disconnect();
    await h.broker.waitFor({ direction: 'in', type: 'disconnect', clientId: 'e' });
    h.broker.publish('e/short', 'short', { qos: 1, properties: { messageExpiryInterval: 5 } });
    h.broker.publish('e/long', 'long', { qos: 1, properties: { messageExpiryInterval: 60 } });
    clock.advance(6000);
    const again = await h.client(fields);
    const p = await again.next('publish');
    expect(p.topic).toBe('e/long');
    expect(p.properties?.messageExpiryInterval).toBe(54);
    expect(h.broker.sessions.get('e')?.dropped).toBe(1);
  });

  it('[MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20] properties pass through unaltered', async () => {
    await h.start();
    const v5 = await h.client({ clientId: 'v5' });
    const v4 = await h.client({ clientId: 'v4' }, { protocolVersion: 4 });
    await v5.subscribe('p', 1);
    await v4.subscribe('p', 1);
    const pub = await h.client({ clientId: 'pub' });
    const properties = {
      payloadFormatIndicator: 1 as const,
      contentType: 'application/json',
      responseTopic: 'reply/here',
      correlationData: Buffer.from([1, 2, 3]),
      userProperties: [['z', '1'], ['a', '2'], ['z', '3']] as Array<[string, string]>,
    };
    await pub.publish('p', '{"k":1}', { qos: 1, properties });
    const got = await v5.next('publish');
    expect(got.properties).toEqual(properties);
    const got4 = await v4.next('publish');
    expect(got4.properties).toBeUndefined();
    expect(got4.payload.toString()).toBe('{"k":1}');
  });
});
