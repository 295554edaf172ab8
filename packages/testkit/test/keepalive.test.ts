/** Keepalive enforcement on a manual clock: 1.5 x keepalive without a packet closes the link. */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, startBroker, type Broker, type BrokerOptions } from '@mqttx/testkit';
import { checkLeaks } from './helpers/leaks.js';
import { RawClient } from './helpers/raw-client.js';

checkLeaks();

let broker: Broker | undefined;
const clients: RawClient[] = [];
let clock: ManualClock;

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await broker?.close();
  broker = undefined;
});

async function setup(version: 4 | 5, keepalive: number, options: BrokerOptions = {}): Promise<{ c: RawClient; watcher: RawClient }> {
  clock = new ManualClock();
  broker = await startBroker({ clock, ...options });
  const watcher = await RawClient.tcp(broker.port, { protocolVersion: 5 });
  clients.push(watcher);
  await watcher.connect({ clientId: 'watcher' });
  await watcher.subscribe('will/#', 0);
  const c = await RawClient.tcp(broker.port, { protocolVersion: version });
  clients.push(c);
  const ack = await c.connect({
    clientId: 'ka',
    keepalive,
    will: { topic: 'will/ka', payload: Buffer.from('gone'), qos: 0, retain: false, properties: undefined },
  });
  expect(ack.reasonCode).toBe(0);
  return { c, watcher };
}

describe('keepalive', () => {
  it('[MQTT-3.1.2-22] 5.0: no packet for 1.5 x keepalive gives DISCONNECT 0x8D, close, and the will', async () => {
    const { c, watcher } = await setup(5, 2);
    clock.advance(2999);
    expect(c.isOpen).toBe(true);
    expect(broker!.clients.has('ka')).toBe(true);
    clock.advance(1);
    expect((await c.next('disconnect')).reasonCode).toBe(0x8d);
    await c.waitClosed();
    expect((await watcher.next('publish')).topic).toBe('will/ka'); // closed as if the network failed
  });

  it('[MQTT-3.1.2-24] (3.1.1) the link is closed without a DISCONNECT', async () => {
    const { c } = await setup(4, 2);
    clock.advance(3000);
    await c.waitClosed();
    expect(c.all('disconnect')).toEqual([]);
  });

  it('[MQTT-3.12.4-1] every packet (PINGREQ here) restarts the 1.5 x keepalive window', async () => {
    const { c } = await setup(5, 2);
    clock.advance(2000);
    c.send({ type: 'pingreq' });
    await c.next('pingresp');
    clock.advance(2999); // 4999 ms since CONNECT, 2999 since PINGREQ
    expect(c.isOpen).toBe(true);
    expect(broker!.clients.get('ka')?.connected).toBe(true);
    clock.advance(1);
    expect((await c.next('disconnect')).reasonCode).toBe(0x8d);
  });

  it('[MQTT-3.2.2-22] Server Keep Alive replaces the client keepalive and is enforced', async () => {
    const { c } = await setup(5, 60, { serverKeepAlive: 1 });
    expect(c.all('connack')[0]?.properties?.serverKeepAlive).toBe(1);
    clock.advance(1499);
    expect(c.isOpen).toBe(true);
    clock.advance(1);
    expect((await c.next('disconnect')).reasonCode).toBe(0x8d);
  });

  it('keepalive 0 disables enforcement (no timer is left running)', async () => {
    const { c } = await setup(5, 0);
    // The watcher (keepalive 0 too) and this client leave no timer behind once connected.
    expect(clock.pending).toBe(0);
    clock.advance(10_000_000);
    c.send({ type: 'pingreq' });
    await c.next('pingresp');
    expect(c.isOpen).toBe(true);
  });
});
