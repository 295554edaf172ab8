/**
 * Basic publish / subscribe with `@mqttx/client`: connect, subscribe at QoS 1, publish a few QoS 1
 * messages to ourselves, read them back with the `messages()` async iterator, disconnect.
 *
 *   node examples/dist/basic-pubsub.js [broker-url] [count]
 *   MQTT_URL=mqtt://127.0.0.1:1883 node examples/dist/basic-pubsub.js
 *
 * Prints `received N/N messages` and exits 0 once every message came back.
 */
import { connect } from '@mqttx/client';

const url = process.argv[2] ?? process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const count = Number(process.argv[3] ?? 10);
// A topic of our own, so two runs on one shared broker do not see each other's messages.
const base = `mqttx-examples/basic/${process.pid}`;

const client = await connect({ brokers: url, clientId: `mqttx-example-basic-${process.pid}`, keepalive: 30 });
try {
  console.log(`connected to ${url} as ${client.clientId}`);
  const grants = await client.subscribe(`${base}/#`, { qos: 1 });
  console.log(`subscribed ${grants[0]!.topicFilter}, granted QoS ${String(grants[0]!.qos)}`);

  // Start reading before publishing; the iteration ends after `count` messages or 10 seconds.
  const inbox = client.messages({ signal: AbortSignal.timeout(10_000) });
  for (let i = 1; i <= count; i++) {
    // QoS 1: resolves with the broker's PUBACK.
    await client.publish(`${base}/${i}`, JSON.stringify({ seq: i, celsius: 20 + i / 10 }), { qos: 1 });
  }

  let received = 0;
  for await (const msg of inbox) {
    received++;
    if (received === 1) console.log(`first: ${msg.topic} ${msg.payload.toString()} (qos ${msg.qos})`);
    if (received === count) break;
  }
  console.log(`received ${received}/${count} messages`);
  if (received !== count) process.exitCode = 1;
} finally {
  // Graceful: waits for in-flight work, sends DISCONNECT, closes the socket. Nothing is left running.
  await client.end();
}
