/**
 * Forwarders against testkit brokers: two sources with wildcard mapping, filter, transform and metadata
 * (5.0 user properties seen by a plain subscriber), async steps in order, retain kept or cleared, the
 * 3.1.1 envelope, the loop guard across two brokers, a target that is down (backpressure: bounded buffer,
 * withheld acks, nothing lost; drop policies: counted drops), start / stop / restart, reconnects,
 * failures, the ForwarderManager and the builder.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Broker, PacketRecord } from '@mqttx/testkit';
import { MqttClient, type Message } from '@mqttx/client';
import {
  Forwarder,
  ForwarderManager,
  HOPS_PROPERTY,
  TopicMapper,
  forwarderBuilder,
  parseEnvelope,
  type SessionManager,
} from 'mqttx';
import { codeOf, harness, rejection, turns, until } from './helpers/harness.js';

const h = harness();
const FAST = { initialReconnectInterval: 5, maxReconnectInterval: 20 };

function count(records: readonly PacketRecord[], direction: 'in' | 'out', type: string, clientId?: string): number {
  return records.filter((r) => r.direction === direction && r.packet?.type === type && (clientId === undefined || r.clientId === clientId)).length;
}

/** A plain client (not a manager session) subscribed to `filter`, collecting messages. */
async function plainSubscriber(broker: Broker, filter: string, protocolVersion: 4 | 5 = 5) {
  const got: Message[] = [];
  const c = new MqttClient({ brokers: broker.url, clientId: `plain-${filter.replace(/\W/g, '')}`, protocolVersion });
  c.on('message', (m) => got.push(m));
  h.defer(() => c.end());
  await c.connect();
  await c.subscribe(filter, { qos: 1 });
  return { got, client: c };
}

