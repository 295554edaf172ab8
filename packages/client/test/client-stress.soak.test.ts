/**
 * Soak run of the stress scenario (`npm run test:soak`): 100,000 QoS 1 and 100,000 QoS 2 messages with the
 * links cut every 300 packets.
 */
import { expect, it } from 'vitest';
import { harness } from './helpers/harness.js';
import { runStress } from './helpers/stress.js';

const h = harness();

it('100,000 QoS 1 + 100,000 QoS 2 with the links cut every 300 packets', async () => {
  const r = await runStress(h, 100_000, 300);
  console.log(`soak: ${r.drops} drops, reconnects pub ${r.reconnectsPub} sub ${r.reconnectsSub}, QoS 1 duplicates ${r.duplicatesQos1}`);
  expect(r.drops).toBeGreaterThan(100);
}, 1_800_000);
