/**
 * The publisher process of bench:e2e (spawned by run.mjs): `node pub.mjs '<json spec>'` with
 * `{ impl, url, host, port, qos, count, warmup, window, size, topic, version }`.
 *
 * Publishes `warmup` messages, prints `{"warm":true}`, waits for a `go` line on stdin (sent once the
 * subscriber counted the warm-up), then publishes `count` messages with at most `window` outstanding
 * (QoS 0: not yet accepted by the socket below its high-water mark; QoS 1/2: not yet acknowledged) and
 * prints `{ t0, t1, cpuUs }` (epoch ms, high resolution; CPU from `process.cpuUsage()` over the measured
 * publishes only; read/write syscalls and wake-ups from /proc on Linux). The raw publisher writes pre-encoded
 * QoS 0 packets in batches of 1,000; at QoS 1/2 it is the floor of raw-flow.mjs (same window).
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { ioCounters, ioSince } from '../lib/sysio.mjs';

const spec = JSON.parse(process.argv[2]);
const { impl, qos, count, warmup, window, size, topic, version } = spec;
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const epoch = () => performance.timeOrigin + performance.now();
const payload = Buffer.alloc(size, 0x61);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/**
 * Runs `n` publishes through `publishOne(done)` with at most `window` not yet done. No recursion when
 * `done` is called synchronously (MQTT.js calls a QoS 0 callback inside `publish`).
 */
function windowed(n, publishOne) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let pumping = false;
    const onDone = (err) => {
      if (err instanceof Error) return reject(err);
      if (++done === n) resolve();
      else if (!pumping) pump();
    };
    const pump = () => {
      pumping = true;
      while (sent < n && sent - done < window) {
        sent++;
        publishOne(onDone);
      }
      pumping = false;
    };
    pump();
  });
}

let publishOne;
let close;
let batches;
if (impl === 'mqttx') {
  const { connect } = await import('../../packages/client/dist/index.js');
  const client = await connect({ brokers: spec.url, clientId: `e2e-pub-${process.pid}`, protocolVersion: version, clean: true });
  const options = { qos };
  const fail = (err) => {
    throw err;
  };
  publishOne = (done) => {
    client.publish(topic, payload, options).then(done, fail);
  };
  close = () => client.end();
} else if (impl === 'mqttjs') {
  const mqtt = (await import('mqtt')).default;
  const client = mqtt.connect(spec.url, { clientId: `e2e-pub-${process.pid}`, protocolVersion: version, clean: true, reconnectPeriod: 0 });
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const options = { qos };
  publishOne = (done) => {
    client.publish(topic, payload, options, done);
  };
  close = () => new Promise((resolve) => client.end(false, {}, resolve));
} else if (impl === 'raw') {
  const { rawConnect, publishPacket, publishPacketQos, DISCONNECT } = await import('../lib/raw.mjs');
  const socket = await rawConnect({ host: spec.host, port: spec.port, clientId: `e2e-pub-${process.pid}`, version });
  if (qos === 0) {
    // Pre-encoded QoS 0 packets written in batches of 1,000, waiting for 'drain' when the socket asks.
    const one = publishPacket(topic, payload, version);
    const BATCH = 1000;
    const batch = Buffer.alloc(one.length * BATCH);
    for (let i = 0; i < BATCH; i++) one.copy(batch, i * one.length);
    batches = async (n) => {
      for (let left = n; left > 0; ) {
        const k = Math.min(BATCH, left);
        left -= k;
        const chunk = k === BATCH ? batch : batch.subarray(0, k * one.length);
        if (left === 0) await new Promise((resolve) => socket.write(chunk, resolve));
        else if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
      }
    };
  } else {
    // The QoS 1/2 floor: pre-encoded packets with patched ids, acks parsed minimally, same window.
    const { rawPublisher } = await import('../lib/raw-flow.mjs');
    const { packet, idOffset } = publishPacketQos(topic, payload, qos, version);
    const publisher = rawPublisher(socket, packet, idOffset, qos, window);
    batches = (n) => publisher.run(n);
  }
  close = () => new Promise((resolve) => socket.end(DISCONNECT, resolve));
} else throw new Error(`unknown impl ${impl}`);

/** `await in windows`: publish `window` messages, wait until every one is done, repeat. */
async function batched(n, publishOne) {
  for (let left = n; left > 0; ) {
    const k = Math.min(window, left);
    left -= k;
    await windowed(k, publishOne);
  }
}

const run = batches ?? ((n) => (spec.loop === 'batch' ? batched(n, publishOne) : windowed(n, publishOne)));
await run(warmup);
out({ warm: true });
const go = await lines.next();
if (go.done || go.value.trim() !== 'go') process.exit(2);
const io0 = ioCounters();
const cpu0 = process.cpuUsage();
const t0 = epoch();
await run(count);
const t1 = epoch();
const cpu = process.cpuUsage(cpu0);
out({ t0, t1, cpuUs: cpu.user + cpu.system, userUs: cpu.user, io: ioSince(io0) });
await lines.next(); // 'end' (the subscriber is done) or stdin closed
await close();
process.exit(0);
