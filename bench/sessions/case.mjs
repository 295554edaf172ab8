/**
 * One bench:sessions case (a child of run.mjs, started with --expose-gc):
 * `node --expose-gc case.mjs '<json>'` with `{ impl: 'mqttx' | 'mqttjs' | 'raw', url, host, port, sessions,
 * concurrency, warmup, version }`.
 *
 * Connects `warmup` sessions and closes them (JIT, lazy module state), measures the baseline after GC,
 * then opens `sessions` idle sessions with at most `concurrency` connects in flight (connects/s), lets them
 * settle, and measures again after GC: memory per idle session = the growth of heapUsed + arrayBuffers
 * divided by the count (RSS growth shown too). Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';

const spec = JSON.parse(process.argv[2]);
const { impl, sessions, concurrency, warmup, version } = spec;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

let open;
if (impl === 'mqttx') {
  const { connect } = await import('../../packages/client/dist/index.js');
  open = async (i) => {
    const client = await connect({ brokers: spec.url, clientId: `sess-${process.pid}-${i}`, protocolVersion: version, clean: true, keepalive: 60 });
    return () => client.end();
  };
} else if (impl === 'mqttjs') {
  const mqtt = (await import('mqtt')).default;
  open = (i) =>
    new Promise((resolve, reject) => {
      const client = mqtt.connect(spec.url, { clientId: `sess-${process.pid}-${i}`, protocolVersion: version, clean: true, keepalive: 60, reconnectPeriod: 0 });
      client.once('connect', () => {
        client.off('error', reject);
        resolve(() => new Promise((r) => client.end(false, {}, r)));
      });
      client.once('error', reject);
    });
} else if (impl === 'raw') {
  const { rawConnect, DISCONNECT } = await import('../lib/raw.mjs');
  open = async (i) => {
    const socket = await rawConnect({ host: spec.host, port: spec.port, clientId: `sess-${process.pid}-${i}`, version, keepalive: 60 });
    socket.on('error', () => {});
    return () => new Promise((r) => socket.end(DISCONNECT, r));
  };
} else throw new Error(`unknown impl ${impl}`);

/** Opens `n` sessions, at most `c` connecting at once; resolves with their close functions. */
async function openMany(n, c, offset) {
  const closers = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      closers[i] = await open(offset + i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
  return closers;
}

async function closeMany(closers, c) {
  let next = 0;
  const worker = async () => {
    while (next < closers.length) await closers[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(c, closers.length) }, worker));
}

async function settle() {
  // Let sockets finish their handshakes' callbacks, then collect (several passes: weak refs, finalizers).
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  await new Promise((r) => setTimeout(r, 200));
  gc();
  gc();
}

const mem = () => {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss };
};

await closeMany(await openMany(warmup, concurrency, sessions), concurrency);
await settle();
const base = mem();
const t0 = performance.now();
const closers = await openMany(sessions, concurrency, 0);
const ms = performance.now() - t0;
await settle();
const after = mem();
const tc = performance.now();
await closeMany(closers, concurrency);
const closeMs = performance.now() - tc;
process.stdout.write(
  `${JSON.stringify({
    perSession: (after.heapUsed + after.arrayBuffers - base.heapUsed - base.arrayBuffers) / sessions,
    heapPerSession: (after.heapUsed - base.heapUsed) / sessions,
    arrayBuffersPerSession: (after.arrayBuffers - base.arrayBuffers) / sessions,
    rssPerSession: (after.rss - base.rss) / sessions,
    connectsPerSec: (sessions / ms) * 1000,
    closesPerSec: (sessions / closeMs) * 1000,
  })}\n`,
);
process.exit(0);
