/**
 * Client-side normative statements checked end to end through the driver (testkit broker, or the scripted
 * server where exact server behaviour is needed): CONNECT fields, session identity, topic matching of
 * received messages, acknowledgements within the server's Maximum Packet Size, SUBACK handling, session
 * state while connected and after a clean start, QoS 2 completion after message expiry, wildcard rules,
 * transient errors.
 */
import { describe, expect, it } from 'vitest';
import { encode, matchTopic, type ConnectPacket, type Packet, type PublishPacket, type SubackPacket } from '@mqttx/codec';
import { ManualClock } from '@mqttx/testkit';
import { MemoryStore, MqttxError, type ConnectedInfo, type Keyspace, type Message, type StoreRecord } from '../src/index.js';
import { harness, until } from './helpers/harness.js';
import { ScriptServer, type ServerLink } from './helpers/script-server.js';

const h = harness();

function codeOf(err: unknown): string | undefined {
  return err instanceof MqttxError ? err.code : undefined;
}

function publish(packetId: number, qos: 1 | 2, payload: string, dup = false, properties?: PublishPacket['properties']): PublishPacket {
  return { type: 'publish', topic: 't', payload: Buffer.from(payload), qos, retain: false, dup, packetId, properties };
}

describe('CONNECT and session identity', () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`v${protocolVersion}: no credentials, no user name or password in CONNECT; the client id is always present [MQTT-3.1.2-18] [MQTT-3.1.3-3]`, async () => {
      const broker = await h.broker();
      const c = await h.connect({ brokers: broker.url, clientId: 'plain', protocolVersion });
      const rec = await broker.waitFor({ direction: 'in', type: 'connect' });
      const p = rec.packet as ConnectPacket;
      expect([p.clientId, p.username, p.password]).toEqual(['plain', undefined, undefined]);
      await c.end();
    });
  }

  it('the session belongs to the client id: resumed for the same id only [MQTT-3.1.3-2]', async () => {
    const broker = await h.broker();
    const opts = { brokers: broker.url, clean: false, properties: { sessionExpiryInterval: 60 } };
    const a = await h.connect({ ...opts, clientId: 'owner' });
    await a.subscribe('x', { qos: 1 });
    await a.end();
    const b = h.client({ ...opts, clientId: 'other' });
    expect((await h.track(b.connect())).sessionPresent).toBe(false);
    await b.end();
    const a2 = h.client({ ...opts, clientId: 'owner' });
    expect((await h.track(a2.connect())).sessionPresent).toBe(true);
    await a2.end();
  });
});

