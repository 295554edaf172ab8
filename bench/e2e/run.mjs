/**
 * End-to-end benchmark: `npm run bench:e2e` (`-- --quick` for a short run; `--messages N`, `--runs N`,
 * `--protocol 4|5`, `--qos 0,1`, `--only mqttx,raw`, `--profile DIR` (our processes under `node --cpu-prof`)
 * for development; the results file is written only by a full run).
 *
 * Ours (@mqttx/client, the BUILT dist) vs MQTT.js through one Mosquitto started here (own config, free
 * loopback port, no queue or in-flight limits): one publisher process and one subscriber process,
 * 200,000 messages of 64 bytes at QoS 0, 1 and 2 (at most 100 publishes outstanding for every client:
 * QoS 1/2 awaiting their PUBACK / PUBCOMP, QoS 0 awaiting the socket below its high-water mark). The floor:
 * a raw socket publisher writing pre-encoded QoS 0 packets in batches of 1,000 and a raw socket subscriber
 * that only counts bytes; at QoS 1 and 2 the floor is a raw socket client that splits frames minimally and
 * answers every ack of a read in one write (bench/lib/raw-flow.mjs), with the same window.
 *
 * Each process warms up (10% of the messages, at least 5,000) before the measured messages; the
 * subscriber signals the end of the warm-up and only then does the publisher start. Figures: messages/s
 * end to end (first measured publish to last message received), CPU microseconds per message of each
 * process (`process.cpuUsage()`), each the median of 5 runs interleaved across the cases, min-max shown.
 * Writes bench/results/e2e.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureBuilt, root } from '../lib/build.mjs';
import { startMosquitto } from '../lib/mosquitto.mjs';
import { fix, fmt, machine, row, summary } from '../lib/stats.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const quick = argv.includes('--quick');
const COUNT = Number(flag('--messages', quick ? 20_000 : 200_000));
const RUNS = Number(flag('--runs', quick ? 3 : 5));
const WARMUP = Math.max(5_000, Math.round(COUNT / 10));
const WINDOW = 100;
const SIZE = 64;
const VERSION = Number(flag('--protocol', 5));
const ONLY = flag('--only', undefined)?.split(',');
const QOS = (flag('--qos', '0,1,2')).split(',').map(Number);
/** `--profile DIR`: run our client's processes under `node --cpu-prof` (profiles written to DIR). */
const PROFILE = flag('--profile', undefined);
/** Publisher loop: 'window' (sliding: a new publish as soon as one is done) or 'batch' (await in windows). */
const LOOP = flag('--loop', 'window');

const here = join(root, 'bench', 'e2e');
const allCases = [
  ...QOS.flatMap((qos) => [
    { impl: 'raw', qos },
    { impl: 'mqttx', qos },
    { impl: 'mqttjs', qos },
  ]),
].filter((c) => (ONLY === undefined || ONLY.includes(c.impl)) && QOS.includes(c.qos));

