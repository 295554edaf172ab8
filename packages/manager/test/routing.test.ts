/**
 * Routing against the testkit broker: handle / handleTo / listen / listenTo, routes on every session
 * covering sessions added later, shared reference-counted subscriptions (the last stop unsubscribes),
 * routes surviving reconnects, bounded buffers under each overflow policy, filters and transformers,
 * message helpers, route metrics and failures.
 */
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '@mqttx/testkit';
import { SessionMessage, type ManagerEvent } from 'mqttx';
import { codeOf, harness, rejection, turns, until } from './helpers/harness.js';

const h = harness();

function count(records: readonly PacketRecord[], direction: 'in' | 'out', type: string, clientId?: string): number {
  return records.filter((r) => r.direction === direction && r.packet?.type === type && (clientId === undefined || r.clientId === clientId)).length;
}

const FAST = { initialReconnectInterval: 5, maxReconnectInterval: 20 };

describe('routes on every session', () => {
  it('handle() gets the messages of every session, including a session added after the route', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'a', brokers: broker.url, clientId: 'a' });
    await m.waitForSession('a', 5000);
    const inbox = h.inbox();
    const route = m.handle('r/#', inbox.handler, { qos: 1 });
    await route.ready;
    m.addSession({ name: 'b', brokers: broker.url, clientId: 'b' });
    await m.waitForSession('b', 5000);
    // session_ready of b came after its route subscription was granted.
    expect(count(broker.records, 'out', 'suback', 'b')).toBe(1);
    broker.publish('r/1', 'x', { qos: 1 });
    const got = await inbox.next(2);
    expect(got.map((g) => g.session).sort()).toEqual(['a', 'b']);
    expect(route.sessionNames().sort()).toEqual(['a', 'b']);
    expect(route.metrics.delivered).toBe(2);
  });

  it('routes and handlers on one filter share one subscription per session; the last stop unsubscribes', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 's', brokers: broker.url, clientId: 's' });
    await m.waitForSession('s', 5000);
    const one = h.inbox();
    const two = h.inbox();
    const r1 = m.handle('shared/#', one.handler);
    const r2 = m.handleTo('s', 'shared/#', two.handler);
    await Promise.all([r1.ready, r2.ready]);
    expect(count(broker.records, 'in', 'subscribe', 's')).toBe(1);
    broker.publish('shared/x', 'v');
    await Promise.all([one.next(1), two.next(1)]);
    await r1.stop();
    await turns(10);
    expect(count(broker.records, 'in', 'unsubscribe', 's')).toBe(0);
    expect(s.getSubscribedTopics()).toEqual(['shared/#']);
    await r2.stop();
    expect(count(broker.records, 'in', 'unsubscribe', 's')).toBe(1);
    expect(s.getSubscribedTopics()).toEqual([]);
    await r2.stop(); // idempotent
    expect(m.listRoutes()).toEqual([]);
  });

  it('routes survive reconnects (clean session: resubscribed before session_ready)', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url, clientId: 's', connectProps: FAST });
    await m.waitForSession('s', 5000);
    const inbox = h.inbox();
    const listener = m.listenTo('s', 'alive/#', { qos: 1 });
    const route = m.handle('alive/#', inbox.handler, { qos: 1 });
    await Promise.all([route.ready, listener.ready]);
    const back = h.event(m, 'session_ready', 's');
    broker.clients.get('s')!.destroy();
    await back;
    broker.publish('alive/1', 'after', { qos: 1 });
    const [msg] = await inbox.next(1);
    expect(msg!.payloadString()).toBe('after');
    const it = await listener.next();
    expect(it.value!.payloadString()).toBe('after');
    expect(count(broker.records, 'in', 'subscribe', 's')).toBe(2);
  });
});

