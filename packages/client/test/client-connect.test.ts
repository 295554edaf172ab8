/**
 * Connecting: refusals, credentials (functions called before every connect, URL credentials), assigned
 * client ids, connect abort and timeout, keepalive (fake clock), wills, session resume with DUP, the
 * CONNACK-same-read delivery rule, MQTT 5 properties, enhanced authentication (scripted server).
 */
import { describe, expect, it } from 'vitest';
import { Decoder, type AuthPacket, type ConnectPacket, type Packet, type PublishPacket } from '@mqttx/codec';
import { ManualClock } from '@mqttx/testkit';
import { fromDuplex } from '@mqttx/transport';
import { MqttxError, type Authenticator, type ConnectedInfo, type Message } from '../src/index.js';
import { harness, until } from './helpers/harness.js';
import { ScriptServer } from './helpers/script-server.js';

const h = harness();

function codeOf(err: unknown): string | undefined {
  return err instanceof MqttxError ? err.code : undefined;
}

describe('refused connections', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion}: a refusing CONNACK rejects connect() with ConnackError and leaves the client offline`, async () => {
      const broker = await h.broker();
      broker.refuse({ reasonCode: 0x86 });
      const c = h.client({ brokers: broker.url, clientId: 'r', protocolVersion });
      const err = await h.track(c.connect()).catch((e: unknown) => e);
      expect(codeOf(err)).toBe('ERR_CONNACK_REFUSED');
      // 3.1.1 return code 4 maps to 0x86 (bad user name or password).
      expect((err as MqttxError).reasonCode).toBe(0x86);
      if (protocolVersion === 4) expect((err as { returnCode?: number }).returnCode).toBe(4);
      expect(c.status).toBe('offline');
      // The client stays usable: a second connect() succeeds.
      await h.track(c.connect());
      expect(c.connected).toBe(true);
      await c.end();
    });
  }

  it('connect() shortcut rejects and leaves nothing open when the broker is unreachable', async () => {
    const broker = await h.broker();
    const url = broker.url;
    await broker.close();
    const { connect } = await import('../src/index.js');
    const err = await h.track(connect({ brokers: url, clientId: 'x' })).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('ERR_ALL_TARGETS_FAILED');
  });
});

describe('credentials', () => {
  it('calls the password and username functions before every connect (token refresh)', async () => {
    const seen: Array<[string | undefined, string | undefined]> = [];
    const broker = await h.broker({
      authenticate: (ctx) => {
        seen.push([ctx.username, ctx.password?.toString()]);
        return true;
      },
    });
    let n = 0;
    const c = await h.connect({
      brokers: broker.url,
      clientId: 'tok',
      username: async () => 'svc',
      password: async () => `token-${++n}`,
      reconnect: { initialDelay: 0 },
    });
    const again = h.once<ConnectedInfo>(c, 'connect');
    broker.clients.get('tok')!.destroy();
    await again;
    expect(seen).toEqual([
      ['svc', 'token-1'],
      ['svc', 'token-2'],
    ]);
    await c.end();
  });

  it('uses credentials from the broker URL when none are given', async () => {
    const seen: string[] = [];
    const broker = await h.broker({
      authenticate: (ctx) => {
        seen.push(`${ctx.username}:${ctx.password?.toString()}`);
        return true;
      },
    });
    const url = broker.url.replace('mqtt://', 'mqtt://user:p%40ss@');
    const c = await h.connect({ brokers: url, clientId: 'urlcred' });
    expect(seen).toEqual(['user:p@ss']);
    await c.end();
  });

  it('3.1.1: a password function without a user name fails the attempt with ConfigError [MQTT-3.1.2-22]', async () => {
    const broker = await h.broker();
    const c = h.client({ brokers: broker.url, clientId: 'np', protocolVersion: 4, password: () => 'x' });
    const err = await h.track(c.connect()).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('ERR_CONFIG');
    await c.end();
  });
});

describe('connect details', () => {
  it('5.0: an empty client id gets the server-assigned one [MQTT-3.1.3-6]', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: '' });
    expect(c.clientId).not.toBe('');
    expect(broker.clients.has(c.clientId)).toBe(true);
    await c.end();
  });

  it('sends the CONNECT properties as given and reports the server limits', async () => {
    const broker = await h.broker({ receiveMaximum: 7, maximumQoS: 1 });
    const c = h.client({
      brokers: broker.url,
      clientId: 'props',
      properties: { sessionExpiryInterval: 30, userProperties: [['k', 'v']] },
    });
    const connected = h.once<ConnectedInfo>(c, 'connect');
    await h.track(c.connect());
    const ci = await connected;
    expect(ci.limits.receiveMaximum).toBe(7);
    expect(ci.limits.maximumQoS).toBe(1);
    const rec = await broker.waitFor({ direction: 'in', type: 'connect' });
    expect((rec.packet as ConnectPacket).properties).toEqual({ sessionExpiryInterval: 30, userProperties: [['k', 'v']] });
    await c.end();
  });

  it('aborting connect() rejects with AbortError and closes the link', async () => {
    const broker = await h.broker();
    broker.withhold({ direction: 'out', type: 'connack' });
    const c = h.client({ brokers: broker.url, clientId: 'ab' });
    const ac = new AbortController();
    const p = h.track(c.connect({ signal: ac.signal }));
    await broker.waitFor({ direction: 'in', type: 'connect' });
    ac.abort();
    const err = await p.catch((e: unknown) => e);
    expect(codeOf(err)).toBe('ERR_ABORTED');
    expect(c.status).toBe('offline');
    await c.end();
  });

  it('no CONNACK within connectTimeout: ConnectTimeoutError (fake clock)', async () => {
    const clock = new ManualClock();
    const broker = await h.broker();
    broker.withhold({ direction: 'out', type: 'connack' });
    const c = h.client({ brokers: broker.url, clientId: 'ct', connectTimeout: 1000, scheduler: clock });
    const p = h.track(c.connect());
    await broker.waitFor({ direction: 'in', type: 'connect' });
    clock.advance(999);
    clock.advance(1);
    const err = await p.catch((e: unknown) => e);
    expect(codeOf(err)).toBe('ERR_CONNECT_TIMEOUT');
    await c.end();
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion} keepalive: PINGREQ after a silent keepalive period, link closed when unanswered [MQTT-3.1.2-23]`, async () => {
      const clock = new ManualClock();
      const broker = await h.broker();
      const c = await h.connect({ brokers: broker.url, clientId: 'ka', protocolVersion, keepalive: 10, scheduler: clock, reconnect: false });
      let since = broker.records.length;
      const read = c.stats.bytesReceived;
      clock.advance(9_999);
      expect(broker.records.length).toBe(since);
      clock.advance(1);
      await broker.waitFor({ direction: 'in', type: 'pingreq' }, { since });
      // The PINGRESP (2 bytes) reached the client: the ping is answered.
      await until(() => c.stats.bytesReceived === read + 2);
      // Unanswered now: the ping timeout (half the keepalive) ends the link.
      broker.withhold({ direction: 'out', type: 'pingresp', times: Infinity });
      since = broker.records.length;
      const offline = h.once<Error>(c, 'offline');
      clock.advance(10_000);
      await broker.waitFor({ direction: 'in', type: 'pingreq' }, { since });
      clock.advance(5_000);
      expect(codeOf(await offline)).toBe('ERR_KEEPALIVE_TIMEOUT');
      expect(c.status).toBe('offline');
      await c.end();
    });
  }
});