describe('received messages and acknowledgements', () => {
  it('received topic names match the subscription filter [MQTT-3.3.2-3]', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'm' });
    const filter = '+/b/#';
    await c.subscribe(filter, { qos: 1 });
    const got: string[] = [];
    c.on('message', (m: Message) => got.push(m.topic));
    for (const t of ['a/b', 'a/b/c', 'x/y/b', 'b', 'z/b/q/r']) broker.publish(t, 'x', { qos: 1 });
    await until(() => got.length === 3);
    expect(got).toEqual(['a/b', 'a/b/c', 'z/b/q/r']);
    expect(got.every((t) => matchTopic(filter, t))).toBe(true);
    await c.end();
  });

  it('5.0 acks carry no reason string or user properties, so they stay within the server Maximum Packet Size [MQTT-3.4.2-2] [MQTT-3.4.2-3] [MQTT-3.5.2-2] [MQTT-3.5.2-3] [MQTT-3.6.2-2] [MQTT-3.6.2-3] [MQTT-3.7.2-2] [MQTT-3.7.2-3]', async () => {
    const max = 64;
    const broker = await h.broker({ hooks: { connack: () => ({ properties: { maximumPacketSize: max } }) } });
    const c = await h.connect({ brokers: broker.url, clientId: 'acks' });
    await c.subscribe('ack/#', { qos: 2 });
    broker.publish('ack/1', 'x', { qos: 1 });
    broker.publish('ack/2', 'x', { qos: 2 });
    await h.track(c.publish('ack/out', 'x', { qos: 2 }));
    await broker.waitFor({ direction: 'in', type: 'pubcomp', clientId: 'acks' });
    const acks = broker.records.filter((r) => r.direction === 'in' && r.packet !== null && ['puback', 'pubrec', 'pubrel', 'pubcomp'].includes(r.packet.type));
    expect(new Set(acks.map((r) => r.packet!.type))).toEqual(new Set(['puback', 'pubrec', 'pubrel', 'pubcomp']));
    for (const r of acks) {
      expect((r.packet as { properties?: unknown }).properties).toBeUndefined();
      expect(encode(r.packet as Packet, { protocolVersion: 5 }).length).toBeLessThanOrEqual(max);
    }
    await c.end();
  });

  it('SUBACK codes are reported per filter as granted (a lower QoS than asked) [MQTT-3.8.4-7]', async () => {
    const broker = await h.broker({ maximumQoS: 1 });
    const c = await h.connect({ brokers: broker.url, clientId: 'g' });
    const grants = await h.track(c.subscribe({ g0: 0, g2: 2 }));
    expect(grants.map((x) => [x.topicFilter, x.qos])).toEqual([
      ['g0', 0],
      ['g2', 1],
    ]);
    await c.end();
  });

  it('3.1.1: a SUBACK with a packet id that no SUBSCRIBE used is a protocol violation [MQTT-2.3.1-7]', async () => {
    const broker = await h.broker();
    broker.replace({ direction: 'out', type: 'suback' }, (ctx) => ({ ...(ctx.packet as SubackPacket), packetId: (ctx.packet as SubackPacket).packetId + 100 }));
    const c = await h.connect({ brokers: broker.url, clientId: 'sid', protocolVersion: 4, reconnect: false });
    const offline = h.once<Error>(c, 'offline');
    const sub = h.track(c.subscribe('s', { qos: 1 }));
    expect(codeOf(await offline)).toBe('ERR_PROTOCOL_VIOLATION');
    await c.end();
    expect(codeOf(await sub.catch((e: unknown) => e))).toBe('ERR_CLIENT_CLOSED');
  });

  it('single-level wildcard must occupy a whole level; first and last levels are fine [MQTT-4.7.1-3]', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'wc' });
    for (const bad of ['a+', '+a/b', 'a/b+']) {
      expect(codeOf(await h.track(c.subscribe(bad)).catch((e: unknown) => e))).toBe('ERR_INVALID_TOPIC_FILTER');
    }
    await h.track(c.subscribe('+/mid/+', { qos: 1 }));
    const m = h.once<Message>(c, 'message');
    broker.publish('first/mid/last', 'x', { qos: 1 });
    expect((await m).topic).toBe('first/mid/last');
    await c.end();
  });
});

