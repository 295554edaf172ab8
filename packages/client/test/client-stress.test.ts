/**
 * 10,000 QoS 1 and 10,000 QoS 2 messages with every link cut every few hundred packets: QoS 1 delivered at
 * least once, QoS 2 exactly once, no promise unsettled [MQTT-4.3.3-10] [MQTT-4.4.0-1]. A longer run is in
 * `client-stress.soak.test.ts` (`npm run test:soak`).
 */
import { expect, it } from 'vitest';
import { harness } from './helpers/harness.js';
import { runStress } from './helpers/stress.js';

const h = harness();

it('10,000 QoS 1 + 10,000 QoS 2 with the links cut every 400 packets', async () => {
  const r = await runStress(h, Number(process.env.N ?? 10_000), 400);
  console.log(`stress: ${r.drops} drops, reconnects pub ${r.reconnectsPub} sub ${r.reconnectsSub}, QoS 1 duplicates ${r.duplicatesQos1}`);
  expect(r.drops).toBeGreaterThan(10);
}, 120_000);
