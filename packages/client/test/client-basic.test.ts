/**
 * Driver basics against the testkit broker over loopback TCP, in MQTT 3.1.1 and 5.0: connect, publish
 * QoS 0/1/2, subscribe / unsubscribe, inbound QoS 0/1/2, retained messages, counters, end().
 */
import { describe, expect, it } from 'vitest';
import type { PublishPacket } from '@mqttx/codec';
import { MqttClient, connect, type Message } from '../src/index.js';
import { harness } from './helpers/harness.js';

const h = harness();

for (const protocolVersion of [4, 5] as const) {
  describe(`basic flows (v${protocolVersion})`, () => {
    it('connects, publishes QoS 0/1/2 and receives its own messages [MQTT-3.3.1-1] [MQTT-4.3.2-1] [MQTT-4.3.3-1]', async () => {
      const broker = await h.broker();
      const c = await h.connect({ brokers: broker.url, clientId: `basic-${protocolVersion}`, protocolVersion });
      expect(c.connected).toBe(true);
      const got: Message[] = [];
      c.on('message', (m) => got.push(m));
      const grants = await h.track(c.subscribe({ 'b/0': 0, 'b/1': 1, 'b/2': { qos: 2 } }));
      expect(grants.map((g) => g.qos)).toEqual([0, 1, 2]);
      await h.track(c.publish('b/0', 'zero'));
      const ack1 = await h.track(c.publish('b/1', 'one', { qos: 1 }));
      expect(ack1?.type).toBe('puback');
      const ack2 = await h.track(c.publish('b/2', Buffer.from('two'), { qos: 2 }));
      expect(ack2?.type).toBe('pubcomp');
      await broker.waitFor({ direction: 'in', type: 'pubcomp' });
      while (got.length < 3) await new Promise((r) => c.once('message', r));
      expect(got.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([
        ['b/0', 'zero', 0],
        ['b/1', 'one', 1],
        ['b/2', 'two', 2],
      ]);
      expect(c.stats.messagesSent).toBe(3);
      expect(c.stats.messagesReceived).toBe(3);
      expect(c.stats.bytesSent).toBeGreaterThan(0);
      expect(c.stats.bytesReceived).toBeGreaterThan(0);
      await c.end();
      expect(c.status).toBe('closed');
      // The graceful end sent DISCONNECT [MQTT-3.14.4-1].
      await broker.waitFor({ direction: 'in', type: 'disconnect' });
    });

    it('unsubscribes: no more messages on that filter [MQTT-3.10.4-1]', async () => {
      const broker = await h.broker();
      const c = await h.connect({ brokers: broker.url, clientId: 'u', protocolVersion });
      await c.subscribe('u/#', { qos: 1 });
      const res = await h.track(c.unsubscribe('u/#'));
      expect(res).toEqual([{ topicFilter: 'u/#', reasonCode: 0 }]);
      expect(broker.publish('u/x', 'late', { qos: 1 })).toBe(0);
      await c.end();
    });

    it('receives retained messages on subscribe and acks inbound QoS 1 / QoS 2 [MQTT-4.3.2-4] [MQTT-4.3.3-8]', async () => {
      const broker = await h.broker();
      broker.publish('r/1', 'kept', { qos: 1, retain: true });
      const c = await h.connect({ brokers: broker.url, clientId: 'r', protocolVersion });
      const first = new Promise<Message>((resolve) => c.once('message', resolve));
      await c.subscribe('r/#', { qos: 2 });
      const m = await first;
      expect([m.topic, m.payload.toString(), m.retain, m.qos]).toEqual(['r/1', 'kept', true, 1]);
      await broker.waitFor({ direction: 'in', type: 'puback', clientId: 'r' });
      const second = new Promise<Message>((resolve) => c.once('message', resolve));
      broker.publish('r/2', 'q2', { qos: 2 });
      expect((await second).qos).toBe(2);
      await broker.waitFor({ direction: 'in', type: 'pubcomp', clientId: 'r' });
      await c.end();
    });
  });
}

describe('connect() shortcut and options', () => {
  it('connect() resolves with a connected client; end() is idempotent', async () => {
    const broker = await h.broker();
    const c = await connect({ brokers: broker.url, clientId: 'short' });
    expect(c).toBeInstanceOf(MqttClient);
    const e1 = c.end();
    const e2 = c.end();
    expect(e1).toBe(e2);
    await e1;
    expect(c.status).toBe('closed');
  });

  it('connect() while connected resolves with the same CONNACK info (rebuilt: the packet is not kept)', async () => {
    const broker = await h.broker({ hooks: { connack: () => ({ properties: { receiveMaximum: 7, topicAliasMaximum: 3 } }) } });
    const c = new MqttClient({ brokers: broker.url, clientId: 'again' });
    const first = await h.track(c.connect());
    const again = await h.track(c.connect());
    expect(first.connack.properties).toMatchObject({ receiveMaximum: 7, topicAliasMaximum: 3 });
    expect(again).toEqual(first);
    expect(again.connack).toEqual({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: first.connack.properties });
    await c.end();
  });

  it("keeps no reference to the caller's options object; clients with default settings share what the driver reads", () => {
    const options = { brokers: 'mqtt://127.0.0.1:1883', clientId: 'a' };
    const a = new MqttClient(options);
    const b = new MqttClient({ brokers: 'mqtt://127.0.0.1:1883', clientId: 'b' });
    const c = new MqttClient({ brokers: 'mqtt://127.0.0.1:1883', clientId: 'c', username: 'u', manualAck: true });
    const driverOf = (x: MqttClient) => (x as unknown as { driver: { options: object } }).driver;
    expect(driverOf(a).options).not.toBe(options);
    expect(driverOf(b).options).toBe(driverOf(a).options);
    expect(driverOf(c).options).not.toBe(driverOf(a).options);
    expect(driverOf(c).options).toMatchObject({ username: 'u', manualAck: true, maxHeldMessages: 10_000, followRedirects: false });
    for (const x of [a, b, c]) x.destroy();
  });

  it('rejects invalid options with ConfigError naming the field', () => {
    const bad = (o: object, option: string) => {
      try {
        new MqttClient(o as never);
        expect.unreachable();
      } catch (err) {
        expect((err as { code: string }).code).toBe('ERR_CONFIG');
        expect((err as { context: { option: string } }).context.option).toBe(option);
      }
    };
    bad({}, 'brokers');
    bad({ brokers: [] }, 'brokers');
    bad({ brokers: 'ws://x' }, 'brokers');
    bad({ brokers: 'mqtt://x', keepalive: -1 }, 'keepalive');
    bad({ brokers: 'mqtt://x', protocolVersion: 3 }, 'protocolVersion');
    bad({ brokers: 'mqtt://x', password: 5 }, 'password');
    bad({ brokers: 'mqtt://x', reconnect: { maxAttempts: 0 } }, 'reconnect.maxAttempts');
    bad({ brokers: 'mqtt://x', reconnect: { initialDelay: 10, maxDelay: 5 } }, 'reconnect.maxDelay');
    bad({ brokers: 'mqtt://x', scheduler: {} }, 'scheduler');
    bad({ brokers: 'mqtt://x', store: {} }, 'store');
    bad({ brokers: 'mqtt://x', will: { topic: 'a/#', payload: 'x', qos: 0 } }, 'will.topic');
  });

  it('publish promise carries `stored`, resolved at once without persistence', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 's' });
    const p = c.publish('s', 'x', { qos: 1 });
    await h.track(p.stored);
    await h.track(p);
    await c.end();
  });

  it('messages() iterates incoming messages and ends on close', async () => {
    const broker = await h.broker();
    const c = await h.connect({ brokers: broker.url, clientId: 'it' });
    await c.subscribe('it/#', { qos: 1 });
    const it = c.messages();
    for (let i = 0; i < 3; i++) broker.publish(`it/${i}`, String(i), { qos: 1 });
    const seen: string[] = [];
    for await (const m of it) {
      seen.push((m as PublishPacket).topic);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['it/0', 'it/1', 'it/2']);
    const it2 = c.messages();
    const next = h.track(it2.next());
    await c.end();
    expect((await next).done).toBe(true);
  });
});
