/**
 * Lifecycle and requests: end() / destroy() settle everything, AbortSignals, the offline queue and its
 * bounds, manual acknowledgement, the `error` event rule, the hold queue, server limits turned into typed
 * errors (Maximum QoS, Retain Available, wildcard / shared / identifier availability), refused filters.
 */
import { describe, expect, it } from 'vitest';
import type { PubackPacket } from '@mqttx/codec';
import { MqttxError, type Message } from '../src/index.js';
import { harness, turns, until } from './helpers/harness.js';

const h = harness();

function codeOf(err: unknown): string | undefined {
  return err instanceof MqttxError ? err.code : undefined;
}

describe('end and destroy', () => {
  it('end() waits for in-flight publishes, then DISCONNECT [MQTT-3.14.4-1]', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'e' });
    const hold = broker.delay({ direction: 'out', type: 'puback', clientId: 'e' }, 50);
    const ack = h.track(c.publish('e/1', 'x', { qos: 1 }));
    await hold.triggered;
    const ended = c.end();
    expect(c.status).toBe('closing');
    expect((await ack)?.type).toBe('puback');
    await ended;
    const types = broker.records.filter((r) => r.direction === 'in').map((r) => r.packet?.type);
    expect(types.slice(-2)).toEqual(['publish', 'disconnect']);
  });

  it('end({ timeout }) gives up on unacknowledged work: pending promises reject with ClientClosedError', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'et' });
    broker.withhold({ direction: 'out', type: 'puback', clientId: 'et', times: Infinity });
    const ack = h.track(c.publish('et/1', 'x', { qos: 1 }));
    await broker.waitFor({ direction: 'in', type: 'publish' });
    await c.end({ timeout: 20 });
    expect(codeOf(await ack.catch((e: unknown) => e))).toBe('ERR_CLIENT_CLOSED');
  });

  it('5.0 end() sends the reason code and properties given', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'erc', properties: { sessionExpiryInterval: 10 } });
    await c.end({ reasonCode: 0x04, properties: { sessionExpiryInterval: 0 } });
    const rec = await broker.waitFor({ direction: 'in', type: 'disconnect' });
    expect(rec.packet).toMatchObject({ reasonCode: 0x04, properties: { sessionExpiryInterval: 0 } });
  });

  it('destroy() settles every pending promise with ClientClosedError and emits close once', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'd' });
    broker.withhold({ direction: 'out', type: ['puback', 'suback', 'unsuback'], clientId: 'd', times: Infinity });
    const closes: Array<Error | undefined> = [];
    c.on('close', (e) => closes.push(e));
    const pending = [
      h.track(c.publish('d/1', 'x', { qos: 1 })),
      h.track(c.publish('d/2', 'x', { qos: 2 })),
      h.track(c.subscribe('d/#')),
      h.track(c.unsubscribe('d/#')),
    ];
    await broker.waitFor({ direction: 'in', type: 'unsubscribe' });
    const why = new Error('bye');
    c.destroy(why);
    c.destroy();
    const errs = await Promise.all(pending.map((p) => p.catch((e: unknown) => e)));
    expect(errs.map(codeOf)).toEqual(['ERR_CLIENT_CLOSED', 'ERR_CLIENT_CLOSED', 'ERR_CLIENT_CLOSED', 'ERR_CLIENT_CLOSED']);
    expect((errs[0] as Error).cause).toBe(why);
    expect(closes).toEqual([why]);
    // After close every request rejects at once.
    expect(codeOf(await h.track(c.publish('x', 'y')).catch((e: unknown) => e))).toBe('ERR_CLIENT_CLOSED');
    expect(codeOf(await h.track(c.connect()).catch((e: unknown) => e))).toBe('ERR_CLIENT_CLOSED');
    await c.end();
  });

  it('end() before any connect closes at once; offline requests settle', async () => {
    const c = h.client({ brokers: 'mqtt://127.0.0.1:1', clientId: 'never' });
    const p = h.track(c.publish('t', 'x', { qos: 1 }));
    await c.end();
    expect(codeOf(await p.catch((e: unknown) => e))).toBe('ERR_CLIENT_CLOSED');
  });
});

describe('slow credentials', () => {
  it('end() during a pending password function resolves at once; the stale attempt opens nothing', async () => {
    const broker = await h.broker();
    let release: ((v: string) => void) | undefined;
    const c = h.client({ brokers: broker.url, clientId: 'slow', username: 'u', password: () => new Promise<string>((r) => (release = r)) });
    const p = h.track(c.connect());
    await until(() => release !== undefined);
    await c.end();
    expect(codeOf(await p.catch((e: unknown) => e))).toBe('ERR_CLIENT_CLOSED');
    release!('late');
    await turns(5);
    expect(broker.connections.size).toBe(0);
  });
});

