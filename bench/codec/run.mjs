/**
 * Codec benchmark: `npm run bench:codec` (add `-- --quick` for a short run).
 *
 * Runs every case of cases.mjs, for each op (decode, encode) and implementation (ours, mqtt-packet), in its
 * own child process (`node bench/codec/case.mjs <impl> <op> <case>`), one at a time. Ours is the BUILT
 * packages/codec/dist: it is (re)built with `npx tsc -b packages/codec` when missing or older than the
 * sources. Prints a table of packets per second and the ratio ours / mqtt-packet with the targets
 * (decode >= 5x, encode >= 3x), and writes bench/results/codec.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt, root } from '../lib/build.mjs';
import { CASES } from './cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const TARGETS = { decode: 5, encode: 3 };

function runCase(impl, op, name) {
  const args = [join(here, 'case.mjs'), impl, op, name, ...(quick ? ['--quick'] : [])];
  const child = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (child.status !== 0) {
    throw new Error(`${impl} ${op} ${name} failed (exit ${child.status}):\n${child.stderr}`);
  }
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

ensureBuilt('codec');
const started = Date.now();
const rows = [];
for (const c of CASES) {
  for (const op of ['decode', 'encode']) {
    const ours = runCase('ours', op, c.name);
    const theirs = runCase('mqtt-packet', op, c.name);
    const ratio = ours.packetsPerSecond / theirs.packetsPerSecond;
    const row = {
      case: c.name,
      title: c.title,
      op,
      ours: ours.packetsPerSecond,
      mqttPacket: theirs.packetsPerSecond,
      ratio: Math.round(ratio * 100) / 100,
      target: TARGETS[op],
      pass: ratio >= TARGETS[op],
      runs: { ours: ours.runs, mqttPacket: theirs.runs },
    };
    rows.push(row);
    console.log(
      `${pad(row.case, 18)} ${pad(op, 7)} ${lpad(fmt(row.ours), 12)} ${lpad(fmt(row.mqttPacket), 12)} ${lpad(`${row.ratio.toFixed(2)}x`, 8)}  ${row.pass ? 'pass' : 'MISS'} (>= ${row.target}x)`,
    );
  }
}

console.log('');
console.log(`${pad('case', 18)} ${pad('op', 7)} ${lpad('ours pkt/s', 12)} ${lpad('mqtt-packet', 12)} ${lpad('ratio', 8)}  target`);
for (const r of rows) {
  console.log(
    `${pad(r.case, 18)} ${pad(r.op, 7)} ${lpad(fmt(r.ours), 12)} ${lpad(fmt(r.mqttPacket), 12)} ${lpad(`${r.ratio.toFixed(2)}x`, 8)}  ${r.pass ? 'pass' : 'MISS'} (>= ${r.target}x)`,
  );
}
for (const c of CASES) console.log(`  ${pad(c.name, 18)} ${c.title}`);
const misses = rows.filter((r) => !r.pass).length;
console.log(`\n${rows.length - misses}/${rows.length} rows meet their target; ${((Date.now() - started) / 1000).toFixed(1)} s${quick ? ' (--quick)' : ''}`);

const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  quick,
  method:
    'each measurement in its own process; warm-up, then 3 timed runs, median reported. decode: N packets in one ' +
    'Buffer (~2 MiB) pushed in 64 KiB chunks through a fresh Decoder / mqtt-packet parser per pass; encode: ' +
    'encode(packet) vs mqtt-packet generate(packet). The CONNECT decode case uses Decoder role "any" because a ' +
    'server-role decoder rejects a second CONNECT on one connection [MQTT-3.1.0-2].',
  targets: TARGETS,
  rows,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/codec.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/codec.json');