describe('forwarding', () => {
  it('two sources, wildcard mapping, filter, transform and metadata, end to end (5.0 user properties)', async () => {
    const edge = await h.broker();
    const cloud = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'e1', brokers: edge.url, clientId: 'e1' });
    m.addSession({ name: 'e2', brokers: edge.url, clientId: 'e2' });
    m.addSession({ name: 'cloud', brokers: cloud.url, clientId: 'cloud' });
    await m.waitForAllSessions(5000);
    const sub = await plainSubscriber(cloud, 'storage/#');
    const fm = new ForwarderManager(m);
    const f = await fm.addForwarder({
      name: 'f',
      sourceSessions: ['e1', 'e2'],
      sourceTopics: ['sensors/+/temperature', 'sensors/+/humidity'],
      targetSession: 'cloud',
      qos: 1,
      topicMapping: { 'sensors/+/temperature': 'storage/{1}/temp', 'sensors/+/humidity': 'storage/{1}/hum/{session}' },
      filter: (msg) => msg.payloadString() !== 'bad',
      transform: (msg) => (msg.payloadString() === 'null' ? null : msg.with({ payload: `${msg.payloadString()}C` })),
      metadata: { site: 'lyon', env: 'test' },
    });
    edge.publish('sensors/k1/temperature', '21', { qos: 1 });
    edge.publish('sensors/k2/humidity', '40', { qos: 1 });
    edge.publish('sensors/k3/temperature', 'bad', { qos: 1 });
    edge.publish('sensors/k4/temperature', 'null', { qos: 1 });
    edge.publish('other/k5', 'x', { qos: 1 });
    // Each message reaches both sources (both subscribed): 2 x 2 forwarded, 2 x 2 filtered.
    await until(() => sub.got.length === 4);
    await until(() => f.metrics.received === 8);
    const seen = sub.got.map((g) => `${g.topic}=${g.payload.toString()}`).sort();
    expect(seen).toEqual(['storage/k1/temp=21C', 'storage/k1/temp=21C', 'storage/k2/hum/e1=40C', 'storage/k2/hum/e2=40C']);
    for (const g of sub.got) {
      expect(g.qos).toBe(1);
      expect(g.properties?.userProperties).toEqual([
        ['site', 'lyon'],
        ['env', 'test'],
        [HOPS_PROPERTY, '1'],
      ]);
    }
    const snap = f.getMetrics();
    expect(snap).toMatchObject({ name: 'f', running: true, received: 8, forwarded: 4, filtered: 4, dropped: 0, failed: 0, buffered: 0 });
    expect(snap.latency.count).toBe(4);
    expect(snap.latency.maxMs).toBeGreaterThan(0);
    expect(m.prometheusMetrics()).toContain('mqtt_forwarder_forwarded_total{forwarder="f"} 4');
    // The sources share one SUBSCRIBE per filter.
    expect(count(edge.records, 'in', 'subscribe', 'e1')).toBe(2);
  });

  it('async filter and transform keep the order of messages', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'src', brokers: broker.url, clientId: 'src' });
    m.addSession({ name: 'dst', brokers: broker.url, clientId: 'dst' });
    await m.waitForAllSessions(5000);
    const sub = await plainSubscriber(broker, 'out/#');
    const f = new Forwarder(
      {
        name: 'async',
        sourceSessions: ['src'],
        sourceTopics: ['in/#'],
        targetSession: 'dst',
        topicMapping: { 'in/#': 'out/{1}' },
        filter: async (msg) => {
          await turns(Number(msg.payloadString()) % 3);
          return msg.payloadString() !== '5';
        },
        transform: async (msg) => {
          await turns(1);
          return msg.with({ qos: 1 });
        },
      },
      m,
    );
    await f.start();
    for (let i = 0; i < 10; i++) broker.publish(`in/${i}`, String(i), { qos: 1 });
    await until(() => sub.got.length === 9 && f.metrics.forwarded >= 9); // forwarded counts on the target's PUBACK
    expect(sub.got.map((g) => g.payload.toString())).toEqual(['0', '1', '2', '3', '4', '6', '7', '8', '9']);
    expect(f.getMetrics()).toMatchObject({ received: 10, forwarded: 9, filtered: 1 });
    await f.close();
  });

  it('retain is kept by default and cleared with retain: clear', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'src', brokers: broker.url });
    m.addSession({ name: 'dst', brokers: broker.url });
    await m.waitForAllSessions(5000);
    const fm = new ForwarderManager(m);
    await fm.addForwarder(forwarderBuilder('keep').source('src', 'r/keep').target('dst').mapTopic('r/keep', 'kept'));
    await fm.addForwarder(forwarderBuilder('clear').source('src', 'r/clear').target('dst').mapTopic('r/clear', 'cleared').retain('clear'));
    // Retained messages already on the broker are sent with RETAIN 1 on subscribe.
    broker.publish('r/keep', 'k', { retain: true });
    broker.publish('r/clear', 'c', { retain: true });
    await fm.stopAll();
    await fm.startAll();
    await until(() => broker.retainedMessages().some((r) => r.topic === 'kept'));
    await until(() => fm.get('clear')!.metrics.forwarded >= 1);
    expect(broker.retainedMessages().map((r) => r.topic).sort()).toEqual(['kept', 'r/clear', 'r/keep']);
  });

  it('3.1.1 targets: metadata and hops in a JSON envelope when asked, the bare payload otherwise', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'src', brokers: broker.url });
    m.addSession({ name: 'old', brokers: broker.url, protocolVersion: 4 });
    await m.waitForAllSessions(5000);
    const sub = await plainSubscriber(broker, 'v4/#', 4);
    const fm = new ForwarderManager(m);
    await fm.addForwarder({ name: 'env', sourceSessions: ['src'], sourceTopics: ['a'], targetSession: 'old', topicMapping: { a: 'v4/env' }, metadata: { k: 'v' }, envelope: true });
    await fm.addForwarder({ name: 'bare', sourceSessions: ['src'], sourceTopics: ['a'], targetSession: 'old', topicMapping: { a: 'v4/bare' } });
    broker.publish('a', 'hello');
    broker.publish('a', Buffer.from([0xff, 0x00]));
    await until(() => sub.got.length === 4);
    const env = sub.got.filter((g) => g.topic === 'v4/env').map((g) => parseEnvelope(g.payload));
    expect(env[0]).toEqual({ mqttx: 1, hops: 1, session: 'src', topic: 'a', metadata: { k: 'v' }, encoding: 'utf8', payload: 'hello' });
    expect(env[1]).toMatchObject({ encoding: 'base64', payload: Buffer.from([0xff, 0x00]).toString('base64') });
    expect(sub.got.filter((g) => g.topic === 'v4/bare').map((g) => g.payload.toString('hex'))).toEqual([Buffer.from('hello').toString('hex'), 'ff00']);
  });

  it('the loop guard stops A -> B -> A (hop counter), counting the drop', async () => {
    const a = await h.broker();
    const b = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'A', brokers: a.url });
    m.addSession({ name: 'B', brokers: b.url });
    await m.waitForAllSessions(5000);
    const fm = new ForwarderManager(m);
    const ab = await fm.addForwarder({ name: 'ab', sourceSessions: ['A'], sourceTopics: ['loop/#'], targetSession: 'B', maxHops: 2 });
    const ba = await fm.addForwarder({ name: 'ba', sourceSessions: ['B'], sourceTopics: ['loop/#'], targetSession: 'A', maxHops: 2 });
    a.publish('loop/x', 'ping', { qos: 1 });
    await until(() => ab.metrics.dropped === 1);
    await turns(50);
    expect(ab.getMetrics()).toMatchObject({ received: 2, forwarded: 1, dropped: 1 });
    expect(ba.getMetrics()).toMatchObject({ received: 1, forwarded: 1, dropped: 0 });
  });

  it('a message matching two source filters is forwarded once', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'src', brokers: broker.url });
    m.addSession({ name: 'dst', brokers: broker.url });
    await m.waitForAllSessions(5000);
    const sub = await plainSubscriber(broker, 'o/#');
    const f = new Forwarder({ name: 'dup', sourceSessions: ['src'], sourceTopics: ['i/#', 'i/+'], targetSession: 'dst', topicMapping: { 'i/#': 'o/{1}' } }, m);
    await f.start();
    broker.publish('i/x', 'v');
    await until(() => sub.got.length >= 1);
    await turns(20);
    expect(sub.got.length).toBe(1);
    await f.close();
  });
});

