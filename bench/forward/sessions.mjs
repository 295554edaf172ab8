/**
 * The sessions case of bench:forward, in its own process (started with --expose-gc and a raised fd limit):
 * `node --expose-gc sessions.mjs '<json>'` with `{ impl: 'manager' | 'client', url, sessions, concurrency,
 * warmup }`.
 *
 * - manager: one SessionManager (`maxConcurrentConnects: concurrency`), `addSession` for every session, then
 *   `waitForAllSessions` (timed);
 * - client: the same number of bare `MqttClient`s of @mqttx/client, at most `concurrency` connects in flight.
 *
 * Memory per session = growth of heapUsed + arrayBuffers after GC, divided by the count; the manager's
 * overhead per session is the difference between the two cases. Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';

const spec = JSON.parse(process.argv[2]);
const { impl, url, sessions, concurrency, warmup } = spec;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');
const { SessionManager } = await import('../../packages/manager/dist/index.js');
const { connect } = await import('../../packages/client/dist/index.js');

async function settle() {
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

/** Opens `n` sessions; resolves with the time it took and a closer. */
async function open(n, offset) {
  if (impl === 'manager') {
    const manager = new SessionManager({ maxConcurrentConnects: concurrency, logger: { warn() {} } });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      manager.addSession({ name: `s${offset + i}`, brokers: url, clientId: `fwd-sess-${process.pid}-${offset + i}`, connectProps: { keepAlive: 60 } });
    }
    await manager.waitForAllSessions(600_000);
    return { ms: performance.now() - t0, close: () => manager.close() };
  }
  const clients = new Array(n);
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      clients[i] = await connect({ brokers: url, clientId: `fwd-sess-${process.pid}-${offset + i}`, keepalive: 60 });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const ms = performance.now() - t0;
  return {
    ms,
    close: async () => {
      let k = 0;
      const closer = async () => {
        while (k < clients.length) await clients[k++].end();
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, n) }, closer));
    },
  };
}

await (await open(warmup, sessions)).close();
await settle();
const base = mem();
const { ms, close } = await open(sessions, 0);
await settle();
const after = mem();
await close();
process.stdout.write(
  `${JSON.stringify({
    perSession: (after.heapUsed + after.arrayBuffers - base.heapUsed - base.arrayBuffers) / sessions,
    heapPerSession: (after.heapUsed - base.heapUsed) / sessions,
    rssPerSession: (after.rss - base.rss) / sessions,
    readyMs: ms,
  })}\n`,
);
process.exit(0);
