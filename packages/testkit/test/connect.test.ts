/**
 * CONNECT handling: client ids, Clean Start and Session Present, takeover, authentication, capability
 * checks, protocol violations around CONNECT.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '@mqttx/codec';
import { startBroker, type Broker, type BrokerOptions } from '@mqttx/testkit';
import { checkLeaks } from './helpers/leaks.js';
import { RawClient } from './helpers/raw-client.js';

checkLeaks();

let broker: Broker | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await broker?.close();
  broker = undefined;
});

async function start(options: BrokerOptions = {}): Promise<Broker> {
  broker = await startBroker(options);
  return broker;
}

async function client(protocolVersion: 4 | 5 = 5): Promise<RawClient> {
  const c = await RawClient.tcp(broker!.port, { protocolVersion });
  clients.push(c);
  return c;
}

describe('client identifiers', () => {
  it('[MQTT-3.2.2-16] [MQTT-3.1.3-7] 5.0: an empty client id gets an unused assigned one', async () => {
    await start();
    const a = await client();
    const b = await client();
    const ca = await a.connect({ clientId: '' });
    const cb = await b.connect({ clientId: '' });
    expect(ca.reasonCode).toBe(0);
    const idA = ca.properties?.assignedClientIdentifier;
    const idB = cb.properties?.assignedClientIdentifier;
    expect(idA).toMatch(/^mqttx-/);
    expect(idB).toMatch(/^mqttx-/);
    expect(idA).not.toBe(idB);
    expect([...broker!.clients.keys()].sort()).toEqual([idA, idB].sort());
  });

  it('[MQTT-3.1.3-6] 3.1.1: an empty client id with Clean Session 1 is accepted', async () => {
    await start();
    const a = await client(4);
    const ack = await a.connect({ clientId: '', clean: true });
    expect(ack.reasonCode).toBe(0);
    expect(ack.properties).toBeUndefined();
    expect(broker!.clients.size).toBe(1);
  });

  it('[MQTT-3.1.3-8] (3.1.1) an empty client id with Clean Session 0 is refused with 0x02 and closed', async () => {
    await start();
    const a = await client(4);
    const ack = await a.connect({ clientId: '', clean: false });
    expect(ack.reasonCode).toBe(2);
    expect(ack.sessionPresent).toBe(false);
    await a.waitClosed();
  });

  it('allowEmptyClientId: false refuses empty ids (0x85 in 5.0)', async () => {
    await start({ allowEmptyClientId: false });
    const a = await client();
    expect((await a.connect({ clientId: '' })).reasonCode).toBe(0x85);
    await a.waitClosed();
  });
});

describe('MQTT 3.1 (MQIsdp)', () => {
  it('a level 3 CONNECT is served with the 3.1.1 wire format', async () => {
    await start();
    const c = await client(4);
    // CONNECT: "MQIsdp", level 3, Clean Session, keepalive 0, client id "mq31"
    c.sendRaw(Buffer.from([0x10, 18, 0, 6, ...Buffer.from('MQIsdp'), 3, 0x02, 0, 0, 0, 4, ...Buffer.from('mq31')]));
    expect(await c.next('connack')).toMatchObject({ reasonCode: 0, sessionPresent: false });
    expect(broker!.clients.get('mq31')?.protocolVersion).toBe(3);
    expect((await c.subscribe('t', 1)).reasonCodes).toEqual([1]);
    broker!.publish('t', 'to 3.1', { qos: 1 });
    expect((await c.next('publish')).payload.toString()).toBe('to 3.1');
  });
});

describe('Clean Start and Session Present', () => {
  it.each([4, 5] as const)('[MQTT-3.2.2-2] [MQTT-3.2.2-3] level %i: Session Present only when resuming', async (v) => {
    await start();
    const props = v === 5 ? { sessionExpiryInterval: 60 } : undefined;
    const a = await client(v);
    expect((await a.connect({ clientId: 'sp', clean: false, properties: props })).sessionPresent).toBe(false);
    await a.subscribe('x', 1);
    await a.disconnect();
    const b = await client(v);
    expect((await b.connect({ clientId: 'sp', clean: false, properties: props })).sessionPresent).toBe(true);
    expect(broker!.sessions.get('sp')?.subscriptions.map((s) => s.filter)).toEqual(['x']);
    await b.disconnect();
    const c = await client(v);
    // [MQTT-3.1.2-4] Clean Start 1 discards the session
    expect((await c.connect({ clientId: 'sp', clean: true, properties: props })).sessionPresent).toBe(false);
    expect(broker!.sessions.get('sp')?.subscriptions).toEqual([]);
  });

  it('5.0: a session with expiry 0 ends with its connection', async () => {
    await start();
    const a = await client();
    await a.connect({ clientId: 'short', clean: false });
    await a.subscribe('x', 1);
    await a.disconnect();
    await broker!.waitFor({ direction: 'in', type: 'disconnect' });
    expect(broker!.sessions.has('short')).toBe(false);
    const b = await client();
    expect((await b.connect({ clientId: 'short', clean: false })).sessionPresent).toBe(false);
  });

  it('maximumSessionExpiryInterval caps the interval and says so in CONNACK', async () => {
    await start({ maximumSessionExpiryInterval: 30 });
    const a = await client();
    const ack = await a.connect({ clientId: 'cap', properties: { sessionExpiryInterval: 3600 } });
    expect(ack.properties?.sessionExpiryInterval).toBe(30);
    expect(broker!.sessions.get('cap')?.expiryInterval).toBe(30);
  });
});

describe('session takeover', () => {
  it('[MQTT-3.1.4-3] 5.0: the old connection gets DISCONNECT 0x8E and is closed; the session continues', async () => {
    await start();
    const a = await client();
    await a.connect({ clientId: 'dup', clean: false, properties: { sessionExpiryInterval: 60 } });
    await a.subscribe('t', 1);
    const b = await client();
    const ack = await b.connect({ clientId: 'dup', clean: false, properties: { sessionExpiryInterval: 60 } });
    expect(ack.sessionPresent).toBe(true);
    expect((await a.next('disconnect')).reasonCode).toBe(0x8e);
    await a.waitClosed();
    expect(broker!.clients.size).toBe(1);
    expect(broker!.clients.get('dup')?.state).toBe('connected');
    broker!.publish('t', 'after takeover', { qos: 1 });
    expect((await b.next('publish')).payload.toString()).toBe('after takeover');
  });

  it('[MQTT-3.1.4-2] (3.1.1) the existing client is disconnected', async () => {
    await start();
    const a = await client(4);
    await a.connect({ clientId: 'dup4', clean: false });
    const b = await client(4);
    expect((await b.connect({ clientId: 'dup4', clean: false })).sessionPresent).toBe(true);
    await a.waitClosed();
    expect(a.all('disconnect')).toEqual([]);
  });
});

describe('authentication', () => {
  it('[MQTT-3.1.4-2] authenticate sees client id, user name and password; false refuses with 0x87 / 5', async () => {
    const seen: Array<[string, string | undefined, string | undefined]> = [];
    await start({
      authenticate: ({ clientId, username, password }) => {
        seen.push([clientId, username, password?.toString()]);
        return username === 'alice' && password?.toString() === 'secret';
      },
    });
    const ok = await client();
    expect((await ok.connect({ clientId: 'c1', username: 'alice', password: Buffer.from('secret') })).reasonCode).toBe(0);
    const bad5 = await client(5);
    const ack5 = await bad5.connect({ clientId: 'c2', username: 'alice', password: Buffer.from('nope') });
    expect(ack5.reasonCode).toBe(0x87);
    expect(ack5.sessionPresent).toBe(false); // [MQTT-3.2.2-6]
    await bad5.waitClosed();
    const bad4 = await client(4);
    expect((await bad4.connect({ clientId: 'c3', username: 'bob', password: Buffer.from('x') })).reasonCode).toBe(5);
    await bad4.waitClosed();
    expect(seen).toEqual([
      ['c1', 'alice', 'secret'],
      ['c2', 'alice', 'nope'],
      ['c3', 'bob', 'x'],
    ]);
    expect(broker!.sessions.has('c2')).toBe(false);
  });

  it('an async authenticate with a reason code; packets sent meanwhile are not processed when refused [MQTT-3.1.4-6]', async () => {
    let release!: (v: number) => void;
    await start({ authenticate: () => new Promise<number>((r) => (release = r)) });
    const a = await client();
    a.send({ type: 'connect', protocolVersion: 5, clientId: 'slow', clean: true, keepalive: 0, username: 'u', password: undefined, will: undefined, properties: undefined });
    a.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'x', qos: 0 }], properties: undefined });
    await broker!.waitFor({ direction: 'in', type: 'subscribe' });
    release(0x86);
    expect((await a.next('connack')).reasonCode).toBe(0x86);
    await a.waitClosed();
    expect(a.all('suback')).toEqual([]);
    expect(broker!.records.filter((r) => r.direction === 'out').map((r) => r.packet?.type)).toEqual(['connack']);
  });

  it('packets pipelined after CONNECT are processed once an async authenticate accepts', async () => {
    let release!: (v: boolean) => void;
    await start({ authenticate: () => new Promise<boolean>((r) => (release = r)) });
    const a = await client(4);
    a.send({ type: 'connect', protocolVersion: 4, clientId: 'pipe', clean: true, keepalive: 0, username: undefined, password: undefined, will: undefined, properties: undefined });
    a.send({ type: 'subscribe', packetId: 7, subscriptions: [{ topicFilter: 'x', qos: 1 }], properties: undefined });
    await broker!.waitFor({ direction: 'in', type: 'subscribe' });
    release(true);
    expect((await a.next('connack')).reasonCode).toBe(0);
    expect((await a.next('suback')).reasonCodes).toEqual([1]);
  });

  it('a throwing authenticate refuses the client (0x80) and is reported in hookErrors', async () => {
    await start({
      authenticate: () => {
        throw new Error('boom');
      },
    });
    const a = await client();
    expect((await a.connect({ clientId: 'x' })).reasonCode).toBe(0x80);
    expect(broker!.hookErrors).toHaveLength(1);
  });
});

describe('capabilities and protocol errors around CONNECT', () => {
  it('[MQTT-3.2.2-12] a will QoS above maximumQoS is refused with 0x9B', async () => {
    await start({ maximumQoS: 1 });
    const a = await client();
    const ack = await a.connect({ clientId: 'w', will: { topic: 'w', payload: Buffer.from('x'), qos: 2, retain: false } });
    expect(ack.reasonCode).toBe(0x9b);
  });

  it('[MQTT-3.2.2-13] a retained will without retain support is refused with 0x9A', async () => {
    await start({ retainAvailable: false });
    const a = await client();
    const ack = await a.connect({ clientId: 'w', will: { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: true } });
    expect(ack.reasonCode).toBe(0x9a);
  });

  it('[MQTT-4.12.0-1] an authentication method is refused with 0x8C (no enhanced authentication)', async () => {
    await start();
    const a = await client();
    expect((await a.connect({ clientId: 'x', properties: { authenticationMethod: 'SCRAM' } })).reasonCode).toBe(0x8c);
  });

  it('[MQTT-3.1.2-2] (3.1.1) an unsupported protocol level gets CONNACK 0x01 and is closed', async () => {
    await start();
    const a = await client(4);
    const connect = encode({ type: 'connect', protocolVersion: 4, clientId: 'x', clean: true, keepalive: 0, username: undefined, password: undefined, will: undefined, properties: undefined }, { protocolVersion: 4 });
    connect[8] = 6; // protocol level byte after the 2+4 byte protocol name
    a.sendRaw(connect);
    expect((await a.next('connack')).reasonCode).toBe(1);
    await a.waitClosed();
  });

  it('[MQTT-3.1.0-1] a first packet other than CONNECT closes the link without an answer', async () => {
    await start();
    const a = await client();
    a.sendRaw(Buffer.from([0xc0, 0x00])); // PINGREQ
    await a.waitClosed();
    expect(a.received).toEqual([]);
  });

  it('[MQTT-3.1.0-2] a second CONNECT is a protocol error: DISCONNECT 0x82 and close', async () => {
    await start();
    const a = await client();
    await a.connect({ clientId: 'twice' });
    a.send({ type: 'connect', protocolVersion: 5, clientId: 'twice', clean: true, keepalive: 0, username: undefined, password: undefined, will: undefined, properties: undefined });
    expect((await a.next('disconnect')).reasonCode).toBe(0x82);
    await a.waitClosed();
  });

  it('[MQTT-4.13.1-1] a malformed packet: DISCONNECT with the codec reason (0x81) and close', async () => {
    await start();
    const a = await client();
    await a.connect({ clientId: 'bad' });
    a.sendRaw(Buffer.from([0x61, 0x02, 0x00, 0x01])); // PUBREL with reserved flags 0b0001 [MQTT-3.6.1-1]
    expect((await a.next('disconnect')).reasonCode).toBe(0x81);
    await a.waitClosed();
  });

  it('a link that never sends CONNECT is closed after connectTimeout', async () => {
    const { ManualClock } = await import('@mqttx/testkit');
    const clock = new ManualClock();
    await start({ clock, connectTimeout: 1000 });
    const a = await client();
    await new Promise<void>((resolve) => {
      if (broker!.connections.size > 0) resolve();
      else broker!.once('connection', () => resolve());
    });
    clock.advance(999);
    expect(a.isOpen).toBe(true);
    clock.advance(1);
    await a.waitClosed();
  });
});
