/**
 * The fluent builders: every method of `sessionBuilder`, the `quickConnect` / `secureConnect` shortcuts,
 * validation naming the bad field (at the call, and at `build()` for the whole), and a built session used
 * end to end with `addSession(builder)`.
 */
import { describe, expect, it } from 'vitest';
import { SessionBuilder, quickConnect, secureConnect, sessionBuilder } from 'mqttx';
import { codeOf, harness } from './helpers/harness.js';

const h = harness();
const B = 'mqtt://127.0.0.1:1883';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(codeOf(err)).toBe('ERR_CONFIGURATION');
    return (err as { context?: { field?: string } }).context?.field;
  }
  throw new Error('expected a configuration error');
}

describe('sessionBuilder', () => {
  it('every method lands in the options object', () => {
    const handler = (): void => {};
    const options = sessionBuilder('full')
      .brokers(B, ['mqtt://127.0.0.2:1883'])
      .clientId('cid')
      .auth('user', 'pw')
      .tls({ caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem' })
      .cleanSession(false)
      .keepAlive(30)
      .reconnect({ initial: 200, factor: 3, max: 5000 })
      .timeouts({ connect: 4000, write: 2000, read: 60_000 })
      .performance({ writeBufferSize: 32768, readBufferSize: 8192, maxMessageSize: 4096, maxPendingMessages: 100 })
      .messageChannelSize(64)
      .persistent()
      .resumeSubs(false)
      .redisStorage('redis://127.0.0.1:6379/1')
      .redisAuth('rpw', 'ruser')
      .protocolVersion('5.0')
      .will('status/full', 'offline', 1, true)
      .subscribe('a/#', 1, handler)
      .subscribe('b')
      .autoConnect(false)
      .clientOptions({ maxInflight: 10 })
      .build();
    expect(options).toEqual({
      name: 'full',
      brokers: [B, 'mqtt://127.0.0.2:1883'],
      clientId: 'cid',
      username: 'user',
      password: 'pw',
      protocolVersion: 5,
      tls: { caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem' },
      connectProps: {
        cleanSession: false,
        keepAlive: 30,
        autoReconnect: true,
        initialReconnectInterval: 200,
        backoffFactor: 3,
        maxReconnectInterval: 5000,
        connectTimeout: 4000,
        persistentSession: true,
        resumeSubs: false,
      },
      performance: { writeTimeout: 2000, readTimeout: 60_000, writeBufferSize: 32768, readBufferSize: 8192, maxMessageSize: 4096, maxPendingMessages: 100, messageChanSize: 64 },
      storage: { type: 'redis', address: 'redis://127.0.0.1:6379/1', password: 'rpw', username: 'ruser' },
      topics: [
        { topic: 'a/#', qos: 1, handler },
        { topic: 'b', qos: 0, handler: undefined },
      ],
      will: { topic: 'status/full', payload: 'offline', qos: 1, retain: true },
      autoConnect: false,
      clientOptions: { maxInflight: 10 },
    });
  });

  it('conflicting calls fail at build (persistent with cleanSession(true))', () => {
    expect(fieldOf(() => sessionBuilder('x').brokers(B).persistent().cleanSession(true).build())).toBe('connectProps.cleanSession');
  });

  it('storage methods, the tls shorthand, autoReconnect / disableReconnect, protocol 3.1.1', () => {
    expect(sessionBuilder('m').brokers(B).memoryStorage().build().storage).toEqual({ type: 'memory' });
    expect(sessionBuilder('f').brokers(B).fileStorage('/var/lib/mqttx').build().storage).toEqual({ type: 'file', dir: '/var/lib/mqttx' });
    expect(sessionBuilder('f').brokers(B).fileStorage('/d', 'always').build().storage).toEqual({ type: 'file', dir: '/d', fsync: 'always' });
    expect(sessionBuilder('t').brokers(B).tls('ca.pem').tls({ skipVerify: true }).build().tls).toEqual({ caFile: 'ca.pem', skipVerify: true });
    expect(sessionBuilder('r').brokers(B).disableReconnect().build().connectProps).toEqual({ autoReconnect: false });
    expect(sessionBuilder('r').brokers(B).disableReconnect().autoReconnect().build().connectProps).toEqual({ autoReconnect: true });
    expect(sessionBuilder('v').brokers(B).protocolVersion(4).build().protocolVersion).toBe(4);
    expect(sessionBuilder('v').brokers(B).protocolVersion('3.1.1').build().protocolVersion).toBe(4);
    expect(sessionBuilder('e').brokers(B).clientId('').build().clientId).toBe('');
  });

  it('validation names the bad field', () => {
    expect(fieldOf(() => sessionBuilder(''))).toBe('name');
    expect(fieldOf(() => sessionBuilder('x').build())).toBe('brokers');
    expect(fieldOf(() => sessionBuilder('x').brokers())).toBe('brokers');
    expect(fieldOf(() => sessionBuilder('x').brokers(B, ''))).toBe('brokers[1]');
    expect(fieldOf(() => sessionBuilder('x').auth(''))).toBe('username');
    expect(fieldOf(() => sessionBuilder('x').auth('u', 5 as never))).toBe('password');
    expect(fieldOf(() => sessionBuilder('x').tls({ caFile: 5 as never }))).toBe('tls.caFile');
    expect(fieldOf(() => sessionBuilder('x').keepAlive(-1))).toBe('keepAlive');
    expect(fieldOf(() => sessionBuilder('x').cleanSession('no' as never))).toBe('cleanSession');
    expect(fieldOf(() => sessionBuilder('x').reconnect({ initial: -5 }))).toBe('reconnect.initial');
    expect(fieldOf(() => sessionBuilder('x').reconnect({ factor: 0 }))).toBe('reconnect.factor');
    expect(fieldOf(() => sessionBuilder('x').reconnect({ initial: 100, max: 50 }))).toBe('reconnect.max');
    expect(fieldOf(() => sessionBuilder('x').timeouts({ write: -1 }))).toBe('timeouts.write');
    expect(fieldOf(() => sessionBuilder('x').brokers(B).performance({ readBufferSize: 0 }).build())).toBe('performance.readBufferSize');
    expect(fieldOf(() => sessionBuilder('x').messageChannelSize(0))).toBe('messageChannelSize');
    expect(fieldOf(() => sessionBuilder('x').fileStorage(''))).toBe('fileStorage');
    expect(fieldOf(() => sessionBuilder('x').fileStorage('/d', 'sometimes' as never))).toBe('fileStorage');
    expect(fieldOf(() => sessionBuilder('x').redisStorage(''))).toBe('redisStorage');
    expect(fieldOf(() => sessionBuilder('x').brokers(B).redisAuth('pw').build())).toBe('redisAuth');
    expect(fieldOf(() => sessionBuilder('x').protocolVersion(3 as never))).toBe('protocolVersion');
    expect(fieldOf(() => sessionBuilder('x').will('', 'x'))).toBe('will.topic');
    expect(fieldOf(() => sessionBuilder('x').will('w', 'x', 5 as never))).toBe('will.qos');
    expect(fieldOf(() => sessionBuilder('x').subscribe('t', 1, 'h' as never))).toBe('subscribe.handler');
    expect(fieldOf(() => sessionBuilder('x').subscribe('t', 4 as never))).toBe('subscribe.qos');
    expect(fieldOf(() => sessionBuilder('x').autoConnect(1 as never))).toBe('autoConnect');
    expect(fieldOf(() => sessionBuilder('x').persistent(1 as never))).toBe('persistent');
    expect(fieldOf(() => sessionBuilder('x').brokers(B).clientOptions({ manualAck: false }).build())).toBe('clientOptions.manualAck');
  });

  it('quickConnect and secureConnect are builders with the broker (and CA) set', () => {
    const q = quickConnect('q', B);
    expect(q).toBeInstanceOf(SessionBuilder);
    expect(q.build()).toEqual({ name: 'q', brokers: [B] });
    expect(quickConnect('q', B).keepAlive(10).build().connectProps).toEqual({ keepAlive: 10 });
    expect(secureConnect('s', 'mqtts://127.0.0.1:8883', '/etc/ca.pem').build()).toEqual({
      name: 's',
      brokers: ['mqtts://127.0.0.1:8883'],
      tls: { caFile: '/etc/ca.pem' },
    });
    expect(fieldOf(() => secureConnect('s', 'mqtts://127.0.0.1', ''))).toBe('caFile');
    expect(fieldOf(() => quickConnect('q', ''))).toBe('brokers[0]');
  });

  it('a built session connects, subscribes its handlers and publishes (addSession takes the builder)', async () => {
    const broker = await h.broker();
    const m = h.manager();
    const inbox = h.inbox();
    m.addSession(quickConnect('sub', broker.url).clientId('sub').subscribe('news/+', 1, inbox.handler));
    m.addSession(sessionBuilder('pub').brokers(broker.url).clientId('pub').keepAlive(20).will('status/pub', 'gone'));
    await m.waitForAllSessions(5000);
    expect(broker.clients.get('pub')!.connectPacket).toMatchObject({ keepalive: 20, will: { topic: 'status/pub' } });
    await m.publishTo('pub', 'news/1', 'fresh', 1);
    const [msg] = await inbox.next(1);
    expect(msg).toMatchObject({ session: 'sub', topic: 'news/1', qos: 1 });
  });
});
