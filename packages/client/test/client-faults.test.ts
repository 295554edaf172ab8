/**
 * Faults from the testkit broker: the link dropped at every step of the QoS 1 and QoS 2 flows in both
 * directions (then resumed: delivered, QoS 2 exactly once), withheld acks with a full Receive Maximum
 * window, malformed and oversized packets from the broker (DISCONNECT with the codec's reason code, then a
 * clean reconnect), a packet above the server's Maximum Packet Size, and an expired session.
 */
import { describe, expect, it } from 'vitest';
import { encode, type DisconnectPacket, type PacketType, type PublishPacket } from '@mqttx/codec';
import { ManualClock, type Broker, type Direction } from '@mqttx/testkit';
import { MqttxError, type ConnectedInfo, type Message, type MqttClient } from '../src/index.js';
import { harness, until } from './helpers/harness.js';

const h = harness();

function codeOf(err: unknown): string | undefined {
  return err instanceof MqttxError ? err.code : undefined;
}

type Step = [direction: Direction, type: PacketType, when: 'before' | 'after'];

/** Persistent-session options for a client that reconnects at once. */
function persistent(protocolVersion: 4 | 5, clientId: string) {
  return {
    clientId,
    protocolVersion,
    clean: false,
    properties: protocolVersion === 5 ? { sessionExpiryInterval: 600 } : undefined,
    reconnect: { initialDelay: 0 },
  };
}

/** Waits until the broker has nothing in flight or queued for `clientId` and it is connected. */
async function settledAt(broker: Broker, clientId: string): Promise<void> {
  await until(() => {
    const s = broker.sessions.get(clientId);
    return s !== undefined && s.connected && s.inflight === 0 && s.queued === 0 && s.inboundQos2.length === 0;
  });
}

const outboundSteps: Record<1 | 2, Step[]> = {
  1: [
    ['in', 'publish', 'before'],
    ['out', 'puback', 'before'],
    ['out', 'puback', 'after'],
  ],
  2: [
    ['in', 'publish', 'before'],
    ['out', 'pubrec', 'before'],
    ['out', 'pubrec', 'after'],
    ['in', 'pubrel', 'before'],
    ['out', 'pubcomp', 'before'],
    ['out', 'pubcomp', 'after'],
  ],
};

const inboundSteps: Record<1 | 2, Step[]> = {
  1: [
    ['out', 'publish', 'before'],
    ['out', 'publish', 'after'],
    ['in', 'puback', 'before'],
  ],
  2: [
    ['out', 'publish', 'before'],
    ['out', 'publish', 'after'],
    ['in', 'pubrec', 'before'],
    ['out', 'pubrel', 'before'],
    ['out', 'pubrel', 'after'],
    ['in', 'pubcomp', 'before'],
  ],
};

for (const protocolVersion of [4, 5] as const) {
  describe(`link dropped mid-flow (v${protocolVersion})`, () => {
    for (const qos of [1, 2] as const) {
      for (const [direction, type, when] of outboundSteps[qos]) {
        it(`outbound QoS ${qos}: drop ${when} ${direction} ${type} -> resumed, delivered ${qos === 2 ? 'exactly once' : 'at least once'} [MQTT-4.4.0-1]`, async () => {
          const broker = await h.broker();
          const sub = await h.connect({ brokers: broker.url, clientId: 'sub', protocolVersion });
          await sub.subscribe('f/#', { qos: 2 });
          const got: string[] = [];
          sub.on('message', (m) => got.push(m.payload.toString()));
          const pub = await h.connect({ brokers: broker.url, ...persistent(protocolVersion, 'pub') });
          const fault = broker.fault({ direction, type, clientId: 'pub', action: { type: 'drop', when } });
          const reconnected = h.once<ConnectedInfo>(pub, 'connect');
          const ack = await h.track(pub.publish('f/1', 'm', { qos }));
          expect(ack?.type).toBe(qos === 1 ? 'puback' : 'pubcomp');
          expect(fault.hits).toBe(1);
          expect((await reconnected).sessionPresent).toBe(true);
          await settledAt(broker, 'sub');
          if (qos === 2) expect(got).toEqual(['m']);
          else expect(got.length).toBeGreaterThanOrEqual(1);
          await pub.end();
          await sub.end();
        });
      }
      for (const [direction, type, when] of inboundSteps[qos]) {
        it(`inbound QoS ${qos}: drop ${when} ${direction} ${type} -> resumed, delivered ${qos === 2 ? 'exactly once' : 'at least once'} [MQTT-4.3.3-10]`, async () => {
          const broker = await h.broker();
          const c = await h.connect({ brokers: broker.url, ...persistent(protocolVersion, 'c') });
          await c.subscribe('in/#', { qos: 2 });
          const got: Message[] = [];
          c.on('message', (m) => got.push(m));
          const fault = broker.fault({ direction, type, clientId: 'c', action: { type: 'drop', when } });
          const reconnected = h.once<ConnectedInfo>(c, 'connect');
          broker.publish('in/1', 'm', { qos });
          expect((await reconnected).sessionPresent).toBe(true);
          await settledAt(broker, 'c');
          expect(fault.hits).toBe(1);
          if (qos === 2) expect(got.map((m) => m.payload.toString())).toEqual(['m']);
          else expect(got.length).toBeGreaterThanOrEqual(1);
          await c.end();
        });
      }
    }
  });
}

