/** Packet records, waitFor, introspection, lifecycle and option validation. */
import { describe, expect, it } from 'vitest';
import { ManualClock, startBroker, TestkitError, type PacketRecord } from '@mqttx/testkit';
import { harness } from './helpers/harness.js';
import { RawClient } from './helpers/raw-client.js';

const h = harness();

describe('records', () => {
  it('log every packet with sequence, clock time, direction, link and client id', async () => {
    const clock = new ManualClock(1000);
    await h.start({ clock });
    const seen: PacketRecord[] = [];
    h.broker.on('packet', (r) => seen.push(r));
    const c = await h.client({ clientId: 'c' });
    clock.advance(5);
    await c.subscribe('t', 1);
    const r = h.broker.records;
    expect(r.map((x) => `${x.direction}:${x.packet?.type}`)).toEqual(['in:connect', 'out:connack', 'in:subscribe', 'out:suback']);
    expect(r.map((x) => x.seq)).toEqual([0, 1, 2, 3]);
    expect(r.map((x) => x.t)).toEqual([1000, 1000, 1005, 1005]);
    expect(r[0]!.clientId).toBeUndefined(); // recorded on arrival, before the CONNECT was accepted
    expect(r.slice(1).every((x) => x.clientId === 'c' && x.connId === r[0]!.connId && x.raw === null)).toBe(true);
    expect(seen).toEqual([...r]);
  });

  it('waitFor: a record already logged, a future one, since, matcher objects', async () => {
    await h.start();
    const c = await h.client({ clientId: 'c' });
    const past = await h.broker.waitFor({ direction: 'out', type: 'connack' });
    expect(past.seq).toBe(1);
    const mark = h.broker.records.length;
    const future = h.broker.waitFor({ type: ['puback', 'pubrec'] }, { since: mark });
    const onlyAfter = h.broker.waitFor({ direction: 'in', type: 'publish', where: (p) => p.type === 'publish' && p.topic === 'b' }, { since: mark });
    await c.publish('a', 'x', { qos: 1 });
    await c.publish('b', 'y', { qos: 2 });
    expect((await future).packet?.type).toBe('puback');
    expect((await onlyAfter).seq).toBeGreaterThan(mark);
  });

  it('waitFor rejects with ERR_WAIT_TIMEOUT, and with ERR_BROKER_CLOSED when the broker closes', async () => {
    await h.start();
    await expect(h.broker.waitFor({ type: 'auth' }, { timeout: 20 })).rejects.toMatchObject({ code: 'ERR_WAIT_TIMEOUT', timeout: true });
    const pending = h.broker.waitFor({ type: 'auth' });
    await h.broker.close();
    await expect(pending).rejects.toBeInstanceOf(TestkitError);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_BROKER_CLOSED' });
    await expect(h.broker.waitFor({ type: 'auth' })).rejects.toMatchObject({ code: 'ERR_BROKER_CLOSED' });
  });

  it('clearRecords keeps sequence numbers increasing; records: false stores nothing but waitFor still works', async () => {
    await h.start();
    await h.client({ clientId: 'c' });
    h.broker.clearRecords();
    expect(h.broker.records).toEqual([]);
    const c2 = await h.client({ clientId: 'c2' });
    expect(h.broker.records[0]!.seq).toBe(2);
    await c2.destroy();
    await h.broker.close();
    await h.start({ records: false });
    const wait = h.broker.waitFor({ direction: 'out', type: 'connack' });
    await h.client({ clientId: 'x' });
    expect((await wait).seq).toBe(1);
    expect(h.broker.records).toEqual([]);
  });
});

describe('introspection and broker-side actions', () => {
  it('clients, connections, sessions, retained messages', async () => {
    await h.start();
    const raw = await h.raw(); // linked, no CONNECT yet
    await new Promise<void>((resolve) => (h.broker.connections.size > 0 ? resolve() : h.broker.once('connection', () => resolve())));
    const c = await h.client({ clientId: 'c', clean: false, properties: { sessionExpiryInterval: 30 } });
    await c.subscribe([{ topicFilter: 't/#', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2 }], 1, { subscriptionIdentifier: 4 });
    expect(h.broker.connections.size).toBe(2);
    expect([...h.broker.clients.keys()]).toEqual(['c']);
    expect(h.broker.clients.get('c')).toMatchObject({ transport: 'tcp', protocolVersion: 5, connected: true, remoteAddress: '127.0.0.1' });
    expect(h.broker.sessions.get('c')).toEqual({
      clientId: 'c',
      connected: true,
      protocolVersion: 5,
      expiryInterval: 30,
      subscriptions: [
        { filter: 't/#', qos: 1, noLocal: true, retainAsPublished: true, retainHandling: 2, subscriptionIdentifier: 4, shareName: null },
      ],
      inflight: 0,
      queued: 0,
      inboundQos2: [],
      pendingWill: false,
      dropped: 0,
    });
    expect(h.broker.publish('t/x', 'r', { retain: true, qos: 1 })).toBe(1);
    expect(h.broker.retainedMessages()).toMatchObject([{ topic: 't/x', qos: 1 }]);
    h.broker.clearRetained();
    expect(h.broker.retainedMessages()).toEqual([]);
    expect(() => h.broker.publish('bad/#', 'x')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
    await raw.destroy();
  });

  it('events: connection, clientConnected, clientDisconnected', async () => {
    await h.start();
    const events: string[] = [];
    h.broker.on('connection', (c) => events.push(`connection:${c.id}`));
    h.broker.on('clientConnected', (c) => events.push(`connected:${c.clientId}`));
    h.broker.on('clientDisconnected', (c) => events.push(`disconnected:${c.clientId}`));
    const c = await h.client({ clientId: 'e' });
    const link = h.broker.clients.get('e')!;
    await c.disconnect();
    await link.whenClosed;
    expect(events).toEqual([`connection:${link.id}`, 'connected:e', 'disconnected:e']);
  });
});

describe('lifecycle and options', () => {
  it('url, ports, listen: false with an in-memory duplex; close is idempotent', async () => {
    const b = await startBroker({ listen: false });
    expect(() => b.port).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
    const c = new RawClient(b.connectDuplex());
    expect((await c.connect({ clientId: 'd' })).reasonCode).toBe(0);
    expect(b.clients.get('d')?.transport).toBe('duplex');
    const closing = b.close();
    expect(b.close()).toBe(closing);
    await closing;
    await c.waitClosed();
    expect(c.all('disconnect')[0]?.reasonCode).toBe(0x8b); // server shutting down
    const t = await h.start();
    expect(t.url).toBe(`mqtt://127.0.0.1:${t.port}`);
    expect(t.tlsUrl).toBeUndefined();
  });

  it('invalid options and a taken port are typed errors', async () => {
    await expect(startBroker({ receiveMaximum: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    await expect(startBroker({ maximumQoS: 3 as never })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    const b = await h.start();
    await expect(startBroker({ port: b.port })).rejects.toMatchObject({ code: 'ERR_LISTEN' });
    expect(() => b.fault({ count: 0, action: { type: 'withhold' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
  });
});

describe('ManualClock', () => {
  it('fires due timers in deadline order, including timers scheduled while advancing', () => {
    const clock = new ManualClock(10);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    const cancelled = clock.setTimeout(() => fired.push('never'), 5);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 3);
    }, 10);
    clock.clearTimeout(cancelled);
    clock.advance(15);
    expect(fired).toEqual(['a@20', 'c@23']);
    expect(clock.now()).toBe(25);
    clock.advance(5);
    expect(fired).toEqual(['a@20', 'c@23', 'b@30']);
    expect(clock.pending).toBe(0);
  });
});