describe('inbound QoS 2 state (scripted server)', () => {
  /** A server that accepts CONNECT (Session Present as given) and records what the client sends. */
  function server(sessionPresent: () => boolean, onPacket?: (p: Packet, link: ServerLink) => void) {
    return new ScriptServer((p, link) => {
      if (p.type === 'connect') link.send({ type: 'connack', sessionPresent: sessionPresent(), reasonCode: 0, properties: undefined });
      else if (p.type === 'disconnect') link.end();
      onPacket?.(p, link);
    });
  }

  it('a repeated PUBLISH before PUBREL is not delivered again while the connection is open [MQTT-4.1.0-1] [MQTT-4.3.3-12]', async () => {
    const s = server(() => false);
    const c = await h.connect({ connector: s.connector, clientId: 'q2', keepalive: 0 });
    const got: string[] = [];
    c.on('message', (m) => got.push(m.payload.toString()));
    const link = s.last;
    link.send(publish(1, 2, 'first'));
    link.send(publish(1, 2, 'first', true));
    await until(() => link.received.filter((p) => p.type === 'pubrec').length === 2);
    link.send({ type: 'pubrel', packetId: 1, reasonCode: 0, properties: undefined });
    await until(() => link.received.some((p) => p.type === 'pubcomp'));
    // After PUBCOMP the id is free: the same id is a new message.
    link.send(publish(1, 2, 'second'));
    await until(() => got.length === 2);
    expect(got).toEqual(['first', 'second']);
    await c.end();
    await s.close();
  });

  it('QoS 2 exchange completes after the message expiry interval passed [MQTT-4.3.3-13]', async () => {
    const clock = new ManualClock();
    const s = server(() => false);
    const c = await h.connect({ connector: s.connector, clientId: 'exp2', keepalive: 0, scheduler: clock });
    const link = s.last;
    link.send(publish(9, 2, 'short-lived', false, { messageExpiryInterval: 1 }));
    await until(() => link.received.some((p) => p.type === 'pubrec'));
    clock.advance(5_000);
    link.send({ type: 'pubrel', packetId: 9, reasonCode: 0, properties: undefined });
    await until(() => link.received.some((p) => p.type === 'pubcomp'));
    expect(link.received.find((p) => p.type === 'pubcomp')).toMatchObject({ packetId: 9, reasonCode: 0 });
    await c.end();
    await s.close();
  });

  for (const clean of [true, false]) {
    it(`3.1.1 clean ${clean}: ${clean ? 'the previous session is discarded (same id is a new message)' : 'the held id survives (no second delivery)'} [MQTT-3.1.2-6]`, async () => {
      const s: ScriptServer = server(() => !clean && s.links.length > 1);
      const c = await h.connect({ connector: s.connector, clientId: 'cs', protocolVersion: 4, clean, keepalive: 0, reconnect: { initialDelay: 0 } });
      const got: string[] = [];
      c.on('message', (m) => got.push(m.payload.toString()));
      s.last.send(publish(7, 2, 'one'));
      await until(() => s.last.received.some((p) => p.type === 'pubrec'));
      const back = h.once<ConnectedInfo>(c, 'connect');
      s.last.destroy();
      await back;
      s.last.send(publish(7, 2, clean ? 'two' : 'one', !clean));
      await until(() => s.last.received.some((p) => p.type === 'pubrec'));
      expect(got).toEqual(clean ? ['one', 'two'] : ['one']);
      await c.end();
      await s.close();
    });
  }
});

describe('transient errors', () => {
  it('a store failure while handling an inbound QoS 2 PUBLISH closes the connection; the exchange resumes [MQTT-4.8.0-2]', async () => {
    class FlakyStore extends MemoryStore {
      failInbound = 1;
      override async put(keyspace: Keyspace, record: StoreRecord): Promise<void> {
        if (keyspace === 'inbound' && this.failInbound-- > 0) throw new Error('io');
        return super.put(keyspace, record);
      }
    }
    const broker = await h.broker();
    const store = new FlakyStore();
    const c = await h.connect({
      brokers: broker.url,
      clientId: 'tr',
      store,
      clean: false,
      properties: { sessionExpiryInterval: 60 },
      reconnect: { initialDelay: 0 },
    });
    await c.subscribe('tr', { qos: 2 });
    const got: string[] = [];
    c.on('message', (m) => got.push(m.payload.toString()));
    const offline = h.once<Error>(c, 'offline');
    const back = h.once<ConnectedInfo>(c, 'connect');
    broker.publish('tr', 'x', { qos: 2 });
    expect(codeOf(await offline)).toBe('ERR_STORE');
    expect((await back).sessionPresent).toBe(true);
    await until(() => {
      const s = broker.sessions.get('tr');
      return s !== undefined && s.connected && s.inflight === 0;
    });
    expect(got).toEqual(['x']);
    await c.end();
  });
});
