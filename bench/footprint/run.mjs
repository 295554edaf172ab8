/**
 * Install footprint benchmark: `npm run bench:footprint` (`-- --quick`: 5 import samples instead of 15).
 *
 * `npm pack`s @mqttx/client and its workspace dependencies (@mqttx/codec, @mqttx/transport) from their
 * BUILT dist into a temp folder, installs the three tarballs into an empty project there (`bl` comes from
 * the registry, through npm's cache when it has it), and installs `mqtt` (MQTT.js, the version of the root
 * dev dependency) into another empty project the same way. Reports for each: packages installed, bytes on
 * disk (sum of file sizes under node_modules, and `du` blocks), import time and RSS after import (fresh
 * `node` per sample, median of 15, min-max). The import samples of the two packages alternate (ours, then
 * MQTT.js, then ours, ...) so that both see the same machine load, and the report gives the ratio of the two
 * medians: the 15 ms target was set on a machine where MQTT.js imports in about 50 ms, so on a slower machine
 * the ratio (target 15 / 50 = 0.30) is the figure to compare. Targets: ours installs our packages plus `bl`
 * only, under 1 MB, import under 15 ms; and the packed packages are complete (their `files` leave out the
 * declaration files of internal modules: every import must still resolve). Writes
 * bench/results/footprint.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unresolvedImports } from '../../scripts/pack-files.mjs';
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

/**
 * The packed packages must be complete, since their `files` leave out the declaration files of internal
 * modules: every `exports` target of each `@mqttx/*` package installed in `dir` exists, and every relative
 * import in its `.js` and `.d.ts` files (`from '...'`, `import('...')`, `import '...'`) resolves to a file in
 * the package (`x.js` -> `x.d.ts` for declarations). Returns the problems found (none: complete).
 */
function packedCompleteness(dir) {
  const problems = [];
  const scope = join(dir, 'node_modules', '@mqttx');
  for (const name of readdirSync(scope)) {
    const base = join(scope, name);
    const manifest = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8'));
    for (const [sub, target] of Object.entries(manifest.exports ?? {})) {
      for (const file of Object.values(typeof target === 'string' ? { default: target } : target)) {
        if (!existsSync(join(base, file))) problems.push(`@mqttx/${name}: exports ${sub} -> ${file} missing`);
      }
    }
    for (const missing of unresolvedImports(base)) problems.push(`@mqttx/${name}/${missing}: not packed`);
  }
  return problems;
}

/** One import of `specifier` in a fresh node: time and RSS. */
function importOnce(dir, specifier) {
  const script = `
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    await import(${JSON.stringify(specifier)});
    const ms = performance.now() - t0;
    const rss = process.memoryUsage().rss;
    process.stdout.write(JSON.stringify({ ms, rss, rssDelta: rss - rss0 }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`import of ${specifier} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * Import time and RSS of every project, in a fresh node per sample, the projects' samples interleaved (a
 * shared machine's load then weighs on all of them alike). The first round only warms the file cache.
 */
function importCosts(projects) {
  const samples = projects.map(() => []);
  for (let i = 0; i < SAMPLES + 1; i++) {
    projects.forEach((p, j) => {
      const s = importOnce(p.dir, p.specifier);
      if (i > 0) samples[j].push(s);
    });
  }
  return samples.map((out) => ({ ms: summary(out.map((x) => x.ms)), rss: summary(out.map((x) => x.rss)), rssDelta: summary(out.map((x) => x.rssDelta)) }));
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
  const inventories = [];
  for (const p of projects) {
    p.dir = join(work, p.specifier.replace(/[@/]/g, '_'));
    mkdirSync(p.dir);
    writeFileSync(join(p.dir, 'package.json'), JSON.stringify({ name: 'footprint', version: '1.0.0', private: true, type: 'module' }));
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--omit=dev', '--omit=peer', ...p.install], p.dir);
    inventories.push(inventory(p.dir));
  }
  const incomplete = packedCompleteness(projects[0].dir);
  const costs = importCosts(projects);
  const rows = projects.map((p, i) => ({ name: p.name, ...inventories[i], importMs: costs[i].ms, rss: costs[i].rss, rssDelta: costs[i].rssDelta }));
  const W = [16, 10, 13, 12, 11, 17, 11, 13];
  console.log(`bench:footprint (npm install of the packed tarballs; import in a fresh node, median of ${SAMPLES})\n`);
  console.log(row(['package', 'packages', 'bytes', 'du', 'import ms', 'min-max', 'RSS MB', 'RSS delta MB'], W));
  const mb = (b) => fix(b / 1048576, 1);
  for (const r of rows) {
    console.log(row([r.name, r.packages.length, fmt(r.bytes), fmt(r.du), fix(r.importMs.median, 1), `${fix(r.importMs.min, 1)}-${fix(r.importMs.max, 1)}`, mb(r.rss.median), mb(r.rssDelta.median)], W));
  }
  const ours = rows[0];
  const importRatio = ours.importMs.median / rows[1].importMs.median;
  console.log(`\nimport time vs ${rows[1].name} (same run, interleaved): ${fix(importRatio, 2)} (the 15 ms target is 15 / 50 = 0.30 of it)`);
  console.log(`${ours.name} installs: ${ours.packages.join(', ')}`);
  const onlyOursAndBl = ours.packages.every((n) => n.startsWith('@mqttx/') || n.startsWith('bl@'));
  for (const p of incomplete) console.log(`  incomplete package: ${p}`);
  const targets = [
    { name: 'packed files complete (exports targets, relative imports of .js and .d.ts)', value: incomplete.length, pass: incomplete.length === 0 },
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
    `${JSON.stringify({ date: new Date().toISOString(), quick, ...before, loadavgAfter: after.loadavg, samples: SAMPLES, rows, importRatio, targets }, null, 2)}\n`,
  );
  console.log('wrote bench/results/footprint.json');
} finally {
  rmSync(work, { recursive: true, force: true });
}