describe('wills and sessions', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion}: destroy() cuts the link without DISCONNECT, so the will is published [MQTT-3.1.2-8]`, async () => {
      const broker = await h.broker();
      const watcher = await h.connect({ brokers: broker.url, clientId: 'w', protocolVersion });
      await watcher.subscribe('will/#', { qos: 1 });
      const will = h.once<Message>(watcher, 'message');
      const dying = await h.connect({
        brokers: broker.url,
        clientId: 'dying',
        protocolVersion,
        will: { topic: 'will/dying', payload: 'gone', qos: 1 },
      });
      dying.destroy();
      const m = await will;
      expect([m.topic, m.payload.toString()]).toEqual(['will/dying', 'gone']);
      await watcher.end();
    });
  }

  it('end() sends DISCONNECT: no will [MQTT-3.14.4-3]', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'nw', will: { topic: 'will/x', payload: 'x', qos: 0 } });
    await c.end();
    await broker.waitFor({ direction: 'in', type: 'disconnect', clientId: 'nw' });
    expect(broker.sessions.get('nw')?.pendingWill ?? undefined).toBeFalsy();
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion} session present: the unacknowledged PUBLISH is resent with DUP 1 [MQTT-4.4.0-1] [MQTT-3.3.1-1]`, async () => {
      const broker = await h.broker();
      // The first PUBLISH kills the link before the broker handles it.
      broker.dropBefore({ direction: 'in', type: 'publish' });
      const c = await h.connect({
        brokers: broker.url,
        clientId: 'resume',
        protocolVersion,
        clean: false,
        properties: protocolVersion === 5 ? { sessionExpiryInterval: 60 } : undefined,
        reconnect: { initialDelay: 0 },
      });
      const reconnected = h.once<ConnectedInfo>(c, 'connect');
      const ack = h.track(c.publish('r/1', 'once', { qos: 1 }));
      const info = await reconnected;
      expect(info.sessionPresent).toBe(true);
      expect((await ack)?.type).toBe('puback');
      const publishes = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish');
      expect(publishes.map((r) => (r.packet as PublishPacket).dup)).toEqual([false, true]);
      await c.end();
    });
  }

  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion}: a PUBLISH read in the same chunk as CONNACK reaches a listener attached after \`await connect()\``, async () => {
      const broker = await h.broker();
      const session = { clientId: 'held', protocolVersion, clean: false, properties: protocolVersion === 5 ? { sessionExpiryInterval: 60 } : undefined };
      const sub = await h.connect({ brokers: broker.url, ...session });
      await sub.subscribe('held/#', { qos: 1 });
      await sub.end();
      broker.publish('held/1', 'queued', { qos: 1 });
      // Reconnect over an in-memory link whose first chunk is recorded.
      const chunks: Buffer[] = [];
      const { connect } = await import('../src/index.js');
      const c = await h.track(
        connect({
          connector: async () => {
            const conn = fromDuplex(broker.connectDuplex());
            conn.on('data', (chunk: Buffer) => chunks.push(chunk));
            return conn;
          },
          ...session,
        }),
      );
      const got: Message[] = [];
      c.on('message', (m) => got.push(m));
      await new Promise((resolve) => setImmediate(resolve));
      expect(got.map((m) => m.payload.toString())).toEqual(['queued']);
      // The broker's CONNACK and the queued PUBLISH came in one read.
      const first = new Decoder({ protocolVersion }).push(chunks[0]!).map((p: Packet) => p.type);
      expect(first.slice(0, 2)).toEqual(['connack', 'publish']);
      await c.end();
    });
  }
});