describe('a target that is down', () => {
  async function setup(dropPolicy: 'backpressure' | 'drop-newest' | 'drop-oldest') {
    const src = await h.broker();
    const dst = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'src', brokers: src.url, clientId: 'src' });
    m.addSession({ name: 'dst', brokers: dst.url, clientId: 'dst', connectProps: FAST });
    await m.waitForAllSessions(5000);
    const sub = await plainSubscriber(dst, 'out/#');
    const f = new Forwarder({ name: 'down', sourceSessions: ['src'], sourceTopics: ['in/#'], targetSession: 'dst', qos: 1, bufferSize: 5, dropPolicy, topicMapping: { 'in/#': 'out/{1}' } }, m);
    let maxBuffered = 0;
    const setBuffered = f.metrics.setBuffered.bind(f.metrics);
    vi.spyOn(f.metrics, 'setBuffered').mockImplementation((n: number) => {
      maxBuffered = Math.max(maxBuffered, n);
      setBuffered(n);
    });
    await f.start();
    // The target goes down and stays down until the refusal is removed.
    const refusal = dst.refuse({ times: Infinity });
    const down = h.event(m, 'session_reconnecting', 'dst');
    dst.clients.get('dst')!.destroy();
    await down;
    return { src, dst, m, f, sub, refusal, maxBuffered: () => maxBuffered };
  }

  it('backpressure: the buffer never exceeds its bound, source acks wait, nothing is lost', async () => {
    const { src, m, f, sub, refusal, maxBuffered } = await setup('backpressure');
    for (let i = 0; i < 30; i++) src.publish(`in/${i}`, String(i), { qos: 1 });
    await until(() => f.metrics.received === 30 && f.waitingCount === 25);
    await turns(20);
    expect(f.buffered).toBe(5);
    expect(count(src.records, 'in', 'puback', 'src')).toBe(0); // every source ack withheld
    refusal.remove();
    await m.waitForSession('dst', 5000);
    await until(() => sub.got.length === 30 && f.metrics.forwarded >= 30); // forwarded counts on the target's PUBACK
    expect(sub.got.map((g) => g.payload.toString())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect(maxBuffered()).toBe(5);
    await until(() => count(src.records, 'in', 'puback', 'src') === 30);
    expect(f.getMetrics()).toMatchObject({ received: 30, forwarded: 30, dropped: 0, failed: 0, buffered: 0 });
  });

  it('drop-newest: a full buffer drops and counts the arrivals; the buffered ones go once the target is back', async () => {
    const { src, m, f, sub, refusal, maxBuffered } = await setup('drop-newest');
    for (let i = 0; i < 30; i++) src.publish(`in/${i}`, String(i), { qos: 1 });
    await until(() => f.metrics.received === 30);
    expect(f.metrics.dropped).toBe(25);
    await until(() => count(src.records, 'in', 'puback', 'src') === 30); // sources acknowledged at once
    refusal.remove();
    await m.waitForSession('dst', 5000);
    await until(() => sub.got.length === 5 && f.metrics.forwarded >= 5); // forwarded counts on the target's PUBACK
    expect(sub.got.map((g) => g.payload.toString())).toEqual(['0', '1', '2', '3', '4']);
    expect(maxBuffered()).toBe(5);
    expect(f.getMetrics()).toMatchObject({ received: 30, forwarded: 5, dropped: 25 });
  });

  it('drop-oldest: with every buffered message already handed to the target, the arrivals are dropped', async () => {
    const { src, m, f, sub, refusal } = await setup('drop-oldest');
    for (let i = 0; i < 8; i++) src.publish(`in/${i}`, String(i), { qos: 1 });
    await until(() => f.metrics.received === 8);
    expect(f.metrics.dropped).toBe(3);
    refusal.remove();
    await m.waitForSession('dst', 5000);
    await until(() => sub.got.length === 5 && f.metrics.forwarded >= 5); // forwarded counts on the target's PUBACK
    expect(f.getMetrics()).toMatchObject({ forwarded: 5, dropped: 3 });
  });
});