/** Spawns a bench child; `lines` yields its stdout JSON lines. */
function child(script, spec) {
  const prof = PROFILE !== undefined && spec.impl === 'mqttx' ? ['--cpu-prof', '--cpu-prof-dir', PROFILE, '--cpu-prof-name', `${script.replace('.mjs', '')}-qos${spec.qos}-${Date.now()}.cpuprofile`] : [];
  const proc = spawn(process.execPath, [...prof, join(here, script), JSON.stringify(spec)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (b) => (stderr = (stderr + b).slice(-8192)));
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const it = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async (what) => {
    const r = await it.next();
    if (r.done) {
      const { code, signal } = await exited;
      throw new Error(`${script} (${spec.impl} QoS ${spec.qos}) ended before ${what} (exit ${code ?? signal}):\n${stderr}`);
    }
    return JSON.parse(r.value);
  };
  return { proc, next, exited, stderr: () => stderr };
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

let seq = 0;
async function runPair(broker, c) {
  const spec = {
    ...c,
    url: broker.url,
    host: broker.host,
    port: broker.port,
    count: COUNT,
    warmup: WARMUP,
    window: WINDOW,
    size: SIZE,
    version: VERSION,
    loop: LOOP,
    topic: `bench/e2e/${process.pid}/${seq++}`,
  };
  const sub = child('sub.mjs', spec);
  let pub;
  try {
    await sub.next('ready');
    pub = child('pub.mjs', spec);
    await pub.next('warm-up');
    await sub.next('warm-up');
    pub.proc.stdin.write('go\n');
    const budget = 60_000 + (COUNT + WARMUP) * 2; // generous: 2 ms per message
    const [p, s] = await withTimeout(Promise.all([pub.next('result'), sub.next('result')]), budget, `${c.impl} QoS ${c.qos}`);
    pub.proc.stdin.end('end\n');
    await Promise.all([pub.exited, sub.exited]);
    if (s.received < COUNT) console.warn(`  ! ${c.impl} QoS ${c.qos}: subscriber got ${s.received} of ${COUNT}`);
    return {
      rate: (s.received / (s.tEnd - p.t0)) * 1000,
      pubRate: (COUNT / (p.t1 - p.t0)) * 1000,
      pubCpu: p.cpuUs / COUNT,
      subCpu: s.cpuUs / Math.max(1, s.received),
      pubUser: p.userUs / COUNT,
      subUser: s.userUs / Math.max(1, s.received),
      pubSyscalls: (p.io.reads + p.io.writes) / COUNT,
      subSyscalls: (s.io.reads + s.io.writes) / Math.max(1, s.received),
      lost: COUNT - s.received,
    };
  } finally {
    for (const x of [sub, pub]) if (x && x.proc.exitCode === null && x.proc.signalCode === null) x.proc.kill('SIGKILL');
  }
}

ensureBuilt();
const before = await machine();
/** Broker config beyond the defaults of bench/lib/mosquitto.mjs (no queue limits): no in-flight cap either. */
const MOSQUITTO_CONFIG = ['max_inflight_messages 0'];
const broker = await startMosquitto({ config: MOSQUITTO_CONFIG });
const samples = new Map(allCases.map((c) => [`${c.impl}/${c.qos}`, []]));
try {
  console.log(
    `bench:e2e ${fmt(COUNT)} x ${SIZE} B (+${fmt(WARMUP)} warm-up), MQTT ${VERSION === 5 ? '5.0' : '3.1.1'}, window ${WINDOW}, ${RUNS} interleaved runs, Mosquitto ${broker.url}`,
  );
  for (let r = 0; r < RUNS; r++) {
    for (const c of allCases) {
      const res = await runPair(broker, c);
      samples.get(`${c.impl}/${c.qos}`).push(res);
      console.log(
        `  run ${r + 1}/${RUNS} ${c.impl.padEnd(6)} QoS ${c.qos}: ${fmt(res.rate)} msg/s, pub ${fix(res.pubCpu, 2)} us/msg (user ${fix(res.pubUser, 2)}, ${fix(res.pubSyscalls, 2)} syscalls), sub ${fix(res.subCpu, 2)} us/msg (user ${fix(res.subUser, 2)}, ${fix(res.subSyscalls, 2)} syscalls)`,
      );
    }
  }
} finally {
  await broker.stop();
}
const after = await machine();

const stat = (impl, qos, key) => {
  const xs = samples.get(`${impl}/${qos}`);
  return xs === undefined ? undefined : summary(xs.map((x) => x[key]));
};
const rows = allCases.map((c) => ({
  impl: c.impl,
  qos: c.qos,
  rate: stat(c.impl, c.qos, 'rate'),
  pubCpuUs: stat(c.impl, c.qos, 'pubCpu'),
  subCpuUs: stat(c.impl, c.qos, 'subCpu'),
  publisherOnlyRate: stat(c.impl, c.qos, 'pubRate'),
  pubUserUs: stat(c.impl, c.qos, 'pubUser'),
  subUserUs: stat(c.impl, c.qos, 'subUser'),
  pubSyscallsPerMsg: stat(c.impl, c.qos, 'pubSyscalls'),
  subSyscallsPerMsg: stat(c.impl, c.qos, 'subSyscalls'),
  lost: Math.max(...samples.get(`${c.impl}/${c.qos}`).map((x) => x.lost)),
}));
const get = (impl, qos) => rows.find((x) => x.impl === impl && x.qos === qos);
const range = (s, d) => `${fix(s.min, d)}-${fix(s.max, d)}`;
const W = [8, 5, 10, 19, 9, 14, 9, 14, 10, 10];
console.log(`\n${row(['client', 'QoS', 'msg/s', 'min-max', 'pub us', 'min-max', 'sub us', 'min-max', 'pub/js', 'sub/js'], W)}`);
for (const x of rows) {
  const js = get('mqttjs', x.qos);
  const ratio = (key) => (x.impl === 'mqttx' && js ? `${fix(x[key].median / js[key].median, 2)}x` : '');
  console.log(
    row(
      [x.impl, x.qos, fmt(x.rate.median), `${fmt(x.rate.min)}-${fmt(x.rate.max)}`, fix(x.pubCpuUs.median, 2), range(x.pubCpuUs, 2), fix(x.subCpuUs.median, 2), range(x.subCpuUs, 2), ratio('pubCpuUs'), ratio('subCpuUs')],
      W,
    ),
  );
}

const targets = [];
const target = (name, value, limit, pass) => targets.push({ name, value: Number(value.toFixed(3)), limit, pass });
const raw0 = get('raw', 0);
const ours0 = get('mqttx', 0);
if (raw0 && ours0) {
  target('QoS 0 end to end / raw ceiling >= 0.90', ours0.rate.median / raw0.rate.median, 0.9, ours0.rate.median / raw0.rate.median >= 0.9);
  target('QoS 0 subscriber CPU / raw floor <= 1.2', ours0.subCpuUs.median / raw0.subCpuUs.median, 1.2, ours0.subCpuUs.median / raw0.subCpuUs.median <= 1.2);
}
for (const qos of QOS) {
  const ours = get('mqttx', qos);
  const js = get('mqttjs', qos);
  if (!ours || !js) continue;
  const p = ours.pubCpuUs.median / js.pubCpuUs.median;
  target(`QoS ${qos} publisher CPU / MQTT.js <= 1/3`, p, 1 / 3, p <= 1 / 3);
  if (qos > 0) {
    const s = ours.subCpuUs.median / js.subCpuUs.median;
    target(`QoS ${qos} subscriber CPU / MQTT.js <= 1/2`, s, 0.5, s <= 0.5);
  }
}
console.log('\nTargets:');
for (const t of targets) console.log(`  ${t.pass ? 'pass' : 'MISS'}  ${t.name}: ${fix(t.value, 3)}`);
console.log(`\nmachine: ${before.cpus} x ${before.cpu}, load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')}`);

if (!ONLY && QOS.length === 3 && flag('--messages', undefined) === undefined && flag('--runs', undefined) === undefined) {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    join(root, 'bench/results/e2e.json'),
    `${JSON.stringify({ date: new Date().toISOString(), quick, ...before, loadavgAfter: after.loadavg, messages: COUNT, warmup: WARMUP, size: SIZE, window: WINDOW, loop: LOOP, protocolVersion: VERSION, runs: RUNS, mosquitto: MOSQUITTO_CONFIG, rows, targets }, null, 2)}\n`,
  );
  console.log('wrote bench/results/e2e.json');
}
