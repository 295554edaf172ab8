/**
 * README snippet: a durable session with the file store (`@mqttx/client`). Compiled by `tsc -b examples`,
 * never run; the region is checked against README.md by test/examples/readme-snippets.test.ts.
 */

// #region file-store
import { MqttClient } from '@mqttx/client';

const client = new MqttClient({
  brokers: 'mqtt://127.0.0.1:1883',
  clientId: 'meter-17', // the store's key: one session per client id
  clean: false,
  properties: { sessionExpiryInterval: 3600 }, // seconds: the broker keeps our session an hour
  store: { type: 'file', dir: '/var/lib/meter/mqtt', fsync: 'batch' }, // persistence: 'durable'
});
const sent = client.publish('meters/17/kwh', '1234.5', { qos: 1 });
await sent.stored; // on disk: survives a crash; the next client over this store sends it
await sent; // PUBACK received
// #endregion
await client.end();