describe('listen', () => {
  it('iterates messages; breaking out stops the route and unsubscribes', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url, clientId: 's' });
    await m.waitForSession('s', 5000);
    const listener = m.listen('it/#');
    await listener.ready;
    for (let i = 0; i < 3; i++) broker.publish(`it/${i}`, String(i));
    const seen: string[] = [];
    for await (const msg of listener) {
      expect(msg).toBeInstanceOf(SessionMessage);
      seen.push(msg.payloadString());
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['0', '1', '2']);
    expect(listener.stopped).toBe(true);
    await until(() => count(broker.records, 'in', 'unsubscribe', 's') === 1);
  });

  it('stop() ends a pending next()', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const listener = m.listenTo('s', 'never');
    const pending = listener.next();
    await listener.stop();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await listener.next()).toEqual({ value: undefined, done: true });
  });

  it('drop-newest keeps the first messages, drop-oldest the last; drops are counted; the buffer stays within its bound', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url, clientId: 's' });
    await m.waitForSession('s', 5000);
    const newest = m.listen('d/#', { qos: 1, bufferSize: 2, overflow: 'drop-newest', name: 'newest' });
    const oldest = m.listen('d/#', { qos: 1, bufferSize: 2, overflow: 'drop-oldest', name: 'oldest' });
    await Promise.all([newest.ready, oldest.ready]);
    for (let i = 0; i < 5; i++) broker.publish('d/x', String(i), { qos: 1 });
    await until(() => newest.metrics.received === 5 && oldest.metrics.received === 5);
    expect(newest.highWater).toBe(2);
    expect(oldest.highWater).toBe(2);
    expect(newest.metrics.dropped).toBe(3);
    expect(oldest.metrics.dropped).toBe(3);
    const take = async (l: typeof newest): Promise<string[]> => [(await l.next()).value!.payloadString(), (await l.next()).value!.payloadString()];
    expect(await take(newest)).toEqual(['0', '1']);
    expect(await take(oldest)).toEqual(['3', '4']);
    // Nothing withheld: every message was acknowledged.
    await until(() => count(broker.records, 'in', 'puback', 's') === 5);
  });

  it('backpressure: QoS 1 acks are withheld while the buffer is full, nothing is lost, the buffer never exceeds its bound', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url, clientId: 's' });
    await m.waitForSession('s', 5000);
    const listener = m.listen('bp/#', { qos: 1, bufferSize: 3 });
    await listener.ready;
    for (let i = 0; i < 10; i++) broker.publish('bp/x', String(i), { qos: 1 });
    await until(() => listener.metrics.received === 10);
    await until(() => count(broker.records, 'in', 'puback', 's') === 3);
    await turns(20);
    expect(count(broker.records, 'in', 'puback', 's')).toBe(3);
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) seen.push((await listener.next()).value!.payloadString());
    expect(seen).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(listener.highWater).toBe(3);
    expect(listener.metrics.dropped).toBe(0);
    await until(() => count(broker.records, 'in', 'puback', 's') === 10);
  });

  it('backpressure drops QoS 0 messages that find the buffer full (no ack to withhold), and counts them', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const listener = m.listen('q0/#', { bufferSize: 2 });
    await listener.ready;
    for (let i = 0; i < 4; i++) broker.publish('q0/x', String(i));
    await until(() => listener.metrics.received === 4);
    expect(listener.metrics.dropped).toBe(2);
    expect(listener.buffered).toBe(2);
  });
});

describe('filters, transformers, messages', () => {
  it('topic wildcards, regular expressions and payload predicates filter; transformers rewrite or drop', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const inbox = h.inbox();
    const route = m.handle('f/#', inbox.handler, {
      filters: ['f/+/temp', /^f\/(a|b)\//, (msg) => msg.payloadString() !== 'skip'],
      transforms: [(msg) => (msg.payloadString() === 'drop' ? null : msg), (msg) => msg.with({ topic: msg.topic.toUpperCase(), payload: `<${msg.payloadString()}>` })],
    });
    await route.ready;
    const send = ['f/a/temp:1', 'f/c/temp:2', 'f/a/hum:3', 'f/b/temp:skip', 'f/b/temp:drop', 'f/b/temp:6'];
    for (const s of send) {
      const [topic, payload] = s.split(':') as [string, string];
      broker.publish(topic, payload);
    }
    await until(() => route.metrics.received === 6);
    expect(inbox.got.map((g) => `${g.topic}=${g.payloadString()}`)).toEqual(['F/A/TEMP=<1>', 'F/B/TEMP=<6>']);
    expect(route.metrics).toMatchObject({ received: 6, filtered: 4, delivered: 2, dropped: 0, errors: 0 });
    expect(inbox.got[0]!.session).toBe('s');
  });

  it('payloadString / payloadJSON; invalid JSON is ERR_INVALID_PAYLOAD', () => {
    const msg = new SessionMessage('s', 't', Buffer.from('{"a":[1,2]}'), 1, false, false, 7, undefined, 1, 1);
    expect(msg.payloadJSON()).toEqual({ a: [1, 2] });
    expect(msg.payloadString('base64')).toBe(Buffer.from('{"a":[1,2]}').toString('base64'));
    const bad = msg.with({ payload: 'not json' });
    expect(bad.packetId).toBe(7);
    let err: unknown;
    try {
      bad.payloadJSON();
    } catch (e) {
      err = e;
    }
    expect(codeOf(err)).toBe('ERR_INVALID_PAYLOAD');
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('failing filters, transformers and handlers are ERR_ROUTE errors, counted on the route', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const errors: Array<ManagerEvent<'error'>> = [];
    m.onEvent('error', (e) => {
      errors.push(e);
    });
    const r = m.handle('x', () => {
      throw new Error('handler');
    }, { filters: [(msg) => (msg.payloadString() === 'f' ? (() => { throw new Error('filter'); })() : true)] });
    await r.ready;
    broker.publish('x', 'f');
    broker.publish('x', 'h');
    await until(() => errors.length === 2);
    expect(errors.map((e) => codeOf(e.data.error))).toEqual(['ERR_ROUTE', 'ERR_ROUTE']);
    expect(errors.map((e) => ((e.data.error as Error).cause as Error).message)).toEqual(['filter', 'handler']);
    expect(errors[0]!.session).toBe('s');
    expect(r.metrics.errors).toBe(2);
  });

  it('route metrics are in the manager snapshot and the Prometheus text while the route lives', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const inbox = h.inbox();
    const r = m.handle('pm/#', inbox.handler, { name: 'pm' });
    await r.ready;
    broker.publish('pm/1', 'abc');
    await inbox.next(1);
    expect(m.getMetrics().routes).toEqual([expect.objectContaining({ name: 'pm', filter: 'pm/#', received: 1, delivered: 1, bytesReceived: 3 })]);
    expect(m.prometheusMetrics()).toContain('mqtt_route_delivered_total{route="pm",filter="pm/#"} 1');
    await r.stop();
    expect(m.getMetrics().routes).toEqual([]);
  });
});

