/**
 * Session store benchmark: `npm run bench:stores` (add `-- --quick` for a short run).
 *
 * QoS 1 publishes per second through one private Mosquitto (bench/lib/mosquitto.mjs, free loopback port) with: no
 * store, the memory store, the file store under each fsync policy, and the Redis store (a private
 * `redis-server`, when installed). Each case runs in its own child process (case.mjs) on the BUILT client
 * (packages/client/dist, rebuilt with `npx tsc -b packages/client` when older than the sources), 64-byte
 * payloads, 100 publishes awaiting PUBACK. Every figure is the median of 3 interleaved rounds (min-max
 * shown). Targets: file store 'batch' within 2x of memory, Redis within 3x. Writes
 * bench/results/stores.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt, root } from '../lib/build.mjs';
import { HOST, available, freePort, startMosquitto, stopChild, waitForPort } from '../lib/mosquitto.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 3;
const MESSAGES = quick ? 5_000 : 20_000;
const WINDOW = 100;
const SIZE = 64;

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  try {
    await waitForPort(HOST, port, child);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { url: `redis://${HOST}:${port}`, child };
}

function runCase(url, spec) {
  const count = spec?.fsync === 'always' ? Math.min(MESSAGES, 4_000) : MESSAGES;
  const args = [join(here, 'case.mjs'), url, spec === undefined ? 'none' : JSON.stringify(spec), String(count), String(WINDOW), String(SIZE)];
  const child = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`case ${JSON.stringify(spec)} failed (exit ${child.status}):\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

ensureBuilt();
if (!available('mosquitto')) {
  console.error('bench:stores needs mosquitto (apt-get install -y mosquitto)');
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'mqttx-bench-stores-'));
let broker;
let redis;
try {
  broker = await startMosquitto({ config: ['set_tcp_nodelay true'] });
  if (available('redis-server')) redis = await startRedis(work);
  else console.warn('redis-server not installed: the Redis row is skipped');

  let n = 0;
  const fileSpec = (fsync) => () => ({ type: 'file', dir: join(work, `files-${n++}`), fsync });
  const cases = [
    { name: 'no store (persistence none)', spec: () => undefined },
    { name: 'memory', spec: () => 'memory' },
    { name: "file, fsync 'none'", spec: fileSpec('none') },
    { name: "file, fsync 'batch'", spec: fileSpec('batch') },
    { name: "file, fsync 'always'", spec: fileSpec('always') },
    ...(redis ? [{ name: 'redis', spec: () => ({ type: 'redis', connection: redis.url, prefix: `bench${n++}:` }) }] : []),
  ];
  const results = new Map(cases.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      results.get(c.name).push(runCase(broker.url, c.spec()));
    }
  }

  const rows = cases.map((c) => {
    const rs = results.get(c.name);
    const rates = rs.map((r) => r.rate);
    return {
      case: c.name,
      rate: median(rates),
      min: Math.min(...rates),
      max: Math.max(...rates),
      cpuUsPerMsg: median(rs.map((r) => r.cpuUsPerMsg)),
    };
  });
  const memory = rows.find((r) => r.case === 'memory').rate;
  console.log(`\nQoS 1 publishes/s through Mosquitto, ${MESSAGES} x ${SIZE} B, window ${WINDOW}, median of ${ROUNDS} (min-max)\n`);
  console.log(`${'store'.padEnd(30)}${'msg/s'.padStart(10)}${'min-max'.padStart(22)}${'us CPU/msg'.padStart(12)}${'memory / this'.padStart(15)}`);
  for (const r of rows) {
    console.log(
      `${r.case.padEnd(30)}${fmt(r.rate).padStart(10)}${`${fmt(r.min)}-${fmt(r.max)}`.padStart(22)}${r.cpuUsPerMsg.toFixed(1).padStart(12)}${(memory / r.rate).toFixed(2).padStart(14)}x`,
    );
  }
  const batch = rows.find((r) => r.case === "file, fsync 'batch'");
  const red = rows.find((r) => r.case === 'redis');
  const verdicts = [`file 'batch' ${(memory / batch.rate).toFixed(2)}x of memory (target <= 2x): ${memory / batch.rate <= 2 ? 'met' : 'NOT met'}`];
  if (red) verdicts.push(`redis ${(memory / red.rate).toFixed(2)}x of memory (target <= 3x): ${memory / red.rate <= 3 ? 'met' : 'NOT met'}`);
  console.log(`\n${verdicts.join('\n')}`);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    join(root, 'bench/results/stores.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, messages: MESSAGES, window: WINDOW, size: SIZE, rounds: ROUNDS, rows }, null, 2)}\n`,
  );
} finally {
  if (redis !== undefined) await stopChild(redis.child);
  await broker?.stop();
  rmSync(work, { recursive: true, force: true });
}