describe('flow control and limits', () => {
  it('withheld PUBACKs: never more than the server Receive Maximum in flight; all settle once released [MQTT-4.9.0-2]', async () => {
    const broker = await h.broker({ receiveMaximum: 2 });
    const c = await h.connect({ brokers: broker.url, clientId: 'rm' });
    const hold = broker.withhold({ direction: 'out', type: 'puback', clientId: 'rm', times: Infinity });
    const acks = Array.from({ length: 5 }, (_, i) => h.track(c.publish(`rm/${i}`, String(i), { qos: 1 })));
    await hold.triggered;
    await until(() => hold.held === 2);
    expect(c.inflight).toBe(5);
    expect(c.queued).toBe(3);
    hold.release();
    const results = await Promise.all(acks);
    expect(results.every((r) => r?.type === 'puback')).toBe(true);
    // Replay the broker's log: never more than 2 PUBLISH without their PUBACK.
    let open = 0;
    let max = 0;
    for (const r of broker.records) {
      if (r.direction === 'in' && r.packet?.type === 'publish') max = Math.max(max, ++open);
      if (r.direction === 'out' && r.packet?.type === 'puback') open--;
    }
    expect(max).toBe(2);
    await c.end();
  });

  it('a publish above the server Maximum Packet Size is refused before sending [MQTT-3.2.2-15]', async () => {
    const broker = await h.broker({ hooks: { connack: () => ({ properties: { maximumPacketSize: 128 } }) } });
    const c = await h.connect({ brokers: broker.url, clientId: 'mps' });
    const err = await h.track(c.publish('big', Buffer.alloc(500), { qos: 1 })).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('ERR_PACKET_TOO_LARGE');
    expect(broker.records.some((r) => r.direction === 'in' && r.packet?.type === 'publish')).toBe(false);
    await h.track(c.publish('small', 'ok', { qos: 1 }));
    await c.end();
  });
});

