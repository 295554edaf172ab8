/**
 * Forwarder benchmark: `npm run bench:forward` (`-- --quick` for a short run; `--messages N`, `--runs N`,
 * `--sessions N`, `--qos 0|1`, `--skip-sessions`).
 *
 * 1. Messages/s through one forwarder (a source session -> a target session, both on one Mosquitto started
 *    here) and the forwarder process's CPU per forwarded message (`process.cpuUsage()`, user + system),
 *    for ours (SessionManager + Forwarder, the BUILT packages/manager/dist, backpressure: the source's
 *    PUBACK waits for the target's) side by side with the same forwarder on MQTT.js (two clients and a
 *    message handler that publishes). The load (a publisher with 100 QoS 1 publishes in flight and a
 *    consumer of the forwarded topics, @mqttx/client) runs in this process; each forwarder in its own.
 *    64-byte payloads; a warm-up batch first; median of the runs, interleaved (min-max shown).
 * 2. 10,000 sessions managed by one SessionManager: heap per session and the time to `waitForAllSessions`,
 *    next to as many bare @mqttx/client clients (the manager's overhead per session is the difference).
 *
 * Rows: `mqttx` (backpressure: the source's PUBACK waits for the target's; nothing is lost if the process
 * dies), `mqttx-ack` (the source is acknowledged at once, the same guarantee as the MQTT.js handler), `mqttjs`;
 * each with read+write system calls per message (/proc/self/io). `BENCH_FWD_IMPLS=a,b` picks rows,
 * `BENCH_CPU_PROF=<dir>` writes a CPU profile of each forwarder process.
 *
 * Targets: our CPU per forwarded message <= 1/3 of MQTT.js's; manager overhead per session < 1 KB of heap.
 * Writes bench/results/forward.json (full runs only).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
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
const MESSAGES = Number(flag('--messages', quick ? 5_000 : 50_000));
const WARMUP = Math.min(5_000, MESSAGES);
const RUNS = Number(flag('--runs', quick ? 1 : 3));
const SESSIONS = Number(flag('--sessions', quick ? 1_000 : 10_000));
const QOS = Number(flag('--qos', 1));
const WINDOW = 100;
const SIZE = 64;
const CONCURRENCY = 16;
const NOFILE = Math.max(4096, SESSIONS * 2 + 1024);
const impls = process.env.BENCH_FWD_IMPLS ? process.env.BENCH_FWD_IMPLS.split(',') : ['mqttx', 'mqttx-ack', 'mqttjs'];

/** Starts a forwarder process; resolves once it printed `ready`. */
function startForwarder(impl, url, prefix) {
  // BENCH_CPU_PROF=<dir>: each forwarder process writes a V8 CPU profile there (node --cpu-prof).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const child = spawn(process.execPath, [...prof, join(root, 'bench/forward/forwarder.mjs'), JSON.stringify({ impl, url, qos: QOS, prefix })], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b) => (err = (err + b).slice(-8192)));
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () =>
    new Promise((resolve, reject) => {
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`forwarder ${impl} exited (${code}):\n${err}`)));
    });
  const send = async (cmd) => {
    const answer = next();
    child.stdin.write(`${cmd}\n`);
    return answer;
  };
  return next().then((line) => {
    if (line !== 'ready') throw new Error(`forwarder ${impl}: ${line}\n${err}`);
    return {
      send,
      async exit() {
        child.stdin.write('exit\n');
        await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      },
    };
  });
}

/** Publishes `count` messages (`WINDOW` in flight) and resolves once the consumer got them all. */
async function pump(publisher, consumer, prefix, count, payload) {
  const done = new Promise((resolve) => {
    consumer.target += count;
    consumer.onReach = resolve;
    if (consumer.received >= consumer.target) resolve();
  });
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      const i = sent++;
      await publisher.publish(`${prefix}/in/${i % 16}`, payload, { qos: QOS });
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
  await done;
}

async function forwardCase(broker, impl, run) {
  const { connect } = await import('../../packages/client/dist/index.js');
  const prefix = `fwd${run}${impl}`;
  const fwd = await startForwarder(impl, broker.url, prefix);
  const consumerClient = await connect({ brokers: broker.url, clientId: `${prefix}-consumer` });
  const consumer = { received: 0, target: 0, onReach: undefined };
  consumerClient.on('message', () => {
    if (++consumer.received >= consumer.target) consumer.onReach?.();
  });
  await consumerClient.subscribe(`${prefix}/out/#`, { qos: QOS });
  const publisher = await connect({ brokers: broker.url, clientId: `${prefix}-publisher` });
  const payload = Buffer.alloc(SIZE, 0x61);
  try {
    await pump(publisher, consumer, prefix, WARMUP, payload);
    await fwd.send('start');
    const t0 = performance.now();
    await pump(publisher, consumer, prefix, MESSAGES, payload);
    const ms = performance.now() - t0;
    const report = JSON.parse(await fwd.send('report'));
    return {
      rate: (MESSAGES / ms) * 1000,
      cpuUs: (report.userUs + report.systemUs) / MESSAGES,
      userUs: report.userUs / MESSAGES,
      syscallsPerMsg: (report.reads + report.writes) / MESSAGES,
      wakeupsPerMsg: report.wakeups / MESSAGES,
      forwarded: report.forwarded,
    };
  } finally {
    await Promise.all([publisher.end(), consumerClient.end()]);
    await fwd.exit();
  }
}

function sessionsCase(broker, impl) {
  const spec = { impl, url: broker.url, sessions: SESSIONS, concurrency: CONCURRENCY, warmup: Math.min(200, SESSIONS) };
  return runGcCase('bench/forward/sessions.mjs', spec, { nofile: NOFILE, timeoutMs: 600_000, label: `sessions case ${impl}` });
}

