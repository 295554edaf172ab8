/** SUBSCRIBE / UNSUBSCRIBE semantics: shared groups, identifiers, options, grants and refusals. */
import { describe, expect, it } from 'vitest';
import { harness } from './helpers/harness.js';

const h = harness();

describe('shared subscriptions', () => {
  it('[MQTT-4.8.2-1] [MQTT-4.8.2-2] members of a group take turns; other groups and plain subscribers get every message', async () => {
    await h.start();
    const members = await Promise.all(['m1', 'm2', 'm3'].map((id) => h.client({ clientId: id })));
    for (const m of members) expect((await m.subscribe('$share/g/jobs/#', 1)).reasonCodes).toEqual([1]);
    const other = await h.client({ clientId: 'other' }, { protocolVersion: 4 }); // 3.1.1 may use $share too
    await other.subscribe('$share/h/jobs/+', 1);
    const plain = await h.client({ clientId: 'plain' });
    await plain.subscribe('jobs/#', 0);
    const pub = await h.client({ clientId: 'pub' });
    for (let i = 0; i < 6; i++) await pub.publish(`jobs/${i}`, String(i), { qos: 1 });
    for (let i = 0; i < 6; i++) await plain.next('publish', (p) => p.topic === `jobs/${i}`);
    for (let i = 0; i < 6; i++) await other.next('publish', (p) => p.topic === `jobs/${i}`);
    const counts = members.map((m) => m.all('publish').length);
    expect(counts).toEqual([2, 2, 2]);
    const got = members.flatMap((m) => m.all('publish').map((p) => p.topic)).sort();
    expect(got).toEqual(['jobs/0', 'jobs/1', 'jobs/2', 'jobs/3', 'jobs/4', 'jobs/5']);
  });

  it('retained messages are not sent for a new shared subscription', async () => {
    await h.start();
    const pub = await h.client({ clientId: 'pub' });
    await pub.publish('s/t', 'retained', { qos: 1, retain: true });
    const m = await h.client({ clientId: 'm' });
    await m.subscribe('$share/g/s/t', 1);
    await pub.publish('s/t', 'live', { qos: 1 });
    expect((await m.next('publish')).payload.toString()).toBe('live');
  });

  it('[MQTT-3.8.3-4] No Local on a shared subscription is a protocol error (DISCONNECT 0x82)', async () => {
    await h.start();
    const m = await h.client({ clientId: 'm' });
    // The encoder refuses this packet, so raw bytes: SUBSCRIBE id 1, no properties, "$share/g/t", No Local.
    m.sendRaw(Buffer.from([0x82, 0x10, 0x00, 0x01, 0x00, 0x00, 0x0a, ...Buffer.from('$share/g/t'), 0x04]));
    expect((await m.next('disconnect')).reasonCode).toBe(0x82);
  });
});

describe('subscription options and identifiers', () => {
  it('[MQTT-3.3.4-2] [MQTT-3.3.4-3] [MQTT-3.3.4-4] overlapping subscriptions: one copy, highest QoS, every identifier', async () => {
    await h.start();
    const c = await h.client({ clientId: 'c' });
    await c.subscribe('a/+', 0, { subscriptionIdentifier: 7 });
    await c.subscribe('a/#', 2, { subscriptionIdentifier: 9 });
    await c.subscribe('a/b', 1); // no identifier
    const pub = await h.client({ clientId: 'pub' });
    await pub.publish('a/b', 'x', { qos: 2 });
    const p = await c.next('publish');
    expect(p.qos).toBe(2);
    expect([p.properties?.subscriptionIdentifier].flat().sort()).toEqual([7, 9]);
    await pub.publish('a/c/d', 'y', { qos: 1 });
    const q = await c.next('publish', (m) => m.topic === 'a/c/d');
    expect(q.properties?.subscriptionIdentifier).toBe(9);
    expect(c.all('publish')).toHaveLength(2);
  });

  it('subscription identifiers not available: DISCONNECT 0xA1', async () => {
    await h.start({ subscriptionIdentifiersAvailable: false });
    const c = await h.client({ clientId: 'c' });
    expect(c.all('connack')[0]?.properties?.subscriptionIdentifiersAvailable).toBe(false);
    c.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 't', qos: 0 }], properties: { subscriptionIdentifier: 1 } });
    expect((await c.next('disconnect')).reasonCode).toBe(0xa1);
  });

  it('[MQTT-3.8.3-3] No Local: own messages are not sent back', async () => {
    await h.start();
    const c = await h.client({ clientId: 'c' });
    const d = await h.client({ clientId: 'd' });
    await c.subscribe([{ topicFilter: 'nl', qos: 1, noLocal: true }]);
    await d.subscribe('nl', 1);
    await c.publish('nl', 'from c', { qos: 1 });
    await d.publish('nl', 'from d', { qos: 1 });
    await d.next('publish', (p) => p.payload.toString() === 'from c');
    await d.publish('nl', 'marker', { qos: 1 });
    await c.next('publish', (p) => p.payload.toString() === 'marker');
    expect(c.all('publish').map((p) => p.payload.toString())).toEqual(['from d', 'marker']);
  });

  it('[MQTT-3.8.4-3] subscribing again replaces the subscription (new granted QoS, one copy)', async () => {
    await h.start();
    const c = await h.client({ clientId: 'c' });
    await c.subscribe('r', 2);
    await c.subscribe('r', 0);
    expect(h.broker.sessions.get('c')?.subscriptions).toMatchObject([{ filter: 'r', qos: 0 }]);
    await h.broker.publish('r', 'x', { qos: 2 });
    const p = await c.next('publish');
    expect(p.qos).toBe(0);
    await h.broker.publish('r', 'y', { qos: 0 });
    await c.next('publish', (m) => m.payload.toString() === 'y');
    expect(c.all('publish')).toHaveLength(2);
  });

  it('[MQTT-3.10.4-4] [MQTT-3.10.4-5] [MQTT-3.11.3-1] UNSUBACK per filter: 0x00 removed, 0x11 none; 3.1.1 has no codes', async () => {
    await h.start();
    const c = await h.client({ clientId: 'c' });
    await c.subscribe(['u/1', 'u/2', 'marker'], 0);
    expect((await c.unsubscribe(['u/1', 'nope', 'u/2'])).reasonCodes).toEqual([0x00, 0x11, 0x00]);
    expect(h.broker.sessions.get('c')?.subscriptions.map((s) => s.filter)).toEqual(['marker']);
    h.broker.publish('u/1', 'x');
    h.broker.publish('marker', 'm');
    await c.next('publish', (p) => p.topic === 'marker');
    expect(c.all('publish').map((p) => p.topic)).toEqual(['marker']);
    const c4 = await h.client({ clientId: 'c4' }, { protocolVersion: 4 });
    await c4.subscribe('u/1', 0);
    const un = await c4.unsubscribe(['u/1']);
    expect(un.reasonCodes).toBeUndefined();
  });
});

