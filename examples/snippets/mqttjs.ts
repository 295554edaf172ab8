/**
 * README snippet: the quick-start client program written with MQTT.js (`mqtt`, a dev dependency of this
 * repository, used by the benchmarks), for the comparison. Compiled by `tsc -b examples`, never run; the
 * region is checked against README.md by test/examples/readme-snippets.test.ts.
 */

// #region mqttjs
import mqtt from 'mqtt';

const client = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { clientId: 'sensor-1', protocolVersion: 5 });
client.on('message', (topic, payload, packet) => console.log(topic, payload.toString(), packet.qos));
await client.subscribeAsync('sensors/#', { qos: 1 });
await client.publishAsync('sensors/1/temp', '21.5', { qos: 1 });
await client.endAsync();
// #endregion
