/**
 * One forwarder of bench:forward, in its own process: `node forwarder.mjs '<json>'` with
 * `{ impl: 'mqttx' | 'mqttjs', url, qos, prefix }`. It forwards `<prefix>/in/#` from a source session to
 * `<prefix>/out/{1}` on a target session (both on the same broker), prints `ready`, and answers lines on
 * stdin: `start` (CPU baseline), `report` (one JSON line: CPU used since `start`, messages forwarded),
 * `exit`.
 *
 * - mqttx: a SessionManager with two sessions and one Forwarder (the BUILT packages/manager/dist):
 *   backpressure policy, the source's acknowledgement withheld until the target's PUBACK.
 * - mqttjs: two MQTT.js clients and a message handler that publishes (MQTT.js acknowledges on its own).
 */
import { createInterface } from 'node:readline';
import { ioCounters, ioSince } from '../lib/sysio.mjs';

const spec = JSON.parse(process.argv[2]);
const { impl, url, qos, prefix } = spec;
let forwarded = () => 0;
let close = async () => {};

if (impl === 'mqttx' || impl === 'mqttx-ack') {
  const { SessionManager, Forwarder } = await import('../../packages/manager/dist/index.js');
  const manager = new SessionManager({ logger: { warn() {} } });
  manager.addSession({ name: 'src', brokers: url, clientId: `${prefix}-fwd-src` });
  manager.addSession({ name: 'dst', brokers: url, clientId: `${prefix}-fwd-dst` });
  await manager.waitForAllSessions(10_000);
  const f = new Forwarder(
    {
      name: 'bench',
      sourceSessions: ['src'],
      sourceTopics: [`${prefix}/in/#`],
      targetSession: 'dst',
      qos,
      topicMapping: { [`${prefix}/in/#`]: `${prefix}/out/{1}` },
      // mqttx-ack: the source is acknowledged at once, as the MQTT.js handler does (no backpressure).
      ...(impl === 'mqttx-ack' ? { dropPolicy: 'drop-newest', bufferSize: 100_000 } : {}),
    },
    manager,
  );
  await f.start();
  forwarded = () => f.metrics.forwarded;
  close = () => manager.close();
} else if (impl === 'mqttjs') {
  const mqtt = (await import('mqtt')).default;
  const open = (id) =>
    new Promise((resolve, reject) => {
      const c = mqtt.connect(url, { clientId: id, protocolVersion: 5, clean: true, keepalive: 60, reconnectPeriod: 0 });
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
  const src = await open(`${prefix}-fwd-src`);
  const dst = await open(`${prefix}-fwd-dst`);
  const cut = `${prefix}/in/`.length;
  const out = `${prefix}/out/`;
  let n = 0;
  src.on('message', (topic, payload) => {
    dst.publish(out + topic.slice(cut), payload, { qos }, () => n++);
  });
  await src.subscribeAsync(`${prefix}/in/#`, { qos });
  forwarded = () => n;
  close = () => Promise.all([src.endAsync(), dst.endAsync()]);
} else {
  throw new Error(`unknown impl ${impl}`);
}

let cpu0 = process.cpuUsage();
let io0 = ioCounters();
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'start') {
    cpu0 = process.cpuUsage();
    io0 = ioCounters();
    process.stdout.write('started\n');
  } else if (line === 'report') {
    const cpu = process.cpuUsage(cpu0);
    const io = ioSince(io0);
    process.stdout.write(`${JSON.stringify({ userUs: cpu.user, systemUs: cpu.system, forwarded: forwarded(), ...io })}\n`);
  } else if (line === 'exit') {
    await close();
    process.exit(0);
  }
}
