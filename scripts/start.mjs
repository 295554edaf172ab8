#!/usr/bin/env node
/**
 * `npm start`: the demo on an embedded broker.
 *
 * Until the client and the session manager land (see the open issues), the demo drives the wire directly with
 * the packages that exist: the testkit broker as the embedded default broker, `@mqttx/transport` connections
 * and `@mqttx/codec` packets. Two sensor sessions publish QoS 1 readings, a storage session subscribes to
 * `sensors/#`, and the run ends with a summary of what flowed.
 *
 *   npm start                                   # embedded broker, 3 s
 *   npm start -- --broker mqtt://host:1883      # the same against a real broker
 *   npm start -- --duration 10                  # seconds
 */
import { parseArgs } from 'node:util';
import { Decoder, encode } from '@mqttx/codec';
import { connect } from '@mqttx/transport';
import { startBroker } from '@mqttx/testkit';

const { values } = parseArgs({
  options: {
    broker: { type: 'string' },
    duration: { type: 'string', default: '3' },
    version: { type: 'string', default: '5' },
  },
});
const durationMs = Math.max(0.5, Number(values.duration) || 3) * 1000;
const protocolVersion = values.version === '4' || values.version === '3.1.1' ? 4 : 5;

/** A minimal session over the codec and the transport: CONNECT, then a packet callback. */
async function session(url, clientId, onPacket) {
  const conn = await connect(url, { connectTimeout: 5000 });
  const decoder = new Decoder({ protocolVersion });
  const stats = { sent: 0, received: 0, acked: 0 };
  let connected;
  const ready = new Promise((resolve, reject) => {
    connected = resolve;
    conn.once('close', (err) => reject(err ?? new Error('closed before CONNACK')));
  });
  conn.on('data', (chunk) => {
    for (const packet of decoder.push(chunk)) {
      if (packet.type === 'connack') {
        if (packet.reasonCode !== 0) throw new Error(`${clientId}: CONNACK refused with 0x${packet.reasonCode.toString(16)}`);
        connected();
      } else {
        onPacket(packet, conn, stats);
      }
    }
  });
  conn.write(encode({ type: 'connect', protocolVersion, clientId, clean: true, keepalive: 30 }, { protocolVersion }));
  await ready;
  return { conn, stats, send: (p) => conn.write(encode(p, { protocolVersion })) };
}

const broker = values.broker ? undefined : await startBroker();
const url = values.broker ?? broker.url;
console.log(`mqttx demo: MQTT ${protocolVersion === 5 ? '5.0' : '3.1.1'} on ${broker ? `embedded testkit broker ${url}` : url}`);

const storage = await session(url, 'storage', (packet, conn, stats) => {
  if (packet.type === 'publish') {
    stats.received++;
    if (packet.qos === 1) conn.write(encode({ type: 'puback', packetId: packet.packetId }, { protocolVersion }));
  }
});
storage.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'sensors/#', qos: 1 }] });

const sensors = [];
for (const name of ['sensor-1', 'sensor-2']) {
  sensors.push(
    await session(url, name, (packet, _conn, stats) => {
      if (packet.type === 'puback') stats.acked++;
    }),
  );
}

let packetId = 0;
const started = Date.now();
const timer = setInterval(() => {
  for (const [i, s] of sensors.entries()) {
    for (let k = 0; k < 50; k++) {
      packetId = (packetId % 65535) + 1;
      const reading = JSON.stringify({ sensor: i + 1, t: Date.now(), celsius: 20 + Math.round(Math.random() * 50) / 10 });
      s.send({ type: 'publish', topic: `sensors/${i + 1}/temperature`, payload: Buffer.from(reading), qos: 1, retain: false, dup: false, packetId });
      s.stats.sent++;
    }
  }
}, 10);

await new Promise((resolve) => {
  const stop = () => resolve();
  setTimeout(stop, durationMs);
  process.once('SIGINT', stop);
});
clearInterval(timer);

for (const s of [...sensors, storage]) {
  s.send({ type: 'disconnect' });
  await s.conn.end();
}
await broker?.close();

const seconds = (Date.now() - started) / 1000;
const sent = sensors.reduce((n, s) => n + s.stats.sent, 0);
const acked = sensors.reduce((n, s) => n + s.stats.acked, 0);
console.log('\nsummary');
console.table({
  'messages published': sent,
  'PUBACKs received': acked,
  'messages delivered to storage': storage.stats.received,
  'seconds': Number(seconds.toFixed(2)),
  'delivered per second': Math.round(storage.stats.received / seconds),
});
