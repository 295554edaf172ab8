/**
 * The Session API against the testkit broker: publish with positional QoS / retain or an options object,
 * shared reference-counted subscriptions (one SUBSCRIBE per filter, UNSUBSCRIBE after the last handler),
 * handlers in order with a bounded buffer that withholds the broker's PUBACK when full, failing handlers,
 * status, metrics and the session's own Prometheus text, the `client` escape hatch.
 */
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '@mqttx/testkit';
import { SessionMessage, type ManagerEvent } from 'mqttx';
import { codeOf, harness, rejection, turns, until } from './helpers/harness.js';

const h = harness();

function count(records: readonly PacketRecord[], direction: 'in' | 'out', type: string, clientId?: string): number {
  return records.filter((r) => r.direction === direction && r.packet?.type === type && (clientId === undefined || r.clientId === clientId)).length;
}

describe('Session publish', () => {
  it('publish(topic, payload, qos, retain) and publish(topic, payload, options) reach the broker as asked', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 'p', brokers: broker.url, clientId: 'p' });
    await m.waitForSession('p', 5000);
    const ack = await s.publish('t/1', 'a', 1, true);
    expect(ack).toMatchObject({ type: 'puback' });
    await s.publish('t/2', Buffer.from('bb'), { qos: 2, retain: false, properties: { contentType: 'text/plain' } });
    await s.publish('t/3', new Uint8Array([1, 2, 3]));
    await until(() => count(broker.records, 'in', 'publish') === 3); // QoS 0 resolves once written
    const pubs = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish').map((r) => r.packet as { topic: string; qos: number; retain: boolean; properties?: { contentType?: string } });
    expect(pubs.map((p) => [p.topic, p.qos, p.retain])).toEqual([
      ['t/1', 1, true],
      ['t/2', 2, false],
      ['t/3', 0, false],
    ]);
    expect(pubs[1]!.properties?.contentType).toBe('text/plain');
    const metrics = s.getMetrics();
    expect(metrics).toMatchObject({ name: 'p', messagesSent: 3, bytesSent: 6, errors: 0, status: 'connected', connected: true });
  });

  it('a failed publish rejects with the client error code and is counted', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 'p', brokers: broker.url });
    await m.waitForSession('p', 5000);
    expect(codeOf(await rejection(s.publish('bad/+', 'x', 1)))).toBe('ERR_INVALID_TOPIC');
    expect(codeOf(await rejection(s.publish('ok', 'x', 3 as 0)))).toBe('ERR_INVALID_REQUEST');
    expect(s.getMetrics().errors).toBe(2);
  });
});

