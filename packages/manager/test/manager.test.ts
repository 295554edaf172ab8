/**
 * SessionManager against the testkit broker: background connects bounded by maxConcurrentConnects,
 * add / remove / get / list / status, connectAll, waitForSession and waitForAllSessions (timeouts on a fake
 * scheduler, closed and unknown sessions, no waiter left behind), publishTo / publishToAll / subscribeTo,
 * metrics and close().
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@mqttx/testkit';
import { ReadyWaiters } from '../src/session/waiters.js';
import { SessionManager, type TimerScheduler } from 'mqttx';
import { codeOf, harness, rejection, turns, until } from './helpers/harness.js';

const h = harness();

/** A scheduler on a manual clock (for wait timeouts; clients get real timers unless told otherwise). */
function manualScheduler(clock: ManualClock): TimerScheduler {
  return clock as unknown as TimerScheduler;
}

describe('sessions', () => {
  it('addSession returns at once and connects in the background; get, list and status', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const a = m.addSession({ name: 'a', brokers: broker.url, clientId: 'ca' });
    const b = m.addSession({ name: 'b', brokers: [broker.url], clientId: 'cb' });
    expect(a.status).toBe('disconnected');
    expect(m.getSession('a')).toBe(a);
    expect(m.getSession('zz')).toBeUndefined();
    expect(m.listSessions()).toEqual(['a', 'b']);
    await m.waitForAllSessions(5000);
    expect(a.isConnected() && b.isConnected()).toBe(true);
    const status = m.getAllSessionsStatus();
    expect(Object.keys(status)).toEqual(['a', 'b']);
    expect(status.a).toMatchObject({ name: 'a', status: 'connected', code: 2, connected: true, ready: true, clientId: 'ca' });
    expect(a.client.connected).toBe(true);
    expect(broker.clients.has('ca') && broker.clients.has('cb')).toBe(true);
  });

  it('names are unique; bad options name the field; a closed manager refuses new sessions', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'a', brokers: broker.url, autoConnect: false });
    expect(() => m.addSession({ name: 'a', brokers: broker.url })).toThrow(expect.objectContaining({ code: 'ERR_SESSION_EXISTS' }));
    expect(() => m.addSession({ name: 'b', brokers: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', context: { field: 'brokers' } }),
    );
    expect(() => m.addSession({ name: 'b', brokers: broker.url, connectProps: { keepAlive: -1 } })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', context: { field: 'connectProps.keepAlive' } }),
    );
    expect(m.listSessions()).toEqual(['a']);
    await m.close();
    expect(() => m.addSession({ name: 'c', brokers: broker.url })).toThrow(expect.objectContaining({ code: 'ERR_MANAGER_CLOSED' }));
    expect(m.listSessions()).toEqual([]);
  });

  it('removeSession disconnects and forgets; false for an unknown name; the name can be used again', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'a', brokers: broker.url, clientId: 'ra' });
    await m.waitForSession('a', 5000);
    const gone = broker.waitFor({ direction: 'in', type: 'disconnect' });
    expect(await m.removeSession('a')).toBe(true);
    await gone;
    expect(await m.removeSession('a')).toBe(false);
    expect(m.listSessions()).toEqual([]);
    m.addSession({ name: 'a', brokers: broker.url, clientId: 'ra' });
    await m.waitForSession('a', 5000);
  });

  it(`at most maxConcurrentConnects attempts are in flight (CONNACKs held by the broker)`, async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const release: Array<() => void> = [];
    const broker = await h.broker({
      hooks: {
        connack: () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          return new Promise<undefined>((resolve) =>
            release.push(() => {
              inFlight--;
              resolve(undefined);
            }),
          );
        },
      },
    });
    const m = h.manager({ maxConcurrentConnects: 2 });
    for (let i = 0; i < 6; i++) m.addSession({ name: `s${i}`, brokers: broker.url });
    const all = m.waitForAllSessions(10_000);
    let released = 0;
    while (released < 6) {
      // Two CONNECTs reach the broker, and no third one while both are held.
      await until(() => release.length === Math.min(2, 6 - released));
      await turns(20);
      expect(inFlight).toBe(Math.min(2, 6 - released));
      release.shift()!();
      released++;
    }
    await all;
    expect(maxInFlight).toBe(2);
    expect(m.limiter.active).toBe(0);
  });

  it('connectAll connects sessions added with autoConnect: false, and reports those that fail for good', async () => {
    const broker = await h.broker({ authenticate: (ctx) => ctx.clientId !== 'bad' });
    const m = h.manager();
    m.addSession({ name: 'x', brokers: broker.url, clientId: 'x', autoConnect: false });
    m.addSession({ name: 'y', brokers: broker.url, clientId: 'y', autoConnect: false });
    await turns(5);
    expect(broker.clients.size).toBe(0);
    await m.connectAll();
    expect(m.getSession('x')!.isConnected() && m.getSession('y')!.isConnected()).toBe(true);
    m.addSession({ name: 'z', brokers: broker.url, clientId: 'bad', autoConnect: false });
    const err = await rejection(m.connectAll());
    expect(codeOf(err)).toBe('ERR_CONNECTION');
    expect((err as { context?: { failed?: string[] } }).context?.failed).toEqual(['z']);
    expect(codeOf((err as Error).cause)).toBe('ERR_CONNACK_REFUSED');
  });
});

