/**
 * The manager end to end, run unchanged against the testkit broker and a real Mosquitto (two brokers
 * each): three sessions on two brokers; a forwarder from two sources with wildcard mapping, filter,
 * transform and metadata seen by a plain 5.0 subscriber; routes sharing a subscription (the last stop
 * unsubscribes); a session added after a route; routes and forwarders after a reconnect; the loop guard; a
 * target that stops answering (backpressure: bounded buffer, nothing lost; drop policy: counted drops);
 * the lifecycle events of a connect / drop / reconnect / remove cycle; the Prometheus text parsed back and
 * checked value by value.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MqttClient, type Message } from '@mqttx/client';
import { ForwarderManager, HOPS_PROPERTY, forwarderBuilder, type SessionManager } from 'mqttx';
import { harness, turns, until } from '../../packages/manager/test/helpers/harness.js';
import { parseHistogramSamples, parsePrometheus } from '../../packages/manager/test/metrics-fixture.js';

/** A broker of the suite. */
export interface InteropBroker {
  readonly url: string;
  /** Cuts every client link (testkit: destroys them; Mosquitto: restarts). */
  dropAll(): Promise<void>;
  /** Stops answering (testkit: stops reading every link; Mosquitto: SIGSTOP) until the returned resume. */
  freeze(): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

/** Starts brokers for the suite. */
export interface InteropBackend {
  name: 'testkit' | 'mosquitto';
  start(): Promise<InteropBroker>;
}

/** Reconnect quickly. */
const FAST = { initialReconnectInterval: 10, maxReconnectInterval: 100 };

/** Defines the suite for one backend. */
export function managerInterop(backend: InteropBackend): void {
  const h = harness();
  let A: InteropBroker;
  let B: InteropBroker;
  let n = 0;
  /** Unique per test: Mosquitto keeps retained messages and sessions across tests. */
  const uid = (s: string): string => `${s}-${backend.name}-${n}`;

  beforeAll(async () => {
    [A, B] = await Promise.all([backend.start(), backend.start()]);
  });
  afterAll(async () => {
    await Promise.all([A?.stop(), B?.stop()]);
  });

  /** A plain client (not managed) on `broker`, collecting the messages of `filter`. */
  async function plain(broker: InteropBroker, filter: string | undefined, id: string): Promise<{ client: MqttClient; got: Message[] }> {
    const got: Message[] = [];
    const client = new MqttClient({ brokers: broker.url, clientId: id, reconnect: { initialDelay: 10, maxDelay: 100 } });
    client.on('message', (m) => got.push(m));
    h.defer(() => client.end());
    await client.connect();
    if (filter !== undefined) await client.subscribe(filter, { qos: 1 });
    return { client, got };
  }

  function manager(): SessionManager {
    n++;
    return h.manager();
  }

  it('three sessions on two brokers exchange messages', async () => {
    const m = manager();
    m.addSession({ name: 'a1', brokers: A.url, clientId: uid('a1') });
    m.addSession({ name: 'a2', brokers: A.url, clientId: uid('a2'), protocolVersion: 4 });
    m.addSession({ name: 'b1', brokers: B.url, clientId: uid('b1') });
    await m.waitForAllSessions(10_000);
    expect(Object.values(m.getAllSessionsStatus()).map((s) => s.status)).toEqual(['connected', 'connected', 'connected']);
    const onA = h.inbox();
    const onB = h.inbox();
    await m.subscribeTo('a2', `${uid('x')}/#`, 1, onA.handler);
    await m.subscribeTo('b1', `${uid('x')}/#`, 1, onB.handler);
    await m.publishToAll(`${uid('x')}/all`, 'hi', 1);
    // a1 and a2 publish on A (a2 receives both), b1 on B (b1 receives its own).
    await onA.next(2);
    await onB.next(1);
    expect(onA.got.map((g) => g.session)).toEqual(['a2', 'a2']);
    expect(onB.got[0]!.payloadString()).toBe('hi');
  });

  it('a forwarder from two sources: wildcard mapping, filter, transform, metadata as 5.0 user properties', async () => {
    const m = manager();
    m.addSession({ name: 'src-a', brokers: A.url, clientId: uid('src-a') });
    m.addSession({ name: 'src-b', brokers: B.url, clientId: uid('src-b'), protocolVersion: 4 });
    m.addSession({ name: 'dst', brokers: A.url, clientId: uid('dst') });
    await m.waitForAllSessions(10_000);
    const sub = await plain(A, `${uid('storage')}/#`, uid('sub'));
    const fm = new ForwarderManager(m);
    const f = await fm.addForwarder(
      forwarderBuilder('fw')
        .source('src-a', `${uid('sensors')}/+/temperature`)
        .source('src-b', `${uid('sensors')}/+/temperature`)
        .target('dst')
        .qos(1)
        .mapTopic(`${uid('sensors')}/+/temperature`, `${uid('storage')}/{1}/temp`)
        .filter(async (msg) => Number(msg.payloadString()) > -100)
        .transform((msg) => msg.with({ payload: JSON.stringify({ celsius: Number(msg.payloadString()), from: msg.session }) }))
        .metadata({ site: 'lyon', pipeline: 'interop' }),
    );
    const pubA = await plain(A, undefined, uid('pub-a'));
    const pubB = await plain(B, undefined, uid('pub-b'));
    await pubA.client.publish(`${uid('sensors')}/k1/temperature`, '21.5', { qos: 1 });
    await pubB.client.publish(`${uid('sensors')}/k2/temperature`, '-300', { qos: 1 });
    await pubB.client.publish(`${uid('sensors')}/k3/temperature`, '19', { qos: 1 });
    // `forwarded` counts on the target's PUBACK, which may reach the forwarder after the subscriber's copy.
    await until(() => sub.got.length === 2 && f.metrics.filtered === 1 && f.metrics.forwarded >= 2, 100_000);
    const got = sub.got.map((g) => [g.topic, JSON.parse(g.payload.toString()) as unknown, g.properties?.userProperties]);
    expect(got).toEqual([
      [`${uid('storage')}/k1/temp`, { celsius: 21.5, from: 'src-a' }, [['site', 'lyon'], ['pipeline', 'interop'], [HOPS_PROPERTY, '1']]],
      [`${uid('storage')}/k3/temp`, { celsius: 19, from: 'src-b' }, [['site', 'lyon'], ['pipeline', 'interop'], [HOPS_PROPERTY, '1']]],
    ]);
    expect(f.getMetrics()).toMatchObject({ received: 3, forwarded: 2, filtered: 1, dropped: 0, failed: 0 });
  });

  it('routes share one subscription; the last stop unsubscribes (nothing arrives afterwards)', async () => {
    const m = manager();
    const s = m.addSession({ name: 's', brokers: A.url, clientId: uid('s') });
    await m.waitForSession('s', 10_000);
    const one = h.inbox();
    const two = h.inbox();
    const marker = h.inbox();
    const r1 = m.handle(`${uid('shared')}/#`, one.handler, { qos: 1 });
    const r2 = m.handleTo('s', `${uid('shared')}/#`, two.handler, { qos: 1 });
    const control = m.handle(uid('marker'), marker.handler, { qos: 1 });
    await Promise.all([r1.ready, r2.ready, control.ready]);
    expect(s.getSubscribedTopics().sort()).toEqual([uid('marker'), `${uid('shared')}/#`].sort());
    const pub = await plain(A, undefined, uid('pub'));
    await pub.client.publish(`${uid('shared')}/1`, 'a', { qos: 1 });
    await Promise.all([one.next(1), two.next(1)]);
    await r1.stop();
    await pub.client.publish(`${uid('shared')}/2`, 'b', { qos: 1 });
    await two.next(2); // still subscribed for r2
    await r2.stop();
    expect(s.getSubscribedTopics()).toEqual([uid('marker')]);
    const before = s.getMetrics().messagesReceived;
    await pub.client.publish(`${uid('shared')}/3`, 'c', { qos: 1 });
    await pub.client.publish(uid('marker'), 'm', { qos: 1 });
    await marker.next(1); // same publisher, same session: the marker comes after anything on shared/3
    expect(s.getMetrics().messagesReceived).toBe(before + 1);
  });

  it('a session added after a route is covered by it', async () => {
    const m = manager();
    const inbox = h.inbox();
    const route = m.handle(`${uid('late')}/#`, inbox.handler, { qos: 1 });
    await route.ready;
    m.addSession({ name: 'late', brokers: B.url, clientId: uid('late') });
    await m.waitForSession('late', 10_000);
    const pub = await plain(B, undefined, uid('pub'));
    await pub.client.publish(`${uid('late')}/x`, 'v', { qos: 1 });
    const [msg] = await inbox.next(1);
    expect(msg!.session).toBe('late');
    expect(route.sessionNames()).toEqual(['late']);
  });

  it('routes and forwarders keep working after the links drop and the sessions reconnect', async () => {
    const m = manager();
    m.addSession({ name: 'src', brokers: A.url, clientId: uid('src'), connectProps: FAST });
    m.addSession({ name: 'dst', brokers: B.url, clientId: uid('dst'), connectProps: FAST });
    await m.waitForAllSessions(10_000);
    const routed = h.inbox();
    const route = m.handleTo('src', `${uid('r')}/#`, routed.handler, { qos: 1 });
    const fm = new ForwarderManager(m);
    const f = await fm.addForwarder({ name: 'f', sourceSessions: ['src'], sourceTopics: [`${uid('r')}/#`], targetSession: 'dst', qos: 1 });
    await route.ready;
    const sub = await plain(B, `${uid('r')}/#`, uid('sub'));
    const back = Promise.all([h.event(m, 'session_ready', 'src', undefined, 20_000), h.event(m, 'session_ready', 'dst', undefined, 20_000)]);
    await Promise.all([A.dropAll(), B.dropAll()]);
    await back;
    await until(() => sub.client.connected, 100_000);
    await sub.client.subscribe(`${uid('r')}/#`, { qos: 1 }); // the plain client's own session may be new
    const pub = await plain(A, undefined, uid('pub'));
    await pub.client.publish(`${uid('r')}/after`, 'v', { qos: 1 });
    await routed.next(1, 10_000);
    await until(() => sub.got.length >= 1, 100_000);
    expect(sub.got[0]!.topic).toBe(`${uid('r')}/after`);
    // Counted once B's PUBACK reaches the forwarder, which may come after B delivered to the subscriber.
    await until(() => f.metrics.forwarded >= 1, 100_000);
    expect(f.metrics.forwarded).toBe(1);
  });

  it('the loop guard stops A -> B -> A', async () => {
    const m = manager();
    m.addSession({ name: 'A', brokers: A.url, clientId: uid('A') });
    m.addSession({ name: 'B', brokers: B.url, clientId: uid('B') });
    await m.waitForAllSessions(10_000);
    const fm = new ForwarderManager(m);
    const ab = await fm.addForwarder({ name: 'ab', sourceSessions: ['A'], sourceTopics: [`${uid('loop')}/#`], targetSession: 'B', maxHops: 2 });
    const ba = await fm.addForwarder({ name: 'ba', sourceSessions: ['B'], sourceTopics: [`${uid('loop')}/#`], targetSession: 'A', maxHops: 2 });
    const pub = await plain(A, undefined, uid('pub'));
    await pub.client.publish(`${uid('loop')}/x`, 'ping', { qos: 1 });
    await until(() => ab.metrics.dropped === 1, 100_000);
    // Let anything still in flight arrive: the marker goes the same way and is dropped the same way.
    await pub.client.publish(`${uid('loop')}/y`, 'marker', { qos: 1 });
    await until(() => ab.metrics.dropped === 2, 100_000);
    await turns(20);
    expect(ab.getMetrics()).toMatchObject({ received: 4, forwarded: 2, dropped: 2 });
    expect(ba.getMetrics()).toMatchObject({ received: 2, forwarded: 2, dropped: 0 });
  });

  describe('a target that stops answering', () => {
    async function setup(dropPolicy: 'backpressure' | 'drop-newest') {
      const m = manager();
      m.addSession({ name: 'src', brokers: A.url, clientId: uid('src') });
      m.addSession({ name: 'dst', brokers: B.url, clientId: uid('dst') });
      await m.waitForAllSessions(10_000);
      const sub = await plain(B, `${uid('out')}/#`, uid('sub'));
      const pub = await plain(A, undefined, uid('pub'));
      const fm = new ForwarderManager(m);
      const f = await fm.addForwarder({
        name: 'down',
        sourceSessions: ['src'],
        sourceTopics: [`${uid('in')}/#`],
        targetSession: 'dst',
        qos: 1,
        bufferSize: 5,
        dropPolicy,
        topicMapping: { [`${uid('in')}/#`]: `${uid('out')}/{1}` },
      });
      let maxBuffered = 0;
      const setBuffered = f.metrics.setBuffered.bind(f.metrics);
      vi.spyOn(f.metrics, 'setBuffered').mockImplementation((v: number) => {
        maxBuffered = Math.max(maxBuffered, v);
        setBuffered(v);
      });
      const resume = await B.freeze();
      h.defer(resume); // never leave a broker frozen
      return { m, f, sub, pub, resume, maxBuffered: () => maxBuffered };
    }

    it('backpressure: the buffer stays within its bound and nothing is lost', async () => {
      const { f, sub, pub, resume, maxBuffered } = await setup('backpressure');
      for (let i = 0; i < 30; i++) await pub.client.publish(`${uid('in')}/${i}`, String(i), { qos: 1 });
      await until(() => f.buffered === 5 && f.waitingCount > 0, 100_000);
      await turns(50);
      expect(f.buffered).toBe(5);
      expect(f.metrics.forwarded).toBe(0);
      await resume();
      await until(() => sub.got.length === 30 && f.metrics.forwarded >= 30, 200_000); // forwarded: on PUBACK
      expect(sub.got.map((g) => g.payload.toString())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
      expect(maxBuffered()).toBe(5);
      expect(f.getMetrics()).toMatchObject({ received: 30, forwarded: 30, dropped: 0, failed: 0 });
    });

    it('drop-newest: arrivals beyond the bound are dropped and counted', async () => {
      const { f, sub, pub, resume, maxBuffered } = await setup('drop-newest');
      for (let i = 0; i < 30; i++) await pub.client.publish(`${uid('in')}/${i}`, String(i), { qos: 1 });
      await until(() => f.metrics.received === 30, 100_000);
      expect(f.metrics.dropped).toBe(25);
      await resume();
      await until(() => sub.got.length === 5 && f.metrics.forwarded >= 5, 200_000); // forwarded: on PUBACK
      expect(sub.got.map((g) => g.payload.toString())).toEqual(['0', '1', '2', '3', '4']);
      expect(maxBuffered()).toBe(5);
      expect(f.getMetrics()).toMatchObject({ received: 30, forwarded: 5, dropped: 25 });
    });
  });

  it('connect / drop / reconnect / remove: every event, in order', async () => {
    const m = manager();
    const log = h.record(m);
    m.addSession({ name: 'ev', brokers: B.url, clientId: uid('ev'), connectProps: FAST });
    await m.waitForSession('ev', 10_000);
    expect(log.types('ev')).toEqual(['session_added', 'session_connecting', 'session_connected', 'session_ready']);
    log.clear();
    const back = h.event(m, 'session_ready', 'ev', undefined, 20_000);
    await B.dropAll();
    await back;
    // A restarting Mosquitto may refuse an attempt or two: reconnecting / connecting repeat.
    const types = log.types('ev').filter((t) => t !== 'error');
    expect(types[0]).toBe('session_disconnected');
    expect(types.slice(-3)).toEqual(['session_connecting', 'session_connected', 'session_ready']);
    const middle = types.slice(1, -2);
    expect(middle.length % 2).toBe(0);
    for (let i = 0; i < middle.length; i += 2) expect(middle.slice(i, i + 2)).toEqual(['session_reconnecting', 'session_connecting']);
    expect(log.states('ev')[0]).toBe('connected->disconnected');
    expect(log.states('ev').at(-1)).toBe('connecting->connected');
    log.clear();
    await m.removeSession('ev');
    expect(log.types('ev')).toEqual(['session_disconnected', 'session_removed']);
    expect(log.states('ev')).toEqual(['connected->disconnected', 'disconnected->closed']);
  });

  it('the Prometheus text parses back to the snapshot, value by value', async () => {
    let now = 1_700_000_000_000;
    n++;
    const m = h.manager({ now: () => now });
    m.addSession({ name: 'p"1', brokers: A.url, clientId: uid('p1') });
    m.addSession({ name: 'p2', brokers: A.url, clientId: uid('p2'), connectProps: { persistentSession: true } });
    await m.waitForAllSessions(10_000);
    const inbox = h.inbox();
    const route = m.handleTo('p2', `${uid('prom')}/#`, inbox.handler, { qos: 1, name: 'prom-route' });
    await route.ready;
    const fm = new ForwarderManager(m);
    const f = await fm.addForwarder({ name: 'prom-fw', sourceSessions: ['p2'], sourceTopics: [`${uid('prom')}/#`], targetSession: 'p"1', topicMapping: { [`${uid('prom')}/#`]: `${uid('copy')}/{1}` } });
    now += 1500;
    await m.publishTo('p"1', `${uid('prom')}/1`, 'abcd', 1);
    await m.publishTo('p"1', `${uid('prom')}/2`, 'ef', 1);
    await inbox.next(2);
    await until(() => f.metrics.forwarded === 2);
    now += 500;
    const snap = m.getMetrics();
    const text = m.prometheusMetrics();
    const families = new Map(parsePrometheus(text).map((fam) => [fam.name, fam]));
    const value = (name: string, labels: Record<string, string> = {}): number => {
      const fam = families.get(name);
      expect(fam, name).toBeDefined();
      const sample = fam!.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
      expect(sample, `${name} ${JSON.stringify(labels)}`).toBeDefined();
      return Number(sample!.value);
    };
    const STATUS = { disconnected: 0, connecting: 1, connected: 2, reconnecting: 3, closed: 4 } as const;
    for (const s of snap.sessions) {
      const l = { session: s.name };
      const expected: Array<[string, number]> = [
        ['mqtt_session_messages_sent_total', s.messagesSent],
        ['mqtt_session_messages_received_total', s.messagesReceived],
        ['mqtt_session_bytes_sent_total', s.bytesSent],
        ['mqtt_session_bytes_received_total', s.bytesReceived],
        ['mqtt_session_errors_total', s.errors],
        ['mqtt_session_reconnects_total', s.reconnects],
        ['mqtt_session_connected', s.connected ? 1 : 0],
        ['mqtt_session_status', STATUS[s.status]],
        ['mqtt_session_subscriptions', s.subscriptions],
        ['mqtt_session_message_rate', s.messageRate],
        ['mqtt_session_avg_message_rate', s.avgMessageRate],
        ['mqtt_session_bytes_rate', s.bytesRate],
        ['mqtt_session_last_message_timestamp_seconds', s.lastMessageAt / 1000],
        ['mqtt_session_last_error_timestamp_seconds', s.lastErrorAt / 1000],
        ['mqtt_session_persistent', s.persistent ? 1 : 0],
        ['mqtt_session_clean_session', s.cleanSession ? 1 : 0],
        ['mqtt_session_auto_reconnect', s.autoReconnect ? 1 : 0],
      ];
      for (const [name, v] of expected) expect([name, value(name, l)]).toEqual([name, v]);
    }
    const p1 = snap.sessions.find((s) => s.name === 'p"1')!;
    expect(p1).toMatchObject({ messagesSent: 4, bytesSent: 12, status: 'connected', persistent: false });
    expect(snap.sessions.find((s) => s.name === 'p2')).toMatchObject({ messagesReceived: 2, bytesReceived: 6, persistent: true, cleanSession: false });
    const mg = snap.manager;
    for (const [name, v] of [
      ['mqtt_manager_sessions', mg.sessions],
      ['mqtt_manager_sessions_connected', mg.sessionsConnected],
      ['mqtt_manager_forwarders', mg.forwarders],
      ['mqtt_manager_routes', mg.routes],
      ['mqtt_manager_messages_sent_total', mg.messagesSent],
      ['mqtt_manager_messages_received_total', mg.messagesReceived],
      ['mqtt_manager_bytes_sent_total', mg.bytesSent],
      ['mqtt_manager_bytes_received_total', mg.bytesReceived],
      ['mqtt_manager_errors_total', mg.errors],
    ] as Array<[string, number]>) {
      expect([name, value(name)]).toEqual([name, v]);
    }
    expect(mg).toMatchObject({ sessions: 2, sessionsConnected: 2, forwarders: 1, routes: 1 });
    const fw = snap.forwarders[0]!;
    const fl = { forwarder: 'prom-fw' };
    for (const [name, v] of [
      ['mqtt_forwarder_received_total', fw.received],
      ['mqtt_forwarder_forwarded_total', fw.forwarded],
      ['mqtt_forwarder_filtered_total', fw.filtered],
      ['mqtt_forwarder_dropped_total', fw.dropped],
      ['mqtt_forwarder_failed_total', fw.failed],
      ['mqtt_forwarder_buffered', fw.buffered],
      ['mqtt_forwarder_running', fw.running ? 1 : 0],
      ['mqtt_forwarder_message_rate', fw.messageRate],
    ] as Array<[string, number]>) {
      expect([name, value(name, fl)]).toEqual([name, v]);
    }
    const hist = parseHistogramSamples(text, 'mqtt_forwarder_latency_seconds');
    expect(Number(hist.get('mqtt_forwarder_latency_seconds_count')!.metrics[0]!.value)).toBe(2);
    expect(Number(hist.get('mqtt_forwarder_latency_seconds_sum')!.metrics[0]!.value)).toBeCloseTo(fw.latency.sumMs / 1000, 9);
    const rt = snap.routes!.find((r) => r.name === 'prom-route')!;
    const rl = { route: 'prom-route', filter: `${uid('prom')}/#` };
    expect(value('mqtt_route_messages_total', rl)).toBe(rt.received);
    expect(value('mqtt_route_delivered_total', rl)).toBe(rt.delivered);
    expect(rt).toMatchObject({ received: 2, delivered: 2 });
  });
}
