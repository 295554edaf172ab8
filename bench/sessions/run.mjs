/**
 * Idle sessions benchmark: `npm run bench:sessions` (`-- --quick` for 1,000 sessions and one run;
 * `--sessions N`, `--runs N`, `--concurrency N`).
 *
 * 10,000 idle MQTT 5.0 sessions (clean start, keepalive 60 s) in one Node process against one Mosquitto
 * started here (`max_connections -1`, its file descriptor limit raised with `ulimit -n` in a `sh -c`),
 * for ours (@mqttx/client, the BUILT dist, default options), MQTT.js, and a raw socket that sent CONNECT
 * and got CONNACK. Each case is its own process (node --expose-gc, fd limit raised the same way): memory
 * per idle session = growth of heapUsed + arrayBuffers after GC, divided by the session count; connects/s
 * with at most 100 connects in flight. Median of 3 interleaved runs (min-max). Loopback only (127.0.0.1;
 * Linux reuses TIME_WAIT ports for loopback connects, `net.ipv4.tcp_tw_reuse = 2`).
 * Target: ours <= 2x the raw socket per idle session. Writes bench/results/sessions.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, root } from '../lib/build.mjs';
import { runGcCase } from '../lib/gc-case.mjs';
import { startMosquitto } from '../lib/mosquitto.mjs';
import { fix, fmt, machine, row, summary } from '../lib/stats.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const quick = argv.includes('--quick');
const SESSIONS = Number(flag('--sessions', quick ? 1_000 : 10_000));
const RUNS = Number(flag('--runs', quick ? 1 : 3));
const CONCURRENCY = Number(flag('--concurrency', 100));
const WARMUP = Math.min(500, SESSIONS);
const NOFILE = Math.max(4096, SESSIONS * 2 + 1024);
const impls = ['raw', 'mqttx', 'mqttjs'];

function runCase(broker, impl) {
  const spec = { impl, url: broker.url, host: broker.host, port: broker.port, sessions: SESSIONS, concurrency: CONCURRENCY, warmup: WARMUP, version: 5 };
  return runGcCase('bench/sessions/case.mjs', spec, { nofile: NOFILE, timeoutMs: 300_000, label: `sessions case ${impl}` });
}

ensureBuilt();
const before = await machine();
const broker = await startMosquitto({ nofile: NOFILE, config: ['max_connections -1'] });
const samples = new Map(impls.map((i) => [i, []]));
try {
  console.log(`bench:sessions ${fmt(SESSIONS)} idle sessions per case, MQTT 5.0, concurrency ${CONCURRENCY}, ${RUNS} run(s), Mosquitto ${broker.url}`);
  for (let r = 0; r < RUNS; r++) {
    for (const impl of impls) {
      const res = await runCase(broker, impl);
      samples.get(impl).push(res);
      console.log(`  run ${r + 1}/${RUNS} ${impl.padEnd(6)}: ${fmt(res.perSession)} B/session (heap ${fmt(res.heapPerSession)}, arrayBuffers ${fmt(res.arrayBuffersPerSession)}, rss ${fmt(res.rssPerSession)}), ${fmt(res.connectsPerSec)} connects/s`);
    }
  }
} finally {
  await broker.stop();
}
const after = await machine();
const rows = impls.map((impl) => {
  const xs = samples.get(impl);
  const s = (k) => summary(xs.map((x) => x[k]));
  return { impl, perSession: s('perSession'), heapPerSession: s('heapPerSession'), arrayBuffersPerSession: s('arrayBuffersPerSession'), rssPerSession: s('rssPerSession'), connectsPerSec: s('connectsPerSec') };
});
const raw = rows.find((x) => x.impl === 'raw');
const ours = rows.find((x) => x.impl === 'mqttx');
const W = [8, 12, 18, 10, 12, 12, 18, 9];
console.log(`\n${row(['client', 'B/session', 'min-max', 'heap', 'arrayBuf', 'connects/s', 'min-max', 'vs raw'], W)}`);
for (const x of rows) {
  console.log(
    row(
      [x.impl, fmt(x.perSession.median), `${fmt(x.perSession.min)}-${fmt(x.perSession.max)}`, fmt(x.heapPerSession.median), fmt(x.arrayBuffersPerSession.median), fmt(x.connectsPerSec.median), `${fmt(x.connectsPerSec.min)}-${fmt(x.connectsPerSec.max)}`, `${fix(x.perSession.median / raw.perSession.median, 2)}x`],
      W,
    ),
  );
}
const ratio = ours.perSession.median / raw.perSession.median;
const targets = [{ name: 'memory per idle session / raw socket <= 2', value: Number(ratio.toFixed(3)), limit: 2, pass: ratio <= 2 }];
console.log('\nTargets:');
for (const t of targets) console.log(`  ${t.pass ? 'pass' : 'MISS'}  ${t.name}: ${fix(t.value, 2)}`);
console.log(`\nmachine: ${before.cpus} x ${before.cpu}, load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')}`);
if (flag('--sessions', undefined) === undefined && flag('--runs', undefined) === undefined) {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    join(root, 'bench/results/sessions.json'),
    `${JSON.stringify({ date: new Date().toISOString(), quick, ...before, loadavgAfter: after.loadavg, sessions: SESSIONS, concurrency: CONCURRENCY, runs: RUNS, protocolVersion: 5, rows, targets }, null, 2)}\n`,
  );
  console.log('wrote bench/results/sessions.json');
}
