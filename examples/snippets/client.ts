/**
 * README snippets: the client alone (`@mqttx/client`), quick start. Compiled by `tsc -b examples`, never run; the
 * regions are checked against README.md by test/examples/readme-snippets.test.ts.
 */
// #region quick-client
import { connect } from '@mqttx/client';

const client = await connect({ brokers: 'mqtt://127.0.0.1:1883', clientId: 'sensor-1' });
client.on('message', (msg) => console.log(msg.topic, msg.payload.toString()));
await client.subscribe('sensors/#', { qos: 1 });
await client.publish('sensors/1/temp', '21.5', { qos: 1 }); // resolves with the PUBACK
await client.end(); // graceful: in-flight work, DISCONNECT, socket closed
// #endregion

import type { MqttClient } from '@mqttx/client';

export async function iterate(client: MqttClient): Promise<void> {
  // #region messages-iterator
  for await (const msg of client.messages({ bufferSize: 100, signal: AbortSignal.timeout(60_000) })) {
    console.log(msg.topic, msg.qos, msg.properties?.userProperties);
  }
  // #endregion
}