describe('lifecycle', () => {
  it('start / stop / restart; forwarding survives a reconnect of the source', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'src', brokers: broker.url, clientId: 'src', connectProps: FAST });
    m.addSession({ name: 'dst', brokers: broker.url, clientId: 'dst' });
    await m.waitForAllSessions(5000);
    const sub = await plainSubscriber(broker, 'o/#');
    const f = new Forwarder({ name: 'life', sourceSessions: ['src'], sourceTopics: ['i/#'], targetSession: 'dst', topicMapping: { 'i/#': 'o/{1}' } }, m);
    expect(f.isRunning).toBe(false);
    await f.start();
    await f.start(); // no second SUBSCRIBE
    expect(count(broker.records, 'in', 'subscribe', 'src')).toBe(1);
    broker.publish('i/1', 'a');
    await until(() => sub.got.length === 1);
    await f.stop();
    expect(f.getMetrics().running).toBe(false);
    expect(count(broker.records, 'in', 'unsubscribe', 'src')).toBe(1);
    broker.publish('i/2', 'b');
    await f.restart();
    broker.publish('i/3', 'c');
    await until(() => sub.got.length === 2);
    const back = h.event(m, 'session_ready', 'src');
    broker.clients.get('src')!.destroy();
    await back;
    broker.publish('i/4', 'd');
    await until(() => sub.got.length === 3);
    expect(sub.got.map((g) => g.payload.toString())).toEqual(['a', 'c', 'd']);
    await f.close();
    await f.close();
    expect(codeOf(await rejection(f.start()))).toBe('ERR_FORWARDER_CLOSED');
    expect(m.getMetrics().forwarders).toEqual([]);
  });

  it('a failing target publish is counted as failed and reported as ERR_FORWARDER', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({ name: 'src', brokers: broker.url });
    m.addSession({ name: 'dst', brokers: broker.url });
    await m.waitForAllSessions(5000);
    const errors: unknown[] = [];
    m.onEvent('error', (e) => {
      errors.push(e.data.error);
    });
    const f = new Forwarder({ name: 'fail', sourceSessions: ['src'], sourceTopics: ['x/#'], targetSession: 'dst', topicMapping: { 'x/+': '{1}/y' }, qos: 1 }, m);
    await f.start();
    broker.publish('x/', 'empty level'); // maps to "/y": valid
    broker.publish('x/a', 'ok');
    broker.publish('x/a/b', 'unmapped'); // kept as x/a/b
    await until(() => f.metrics.forwarded === 3);
    const g = new Forwarder({ name: 'bad-target', sourceSessions: ['src'], sourceTopics: ['z'], targetSession: 'dst', transform: (msg) => msg.with({ topic: 'bad/+' }) }, m);
    await g.start();
    broker.publish('z', 'v');
    await until(() => g.metrics.failed === 1);
    expect(codeOf(errors.at(-1))).toBe('ERR_FORWARDER');
    expect(codeOf((errors.at(-1) as Error).cause)).toBe('ERR_INVALID_TOPIC');
    await Promise.all([f.close(), g.close()]);
  });
});