describe('bad bytes from the broker', () => {
  async function expectDisconnectThenReconnect(broker: Broker, c: MqttClient, reasonCode: number) {
    const offline = h.once<Error>(c, 'offline');
    const back = h.once<ConnectedInfo>(c, 'connect');
    const err = await offline;
    expect(codeOf(err)).toBe('ERR_PROTOCOL_VIOLATION');
    expect((err as MqttxError).reasonCode).toBe(reasonCode);
    // The codec's error is the cause; its reason code is the one sent.
    expect(((err as Error).cause as MqttxError).reasonCode).toBe(reasonCode);
    const rec = await broker.waitFor({ direction: 'in', type: 'disconnect' });
    expect((rec.packet as DisconnectPacket).reasonCode).toBe(reasonCode);
    await back;
  }

  it('a malformed packet: DISCONNECT 0x81, then a clean reconnect [MQTT-4.13.1-1]', async () => {
    const clock = new ManualClock();
    const broker = await h.broker();
    // PINGRESP with a remaining length of 1 is malformed.
    broker.replace({ direction: 'out', type: 'pingresp' }, Buffer.from([0xd0, 0x01, 0x00]));
    const c = await h.connect({ brokers: broker.url, clientId: 'mal', keepalive: 5, scheduler: clock, reconnect: { initialDelay: 0 } });
    const done = expectDisconnectThenReconnect(broker, c, 0x81);
    clock.advance(5_000);
    await done;
    await h.track(c.publish('after', 'ok', { qos: 1 }));
    await c.end();
  });

  it('a packet above our Maximum Packet Size: DISCONNECT 0x95 [MQTT-3.1.2-24]', async () => {
    const broker = await h.broker();
    const big = encode(
      { type: 'publish', topic: 'big', payload: Buffer.alloc(300), qos: 0, retain: false, dup: false, packetId: undefined, properties: undefined },
      { protocolVersion: 5 },
    );
    const c = await h.connect({ brokers: broker.url, clientId: 'big', properties: { maximumPacketSize: 200 }, reconnect: { initialDelay: 0 } });
    await c.subscribe('small', { qos: 0 });
    broker.replace({ direction: 'out', type: 'publish', clientId: 'big' }, big);
    const done = expectDisconnectThenReconnect(broker, c, 0x95);
    broker.publish('small', 'x');
    await done;
    await c.end();
  });

  it('3.1.1: a malformed packet closes the link without DISCONNECT, then reconnects [MQTT-4.8.0-1]', async () => {
    const clock = new ManualClock();
    const broker = await h.broker();
    broker.replace({ direction: 'out', type: 'pingresp' }, Buffer.from([0xd0, 0x01, 0x00]));
    const c = await h.connect({ brokers: broker.url, clientId: 'mal4', protocolVersion: 4, keepalive: 5, scheduler: clock, reconnect: { initialDelay: 0 } });
    const offline = h.once<Error>(c, 'offline');
    const back = h.once<ConnectedInfo>(c, 'connect');
    clock.advance(5_000);
    expect(codeOf(await offline)).toBe('ERR_PROTOCOL_VIOLATION');
    await back;
    expect(broker.records.some((r) => r.direction === 'in' && r.packet?.type === 'disconnect')).toBe(false);
    await c.end();
  });
});

describe('expired session', () => {
  it('the server forgot the session: subscriptions made again, in-flight publish resent as new (DUP 0) [MQTT-3.2.2-5]', async () => {
    const clock = new ManualClock();
    const broker = await h.broker({ clock });
    const c = await h.connect({
      brokers: broker.url,
      clientId: 'exp',
      clean: false,
      keepalive: 0,
      scheduler: clock,
      properties: { sessionExpiryInterval: 1 },
      reconnect: { initialDelay: 5_000, random: () => 0.99 },
    });
    await c.subscribe('exp/#', { qos: 1 });
    // The broker keeps the first PUBACK: the publish is in flight when the link goes.
    broker.withhold({ direction: 'out', type: 'puback', clientId: 'exp' });
    const ack = h.track(c.publish('exp/1', 'x', { qos: 1 }));
    await broker.waitFor({ direction: 'in', type: 'publish', clientId: 'exp' });
    const offline = h.once(c, 'offline');
    const gone = new Promise((resolve) => broker.once('clientDisconnected', resolve));
    broker.clients.get('exp')!.destroy();
    await offline;
    await gone;
    const connected = h.once<ConnectedInfo>(c, 'connect');
    const ready = h.once(c, 'ready');
    clock.advance(5_000); // the session expires at 1 s, the client comes back at 4.95 s
    expect((await connected).sessionPresent).toBe(false);
    await ready;
    expect((await ack)?.type).toBe('puback');
    const pubs = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish').map((r) => (r.packet as PublishPacket).dup);
    expect(pubs).toEqual([false, false]);
    expect(broker.sessions.get('exp')!.subscriptions.map((s) => s.filter)).toEqual(['exp/#']);
    await c.end();
  });
});
