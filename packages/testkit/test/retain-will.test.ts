/** Retained messages and wills (with will delay on a manual clock). */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@mqttx/testkit';
import { harness } from './helpers/harness.js';
import type { RawClient } from './helpers/raw-client.js';

const h = harness();

/** Publishes a marker on `topic` and returns the first publish `watcher` sees there: proves nothing came before. */
async function firstOn(watcher: RawClient, publisher: RawClient, topic: string): Promise<string> {
  await publisher.publish(topic, 'marker', { qos: 1 });
  return (await watcher.next('publish', (p) => p.topic === topic)).payload.toString();
}

describe('retained messages', () => {
  it.each([4, 5] as const)('[MQTT-3.3.1-5] level %i: stored and sent with RETAIN=1 to a new subscriber; RETAIN=0 leaves it [MQTT-3.3.1-8]', async (v) => {
    await h.start();
    const pub = await h.client({ clientId: 'pub' }, { protocolVersion: v });
    await pub.publish('r/a', 'kept', { qos: 1, retain: true });
    await pub.publish('r/a', 'not kept', { qos: 1, retain: false });
    const sub = await h.client({ clientId: 'sub' }, { protocolVersion: v });
    await sub.subscribe('r/+', 1);
    const p = await sub.next('publish');
    expect(p.payload.toString()).toBe('kept');
    expect(p.retain).toBe(true);
    expect(p.qos).toBe(1);
    expect(h.broker.retainedMessages().map((m) => m.topic)).toEqual(['r/a']);
  });

  it('[MQTT-3.3.1-6] [MQTT-3.3.1-7] an empty retained payload clears the topic and is not stored', async () => {
    await h.start();
    const pub = await h.client({ clientId: 'pub' });
    const live = await h.client({ clientId: 'live' });
    await live.subscribe('r/x', 0);
    await pub.publish('r/x', 'v1', { qos: 1, retain: true });
    await pub.publish('r/x', '', { qos: 1, retain: true });
    expect((await live.next('publish')).payload.toString()).toBe('v1');
    expect((await live.next('publish')).payload.length).toBe(0); // forwarded like any message
    expect(h.broker.retainedMessages()).toEqual([]);
    const late = await h.client({ clientId: 'late' });
    await late.subscribe('r/#', 0);
    expect(await firstOn(late, pub, 'r/marker')).toBe('marker');
  });

  it('[MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] Retain Handling 0, 1 and 2', async () => {
    await h.start();
    const pub = await h.client({ clientId: 'pub' });
    await pub.publish('rh/t', 'retained', { qos: 0, retain: true });
    const c = await h.client({ clientId: 'c' });
    const sub = (rh: 0 | 1 | 2) => c.subscribe([{ topicFilter: 'rh/t', qos: 0, retainHandling: rh }]);
    await sub(1); // new subscription: sent
    expect((await c.next('publish')).payload.toString()).toBe('retained');
    await sub(1); // exists already: not sent
    await sub(2); // never sent
    await sub(0); // always sent, also on a replaced subscription
    expect((await c.next('publish')).payload.toString()).toBe('retained');
    expect(await firstOn(c, pub, 'rh/t')).toBe('marker');
    expect(c.all('publish')).toHaveLength(3);
  });

  it('[MQTT-3.3.1-12] [MQTT-3.3.1-13] Retain As Published on live messages; 3.1.1 always clears RETAIN', async () => {
    await h.start();
    const rap = await h.client({ clientId: 'rap' });
    await rap.subscribe([{ topicFilter: 'l/t', qos: 0, retainAsPublished: true }]);
    const norap = await h.client({ clientId: 'norap' });
    await norap.subscribe('l/t', 0);
    const v4 = await h.client({ clientId: 'v4' }, { protocolVersion: 4 });
    await v4.subscribe('l/t', 0);
    const pub = await h.client({ clientId: 'pub' });
    await pub.publish('l/t', 'x', { retain: true });
    expect((await rap.next('publish')).retain).toBe(true);
    expect((await norap.next('publish')).retain).toBe(false);
    expect((await v4.next('publish')).retain).toBe(false);
  });

  it('[MQTT-4.7.2-1] wildcard filters do not get $ topics; retained QoS is min(published, granted) [MQTT-3.8.4-8]', async () => {
    await h.start();
    const pub = await h.client({ clientId: 'pub' });
    await pub.publish('$sys/x', 'dollar', { qos: 1, retain: true });
    await pub.publish('plain', 'plain', { qos: 2, retain: true });
    const all = await h.client({ clientId: 'all' });
    await all.subscribe('#', 1);
    const p = await all.next('publish');
    expect(p.topic).toBe('plain');
    expect(p.qos).toBe(1);
    const dollar = await h.client({ clientId: 'dollar' });
    await dollar.subscribe('$sys/#', 2);
    expect((await dollar.next('publish')).payload.toString()).toBe('dollar');
    expect(await firstOn(all, pub, 'after')).toBe('marker');
  });

  it('[MQTT-3.3.2-5] [MQTT-3.3.2-6] a retained message expires; until then its expiry counts down', async () => {
    const clock = new ManualClock();
    await h.start({ clock });
    const pub = await h.client({ clientId: 'pub' });
    await pub.publish('e/t', 'x', { qos: 1, retain: true, properties: { messageExpiryInterval: 10 } });
    clock.advance(4000);
    const a = await h.client({ clientId: 'a' });
    await a.subscribe('e/t', 1);
    expect((await a.next('publish')).properties?.messageExpiryInterval).toBe(6);
    clock.advance(6000);
    const b = await h.client({ clientId: 'b' });
    await b.subscribe('e/#', 1);
    expect(await firstOn(b, pub, 'e/marker')).toBe('marker');
    expect(h.broker.retainedMessages()).toEqual([]);
  });

  it('[MQTT-3.2.2-14] RETAIN=1 when retain is not available: DISCONNECT 0x9A', async () => {
    await h.start({ retainAvailable: false });
    const c = await h.client({ clientId: 'c' });
    expect(c.all('connack')[0]?.properties?.retainAvailable).toBe(false);
    c.send({ type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: true, dup: false, packetId: undefined, properties: undefined });
    expect((await c.next('disconnect')).reasonCode).toBe(0x9a);
  });
});