describe('ForwarderManager', () => {
  async function sessions(m: SessionManager, broker: Broker): Promise<void> {
    m.addSession({ name: 'a', brokers: broker.url });
    m.addSession({ name: 'b', brokers: broker.url });
    await m.waitForAllSessions(5000);
  }

  it('add, get, list, startAll, stopAll, getAllMetrics, removeForwarder', async () => {
    const broker = await h.broker();
    const m = h.manager();
    await sessions(m, broker);
    const fm = new ForwarderManager(m);
    const one = await fm.addForwarder({ name: 'one', sourceSessions: ['a'], sourceTopics: ['t1'], targetSession: 'b' });
    const two = await fm.addForwarder(forwarderBuilder('two').source('a', 't2').target('b').enabled(false));
    expect(one.isRunning).toBe(true);
    expect(two.isRunning).toBe(false);
    expect(fm.get('one')).toBe(one);
    expect(fm.list().map((f) => f.name)).toEqual(['one', 'two']);
    await fm.stopAll();
    expect(one.isRunning).toBe(false);
    await fm.startAll();
    expect(one.isRunning).toBe(true);
    expect(two.isRunning).toBe(false); // not enabled
    expect(Object.keys(fm.getAllMetrics())).toEqual(['one', 'two']);
    expect(fm.getAllMetrics().one).toMatchObject({ name: 'one', running: true });
    expect(await fm.removeForwarder('one')).toBe(true);
    expect(await fm.removeForwarder('one')).toBe(false);
    expect(fm.list().map((f) => f.name)).toEqual(['two']);
    expect(m.getMetrics().forwarders.map((f) => f.name)).toEqual(['two']);
  });

  it('errors: duplicate names, missing sessions (nothing added), bad configs naming the field', async () => {
    const broker = await h.broker();
    const m = h.manager();
    await sessions(m, broker);
    const fm = new ForwarderManager(m);
    await fm.addForwarder({ name: 'x', sourceSessions: ['a'], sourceTopics: ['t'], targetSession: 'b' });
    const field = async (p: Promise<unknown>): Promise<unknown> => {
      const err = await rejection(p);
      return [codeOf(err), (err as { context?: { field?: string } }).context?.field];
    };
    expect(await field(fm.addForwarder({ name: 'x', sourceSessions: ['a'], sourceTopics: ['t'], targetSession: 'b' }))).toEqual(['ERR_CONFIGURATION', 'name']);
    expect(await field(fm.addForwarder({ name: 'y', sourceSessions: ['nope'], sourceTopics: ['t'], targetSession: 'b' }))).toEqual(['ERR_SESSION_NOT_FOUND', undefined]);
    expect(fm.get('y')).toBeUndefined();
    expect(m.getMetrics().forwarders.map((f) => f.name)).toEqual(['x']);
    expect(await field(fm.addForwarder({ name: 'z', sourceSessions: [], sourceTopics: ['t'], targetSession: 'b' }))).toEqual(['ERR_CONFIGURATION', 'sourceSessions']);
    expect(await field(fm.addForwarder({ name: 'z', sourceSessions: ['a'], sourceTopics: ['a/#/b'], targetSession: 'b' }))).toEqual(['ERR_CONFIGURATION', 'sourceTopics[0]']);
    expect(await field(fm.addForwarder({ name: 'z', sourceSessions: ['a'], sourceTopics: ['t'], targetSession: 'b', dropPolicy: 'lose' as never }))).toEqual(['ERR_CONFIGURATION', 'dropPolicy']);
    expect(await field(fm.addForwarder({ name: 'z', sourceSessions: ['a'], sourceTopics: ['t'], targetSession: 'b', topicMapping: { 't/+': 'x/{2}' } }))).toEqual([
      'ERR_CONFIGURATION',
      'topicMapping["t/+"]',
    ]);
    expect(await field(fm.addForwarder({ name: 'z', sourceSessions: ['a'], sourceTopics: ['t'], targetSession: 'b', metadata: { k: 1 as never } }))).toEqual(['ERR_CONFIGURATION', 'metadata.k']);
    expect(await field(fm.addForwarder({ name: 'z', sourceSessions: ['a'], sourceTopics: ['t'], targetSession: 'b', bogus: true } as never))).toEqual(['ERR_CONFIGURATION', 'bogus']);
  });

  it('the session manager closes its forwarders', async () => {
    const broker = await h.broker();
    const m = h.manager();
    await sessions(m, broker);
    const f = new Forwarder({ name: 'c', sourceSessions: ['a'], sourceTopics: ['t'], targetSession: 'b' }, m);
    await f.start();
    await m.close();
    expect(f.isRunning).toBe(false);
    expect(codeOf(await rejection(f.start()))).toBe('ERR_FORWARDER_CLOSED');
  });
});