describe('grants and refusals', () => {
  it('[MQTT-3.2.2-9] [MQTT-3.2.2-10] maximumQoS 1: advertised, subscriptions granted QoS 1, QoS 2 PUBLISH is 0x9B [MQTT-3.2.2-11]', async () => {
    await h.start({ maximumQoS: 1 });
    const c = await h.client({ clientId: 'c' });
    expect(c.all('connack')[0]?.properties?.maximumQoS).toBe(1);
    expect((await c.subscribe(['a', 'b'], 2)).reasonCodes).toEqual([1, 1]);
    c.send({ type: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 2, retain: false, dup: false, packetId: 1, properties: undefined });
    expect((await c.next('disconnect')).reasonCode).toBe(0x9b);
  });

  it('[MQTT-3.9.3-1] authorizeSubscribe: refusal codes in order, QoS caps; 3.1.1 gets 0x80', async () => {
    const seen: string[] = [];
    await h.start({
      authorizeSubscribe: ({ topicFilter, clientId }) => {
        seen.push(`${clientId}:${topicFilter}`);
        if (topicFilter === 'secret') return false;
        if (topicFilter === 'odd/#') return 0x8f;
        if (topicFilter === 'low') return 0;
        return true;
      },
    });
    const c = await h.client({ clientId: 'c' });
    expect((await c.subscribe(['ok', 'secret', 'odd/#', 'low'], 2)).reasonCodes).toEqual([2, 0x87, 0x8f, 0]);
    const c4 = await h.client({ clientId: 'c4' }, { protocolVersion: 4 });
    expect((await c4.subscribe(['secret', 'ok'], 1)).reasonCodes).toEqual([0x80, 1]);
    expect(seen).toEqual(['c:ok', 'c:secret', 'c:odd/#', 'c:low', 'c4:secret', 'c4:ok']);
    expect(h.broker.sessions.get('c')?.subscriptions.map((s) => s.filter)).toEqual(['ok', 'low']);
  });

  it('wildcard / shared subscriptions not available: 0xA2 / 0x9E in SUBACK', async () => {
    await h.start({ wildcardSubscriptionAvailable: false, sharedSubscriptionAvailable: false });
    const c = await h.client({ clientId: 'c' });
    const props = c.all('connack')[0]?.properties;
    expect(props?.wildcardSubscriptionAvailable).toBe(false);
    expect(props?.sharedSubscriptionAvailable).toBe(false);
    expect((await c.subscribe(['a/+', '$share/g/a', 'a/b'], 1)).reasonCodes).toEqual([0xa2, 0x9e, 1]);
  });

  it('a malformed filter is rejected by the codec: DISCONNECT 0x8F (5.0), closed (3.1.1)', async () => {
    await h.start();
    const c = await h.client({ clientId: 'c' });
    // SUBSCRIBE, packet id 1, no properties, filter "a/#/b", options 0
    c.sendRaw(Buffer.from([0x82, 0x0b, 0x00, 0x01, 0x00, 0x00, 0x05, ...Buffer.from('a/#/b'), 0x00]));
    expect((await c.next('disconnect')).reasonCode).toBe(0x8f);
    const c4 = await h.client({ clientId: 'c4' }, { protocolVersion: 4 });
    c4.sendRaw(Buffer.from([0x82, 0x0a, 0x00, 0x01, 0x00, 0x05, ...Buffer.from('a/#/b'), 0x00]));
    await c4.waitClosed();
    expect(c4.all('suback')).toEqual([]);
  });
});
