/**
 * More QoS 1 publishes awaiting acknowledgement than there are packet identifiers: the broker withholds
 * every PUBACK, the client puts 65,535 in flight and queues the rest (no error, no id reused while in
 * flight), and every promise settles once the acks flow [MQTT-2.2.1-3] [MQTT-2.3.1-2].
 */
import { expect, it } from 'vitest';
import type { PublishPacket, PubackPacket } from '@mqttx/codec';
import type { PacketRecord } from '@mqttx/testkit';
import { harness, until } from './helpers/harness.js';

const h = harness();
const TOTAL = 65_535 + 1_000;

it(`${TOTAL} QoS 1 publishes with PUBACKs withheld: the extra ones queue, no packet id reused in flight [MQTT-2.2.1-3]`, async () => {
  const broker = await h.broker({ records: false });
  const c = await h.connect({ brokers: broker.url, clientId: 'ids' });
  const inFlight = new Set<number>();
  let reused = 0;
  let published = 0;
  let maxInFlight = 0;
  broker.on('packet', (r: PacketRecord) => {
    const p = r.packet;
    if (p === null) return;
    if (r.direction === 'in' && p.type === 'publish') {
      const id = (p as PublishPacket).packetId!;
      if (inFlight.has(id)) reused++;
      inFlight.add(id);
      published++;
      if (inFlight.size > maxInFlight) maxInFlight = inFlight.size;
    } else if (r.direction === 'out' && p.type === 'puback') {
      inFlight.delete((p as PubackPacket).packetId);
    }
  });
  const hold = broker.withhold({ direction: 'out', type: 'puback', clientId: 'ids', times: Infinity });
  const acks: Array<Promise<unknown>> = [];
  for (let i = 0; i < TOTAL; i++) acks.push(h.track(c.publish('ids', 'x', { qos: 1 })));
  await until(() => hold.held === 65_535, 1_000_000);
  // Every id is taken: the rest wait without an error.
  expect(c.inflight).toBe(65_535);
  expect(c.queued).toBe(TOTAL - 65_535);
  expect(published).toBe(65_535);
  hold.release();
  const results = await Promise.all(acks);
  expect(results.length).toBe(TOTAL);
  expect(reused).toBe(0);
  expect(published).toBe(TOTAL);
  expect(maxInFlight).toBe(65_535);
  expect(c.inflight).toBe(0);
  await c.end();
}, 120_000);