describe('forwarderBuilder and TopicMapper', () => {
  it('every builder method lands in the config; validation names the field', () => {
    const filter = (): boolean => true;
    const transform = <T>(msg: T): T => msg;
    const config = forwarderBuilder('b')
      .source('s1', 'a/+', 'b/#')
      .source('s2', 'a/+')
      .target('t')
      .qos(1)
      .mapTopic('a/+', 'x/{1}')
      .mapTopic('b/#', 'y/{1}')
      .metadata('k', 'v')
      .metadata({ k2: 'v2' })
      .filter(filter)
      .transform(transform)
      .retain('clear')
      .envelope()
      .bufferSize(50)
      .dropPolicy('drop-oldest')
      .maxHops(3)
      .enabled(false)
      .build();
    expect(config).toEqual({
      name: 'b',
      sourceSessions: ['s1', 's2'],
      sourceTopics: ['a/+', 'b/#'],
      targetSession: 't',
      qos: 1,
      topicMapping: { 'a/+': 'x/{1}', 'b/#': 'y/{1}' },
      metadata: { k: 'v', k2: 'v2' },
      filter,
      transform,
      retain: 'clear',
      envelope: true,
      bufferSize: 50,
      dropPolicy: 'drop-oldest',
      maxHops: 3,
      enabled: false,
    });
    const field = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (err) {
        return (err as { context?: { field?: string } }).context?.field;
      }
      return 'no error';
    };
    expect(field(() => forwarderBuilder(''))).toBe('name');
    expect(field(() => forwarderBuilder('x').source('a', 't').build())).toBe('targetSession');
    expect(field(() => forwarderBuilder('x').target('b').build())).toBe('sourceSessions');
    expect(field(() => forwarderBuilder('x').qos(5 as never))).toBe('qos');
    expect(field(() => forwarderBuilder('x').retain('maybe' as never))).toBe('retain');
    expect(field(() => forwarderBuilder('x').dropPolicy('x' as never))).toBe('dropPolicy');
    expect(field(() => forwarderBuilder('x').bufferSize(0))).toBe('bufferSize');
    expect(field(() => forwarderBuilder('x').maxHops(0))).toBe('maxHops');
    expect(field(() => forwarderBuilder('x').filter(1 as never))).toBe('filter');
    expect(field(() => forwarderBuilder('x').metadata('k', 2 as never))).toBe('metadata.k');
    expect(field(() => forwarderBuilder('x').source('a', 't').target('b').mapTopic('t/#', 'u/+').build())).toBe('topicMapping["t/#"]');
  });

  it('TopicMapper: exact topics first, then patterns in order; # captures the rest; {topic} and {session}', () => {
    const mapper = new TopicMapper({
      'sensors/1/temperature': 'special',
      'sensors/+/temperature': 'storage/{1}/temp',
      'a/+/b/#': '{2}/{1}',
      'x/#': 'copy/{topic}@{session}',
    });
    expect(mapper.map('sensors/1/temperature', 's')).toBe('special');
    expect(mapper.map('sensors/7/temperature', 's')).toBe('storage/7/temp');
    expect(mapper.map('a/k/b/c/d', 's')).toBe('c/d/k');
    expect(mapper.map('a/k/b', 's')).toBe('/k'); // "#" also matches the parent level: empty capture
    expect(mapper.map('x/y', 'edge')).toBe('copy/x/y@edge');
    expect(mapper.map('$SYS/x', 's')).toBe('$SYS/x');
    expect(mapper.map('other', 's')).toBe('other');
  });
});