describe('enhanced authentication (MQTT 5, scripted server)', () => {
  const toy: Authenticator = {
    method: 'TOY',
    start: () => Buffer.from('hello'),
    step: (p: AuthPacket) => Buffer.from(`resp:${p.properties?.authenticationData?.toString()}`),
  };

  function toyServer() {
    return new ScriptServer((packet, link) => {
      if (packet.type === 'connect') {
        expect(packet.properties?.authenticationMethod).toBe('TOY');
        expect(packet.properties?.authenticationData?.toString()).toBe('hello');
        link.send({ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'TOY', authenticationData: Buffer.from('nonce') } });
      } else if (packet.type === 'auth') {
        const data = packet.properties?.authenticationData?.toString();
        if (packet.reasonCode === 0x19) {
          link.send({ type: 'auth', reasonCode: 0x00, properties: { authenticationMethod: 'TOY' } });
        } else if (data === 'resp:nonce') {
          link.send({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: { authenticationMethod: 'TOY' } });
        } else {
          link.send({ type: 'connack', sessionPresent: false, reasonCode: 0x8c, properties: undefined });
        }
      } else if (packet.type === 'disconnect') {
        link.end();
      }
    });
  }

  it('runs the AUTH exchange through the authenticator, then re-authenticates [MQTT-4.12.0-1] [MQTT-4.12.1-1]', async () => {
    const server = toyServer();
    const c = await h.connect({ connector: server.connector, clientId: 'auth', authenticator: toy });
    const types = server.last.received.map((p) => p.type);
    expect(types).toEqual(['connect', 'auth']);
    expect((server.last.received[1] as AuthPacket).reasonCode).toBe(0x18);
    const final = await h.track(c.reauthenticate());
    expect(final.reasonCode).toBe(0);
    expect((server.last.received[2] as AuthPacket).reasonCode).toBe(0x19);
    // The client's AUTH packets carry the method and data only: no reason string or user properties that
    // could exceed the server's Maximum Packet Size [MQTT-3.15.2-2] [MQTT-3.15.2-3].
    for (const p of server.last.received.filter((x): x is AuthPacket => x.type === 'auth')) {
      expect(Object.keys(p.properties ?? {}).sort()).toEqual(['authenticationData', 'authenticationMethod']);
    }
    await c.end();
    await server.close();
  });

  it('an authenticator that throws fails the connect with AuthenticationError', async () => {
    const server = toyServer();
    const c = h.client({
      connector: server.connector,
      clientId: 'authfail',
      authenticator: { ...toy, step: () => Promise.reject(new Error('no')) },
    });
    const err = await h.track(c.connect()).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('ERR_AUTH_FAILED');
    await c.end();
    await server.close();
  });
});
