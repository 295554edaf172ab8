/**
 * Every session option: the client option it produces (unit), and what it does on the wire or to the
 * session where that matters (behaviour, against the testkit broker). Unknown and misspelt fields are
 * errors naming the field.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock, type BrokerConnection } from '@mqttx/testkit';
import { SESSION_NEVER_EXPIRES, resolveSessionOptions, type ManagerEvent, type SessionOptions, type TimerScheduler } from 'mqttx';
import { makeCerts } from '../../../test/helpers/certs.js';
import { codeOf, harness, rejection, until } from './helpers/harness.js';

const h = harness();
const B = 'mqtt://127.0.0.1:1883';

function client(options: Omit<SessionOptions, 'name' | 'brokers'> & { brokers?: SessionOptions['brokers'] }) {
  return resolveSessionOptions({ name: 'n', brokers: B, ...options }).client;
}

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(codeOf(err)).toBe('ERR_CONFIGURATION');
    return (err as { context?: { field?: string } }).context?.field;
  }
  throw new Error('expected a configuration error');
}

describe('unit: each option maps onto the client option it names', () => {
  it('defaults: manual ack, reconnect with the first connect retried; the client defaults (5.0, clean) left out', () => {
    const r = resolveSessionOptions({ name: 'n', brokers: B });
    expect(r.client).toEqual({ brokers: B, manualAck: true, reconnect: { retryInitial: true } });
    expect(r.protocolVersion).toBe(5);
    expect(r).toMatchObject({ autoConnect: true, persistent: false, cleanSession: true, autoReconnect: true, resumeSubs: true, topics: [] });
  });

  it('name, brokers, clientId, username, password, protocolVersion', () => {
    const r = resolveSessionOptions({ name: 'n', brokers: [B, 'mqtt://127.0.0.2:1883'], clientId: 'c', username: 'u', password: 'p', protocolVersion: '3.1.1' });
    expect(r.name).toBe('n');
    expect(r.username).toBe('u'); // sent through the session's connect gate
    expect(r.client).toMatchObject({ brokers: [B, 'mqtt://127.0.0.2:1883'], clientId: 'c', password: 'p', protocolVersion: 4 });
    expect(client({ protocolVersion: '5.0' }).protocolVersion).toBeUndefined(); // the client's default
    expect(resolveSessionOptions({ name: 'n', brokers: B, protocolVersion: '5.0' }).protocolVersion).toBe(5);
    expect(client({ protocolVersion: 4 }).protocolVersion).toBe(4);
  });

  it('tls: caFile, certFile, keyFile, skipVerify -> transport TLS options', () => {
    expect(client({ tls: { caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem' } }).tls).toEqual({ caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem' });
    expect(client({ tls: { skipVerify: true } }).tls).toEqual({ rejectUnauthorized: false });
    expect(resolveSessionOptions({ name: 'n', brokers: B, tls: { skipVerify: true } }).skipVerify).toBe(true);
  });

  it('connectProps: keepAlive (s), cleanSession, autoReconnect, connectTimeout, reconnect intervals (ms), backoffFactor', () => {
    const c = client({
      connectProps: { keepAlive: 15, cleanSession: false, connectTimeout: 2500, initialReconnectInterval: 100, maxReconnectInterval: 800, backoffFactor: 3 },
    });
    expect(c).toMatchObject({ keepalive: 15, clean: false, connectTimeout: 2500, reconnect: { retryInitial: true, initialDelay: 100, maxDelay: 800, factor: 3 } });
    expect(client({ connectProps: { autoReconnect: false } }).reconnect).toBe(false);
  });

  it('connectProps.persistentSession: clean false and a never-expiring session (5.0); clean false only in 3.1.1', () => {
    const r = resolveSessionOptions({ name: 'n', brokers: B, connectProps: { persistentSession: true } });
    expect(r.client.clean).toBe(false);
    expect(r.client.properties).toEqual({ sessionExpiryInterval: SESSION_NEVER_EXPIRES });
    expect(r.persistent).toBe(true);
    const v4 = client({ protocolVersion: 4, connectProps: { persistentSession: true } });
    expect(v4.clean).toBe(false);
    expect(v4.properties).toBeUndefined();
  });

  it('connectProps.resumeSubs is kept for the session (default true)', () => {
    expect(resolveSessionOptions({ name: 'n', brokers: B, connectProps: { resumeSubs: false } }).resumeSubs).toBe(false);
  });

  it('performance: socket knobs go on every broker entry; maxMessageSize and maxPendingMessages to the client', () => {
    const c = client({
      brokers: [B, 'mqtt://127.0.0.2'],
      performance: { writeBufferSize: 65536, readBufferSize: 4096, writeTimeout: 3000, readTimeout: 90_000, maxMessageSize: 1024, maxPendingMessages: 50 },
    });
    const knobs = { highWaterMark: 65536, maxReadChunk: 4096, writeTimeout: 3000, readTimeout: 90_000 };
    expect(c.brokers).toEqual([
      { url: B, options: knobs },
      { url: 'mqtt://127.0.0.2', options: knobs },
    ]);
    expect(c.properties).toEqual({ maximumPacketSize: 1024 });
    expect(c.queueQos0).toEqual({ maxCount: 50 });
    expect(c.queueQos12).toEqual({ maxCount: 50 });
    expect(resolveSessionOptions({ name: 'n', brokers: B, performance: { messageChanSize: 7 } }).messageChanSize).toBe(7);
  });

  it('storage: memory (the client memory), file (dir), redis (address, credentials, db, key prefix)', () => {
    expect(client({ storage: { type: 'memory' } }).store).toBeUndefined();
    expect(client({ storage: { type: 'file', dir: '/tmp/x' } }).store).toEqual({ type: 'file', dir: '/tmp/x' });
    expect(client({ storage: { type: 'file', dir: '/tmp/x', fsync: 'none' } }).store).toEqual({ type: 'file', dir: '/tmp/x', fsync: 'none' });
    expect(client({ storage: { type: 'redis', address: 'redis://127.0.0.1:6380' } }).store).toEqual({ type: 'redis', connection: 'redis://127.0.0.1:6380' });
    expect(client({ storage: { type: 'redis', address: 'rediss://h:6390/2', username: 'ru', password: 'rp', keyPrefix: 'app:' } }).store).toEqual({
      type: 'redis',
      connection: { host: 'h', port: 6390, username: 'ru', password: 'rp', db: 2, tls: {} },
      prefix: 'app:',
    });
    expect(client({ storage: { type: 'redis', address: 'redis://h', db: 3 } }).store).toMatchObject({ connection: { host: 'h', port: 6379, db: 3 } });
  });

  it('topics, will, autoConnect, clientOptions (merged last; reconnect and properties merged field by field)', () => {
    const handler = (): void => {};
    const r = resolveSessionOptions({
      name: 'n',
      brokers: B,
      topics: [{ topic: 'a/#', qos: 1, handler }, { topic: 'b' }],
      will: { topic: 'w', payload: 'bye', qos: 1, retain: true },
      autoConnect: false,
      connectProps: { initialReconnectInterval: 10, persistentSession: true },
      clientOptions: { maxInflight: 5, reconnect: { maxAttempts: 3 }, properties: { receiveMaximum: 10 } },
    });
    expect(r.topics).toEqual([
      { topic: 'a/#', qos: 1, handler },
      { topic: 'b', qos: 0, handler: undefined },
    ]);
    expect(r.client.will).toEqual({ topic: 'w', payload: 'bye', qos: 1, retain: true, properties: undefined });
    expect(r.autoConnect).toBe(false);
    expect(r.client.maxInflight).toBe(5);
    expect(r.client.reconnect).toEqual({ retryInitial: true, initialDelay: 10, maxAttempts: 3 });
    expect(r.client.properties).toEqual({ sessionExpiryInterval: SESSION_NEVER_EXPIRES, receiveMaximum: 10 });
  });

  it('bad values and unknown fields are errors naming the field', () => {
    const base = { name: 'n', brokers: B };
    expect(fieldOf(() => resolveSessionOptions(undefined as never))).toBe('options');
    expect(fieldOf(() => resolveSessionOptions({ ...base, name: '' }))).toBe('name');
    expect(fieldOf(() => resolveSessionOptions({ ...base, brokers: [B, 7 as never] }))).toBe('brokers[1]');
    expect(fieldOf(() => resolveSessionOptions({ ...base, protocolVersion: 3 as never }))).toBe('protocolVersion');
    expect(fieldOf(() => resolveSessionOptions({ ...base, password: 5 as never }))).toBe('password');
    expect(fieldOf(() => resolveSessionOptions({ ...base, keepalive: 5 } as never))).toBe('keepalive');
    expect(fieldOf(() => resolveSessionOptions({ ...base, tls: { cafile: 'x' } as never }))).toBe('tls.cafile');
    expect(fieldOf(() => resolveSessionOptions({ ...base, tls: { certFile: 'c' } }))).toBe('tls.keyFile');
    expect(fieldOf(() => resolveSessionOptions({ ...base, connectProps: { keepAlive: 70000 } }))).toBe('connectProps.keepAlive');
    expect(fieldOf(() => resolveSessionOptions({ ...base, connectProps: { persistentSession: true, cleanSession: true } }))).toBe('connectProps.cleanSession');
    expect(fieldOf(() => resolveSessionOptions({ ...base, connectProps: { initialReconnectInterval: 500, maxReconnectInterval: 100 } }))).toBe(
      'connectProps.maxReconnectInterval',
    );
    expect(fieldOf(() => resolveSessionOptions({ ...base, connectProps: { backoffFactor: 0.5 } }))).toBe('connectProps.backoffFactor');
    expect(fieldOf(() => resolveSessionOptions({ ...base, performance: { writeBufferSize: 0 } }))).toBe('performance.writeBufferSize');
    expect(fieldOf(() => resolveSessionOptions({ ...base, performance: { messageChanSize: 2.5 } }))).toBe('performance.messageChanSize');
    expect(fieldOf(() => resolveSessionOptions({ ...base, protocolVersion: 4, performance: { maxMessageSize: 100 } }))).toBe('performance.maxMessageSize');
    expect(fieldOf(() => resolveSessionOptions({ ...base, storage: { type: 'disk' } as never }))).toBe('storage.type');
    expect(fieldOf(() => resolveSessionOptions({ ...base, storage: { type: 'file' } as never }))).toBe('storage.dir');
    expect(fieldOf(() => resolveSessionOptions({ ...base, storage: { type: 'file', dir: '/d', fsync: 'often' } as never }))).toBe('storage.fsync');
    expect(fieldOf(() => resolveSessionOptions({ ...base, storage: { type: 'redis', address: 'http://x' } }))).toBe('storage.address');
    expect(fieldOf(() => resolveSessionOptions({ ...base, topics: [{ topic: 'a', qos: 3 as never }] }))).toBe('topics[0].qos');
    expect(fieldOf(() => resolveSessionOptions({ ...base, topics: [{ topic: 'a', handler: 'x' as never }] }))).toBe('topics[0].handler');
    expect(fieldOf(() => resolveSessionOptions({ ...base, will: { topic: 'w', payload: 1 as never } }))).toBe('will.payload');
    expect(fieldOf(() => resolveSessionOptions({ ...base, protocolVersion: 4, will: { topic: 'w', payload: 'x', properties: {} } }))).toBe('will.properties');
    expect(fieldOf(() => resolveSessionOptions({ ...base, autoConnect: 'yes' as never }))).toBe('autoConnect');
    expect(fieldOf(() => resolveSessionOptions({ ...base, clientOptions: { manualAck: false } }))).toBe('clientOptions.manualAck');
    expect(fieldOf(() => resolveSessionOptions({ ...base, clientOptions: { brokers: B } }))).toBe('clientOptions.brokers');
  });

  it('options the client refuses surface as ERR_CONFIGURATION from addSession, naming the client option', () => {
    const m = h.manager();
    expect(fieldOf(() => m.addSession({ name: 'x', brokers: B, clientOptions: { maxHeldMessages: -1 } }))).toBe('maxHeldMessages');
    expect(m.listSessions()).toEqual([]);
  });
});

/** The CONNECT a broker received from `clientId`. */
function connectOf(conn: BrokerConnection | undefined) {
  expect(conn).toBeDefined();
  return conn!.connectPacket!;
}