describe('wills', () => {
  const will = (props?: Record<string, unknown>) => ({
    topic: 'will/c',
    payload: Buffer.from('gone'),
    qos: 1 as const,
    retain: false,
    properties: props,
  });

  it('[MQTT-3.1.2-8] an abnormal close publishes the will with its properties and user property order [MQTT-3.1.3-10]', async () => {
    await h.start();
    const watcher = await h.client({ clientId: 'w' });
    await watcher.subscribe('will/#', 1);
    const c = await h.client({
      clientId: 'c',
      will: will({ contentType: 'text/plain', userProperties: [['b', '2'], ['a', '1'], ['b', '3']] }),
    });
    await c.destroy();
    const p = await watcher.next('publish');
    expect(p.payload.toString()).toBe('gone');
    expect(p.qos).toBe(1);
    expect(p.properties?.contentType).toBe('text/plain');
    expect(p.properties?.userProperties).toEqual([['b', '2'], ['a', '1'], ['b', '3']]);
  });

  it.each([4, 5] as const)('[MQTT-3.14.4-3] [MQTT-3.1.2-10] level %i: a normal DISCONNECT discards the will', async (v) => {
    await h.start();
    const watcher = await h.client({ clientId: 'w' });
    await watcher.subscribe('will/#', 1);
    const c = await h.client({ clientId: 'c', will: { ...will(), properties: undefined } }, { protocolVersion: v });
    await c.disconnect();
    await h.broker.waitFor({ direction: 'in', type: 'disconnect', clientId: 'c' });
    expect(await firstOn(watcher, watcher, 'will/c')).toBe('marker');
  });

  it('DISCONNECT 0x04 (disconnect with will) publishes the will', async () => {
    await h.start();
    const watcher = await h.client({ clientId: 'w' });
    await watcher.subscribe('will/#', 1);
    const c = await h.client({ clientId: 'c', will: will() });
    await c.disconnect(0x04);
    expect((await watcher.next('publish')).payload.toString()).toBe('gone');
  });

  it('[MQTT-3.1.2-15] a will with RETAIN=1 becomes the retained message', async () => {
    await h.start();
    const c = await h.client({ clientId: 'c', will: { ...will(), retain: true } });
    const link = h.broker.clients.get('c')!;
    await c.destroy();
    await link.whenClosed;
    const late = await h.client({ clientId: 'late' });
    await late.subscribe('will/#', 1);
    const p = await late.next('publish');
    expect(p.retain).toBe(true);
    expect(p.payload.toString()).toBe('gone');
  });

  it('will delay: published when the delay passes, not before', async () => {
    const clock = new ManualClock();
    await h.start({ clock });
    const watcher = await h.client({ clientId: 'w' });
    await watcher.subscribe('will/#', 1);
    const c = await h.client({ clientId: 'c', clean: false, properties: { sessionExpiryInterval: 60 }, will: will({ willDelayInterval: 5 }) });
    const link = h.broker.clients.get('c')!;
    await c.destroy();
    await link.whenClosed;
    expect(h.broker.sessions.get('c')?.pendingWill).toBe(true);
    clock.advance(4999);
    expect(await firstOn(watcher, watcher, 'will/c')).toBe('marker');
    clock.advance(1);
    expect((await watcher.next('publish', (p) => p.payload.toString() === 'gone')).topic).toBe('will/c');
  });

  it('[MQTT-3.1.3-9] reconnecting before the will delay passes cancels the will', async () => {
    const clock = new ManualClock();
    await h.start({ clock });
    const watcher = await h.client({ clientId: 'w' });
    await watcher.subscribe('will/#', 1);
    const opts = { clientId: 'c', clean: false, properties: { sessionExpiryInterval: 60 } };
    const c = await h.client({ ...opts, will: will({ willDelayInterval: 5 }) });
    await c.destroy();
    clock.advance(3000);
    const again = await h.client(opts);
    expect(again.all('connack')[0]?.sessionPresent).toBe(true);
    clock.advance(10_000);
    expect(await firstOn(watcher, watcher, 'will/c')).toBe('marker');
  });

  it('a session ending before the will delay publishes the will then', async () => {
    const clock = new ManualClock();
    await h.start({ clock });
    const watcher = await h.client({ clientId: 'w' });
    await watcher.subscribe('will/#', 1);
    const c = await h.client({ clientId: 'c', properties: { sessionExpiryInterval: 2 }, will: will({ willDelayInterval: 30 }) });
    const link = h.broker.clients.get('c')!;
    await c.destroy();
    await link.whenClosed;
    expect(h.broker.sessions.get('c')?.pendingWill).toBe(true);
    clock.advance(2000);
    expect((await watcher.next('publish')).payload.toString()).toBe('gone');
    expect(h.broker.sessions.has('c')).toBe(false);
  });
});