describe('route validation and failures', () => {
  it('bad filters and options name the field; unknown sessions; duplicate names', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url, autoConnect: false });
    const field = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (err) {
        return [codeOf(err), (err as { context?: { field?: string } }).context?.field];
      }
      return 'no error';
    };
    expect(field(() => m.handle('a/#/b', () => {}))).toEqual(['ERR_CONFIGURATION', 'filter']);
    expect(field(() => m.handle('a', 'x' as never))).toEqual(['ERR_CONFIGURATION', 'handler']);
    expect(field(() => m.listen('a', { overflow: 'block' as never }))).toEqual(['ERR_CONFIGURATION', 'overflow']);
    expect(field(() => m.listen('a', { bufferSize: 0 }))).toEqual(['ERR_CONFIGURATION', 'bufferSize']);
    expect(field(() => m.listen('a', { filters: ['a/#/x'] }))).toEqual(['ERR_CONFIGURATION', 'filters[0]']);
    expect(field(() => m.listen('a', { transforms: [1 as never] }))).toEqual(['ERR_CONFIGURATION', 'transforms[0]']);
    expect(field(() => m.listen('a', { qos: 3 as never }))).toEqual(['ERR_CONFIGURATION', 'qos']);
    expect(field(() => m.listen('a', { bogus: 1 } as never))).toEqual(['ERR_CONFIGURATION', 'bogus']);
    expect(field(() => m.listenTo('nope', 'a'))).toEqual(['ERR_SESSION_NOT_FOUND', undefined]);
    const r = m.listen('a', { name: 'dup' });
    expect(field(() => m.listen('b', { name: 'dup' }))).toEqual(['ERR_CONFIGURATION', 'name']);
    await r.stop(); // the session is offline: the UNSUBSCRIBE is queued, stop() does not wait for it
    m.listen('b', { name: 'dup' }); // free again
  });

  it('a refused route subscription rejects route.ready and is reported', async () => {
    const broker = await h.broker({ authorizeSubscribe: (ctx) => ctx.topicFilter !== 'denied' });
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const reported = h.event(m, 'error');
    const r = m.handle('denied', () => {});
    expect(codeOf(await rejection(r.ready))).toBe('ERR_SUBSCRIPTION');
    expect(codeOf((await reported).data.error)).toBe('ERR_SUBSCRIPTION');
    expect(r.sessionNames()).toEqual([]);
    await r.stop();
  });

  it('close() stops every route and ends listeners', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 's', brokers: broker.url });
    await m.waitForSession('s', 5000);
    const l = m.listen('c/#');
    const pending = l.next();
    await m.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(l.stopped).toBe(true);
    expect(() => m.listen('x')).toThrow(expect.objectContaining({ code: 'ERR_MANAGER_CLOSED' }));
  });
});
