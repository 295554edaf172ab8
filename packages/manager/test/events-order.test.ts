/**
 * Lifecycle events of a session in the order the issue gives, against the testkit broker: add, a dropped
 * link and the reconnect, removal; `session_state_changed` with every state change and its status code;
 * failed first connects; a permanent refusal; disconnect() keeping the session listed.
 */
import { describe, expect, it } from 'vitest';
import { SESSION_STATUS_CODES, type ManagerEvent } from 'mqttx';
import { codeOf, harness, rejection } from './helpers/harness.js';

const h = harness();

/** Reconnect quickly in tests (full jitter below 20 ms). */
const FAST = { initialReconnectInterval: 5, maxReconnectInterval: 20 };

describe('event order', () => {
  it('connect / drop / reconnect / remove, with a state change for every transition', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const log = h.record(m);
    const ready = h.event(m, 'session_ready', 's1');
    m.addSession({ name: 's1', brokers: broker.url, clientId: 'c1', connectProps: FAST });
    await ready;
    expect(log.types('s1')).toEqual(['session_added', 'session_connecting', 'session_connected', 'session_ready']);
    expect(log.states('s1')).toEqual(['disconnected->connecting', 'connecting->connected']);

    log.clear();
    const again = h.event(m, 'session_ready', 's1');
    broker.clients.get('c1')!.destroy();
    await again;
    expect(log.types('s1')).toEqual([
      'session_disconnected',
      'session_reconnecting',
      'session_connecting',
      'session_connected',
      'session_ready',
    ]);
    expect(log.states('s1')).toEqual([
      'connected->disconnected',
      'disconnected->reconnecting',
      'reconnecting->connecting',
      'connecting->connected',
    ]);
    const reconnecting = log.events.find((e) => e.type === 'session_reconnecting') as ManagerEvent<'session_reconnecting'>;
    expect(reconnecting.data.attempt).toBe(1);
    expect(reconnecting.data.delayMs).toBeGreaterThanOrEqual(0);
    expect(reconnecting.data.delayMs).toBeLessThan(FAST.initialReconnectInterval);
    // The broker closed the socket without DISCONNECT: a clean close, so no error (but the field is there).
    const down = log.events.find((e) => e.type === 'session_disconnected') as ManagerEvent<'session_disconnected'>;
    expect('error' in down.data).toBe(true);

    log.clear();
    expect(await m.removeSession('s1')).toBe(true);
    expect(log.types('s1')).toEqual(['session_disconnected', 'session_removed']);
    expect(log.states('s1')).toEqual(['connected->disconnected', 'disconnected->closed']);
    expect(m.getSession('s1')).toBeUndefined();
  });

  it('every event has type, session, data and a timestamp from the manager clock', async () => {
    const broker = await h.broker();
    let t = 1_000;
    const m = h.manager({ now: () => ++t });
    const log = h.record(m);
    m.addSession({ name: 'a', brokers: broker.url });
    await m.waitForSession('a', 5000);
    for (const e of log.events) {
      expect(Object.keys(e).sort()).toEqual(['data', 'session', 'timestamp', 'type']);
      expect(e.session).toBe('a');
      expect(e.timestamp).toBeGreaterThan(1_000);
    }
    const stamps = log.events.map((e) => e.timestamp);
    expect(stamps).toEqual([...stamps].sort((x, y) => x - y));
  });

  it('status codes follow the states: 0 disconnected, 1 connecting, 2 connected, 3 reconnecting, 4 closed', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const seen: number[] = [];
    m.onEvent('session_state_changed', (e) => {
      seen.push(m.getSession('x')?.getStatus().code ?? SESSION_STATUS_CODES[e.data.new]);
      expect(SESSION_STATUS_CODES[e.data.new]).toBe(seen.at(-1));
    });
    const s = m.addSession({ name: 'x', brokers: broker.url, clientId: 'x', connectProps: FAST });
    expect(s.getStatus().code).toBe(0);
    await m.waitForSession('x', 5000);
    const back = h.event(m, 'session_ready', 'x');
    broker.clients.get('x')!.destroy();
    await back;
    await m.removeSession('x');
    expect(seen).toEqual([1, 2, 0, 3, 1, 2, 0, 4]);
    expect(s.getStatus().code).toBe(4);
  });

  it('a first connect that fails is retried in the background: connecting, reconnecting, connecting, ...', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const log = h.record(m);
    const refusal = broker.refuse({ times: 2 });
    const ready = h.event(m, 'session_ready', 'r');
    m.addSession({ name: 'r', brokers: broker.url, connectProps: FAST });
    await ready;
    refusal.remove();
    expect(log.types('r').filter((t) => t !== 'error')).toEqual([
      'session_added',
      'session_connecting',
      'session_reconnecting',
      'session_connecting',
      'session_reconnecting',
      'session_connecting',
      'session_connected',
      'session_ready',
    ]);
    expect(m.getSession('r')!.getMetrics().reconnects).toBe(2);
    expect(m.getSession('r')!.getMetrics().errors).toBeGreaterThanOrEqual(2);
  });

  it('a permanent refusal ends the attempts: error (authentication), session_disconnected, status disconnected', async () => {
    const broker = await h.broker({ authenticate: () => false });
    const m = h.manager();
    const log = h.record(m);
    const s = m.addSession({ name: 'p', brokers: broker.url, username: 'u', password: 'secret', connectProps: FAST });
    const err = await rejection(s.connect());
    expect(codeOf(err)).toBe('ERR_CONNACK_REFUSED');
    expect((err as { kind?: string }).kind).toBe('authentication');
    expect(log.types('p')).toEqual(['session_added', 'session_connecting', 'error', 'session_disconnected']);
    expect(s.status).toBe('disconnected');
    const error = log.events.find((e) => e.type === 'error') as ManagerEvent<'error'>;
    expect(codeOf(error.data.error)).toBe('ERR_CONNACK_REFUSED');
    expect(JSON.stringify(log.events)).not.toContain('secret');
  });

  it('removing a session that never connected emits only session_removed', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const log = h.record(m);
    m.addSession({ name: 'idle', brokers: broker.url, autoConnect: false });
    await m.removeSession('idle');
    expect(log.types('idle')).toEqual(['session_added', 'session_removed']);
    expect(log.states('idle')).toEqual(['disconnected->closed']);
  });

  it('removing a session while it is waiting to reconnect: session_disconnected, session_removed', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'w', brokers: broker.url, clientId: 'w', connectProps: { initialReconnectInterval: 60_000, maxReconnectInterval: 60_000 } });
    await m.waitForSession('w', 5000);
    const log = h.record(m);
    const reconnecting = h.event(m, 'session_reconnecting', 'w');
    broker.clients.get('w')!.destroy();
    await reconnecting;
    await m.removeSession('w');
    expect(log.types('w')).toEqual([
      'session_disconnected',
      'session_reconnecting',
      'session_disconnected',
      'session_removed',
    ]);
    expect(log.states('w')).toEqual(['connected->disconnected', 'disconnected->reconnecting', 'reconnecting->disconnected', 'disconnected->closed']);
  });

  it('disconnect() closes the session for good but keeps it listed until removed', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 'd', brokers: broker.url });
    await m.waitForSession('d', 5000);
    const log = h.record(m);
    await s.disconnect();
    expect(log.types('d')).toEqual(['session_disconnected']);
    expect(s.status).toBe('closed');
    expect(m.listSessions()).toEqual(['d']);
    expect(codeOf(await rejection(m.waitForSession('d', 1000)))).toBe('ERR_SESSION_CLOSED');
    await m.removeSession('d');
    expect(log.types('d')).toEqual(['session_disconnected', 'session_removed']);
  });

  it('a handler may remove itself and add others while an event is dispatched', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const calls: string[] = [];
    const off = m.onEvent('session_connecting', () => {
      calls.push('first');
      off();
      m.onEvent('session_connected', () => calls.push('added'));
    });
    m.addSession({ name: 'e', brokers: broker.url });
    await m.waitForSession('e', 5000);
    expect(calls).toEqual(['first', 'added']);
  });
});