describe('AbortSignal', () => {
  it('an unsent publish is withdrawn: AbortError, nothing sent', async () => {
    const c = h.client({ brokers: 'mqtt://127.0.0.1:1', clientId: 'ab' });
    const ac = new AbortController();
    const p = h.track(c.publish('t', 'x', { qos: 1, signal: ac.signal }));
    expect(c.queued).toBe(1);
    ac.abort();
    const err = await p.catch((e: unknown) => e);
    expect(codeOf(err)).toBe('ERR_ABORTED');
    expect((err as MqttxError).context?.sent).toBe(false);
    expect(c.queued).toBe(0);
    await c.end();
  });

  it('an already aborted signal rejects at once', async () => {
    const c = h.client({ brokers: 'mqtt://127.0.0.1:1', clientId: 'ab2' });
    const err = await h.track(c.subscribe('t', { signal: AbortSignal.abort() })).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('ERR_ABORTED');
    await c.end();
  });

  it('aborting a publish already on the wire stops the wait (sent: true); the exchange completes', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'ab3' });
    const hold = broker.withhold({ direction: 'out', type: 'puback', clientId: 'ab3' });
    const ac = new AbortController();
    const p = h.track(c.publish('t', 'x', { qos: 1, signal: ac.signal }));
    await hold.triggered;
    ac.abort();
    const err = await p.catch((e: unknown) => e);
    expect((err as MqttxError).context?.sent).toBe(true);
    hold.release();
    await until(() => c.inflight === 0);
    await c.end();
  });
});

describe('offline queue', () => {
  it('QoS 0 queue drops the oldest when full; QoS 1/2 queue rejects new ones', async () => {
    const broker = await h.broker();
    const c = h.client({
      brokers: broker.url,
      clientId: 'q',
      queueQos0: { maxCount: 2 },
      queueQos12: { maxCount: 1 },
    });
    const q0 = [1, 2, 3].map((i) => h.track(c.publish('q', String(i))));
    const q1 = [1, 2].map((i) => h.track(c.publish('q', String(i), { qos: 1 })));
    expect(codeOf(await q0[0]!.catch((e: unknown) => e))).toBe('ERR_MESSAGE_DROPPED');
    expect(codeOf(await q1[1]!.catch((e: unknown) => e))).toBe('ERR_QUEUE_FULL');
    await h.track(c.connect());
    await Promise.all([q0[1], q0[2], q1[0]]);
    const sent = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish').length;
    expect(sent).toBe(3);
    await c.end();
  });

  it("offlineSubscribe: 'reject' refuses subscribe while offline with NotConnectedError", async () => {
    const c = h.client({ brokers: 'mqtt://127.0.0.1:1', clientId: 'os', offlineSubscribe: 'reject' });
    expect(codeOf(await h.track(c.subscribe('a')).catch((e: unknown) => e))).toBe('ERR_NOT_CONNECTED');
    await c.end();
  });
});