describe('Session subscriptions', () => {
  it('handlers share one subscription per filter; unsubscribe drops the handlers and the last one unsubscribes', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 's', brokers: broker.url, clientId: 's' });
    m.addSession({ name: 'p', brokers: broker.url, clientId: 'p' });
    await m.waitForAllSessions(5000);
    const one = h.inbox();
    const two = h.inbox();
    await Promise.all([s.subscribe('x/#', 1, one.handler), s.subscribe('x/#', 0, two.handler)]);
    expect(count(broker.records, 'in', 'subscribe', 's')).toBe(1);
    expect(s.getSubscribedTopics()).toEqual(['x/#']);
    expect(s.getStatus().subscriptions).toBe(1);
    await m.publishTo('p', 'x/1', 'v', 1);
    await Promise.all([one.next(1), two.next(1)]);
    expect(one.got[0]).toBe(two.got[0]); // one message object for every consumer
    expect(one.got[0]).toBeInstanceOf(SessionMessage);
    await s.unsubscribe('x/#');
    expect(count(broker.records, 'in', 'unsubscribe', 's')).toBe(1);
    expect(s.getSubscribedTopics()).toEqual([]);
    expect(s.getMetrics().subscriptions).toBe(0);
    await s.unsubscribe('x/#'); // nothing left: no packet
    expect(count(broker.records, 'in', 'unsubscribe', 's')).toBe(1);
  });

  it('a higher QoS from a later handler subscribes again at that QoS', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 's', brokers: broker.url, clientId: 's' });
    await m.waitForSession('s', 5000);
    expect(await s.subscribe('q', 0, () => {})).toMatchObject({ qos: 0 });
    expect(await s.subscribe('q', 2, () => {})).toMatchObject({ qos: 2 });
    expect(await s.subscribe('q', 1, () => {})).toMatchObject({ qos: 2 });
    const subs = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'subscribe');
    expect(subs.map((r) => (r.packet as { subscriptions: Array<{ qos: number }> }).subscriptions[0]!.qos)).toEqual([0, 2]);
  });

  it('a refused subscription rejects with ERR_SUBSCRIPTION and its reason code, and is not kept', async () => {
    const broker = await h.broker({ authorizeSubscribe: (ctx) => (ctx.topicFilter === 'secret' ? 0x87 : true) });
    const m = h.manager();
    const s = m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const err = await rejection(s.subscribe('secret', 1, () => {}));
    expect(codeOf(err)).toBe('ERR_SUBSCRIPTION');
    expect((err as { reasonCode?: number }).reasonCode).toBe(0x87);
    expect((err as { session?: string }).session).toBe('s');
    expect(s.getSubscribedTopics()).toEqual([]);
  });

  it('topics given with the options are subscribed before session_ready and their handlers get messages', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const inbox = h.inbox();
    const log = h.record(m);
    m.addSession({ name: 's', brokers: broker.url, clientId: 's', topics: [{ topic: 'a/+', qos: 1, handler: inbox.handler }, { topic: 'b' }] });
    await m.waitForSession('s', 5000);
    // Both SUBACKs came before session_ready.
    expect(count(broker.records, 'out', 'suback', 's')).toBe(2);
    const ready = log.events.find((e) => e.type === 'session_ready') as ManagerEvent<'session_ready'>;
    expect(ready.data.subscriptions).toBe(2);
    broker.publish('a/1', 'hi', { qos: 1 });
    const [msg] = await inbox.next(1);
    expect(msg!.payloadString()).toBe('hi');
  });

  it('QoS 1 and 2 messages handled synchronously are acknowledged (PUBACK, PUBREC / PUBCOMP)', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 's', brokers: broker.url, clientId: 's' });
    await m.waitForSession('s', 5000);
    const inbox = h.inbox();
    await s.subscribe('ack/#', 2, inbox.handler);
    broker.publish('ack/1', 'a', { qos: 1 });
    broker.publish('ack/2', 'b', { qos: 2 });
    broker.publish('ack/0', 'c', { qos: 0 });
    await inbox.next(3);
    await until(() => count(broker.records, 'in', 'pubcomp', 's') === 1);
    expect(count(broker.records, 'in', 'puback', 's')).toBe(1);
    expect(count(broker.records, 'in', 'pubrec', 's')).toBe(1);
    expect(inbox.got.map((g) => g.qos)).toEqual([1, 2, 0]);
  });

  it('an async handler gets messages one at a time, in order', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const seen: string[] = [];
    let active = 0;
    let maxActive = 0;
    await s.subscribe('o/#', 1, async (msg) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await turns(2);
      seen.push(msg.topic);
      active--;
    });
    for (let i = 0; i < 10; i++) broker.publish(`o/${i}`, 'x', { qos: 1 });
    await until(() => seen.length === 10);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `o/${i}`));
    expect(maxActive).toBe(1);
  });

  it('a full handler buffer withholds the PUBACK of further QoS 1 messages until there is room (nothing lost)', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 's', brokers: broker.url, clientId: 's', performance: { messageChanSize: 2 } });
    await m.waitForSession('s', 5000);
    const gates: Array<() => void> = [];
    const seen: string[] = [];
    await s.subscribe('bp/#', 1, (msg) => {
      seen.push(msg.payloadString());
      return new Promise<void>((resolve) => gates.push(resolve));
    });
    for (let i = 0; i < 5; i++) broker.publish('bp/x', String(i), { qos: 1 });
    // One message in the handler, two buffered: three acknowledged, two held back.
    await until(() => count(broker.records, 'in', 'puback', 's') === 3);
    await turns(20);
    expect(count(broker.records, 'in', 'puback', 's')).toBe(3);
    expect(seen).toEqual(['0']);
    while (seen.length < 5 || gates.length > 0) {
      await until(() => gates.length > 0);
      gates.shift()!();
      await turns(2);
    }
    await until(() => count(broker.records, 'in', 'puback', 's') === 5);
    expect(seen).toEqual(['0', '1', '2', '3', '4']);
  });

  it('a throwing or rejecting handler is reported as an error event (ERR_HANDLER) and counted; others still run', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const errors: unknown[] = [];
    m.onEvent('error', (e) => {
      errors.push(e.data.error);
    });
    const inbox = h.inbox();
    await s.subscribe('e', 1, () => {
      throw new Error('sync boom');
    });
    await s.subscribe('e', 1, () => Promise.reject(new Error('async boom')));
    await s.subscribe('e', 1, inbox.handler);
    broker.publish('e', 'x', { qos: 1 });
    await inbox.next(1);
    await until(() => errors.length === 2);
    expect(errors.map(codeOf)).toEqual(['ERR_HANDLER', 'ERR_HANDLER']);
    expect(((errors[0] as Error).cause as Error).message).toBe('sync boom');
    expect(s.getMetrics().errors).toBe(2);
    expect(s.getStatus().lastError).toBe('ERR_HANDLER');
  });

  it('subscribe on a closed session rejects with ERR_SESSION_CLOSED', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 's', brokers: broker.url, autoConnect: false });
    await s.disconnect();
    expect(codeOf(await rejection(s.subscribe('x', 0, () => {})))).toBe('ERR_SESSION_CLOSED');
    expect(codeOf(await rejection(s.connect()))).toBe('ERR_SESSION_CLOSED');
  });
});

describe('Session metrics and status', () => {
  it('counts both directions and exports only its own session families', async () => {
    const broker = await h.broker();
    let now = 1_700_000_000_000;
    const m = h.manager({ now: () => now });
    const s = m.addSession({ name: 'a"b', brokers: broker.url, clientId: 'ab' });
    await m.waitForSession('a"b', 5000);
    const inbox = h.inbox();
    await s.subscribe('loop', 1, inbox.handler);
    now += 1000;
    await s.publish('loop', 'hello', 1);
    await inbox.next(1);
    const snap = s.getMetrics();
    expect(snap).toMatchObject({ messagesSent: 1, messagesReceived: 1, bytesSent: 5, bytesReceived: 5, subscriptions: 1, lastMessageAt: now, persistent: false, cleanSession: true, autoReconnect: true });
    const text = s.prometheusMetrics();
    expect(text).toContain('mqtt_session_messages_received_total{session="a\\"b"} 1');
    expect(text).toContain('mqtt_session_connected{session="a\\"b"} 1');
    expect(text).not.toContain('mqtt_manager_');
    expect(text).not.toContain('mqtt_forwarder_');
    expect(s.getStatus()).toEqual({
      name: 'a"b',
      status: 'connected',
      code: 2,
      connected: true,
      ready: true,
      clientId: 'ab',
      subscriptions: 1,
      reconnects: 0,
      lastError: undefined,
    });
  });
});