describe('waits', () => {
  it('waitForSession resolves at once for a ready session, even with timeout 0', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'a', brokers: broker.url });
    await m.waitForSession('a', 5000);
    await m.waitForSession('a', 0);
  });

  it('waitForSession: ERR_SESSION_NOT_FOUND, ERR_TIMEOUT on the clock, ERR_SESSION_CLOSED on removal; nothing left registered', async () => {
    const broker = await h.broker();
    const clock = new ManualClock();
    const m = h.manager({ scheduler: manualScheduler(clock) });
    expect(codeOf(await rejection(m.waitForSession('nope', 100)))).toBe('ERR_SESSION_NOT_FOUND');
    expect(codeOf(await rejection(m.waitForSession('nope', -1)))).toBe('ERR_SESSION_NOT_FOUND');
    const s = m.addSession({ name: 'a', brokers: broker.url, autoConnect: false });
    expect(codeOf(await rejection(m.waitForSession('a', -1)))).toBe('ERR_CONFIGURATION');
    const timedOut = m.waitForSession('a', 1000);
    clock.advance(999);
    await turns(2);
    clock.advance(1);
    const err = await rejection(timedOut);
    expect(codeOf(err)).toBe('ERR_TIMEOUT');
    expect((err as { timeout?: boolean }).timeout).toBe(true);
    expect((err as { session?: string }).session).toBe('a');
    expect(clock.pending ?? 0).toBe(0);
    const waiting = m.waitForSession('a', 60_000);
    const removed = m.removeSession('a');
    expect(codeOf(await rejection(waiting))).toBe('ERR_SESSION_CLOSED');
    await removed;
    expect(s.status).toBe('closed');
  });

  it('many waits on one session leave no waiter behind once it is ready', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 'a', brokers: broker.url });
    await Promise.all(Array.from({ length: 50 }, () => m.waitForSession('a', 5000)));
    // Once ready, the session drops its waiter bookkeeping altogether (ReadyWaiters itself: the next test).
    expect((s as unknown as { waiters: unknown }).waiters).toBeUndefined();
  });

  it('ReadyWaiters: ready resolves every wait and clears every timer; a timed-out wait leaves nothing', async () => {
    const clock = new ManualClock();
    const w = new ReadyWaiters(manualScheduler(clock));
    const waits = Array.from({ length: 50 }, () => w.wait(5000, 's'));
    expect(w.size).toBe(50);
    expect(clock.pending).toBe(50);
    w.resolveAll();
    await Promise.all(waits);
    expect(w.size).toBe(0);
    expect(clock.pending).toBe(0);
    const late = w.wait(100, 's');
    clock.advance(100);
    expect(codeOf(await rejection(late))).toBe('ERR_TIMEOUT');
    expect(w.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('waitForAllSessions: resolves when all are ready, ignores sessions removed meanwhile, times out naming the rest', async () => {
    const broker = await h.broker();
    const clock = new ManualClock();
    const m = h.manager({ scheduler: manualScheduler(clock) });
    await m.waitForAllSessions(0); // nothing to wait for
    m.addSession({ name: 'a', brokers: broker.url, clientId: 'a' });
    m.addSession({ name: 'b', brokers: broker.url, clientId: 'b', autoConnect: false });
    m.addSession({ name: 'c', brokers: broker.url, clientId: 'c', autoConnect: false });
    const all = m.waitForAllSessions(1000);
    await m.waitForSession('a', Infinity);
    await m.removeSession('c');
    clock.advance(1000);
    const err = await rejection(all);
    expect(codeOf(err)).toBe('ERR_TIMEOUT');
    expect((err as { context?: unknown }).context).toEqual({ pending: ['b'], pendingCount: 1, timeoutMs: 1000 });
    const again = m.waitForAllSessions(1000);
    await m.connectAll();
    await again;
    const b = m.getSession('b') as unknown as { waiters: unknown };
    expect(b.waiters).toBeUndefined();
    // A closed session (disconnect()) never becomes ready: it is not waited for.
    m.addSession({ name: 'd', brokers: broker.url, autoConnect: false });
    await m.getSession('d')!.disconnect();
    await m.waitForAllSessions(1000);
  });
});

describe('publish and subscribe helpers', () => {
  it('subscribeTo / publishTo carry the session name, topic, payload, qos, retain and properties', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'pub', brokers: broker.url });
    m.addSession({ name: 'sub', brokers: broker.url });
    await m.waitForAllSessions(5000);
    const inbox = h.inbox();
    const grant = await m.subscribeTo('sub', 'data/+', 1, inbox.handler);
    expect(grant).toMatchObject({ topicFilter: 'data/+', qos: 1 });
    await m.publishTo('pub', 'data/1', JSON.stringify({ v: 21.5 }), 1);
    await m.publishTo('pub', 'data/2', 'hello', { qos: 1, properties: { userProperties: [['k', 'v']] } });
    const [first, second] = await inbox.next(2);
    expect(first!.session).toBe('sub');
    expect(first).toMatchObject({ topic: 'data/1', qos: 1, retain: false, dup: false });
    expect(first!.packetId).toBeGreaterThan(0);
    expect(first!.payloadJSON()).toEqual({ v: 21.5 });
    expect(second!.payloadString()).toBe('hello');
    expect(second!.properties?.userProperties).toEqual([['k', 'v']]);
    expect(codeOf(await rejection(m.publishTo('nobody', 't', 'x')))).toBe('ERR_SESSION_NOT_FOUND');
    expect(codeOf(await rejection(m.subscribeTo('nobody', 't', 0, () => {})))).toBe('ERR_SESSION_NOT_FOUND');
  });

  it('publishToAll publishes on every session; failures are collected into ERR_PUBLISH', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'a', brokers: broker.url, clientId: 'a' });
    m.addSession({ name: 'b', brokers: broker.url, clientId: 'b' });
    await m.waitForAllSessions(5000);
    const seen = broker.waitFor({ direction: 'in', type: 'publish', clientId: 'b' });
    await m.publishToAll('all/x', 'v', 1);
    await seen;
    const publishes = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish');
    expect(publishes.map((r) => (r.packet as { topic: string }).topic)).toEqual(['all/x', 'all/x']);
    const err = await rejection(m.publishToAll('bad/#', 'v', 1));
    expect(codeOf(err)).toBe('ERR_PUBLISH');
    expect((err as { context?: { failed?: string[] } }).context?.failed).toEqual(['a', 'b']);
    expect(codeOf((err as Error).cause)).toBe('ERR_INVALID_TOPIC');
  });

  it('manager metrics aggregate the sessions and the Prometheus text has every session family', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'a', brokers: broker.url });
    m.addSession({ name: 'b', brokers: broker.url });
    await m.waitForAllSessions(5000);
    const inbox = h.inbox();
    await m.subscribeTo('b', 'm/#', 1, inbox.handler);
    await m.publishTo('a', 'm/1', 'abc', 1);
    await inbox.next(1);
    const snap = m.getMetrics();
    expect(snap.manager).toMatchObject({ sessions: 2, sessionsConnected: 2, messagesSent: 1, messagesReceived: 1, bytesSent: 3, bytesReceived: 3, subscriptions: 1 });
    const text = m.prometheusMetrics();
    expect(text).toContain('mqtt_session_messages_sent_total{session="a"} 1');
    expect(text).toContain('mqtt_session_messages_received_total{session="b"} 1');
    expect(text).toContain('mqtt_session_status{session="a"} 2');
    expect(text).toContain('mqtt_manager_sessions 2');
  });
});