describe('behaviour: what the options do', () => {
  it('clientId, username, password, keepAlive, cleanSession, protocolVersion and will reach the CONNECT', async () => {
    const broker = await h.broker();
    const m = h.manager();
    m.addSession({
      name: 'c',
      brokers: broker.url,
      clientId: 'cid',
      username: 'user',
      password: 'pw',
      protocolVersion: 4,
      connectProps: { keepAlive: 17, cleanSession: false },
      will: { topic: 'last', payload: 'gone', qos: 1, retain: true },
    });
    await m.waitForSession('c', 5000);
    const c = connectOf(broker.clients.get('cid'));
    expect(c).toMatchObject({ protocolVersion: 4, clientId: 'cid', username: 'user', clean: false, keepalive: 17 });
    expect(c.password?.toString()).toBe('pw');
    expect(c.will).toMatchObject({ topic: 'last', qos: 1, retain: true });
    expect(c.will!.payload.toString()).toBe('gone');
  });

  it('persistentSession: Clean Start 0 and Session Expiry Interval 0xFFFFFFFF in the 5.0 CONNECT', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 'p', brokers: broker.url, clientId: 'p', connectProps: { persistentSession: true } });
    await m.waitForSession('p', 5000);
    const c = connectOf(broker.clients.get('p'));
    expect(c.clean).toBe(false);
    expect(c.properties?.sessionExpiryInterval).toBe(0xffffffff);
    expect(s.getMetrics()).toMatchObject({ persistent: true, cleanSession: false });
  });

  it('maxMessageSize: Maximum Packet Size in the CONNECT; bigger messages are not delivered', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const inbox = h.inbox();
    m.addSession({ name: 'mx', brokers: broker.url, clientId: 'mx', performance: { maxMessageSize: 200 }, topics: [{ topic: 'big/#', handler: inbox.handler }] });
    await m.waitForSession('mx', 5000);
    expect(connectOf(broker.clients.get('mx')).properties?.maximumPacketSize).toBe(200);
    broker.publish('big/1', Buffer.alloc(500));
    broker.publish('big/2', 'small');
    const [msg] = await inbox.next(1);
    expect(msg!.topic).toBe('big/2');
    expect(inbox.got.length).toBe(1);
  });

  it('maxPendingMessages bounds the offline queues (QoS 1/2 refuse the newest, QoS 0 drops the oldest)', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 'q', brokers: broker.url, autoConnect: false, performance: { maxPendingMessages: 2 } });
    const q1 = [s.publish('t', '1', 1), s.publish('t', '2', 1), s.publish('t', '3', 1)].map((p) => p.then(() => 'ok', (e: unknown) => codeOf(e)));
    const q0 = [s.publish('t', 'a', 0), s.publish('t', 'b', 0), s.publish('t', 'c', 0)].map((p) => p.then(() => 'ok', (e: unknown) => codeOf(e)));
    expect(await q1[2]).toBe('ERR_QUEUE_FULL');
    expect(await q0[0]).toBe('ERR_MESSAGE_DROPPED');
    await m.connectAll();
    expect(await Promise.all([q1[0], q1[1], q0[1], q0[2]])).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('autoReconnect false: a dropped session stays disconnected', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const log = h.record(m);
    const s = m.addSession({ name: 'n', brokers: broker.url, clientId: 'n', connectProps: { autoReconnect: false } });
    await m.waitForSession('n', 5000);
    const down = h.event(m, 'session_disconnected', 'n');
    broker.clients.get('n')!.destroy();
    await down;
    await until(() => s.client.status === 'offline');
    expect(log.types('n')).not.toContain('session_reconnecting');
    expect(s.status).toBe('disconnected');
    expect(s.getMetrics().autoReconnect).toBe(false);
  });

  it('initialReconnectInterval / maxReconnectInterval / backoffFactor bound the reconnect delays', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const delays: number[] = [];
    m.onEvent('session_reconnecting', (e) => {
      delays.push(e.data.delayMs);
    });
    m.addSession({ name: 'b', brokers: broker.url, clientId: 'b', connectProps: { initialReconnectInterval: 4, backoffFactor: 3, maxReconnectInterval: 20 } });
    await m.waitForSession('b', 5000);
    broker.refuse({ times: 3 });
    const back = h.event(m, 'session_ready', 'b');
    broker.clients.get('b')!.destroy();
    await back;
    expect(delays.length).toBe(4);
    const bounds = [4, 12, 20, 20];
    delays.forEach((d, i) => expect(d).toBeLessThan(bounds[i]!));
  });

  it('connectTimeout: no CONNACK in time fails the attempt with ERR_CONNECT_TIMEOUT (manual clock)', async () => {
    const broker = await h.broker({ hooks: { connack: () => new Promise(() => {}) } });
    const clock = new ManualClock();
    const m = h.manager({ scheduler: clock as unknown as TimerScheduler });
    const s = m.addSession({ name: 't', brokers: broker.url, clientId: 't', connectProps: { connectTimeout: 1000, autoReconnect: false } });
    const failed = rejection(s.connect());
    await broker.waitFor({ direction: 'in', type: 'connect' });
    clock.advance(999);
    expect(s.status).toBe('connecting');
    clock.advance(1);
    expect(codeOf(await failed)).toBe('ERR_CONNECT_TIMEOUT');
    expect(s.status).toBe('disconnected');
  });

  it('readTimeout: no inbound byte for that long kills the link (ERR_READ_TIMEOUT)', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const down = h.event(m, 'session_disconnected', 'r');
    m.addSession({ name: 'r', brokers: broker.url, connectProps: { keepAlive: 0, autoReconnect: false }, performance: { readTimeout: 150 } });
    const e = await down;
    expect(codeOf(e.data.error)).toBe('ERR_READ_TIMEOUT');
  });

  it('writeTimeout: queued bytes making no progress kill the link (ERR_WRITE_TIMEOUT)', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 'w', brokers: broker.url, clientId: 'w', connectProps: { autoReconnect: false }, performance: { writeTimeout: 200, writeBufferSize: 1024 } });
    await m.waitForSession('w', 5000);
    broker.clients.get('w')!.pauseReading();
    const down = h.event(m, 'session_disconnected', 'w', undefined, 10_000);
    const big = Buffer.alloc(1 << 20);
    const sent: Array<Promise<unknown>> = [];
    for (let i = 0; i < 32; i++) sent.push(s.publish('w', big).catch(() => undefined));
    const e = await down;
    expect(codeOf(e.data.error)).toBe('ERR_WRITE_TIMEOUT');
    await Promise.all(sent);
  });

  it('messageChanSize is the bound of the session handlers (see session.test.ts for the ack it withholds)', () => {
    const m = h.manager({ messageChanSize: 9 });
    expect(m.addSession({ name: 'a', brokers: B, autoConnect: false }).bufferSize).toBe(9);
    expect(m.addSession({ name: 'b', brokers: B, autoConnect: false, performance: { messageChanSize: 3 } }).bufferSize).toBe(3);
  });

  it('resumeSubs false: after a reconnect that lost the session, the session topics are dropped', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const keep = h.inbox();
    m.addSession({ name: 'k', brokers: broker.url, clientId: 'k', connectProps: { initialReconnectInterval: 5 }, topics: [{ topic: 'r', qos: 1, handler: keep.handler }] });
    const drop = m.addSession({ name: 'd', brokers: broker.url, clientId: 'd', connectProps: { initialReconnectInterval: 5, resumeSubs: false }, topics: [{ topic: 'r', qos: 1 }] });
    await m.waitForAllSessions(5000);
    const back = Promise.all([h.event(m, 'session_ready', 'k'), h.event(m, 'session_ready', 'd')]);
    broker.clients.get('k')!.destroy();
    broker.clients.get('d')!.destroy();
    await back;
    await broker.waitFor({ direction: 'in', type: 'unsubscribe', clientId: 'd' });
    expect(drop.getSubscribedTopics()).toEqual([]);
    expect(m.getSession('k')!.getSubscribedTopics()).toEqual(['r']);
    broker.publish('r', 'after', { qos: 1 });
    await keep.next(1);
  });

  it('tls: secure sessions with caFile, client certificates (certFile / keyFile), and skipVerify with a warning', async () => {
    const certs = await makeCerts();
    const broker = await h.broker({ tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true, rejectUnauthorized: false } });
    const warnings: Array<[string, unknown]> = [];
    const m = h.manager({ logger: { warn: (msg, ctx) => warnings.push([msg, ctx]) } });
    m.addSession({ name: 'ca', brokers: broker.tlsUrl!, clientId: 'ca', tls: { caFile: certs.files.ca } });
    m.addSession({ name: 'mtls', brokers: broker.tlsUrl!, clientId: 'mtls', tls: { caFile: certs.files.ca, certFile: certs.files.clientCert, keyFile: certs.files.clientKey } });
    m.addSession({ name: 'skip', brokers: broker.tlsUrl!, clientId: 'skip', tls: { skipVerify: true } });
    const strict = m.addSession({ name: 'strict', brokers: broker.tlsUrl!, clientId: 'strict', connectProps: { autoReconnect: false }, autoConnect: false });
    await Promise.all(['ca', 'mtls', 'skip'].map((n) => m.waitForSession(n, 5000)));
    expect(broker.clients.get('mtls')!.peerCertificate?.subject?.CN).toBe('mqttx-client');
    expect(broker.clients.get('ca')!.peerCertificate?.subject?.CN).toBeUndefined();
    expect(warnings).toEqual([[expect.stringContaining('skipVerify'), { session: 'skip' }]]);
    const err = await rejection(strict.connect());
    expect(codeOf(err)).toMatch(/^ERR_/);
    expect(strict.isConnected()).toBe(false);
  });

  it('storage file: the session state is kept in the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mqttx-manager-store-'));
    h.defer(() => rmSync(dir, { recursive: true, force: true }));
    const broker = await h.broker();
    const m = h.manager();
    const s = m.addSession({ name: 'f', brokers: broker.url, clientId: 'file-session', connectProps: { persistentSession: true }, storage: { type: 'file', dir } });
    await m.waitForSession('f', 5000);
    await s.publish('t', 'x', 1);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    await m.removeSession('f');
  });

  it('session_added carries the broker URLs with credentials redacted, never the password', async () => {
    const m = h.manager();
    const added = h.event(m, 'session_added');
    m.addSession({ name: 'r', brokers: 'mqtt://user:hunter2@127.0.0.1:1', password: 'pw-secret', autoConnect: false });
    const e = (await added) as ManagerEvent<'session_added'>;
    expect(e.data.brokers).toEqual(['mqtt://***@127.0.0.1:1']);
    expect(JSON.stringify(e)).not.toMatch(/hunter2|pw-secret/);
  });
});
