/**
 * Install footprint benchmark: `npm run bench:footprint` (`-- --quick`: 5 import samples instead of 15).
 *
 * `npm pack`s @mqttx/client and its workspace dependencies (@mqttx/codec, @mqttx/transport) from their
 * BUILT dist into a temp folder, installs the three tarballs into an empty project there (`bl` comes from
 * the registry, through npm's cache when it has it), and installs `mqtt` (MQTT.js, the version of the root
 * dev dependency) into another empty project the same way. Reports for each: packages installed, bytes on
 * disk (sum of file sizes under node_modules, and `du` blocks), import time and RSS after import (fresh
 * `node` per sample, median of 15, min-max). Targets: ours installs our packages plus `bl` only, under
 * 1 MB, import under 15 ms. Writes bench/results/footprint.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, root } from '../lib/build.mjs';
import { fix, fmt, machine, row, summary } from '../lib/stats.mjs';

const quick = process.argv.includes('--quick');
const SAMPLES = quick ? 5 : 15;
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Installed packages (every folder with a package.json directly under some node_modules) and sizes. */
function inventory(dir) {
  const names = [];
  let bytes = 0;
  const walk = (path, depthInNm) => {
    for (const e of readdirSync(path, { withFileTypes: true })) {
      const p = join(path, e.name);
      if (e.isSymbolicLink()) continue;
      if (e.isDirectory()) walk(p, depthInNm);
      else bytes += lstatSync(p).size;
    }
  };
  const scan = (nm) => {
    for (const e of readdirSync(nm, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(nm, e.name);
      if (e.name.startsWith('@')) {
        for (const s of readdirSync(p)) visitPkg(join(p, s), `${e.name}/${s}`);
      } else visitPkg(p, e.name);
    }
  };
  const visitPkg = (p, name) => {
    let version = '?';
    try {
      version = JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')).version;
    } catch {
      return;
    }
    names.push(`${name}@${version}`);
    try {
      scan(join(p, 'node_modules'));
    } catch {
      /* no nested node_modules */
    }
  };
  const nm = join(dir, 'node_modules');
  scan(nm);
  walk(nm, 0);
  const du = Number(execFileSync('du', ['-sk', nm], { encoding: 'utf8' }).split(/\s/)[0]) * 1024;
  return { packages: names.sort(), bytes, du };
}

/** Import time and RSS of `specifier` in a fresh node per sample. */
function importCost(dir, specifier) {
  const script = `
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    await import(${JSON.stringify(specifier)});
    const ms = performance.now() - t0;
    const rss = process.memoryUsage().rss;
    process.stdout.write(JSON.stringify({ ms, rss, rssDelta: rss - rss0 }));`;
  const out = [];
  for (let i = 0; i < SAMPLES + 1; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`import of ${specifier} failed:\n${r.stderr}`);
    if (i > 0) out.push(JSON.parse(r.stdout)); // the first sample only warms the file cache
  }
  return { ms: summary(out.map((x) => x.ms)), rss: summary(out.map((x) => x.rss)), rssDelta: summary(out.map((x) => x.rssDelta)) };
}

ensureBuilt();
const before = await machine();
const work = mkdtempSync(join(tmpdir(), 'mqttx-bench-footprint-'));
try {
  const packs = join(work, 'packs');
  mkdirSync(packs);
  const tarballs = ['codec', 'transport', 'client'].map((p) => {
    const out = JSON.parse(npm(['pack', '--json', '--pack-destination', packs], join(root, 'packages', p)));
    return join(packs, out[0].filename);
  });
  const mqttVersion = JSON.parse(readFileSync(join(root, 'node_modules/mqtt/package.json'), 'utf8')).version;
  const projects = [
    { name: '@mqttx/client', specifier: '@mqttx/client', install: tarballs },
    { name: `mqtt@${mqttVersion}`, specifier: 'mqtt', install: [`mqtt@${mqttVersion}`] },
  ];
  const rows = [];
  for (const p of projects) {
    const dir = join(work, p.specifier.replace(/[@/]/g, '_'));
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'footprint', version: '1.0.0', private: true, type: 'module' }));
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--omit=dev', '--omit=peer', ...p.install], dir);
    const inv = inventory(dir);
    const cost = importCost(dir, p.specifier);
    rows.push({ name: p.name, ...inv, importMs: cost.ms, rss: cost.rss, rssDelta: cost.rssDelta });
  }
  const W = [16, 10, 13, 12, 11, 17, 11, 13];
  console.log(`bench:footprint (npm install of the packed tarballs; import in a fresh node, median of ${SAMPLES})\n`);
  console.log(row(['package', 'packages', 'bytes', 'du', 'import ms', 'min-max', 'RSS MB', 'RSS delta MB'], W));
  const mb = (b) => fix(b / 1048576, 1);
  for (const r of rows) {
    console.log(row([r.name, r.packages.length, fmt(r.bytes), fmt(r.du), fix(r.importMs.median, 1), `${fix(r.importMs.min, 1)}-${fix(r.importMs.max, 1)}`, mb(r.rss.median), mb(r.rssDelta.median)], W));
  }
  const ours = rows[0];
  console.log(`\n${ours.name} installs: ${ours.packages.join(', ')}`);
  const onlyOursAndBl = ours.packages.every((n) => n.startsWith('@mqttx/') || n.startsWith('bl@'));
  const targets = [
    { name: 'installs our packages plus bl only', value: ours.packages.length, pass: onlyOursAndBl && ours.packages.length === 4 },
    { name: 'bytes on disk < 1 MB', value: ours.bytes, limit: 1_000_000, pass: ours.bytes < 1_000_000 },
    { name: 'import < 15 ms', value: Number(ours.importMs.median.toFixed(2)), limit: 15, pass: ours.importMs.median < 15 },
  ];
  console.log('\nTargets:');
  for (const t of targets) console.log(`  ${t.pass ? 'pass' : 'MISS'}  ${t.name}: ${t.value}`);
  const after = await machine();
  console.log(`\nmachine: ${before.cpus} x ${before.cpu}, load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')}`);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(
    join(root, 'bench/results/footprint.json'),
    `${JSON.stringify({ date: new Date().toISOString(), quick, ...before, loadavgAfter: after.loadavg, samples: SAMPLES, rows, targets }, null, 2)}\n`,
  );
  console.log('wrote bench/results/footprint.json');
} finally {
  rmSync(work, { recursive: true, force: true });
}
