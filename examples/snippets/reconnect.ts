/**
 * README snippet: reconnect and offline behaviour of the client (`@mqttx/client`). Compiled by
 * `tsc -b examples`, never run; the region is checked against README.md by
 * test/examples/readme-snippets.test.ts.
 */

// #region reconnect
import { MqttClient } from '@mqttx/client';

const client = new MqttClient({
  brokers: ['mqtt://primary.local:1883', 'mqtt://backup.local:1883'], // failover, in order
  clientId: 'sensor-1',
  reconnect: { initialDelay: 500, factor: 2, maxDelay: 30_000, retryInitial: true }, // ms, full jitter
  queueQos0: { maxCount: 1_000, policy: 'drop-oldest' }, // while offline
  queueQos12: { maxCount: 10_000, policy: 'reject-new' }, // ERR_QUEUE_FULL beyond
});
client.on('offline', (err) => console.warn('offline:', err?.message));
client.on('reconnecting', ({ attempt, delay }) => console.warn(`attempt ${attempt} in ${delay} ms`));
client.on('ready', () => console.log('connected, subscriptions in place'));
await client.connect();
// Offline, publish() queues and resolves once the message went out and was acknowledged after reconnecting.
await client.publish('sensors/1/temp', '21.5', { qos: 1 });
// #endregion
await client.end();