ensureBuilt('manager');
const before = await machine();
const broker = await startMosquitto({ nofile: NOFILE, config: ['max_connections -1'] });
const fwdSamples = new Map(impls.map((i) => [i, []]));
const sessSamples = new Map([
  ['client', []],
  ['manager', []],
]);
try {
  console.log(`bench:forward ${fmt(MESSAGES)} messages of ${SIZE} B at QoS ${QOS} per run, ${RUNS} run(s), Mosquitto ${broker.url}`);
  for (let r = 0; r < RUNS; r++) {
    for (const impl of impls) {
      const res = await forwardCase(broker, impl, r);
      fwdSamples.get(impl).push(res);
      console.log(`  run ${r + 1}/${RUNS} ${impl.padEnd(6)}: ${fmt(res.rate)} msg/s, ${fix(res.cpuUs, 2)} us CPU/msg (user ${fix(res.userUs, 2)}), ${fix(res.syscallsPerMsg, 2)} syscalls/msg, ${fix(res.wakeupsPerMsg, 2)} wakeups/msg`);
    }
  }
  if (!argv.includes('--skip-sessions')) {
    console.log(`\n${fmt(SESSIONS)} sessions (maxConcurrentConnects ${CONCURRENCY})`);
    for (let r = 0; r < RUNS; r++) {
      for (const impl of sessSamples.keys()) {
        const res = await sessionsCase(broker, impl);
        sessSamples.get(impl).push(res);
        console.log(`  run ${r + 1}/${RUNS} ${impl.padEnd(7)}: ${fmt(res.perSession)} B/session (heap ${fmt(res.heapPerSession)}), all ready in ${fmt(res.readyMs)} ms`);
      }
    }
  }
} finally {
  await broker.stop();
}
const after = await machine();

const fwdRows = impls.map((impl) => {
  const xs = fwdSamples.get(impl);
  return {
    impl,
    rate: summary(xs.map((x) => x.rate)),
    cpuUs: summary(xs.map((x) => x.cpuUs)),
    userUs: summary(xs.map((x) => x.userUs)),
    syscallsPerMsg: summary(xs.map((x) => x.syscallsPerMsg)),
  };
});
const W = [10, 12, 20, 12, 16, 10, 14];
console.log(`\n${row(['impl', 'msg/s', 'min-max', 'CPU us/msg', 'min-max', 'user', 'syscalls/msg'], W)}`);
for (const x of fwdRows) {
  console.log(row([x.impl, fmt(x.rate.median), `${fmt(x.rate.min)}-${fmt(x.rate.max)}`, fix(x.cpuUs.median, 2), `${fix(x.cpuUs.min, 2)}-${fix(x.cpuUs.max, 2)}`, fix(x.userUs.median, 2), fix(x.syscallsPerMsg.median, 2)], W));
}
const theirs = fwdRows.find((x) => x.impl === 'mqttjs');
const targets = [];
for (const impl of ['mqttx', 'mqttx-ack']) {
  const ours = fwdRows.find((x) => x.impl === impl);
  if (ours === undefined || theirs === undefined) continue;
  const cpuRatio = ours.cpuUs.median / theirs.cpuUs.median;
  targets.push({ name: `CPU per forwarded message, ${impl} / MQTT.js <= 1/3`, value: Number(cpuRatio.toFixed(3)), limit: 1 / 3, pass: cpuRatio <= 1 / 3 });
}

let sessRows = [];
if (sessSamples.get('manager').length > 0) {
  sessRows = [...sessSamples.keys()].map((impl) => {
    const xs = sessSamples.get(impl);
    return { impl, perSession: summary(xs.map((x) => x.perSession)), heapPerSession: summary(xs.map((x) => x.heapPerSession)), readyMs: summary(xs.map((x) => x.readyMs)) };
  });
  const S = [9, 12, 18, 12, 14];
  console.log(`\n${row(['sessions', 'B/session', 'min-max', 'heap', 'ready ms'], S)}`);
  for (const x of sessRows) {
    console.log(row([x.impl, fmt(x.perSession.median), `${fmt(x.perSession.min)}-${fmt(x.perSession.max)}`, fmt(x.heapPerSession.median), fmt(x.readyMs.median)], S));
  }
  const overhead = sessRows[1].perSession.median - sessRows[0].perSession.median;
  console.log(`manager overhead per session: ${fmt(overhead)} B`);
  targets.push({ name: 'manager overhead per session < 1024 B', value: Math.round(overhead), limit: 1024, pass: overhead < 1024 });
}
console.log('\nTargets:');
for (const t of targets) console.log(`  ${t.pass ? 'pass' : 'MISS'}  ${t.name}: ${fix(t.value, 3)}`);
console.log(`\nmachine: ${before.cpus} x ${before.cpu}, load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')}`);
if (!quick && flag('--messages', undefined) === undefined && flag('--runs', undefined) === undefined && flag('--sessions', undefined) === undefined) {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    join(root, 'bench/results/forward.json'),
    `${JSON.stringify({ date: new Date().toISOString(), ...before, loadavgAfter: after.loadavg, messages: MESSAGES, warmup: WARMUP, size: SIZE, qos: QOS, window: WINDOW, runs: RUNS, sessions: SESSIONS, concurrency: CONCURRENCY, forward: fwdRows, sessionsRows: sessRows, targets }, null, 2)}\n`,
  );
  console.log('wrote bench/results/forward.json');
}
process.exit(0);
