/**
 * A forwarder with the `mqttx` session manager: readings published on `sensors/<id>/temperature` through an
 * `edge` session are forwarded to a `cloud` session as `storage/<id>/temp` (wildcard mapping), with
 * metadata added as MQTT 5 user properties. A listener on the cloud side shows what arrives.
 *
 *   node examples/dist/forwarder.js [edge-broker-url] [cloud-broker-url]
 *   MQTT_URL=mqtt://edge:1883 MQTT_TARGET_URL=mqtt://cloud:1883 node examples/dist/forwarder.js
 *
 * The cloud broker defaults to the edge one. Prints `forwarded N/N` and a sample message, exits 0.
 */
import { ForwarderManager, SessionManager, forwarderBuilder } from 'mqttx';

const edgeUrl = process.argv[2] ?? process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const cloudUrl = process.argv[3] ?? process.env.MQTT_TARGET_URL ?? edgeUrl;
const run = process.pid; // keeps client ids and topics apart from other runs on a shared broker
const base = `mqttx-examples/${run}`;
const sensors = ['kitchen', 'garage', 'attic'];
const readings = 5; // per sensor

const manager = new SessionManager();
manager.onEvent('error', (e) => console.error(`error on ${e.session ?? 'manager'}:`, e.data.error));
manager.addSession({ name: 'edge', brokers: edgeUrl, clientId: `mqttx-example-edge-${run}` });
manager.addSession({ name: 'cloud', brokers: cloudUrl, clientId: `mqttx-example-cloud-${run}` });
const forwarders = new ForwarderManager(manager);

try {
  await manager.waitForAllSessions(10_000);
  const stored = manager.listenTo('cloud', `${base}/storage/+/temp`, { qos: 1 });
  await stored.ready;
  const forwarder = await forwarders.addForwarder(
    forwarderBuilder('edge-to-cloud')
      .source('edge', `${base}/sensors/+/temperature`)
      .target('cloud')
      .qos(1)
      .mapTopic(`${base}/sensors/+/temperature`, `${base}/storage/{1}/temp`) // {1}: what `+` matched
      .metadata({ site: 'lyon', pipeline: 'mqttx-example' })
      .filter((msg) => Number.isFinite(Number(msg.payloadString()))), // drop readings that are not numbers
  );

  for (const sensor of sensors) {
    for (let i = 0; i < readings; i++) {
      await manager.publishTo('edge', `${base}/sensors/${sensor}/temperature`, (18 + i * 0.5).toFixed(1), 1);
    }
  }
  await manager.publishTo('edge', `${base}/sensors/kitchen/temperature`, 'not a number', 1); // filtered out

  const expected = sensors.length * readings;
  let received = 0;
  const giveUp = setTimeout(() => void stored.stop(), 10_000); // stop() ends the iteration
  for await (const msg of stored) {
    if (++received === 1) {
      const props = (msg.properties?.userProperties ?? []).map(([k, v]) => `${k}=${v}`).join(' ');
      console.log(`sample: ${msg.topic} ${msg.payloadString()} [${props}]`);
    }
    if (received === expected) break; // break stops the listener
  }
  clearTimeout(giveUp);
  const m = forwarder.getMetrics();
  console.log(`forwarded ${m.forwarded}/${expected}, filtered ${m.filtered}, dropped ${m.dropped}, failed ${m.failed}`);
  console.log(`received on cloud: ${received}; latency p50 ${m.latency.p50Ms.toFixed(2)} ms, p99 ${m.latency.p99Ms.toFixed(2)} ms`);
  if (received !== expected || m.forwarded !== expected) process.exitCode = 1;
} catch (err) {
  console.error('forwarder example failed:', err);
  process.exitCode = 1;
} finally {
  await manager.close(); // closes the forwarders and the listener too
}