describe('delivery', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion} manualAck: PUBACK only after the handler promise settled, in arrival order [MQTT-4.6.0-2]`, async () => {
      const broker = await h.broker();
      const c = await h.connect({ brokers: broker.url, clientId: 'ma', protocolVersion, manualAck: true });
      await c.subscribe('ma/#', { qos: 1 });
      const release: Array<() => void> = [];
      c.on('message', () => new Promise<void>((resolve) => release.push(resolve)));
      broker.publish('ma/1', 'a', { qos: 1 });
      broker.publish('ma/2', 'b', { qos: 1 });
      await until(() => release.length === 2);
      const pubacks = () => broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'puback').map((r) => (r.packet as PubackPacket).packetId);
      expect(pubacks()).toEqual([]);
      release[1]!(); // the second finishes first: its ack waits for the first
      await turns(3);
      expect(pubacks()).toEqual([]);
      release[0]!();
      await broker.waitFor({ direction: 'in', type: 'puback', where: (p) => (p as PubackPacket).packetId === 2 });
      expect(pubacks()).toEqual([1, 2]);
      await c.end();
    });
  }

  it('manualAck with messages(): a message is acknowledged when the consumer asks for the next one', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'mi', manualAck: true });
    await c.subscribe('mi/#', { qos: 1 });
    const it = c.messages();
    broker.publish('mi/1', 'a', { qos: 1 });
    const first = await h.track(it.next());
    expect(first.value?.topic).toBe('mi/1');
    await turns(3);
    expect(broker.sessions.get('mi')!.inflight).toBe(1);
    const second = h.track(it.next());
    await broker.waitFor({ direction: 'in', type: 'puback', clientId: 'mi' });
    await it.return();
    expect((await second).done).toBe(true);
    await c.end();
  });

  it('messages arriving with no listener are held, then delivered in order when one is attached', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'ho' });
    await c.subscribe('ho/#', { qos: 1 });
    for (let i = 0; i < 3; i++) broker.publish(`ho/${i}`, String(i), { qos: 1 });
    await until(() => c.stats.messagesReceived === 3);
    const got: string[] = [];
    c.on('message', (m: Message) => got.push(m.topic));
    await turns(1);
    expect(got).toEqual(['ho/0', 'ho/1', 'ho/2']);
    await c.end();
  });

  it('a throwing message handler is reported on `error` and does not break the client', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'th' });
    await c.subscribe('th/#', { qos: 1 });
    const boom = new Error('handler');
    c.on('message', () => {
      throw boom;
    });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    broker.publish('th/1', 'x', { qos: 1 });
    await until(() => errors.length === 1);
    expect(errors[0]).toBe(boom);
    await broker.waitFor({ direction: 'in', type: 'puback', clientId: 'th' });
    await h.track(c.publish('th/2', 'still', { qos: 1 }));
    await c.end();
  });

  it('a throwing `connect` listener is reported on `error`; the connection goes on', async () => {
    const broker = await h.broker();
    const c = h.client({ brokers: broker.url, clientId: 'tc' });
    const boom = new Error('listener');
    c.on('connect', () => {
      throw boom;
    });
    const reported = h.once<Error>(c, 'error');
    await h.track(c.connect());
    expect(await reported).toBe(boom);
    await h.track(c.publish('tc', 'ok', { qos: 1 }));
    await c.end();
  });

  it('no `error` listener: connection errors never throw', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'ne', reconnect: false });
    expect(c.listenerCount('error')).toBe(0);
    const offline = h.once<Error>(c, 'offline');
    broker.clients.get('ne')!.destroy();
    await offline;
    await c.end();
  });

  it('a handler may publish from inside `message`: its PUBLISH follows our PUBACK', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'echo' });
    await c.subscribe('ping', { qos: 1 });
    const reply = new Promise<unknown>((resolve) => c.on('message', () => resolve(h.track(c.publish('pong', 'x', { qos: 1 })))));
    broker.publish('ping', 'x', { qos: 1 });
    await reply;
    const types = broker.records.filter((r) => r.direction === 'in').map((r) => r.packet?.type);
    expect(types.slice(-2)).toEqual(['puback', 'publish']);
    await c.end();
  });
});

describe('server limits become typed errors (MQTT 5)', () => {
  it('Maximum QoS: refused, or downgraded with downgradeQos [MQTT-3.2.2-11]', async () => {
    const broker = await h.broker({ maximumQoS: 1 });
    const c = await h.connect({ brokers: broker.url, clientId: 'mq' });
    expect(codeOf(await h.track(c.publish('t', 'x', { qos: 2 })).catch((e: unknown) => e))).toBe('ERR_QOS_NOT_SUPPORTED');
    await c.end();
    const d = await h.connect({ brokers: broker.url, clientId: 'mq2', downgradeQos: true });
    expect((await h.track(d.publish('t', 'x', { qos: 2 })))?.type).toBe('puback');
    await d.end();
  });

  it('Retain Available 0: a retained publish is refused [MQTT-3.2.2-14]', async () => {
    const broker = await h.broker({ retainAvailable: false });
    const c = await h.connect({ brokers: broker.url, clientId: 'ra' });
    expect(codeOf(await h.track(c.publish('t', 'x', { retain: true })).catch((e: unknown) => e))).toBe('ERR_RETAIN_NOT_SUPPORTED');
    await c.end();
  });

  it('wildcard, shared and identifier availability: early FeatureNotSupportedError', async () => {
    const broker = await h.broker({
      wildcardSubscriptionAvailable: false,
      sharedSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: false,
    });
    const c = await h.connect({ brokers: broker.url, clientId: 'fe' });
    const errs = await Promise.all([
      h.track(c.subscribe('a/#')).catch((e: unknown) => e),
      h.track(c.subscribe('$share/g/a')).catch((e: unknown) => e),
      h.track(c.subscribe('a', { subscriptionIdentifier: 5 })).catch((e: unknown) => e),
    ]);
    expect(errs.map((e) => (e as { feature?: string }).feature)).toEqual(['wildcard', 'shared', 'subscriptionIdentifier']);
    expect(broker.records.some((r) => r.direction === 'in' && r.packet?.type === 'subscribe')).toBe(false);
    await c.end();
  });

  it('a refused filter is a value, not an error, and is not kept', async () => {
    const broker = await h.broker({ authorizeSubscribe: (ctx) => (ctx.topicFilter === 'no' ? 0x87 : true) });
    const c = await h.connect({ brokers: broker.url, clientId: 'rf' });
    const grants = await h.track(c.subscribe(['yes', 'no'], { qos: 1 }));
    expect(grants).toEqual([
      { topicFilter: 'yes', reasonCode: 1, qos: 1 },
      { topicFilter: 'no', reasonCode: 0x87, qos: undefined },
    ]);
    await c.end();
  });
});
