/**
 * A durable session with the file store (`@mqttx/client`): QoS 1 messages published while offline are
 * written to disk before anything is sent (`publish(...).stored`), the process "crashes" (`destroy()`),
 * and a new client over the same store directory delivers them once the broker is reachable.
 *
 *   node examples/dist/durable-file-store.js [broker-url] [store-dir]
 *   MQTT_URL=mqtt://127.0.0.1:1883 STORE_DIR=/var/lib/mqttx node examples/dist/durable-file-store.js
 *
 * The store directory defaults to a fresh temporary one (removed at the end). Prints `delivered N/N`.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MqttClient, connect, type ClientOptions } from '@mqttx/client';

const url = process.argv[2] ?? process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const given = process.argv[3] ?? process.env.STORE_DIR;
const dir = given ?? mkdtempSync(join(tmpdir(), 'mqttx-example-store-'));
const topic = `mqttx-examples/durable/${process.pid}`;
const count = 5;
const options: ClientOptions = {
  brokers: url,
  clientId: `mqttx-example-durable-${process.pid}`,
  clean: false, // keep the session on the broker too
  properties: { sessionExpiryInterval: 300 }, // seconds (MQTT 5)
  store: { type: 'file', dir, fsync: 'batch' }, // persistence defaults to 'durable' with a store
};

// 1. A client that never reached the broker: its QoS 1 messages wait in the store, not only in memory.
const first = new MqttClient(options);
const pending: Promise<void>[] = [];
for (let i = 1; i <= count; i++) {
  const p = first.publish(topic, `reading ${i}`, { qos: 1 });
  p.catch(() => undefined); // settles with ERR_CLIENT_CLOSED below; the record stays in the store
  pending.push(p.stored); // resolves once the record is on disk (fdatasync)
}
await Promise.all(pending);
console.log(`stored ${count} messages in ${dir} (${readdirSync(dir).length} session folder)`);
first.destroy(); // as if the process died here

// 2. Someone listening on the topic, to see the messages arrive.
const watcher = await connect({ brokers: url, clientId: `mqttx-example-watcher-${process.pid}` });
const inbox = watcher.messages({ signal: AbortSignal.timeout(10_000) });
await watcher.subscribe(topic, { qos: 1 });

// 3. The "restarted process": a new client over the same store resends what was never acknowledged.
const second = await connect(options);
let delivered = 0;
for await (const msg of inbox) {
  if (++delivered === 1) console.log(`first after restart: ${msg.topic} ${msg.payload.toString()}`);
  if (delivered === count) break;
}
console.log(`delivered ${delivered}/${count} after the restart`);
if (delivered !== count) process.exitCode = 1;

// Waits for the PUBACKs (acknowledged records leave the store); session expiry 0 ends the broker's session too.
await second.end({ properties: { sessionExpiryInterval: 0 } });
await watcher.end();
if (given === undefined) rmSync(dir, { recursive: true, force: true });