describe('close', () => {
  it('close() removes every session, settles waits and is idempotent', async () => {
    const broker = await h.broker();
    const m = new SessionManager({ logger: { warn() {} } });
    m.addSession({ name: 'a', brokers: broker.url });
    m.addSession({ name: 'b', brokers: broker.url, autoConnect: false });
    await m.waitForSession('a', 5000);
    const waiting = rejection(m.waitForSession('b', 60_000));
    const removed: string[] = [];
    m.onEvent('session_removed', (e) => {
      removed.push(e.session!);
    });
    const closing = m.close();
    expect(m.close()).toBe(closing);
    await closing;
    expect(codeOf(await waiting)).toBe('ERR_SESSION_CLOSED');
    expect(removed.sort()).toEqual(['a', 'b']);
    expect(m.closed).toBe(true);
    await until(() => broker.clients.size === 0);
  });

  it('manager options are checked by name', () => {
    expect(() => new SessionManager({ maxConcurrentConnects: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', context: { field: 'maxConcurrentConnects' } }),
    );
    expect(() => new SessionManager({ messageChanSize: 1.5 })).toThrow(
      expect.objectContaining({ context: { field: 'messageChanSize' } }),
    );
    expect(() => new SessionManager({ scheduler: {} as TimerScheduler })).toThrow(expect.objectContaining({ context: { field: 'scheduler' } }));
    expect(() => new SessionManager({ bogus: 1 } as never)).toThrow(expect.objectContaining({ context: { field: 'bogus' } }));
    expect(() => new SessionManager({ metricsPrefix: '9bad' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
  });
});
