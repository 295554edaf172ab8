/**
 * A session kept in Redis (`@mqttx/client/redis`, needs the optional `ioredis` package): QoS 1 messages
 * published while offline are written to Redis first; the client goes away (`destroy()`), and a new client
 * with a new store over the same keys (the same client id) delivers them.
 *
 *   node examples/dist/redis-store.js [broker-url] [redis-url]
 *   MQTT_URL=mqtt://127.0.0.1:1883 REDIS_URL=redis://127.0.0.1:6379 node examples/dist/redis-store.js
 *
 * Prints how many records Redis held and `delivered N/N`, removes its keys, exits 0.
 */
import { MqttClient, connect, type ClientOptions } from '@mqttx/client';
import { RedisStore } from '@mqttx/client/redis';

const url = process.argv[2] ?? process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const redisUrl = process.argv[3] ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clientId = `mqttx-example-redis-${process.pid}`;
const topic = `mqttx-examples/redis/${process.pid}`;
const count = 3;
const options: ClientOptions = { brokers: url, clientId, clean: false, properties: { sessionExpiryInterval: 300 } };

// A store object we open ourselves (a spec `store: { type: 'redis', connection }` works too; the client then
// owns it). Keys: `mqttx:{<client id>}:<keyspace>`, expiring `ttlSeconds` after the last write.
const openStore = () => RedisStore.open({ clientId, connection: redisUrl, ttlSeconds: 300, timeoutMs: 2000 });

// 1. Publish while offline: each QoS 1 message is in Redis once its `stored` promise resolves.
const store1 = await openStore();
const first = new MqttClient({ ...options, store: store1 });
const pending: Promise<void>[] = [];
for (let i = 1; i <= count; i++) {
  const p = first.publish(topic, `event ${i}`, { qos: 1 });
  p.catch(() => undefined); // settles with ERR_CLIENT_CLOSED below; the record stays in Redis
  pending.push(p.stored);
}
await Promise.all(pending);
console.log(`redis holds ${(await store1.list('outbound')).length} outbound records for ${clientId}`);
first.destroy(); // the process "dies"
await store1.close(); // a store object we passed in is ours to close

// 2. A watcher on the topic, then the "restarted" client over a new store on the same keys.
const watcher = await connect({ brokers: url, clientId: `mqttx-example-redis-watcher-${process.pid}` });
const inbox = watcher.messages({ signal: AbortSignal.timeout(10_000) });
await watcher.subscribe(topic, { qos: 1 });
const store2 = await openStore();
const second = await connect({ ...options, store: store2 });

let delivered = 0;
for await (const msg of inbox) {
  if (++delivered === 1) console.log(`first after restart: ${msg.topic} ${msg.payload.toString()}`);
  if (delivered === count) break;
}
console.log(`delivered ${delivered}/${count} after the restart`);
if (delivered !== count) process.exitCode = 1;

await second.end({ properties: { sessionExpiryInterval: 0 } }); // waits for the PUBACKs, ends the session
console.log(`redis holds ${(await store2.list('outbound')).length} outbound records after the PUBACKs`);
await store2.reset(); // remove the session's keys (subscriptions, meta)
await store2.close();
await watcher.end();
