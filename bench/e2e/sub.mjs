/**
 * The subscriber process of bench:e2e (spawned by run.mjs): `node sub.mjs '<json spec>'` with
 * `{ impl: 'mqttx' | 'mqttjs' | 'raw', url, host, port, qos, count, warmup, size, topic, version }`.
 *
 * Protocol on stdout (one JSON line each): `{"ready":true}` once subscribed; `{"warm":true}` after the
 * `warmup` messages (the CPU baseline is taken right there); then the result
 * `{ received, tEnd, cpuUs, userUs, elapsedMs, io }` after `warmup + count` messages (`tEnd` in epoch ms, high
 * resolution, comparable across processes). When messages stop arriving for 10 s the result comes early
 * with `received < count` (a loss the orchestrator reports).
 */
import { performance } from 'node:perf_hooks';
import { ioCounters, ioSince } from '../lib/sysio.mjs';

const spec = JSON.parse(process.argv[2]);
const { impl, qos, count, warmup, size, topic, version } = spec;
const total = warmup + count;
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const epoch = () => performance.timeOrigin + performance.now();

let received = 0;
let cpu0;
let io0;
let t0 = 0;
let finished = false;
let close = async () => {};

function finish() {
  if (finished) return;
  finished = true;
  const cpu = process.cpuUsage(cpu0);
  const tEnd = epoch();
  clearInterval(watchdog);
  out({ received: Math.max(0, received - warmup), tEnd, cpuUs: cpu.user + cpu.system, userUs: cpu.user, elapsedMs: tEnd - t0, io: ioSince(io0) });
  void close().then(() => process.exit(0));
}

function onMessage() {
  if (++received === warmup) {
    io0 = ioCounters();
    cpu0 = process.cpuUsage();
    t0 = epoch();
    out({ warm: true });
  } else if (received === total) finish();
}

let lastSeen = -1;
const watchdog = setInterval(() => {
  if (received > 0 && received === lastSeen) {
    if (cpu0 === undefined) {
      io0 = ioCounters();
      cpu0 = process.cpuUsage();
      t0 = epoch();
      out({ warm: true });
    } else finish();
  }
  lastSeen = received;
}, 10_000);

if (impl === 'mqttx') {
  const { connect } = await import('../../packages/client/dist/index.js');
  const client = await connect({ brokers: spec.url, clientId: `e2e-sub-${process.pid}`, protocolVersion: version, clean: true });
  client.on('message', onMessage);
  await client.subscribe(topic, { qos });
  close = () => client.end();
} else if (impl === 'mqttjs') {
  const mqtt = (await import('mqtt')).default;
  const client = mqtt.connect(spec.url, { clientId: `e2e-sub-${process.pid}`, protocolVersion: version, clean: true, reconnectPeriod: 0 });
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  client.on('message', onMessage);
  await new Promise((resolve, reject) => client.subscribe(topic, { qos }, (err) => (err ? reject(err) : resolve())));
  close = () => new Promise((resolve) => client.end(false, {}, resolve));
} else if (impl === 'raw' && qos > 0) {
  // The QoS 1/2 floor: frames split minimally, every ack of a read in one write (raw-flow.mjs).
  const { rawConnect, subscribePacket, DISCONNECT } = await import('../lib/raw.mjs');
  const { rawSubscriber } = await import('../lib/raw-flow.mjs');
  const socket = await rawConnect({ host: spec.host, port: spec.port, clientId: `e2e-sub-${process.pid}`, version });
  rawSubscriber(socket, onMessage, () => out({ ready: true }));
  socket.write(subscribePacket(topic, qos, version));
  close = () => new Promise((resolve) => socket.end(DISCONNECT, resolve));
} else if (impl === 'raw') {
  // Counts bytes only: every message is the same QoS 0 PUBLISH of `packetSize` bytes.
  const { rawConnect, subscribePacket, publishPacket, DISCONNECT } = await import('../lib/raw.mjs');
  const packetSize = publishPacket(topic, Buffer.alloc(size), version).length;
  const socket = await rawConnect({ host: spec.host, port: spec.port, clientId: `e2e-sub-${process.pid}`, version });
  const subackSize = version === 5 ? 6 : 5;
  let pendingAck = subackSize;
  let bytes = 0;
  socket.on('data', (chunk) => {
    let n = chunk.length;
    if (pendingAck > 0) {
      const take = Math.min(pendingAck, n);
      pendingAck -= take;
      n -= take;
      if (pendingAck === 0) out({ ready: true });
    }
    bytes += n;
    const whole = Math.floor(bytes / packetSize);
    while (received < whole && !finished) onMessage();
  });
  socket.write(subscribePacket(topic, 0, version));
  close = () =>
    new Promise((resolve) => {
      socket.end(DISCONNECT, resolve);
    });
} else throw new Error(`unknown impl ${impl}`);

if (impl !== 'raw') out({ ready: true });
