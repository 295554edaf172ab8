#!/usr/bin/env node
/**
 * Conformance report: `npm run conformance [-- --open | --json | --strict]`.
 *
 * Reads the normative statement lists (mqtt-3.1.1-statements.txt, mqtt-5.0-statements.txt: one
 * `MQTT-x.y.z-n ROLE` per line, `#` comments) from `../shared/conformance` beside the repository, falling
 * back to `shared/conformance` inside it. Scans every test file (packages/<pkg>/test/**, test/**, *.ts) for
 * citations `[MQTT-x.y.z-n]`, and reads written reasons from docs/conformance-notes.md (lines
 * `- [MQTT-x.y.z-n] reason` under a `## MQTT 3.1.1` or `## MQTT 5.0` heading).
 *
 * A citation names no version, so it counts for every list that holds the ID (both standards reuse
 * numbers, sometimes for different statements: read the spec when in doubt). A reason applies to the
 * version of its heading only.
 *
 * Per statement of role C (client) or B (both): cited by which test files, or the reason, or OPEN. Role S
 * (server) statements are listed apart, as information for the testkit broker. Then totals per version.
 *
 *   --open    list only the open C/B statements
 *   --json    machine-readable output
 *   --strict  exit 1 when any C/B statement is open (default: always exit 0, this is a report)
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const onlyOpen = args.has('--open');
const asJson = args.has('--json');
const strict = args.has('--strict');
for (const a of args) {
  if (!['--open', '--json', '--strict'].includes(a)) {
    console.error(`unknown option ${a}\nusage: node scripts/conformance.mjs [--open] [--json] [--strict]`);
    process.exit(2);
  }
}

const VERSIONS = [
  { key: '3.1.1', file: 'mqtt-3.1.1-statements.txt' },
  { key: '5.0', file: 'mqtt-5.0-statements.txt' },
];
const ID = /\[(MQTT-\d+\.\d+\.\d+-\d+)\]/g;

function statementsDir() {
  for (const dir of [join(root, '..', 'shared', 'conformance'), join(root, 'shared', 'conformance')]) {
    if (existsSync(join(dir, VERSIONS[0].file))) return dir;
  }
  throw new Error('statement lists not found in ../shared/conformance or shared/conformance');
}

/** `[{ id, role }]` in file order. */
function readStatements(path) {
  const out = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [id, role = '?'] = line.split(/\s+/);
    out.push({ id, role });
  }
  return out;
}

/** Every file under `dir` ending in .ts (node_modules and dist skipped). */
function tsFiles(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tsFiles(path, out);
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function testFiles() {
  const files = [];
  const packages = join(root, 'packages');
  if (existsSync(packages)) {
    for (const pkg of readdirSync(packages)) {
      const test = join(packages, pkg, 'test');
      if (existsSync(test) && statSync(test).isDirectory()) tsFiles(test, files);
    }
  }
  tsFiles(join(root, 'test'), files);
  return files.sort();
}

/** Map id -> Set of test files citing it. */
function scanCitations(files) {
  const cited = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(ID)) {
      if (!cited.has(m[1])) cited.set(m[1], new Set());
      cited.get(m[1]).add(relative(root, file));
    }
  }
  return cited;
}

/** Map version -> Map id -> reason, from docs/conformance-notes.md. */
function readNotes() {
  const notes = new Map(VERSIONS.map((v) => [v.key, new Map()]));
  const path = join(root, 'docs', 'conformance-notes.md');
  if (!existsSync(path)) return notes;
  let version;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const heading = /^##\s+MQTT\s+(3\.1\.1|5\.0)\b/.exec(line);
    if (heading) {
      version = heading[1];
      continue;
    }
    if (/^##\s/.test(line)) version = undefined;
    const item = /^\s*[-*]\s+\[(MQTT-\d+\.\d+\.\d+-\d+)\]\s*(.*)$/.exec(line);
    if (item && version) notes.get(version).set(item[1], item[2].trim());
  }
  return notes;
}

const dir = statementsDir();
const files = testFiles();
const cited = scanCitations(files);
const notes = readNotes();

const report = { statementsDir: relative(root, dir) || '.', testFiles: files.length, versions: [] };
for (const v of VERSIONS) {
  const statements = readStatements(join(dir, v.file));
  const known = new Set(statements.map((s) => s.id));
  const rows = statements.map(({ id, role }) => {
    const by = cited.has(id) ? [...cited.get(id)].sort() : [];
    const reason = notes.get(v.key).get(id);
    const status = by.length > 0 ? 'cited' : reason !== undefined ? 'reasoned' : 'open';
    return { id, role, status, citedBy: by, reason: reason ?? null };
  });
  const clientSide = rows.filter((r) => r.role !== 'S');
  const count = (status) => clientSide.filter((r) => r.status === status).length;
  report.versions.push({
    version: v.key,
    statements: rows.length,
    totals: {
      clientSide: clientSide.length,
      cited: count('cited'),
      reasoned: count('reasoned'),
      open: count('open'),
      serverOnly: rows.length - clientSide.length,
      serverOnlyCited: rows.filter((r) => r.role === 'S' && r.status === 'cited').length,
    },
    rows,
    unknownReasons: [...notes.get(v.key).keys()].filter((id) => !known.has(id)),
  });
}
const allIds = new Set(report.versions.flatMap((v) => v.rows.map((r) => r.id)));
report.unknownCitations = [...cited.keys()].filter((id) => !allIds.has(id)).sort();
const openTotal = report.versions.reduce((n, v) => n + v.totals.open, 0);

if (asJson) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const pad = (s, n) => String(s).padEnd(n);
  for (const v of report.versions) {
    console.log(`\nMQTT ${v.version}: ${v.statements} statements (${v.totals.clientSide} client-side C/B, ${v.totals.serverOnly} server-only S)`);
    for (const r of v.rows) {
      if (r.role === 'S') continue;
      if (onlyOpen && r.status !== 'open') continue;
      const detail = r.status === 'cited' ? r.citedBy.join(', ') : r.status === 'reasoned' ? `reason: ${r.reason}` : 'OPEN';
      console.log(`  ${pad(r.id, 15)} ${r.role}  ${detail}`);
    }
    if (!onlyOpen) {
      console.log(`  server-only (S), for the testkit broker:`);
      for (const r of v.rows.filter((x) => x.role === 'S')) {
        const detail = r.status === 'cited' ? r.citedBy.join(', ') : r.status === 'reasoned' ? `reason: ${r.reason}` : '-';
        console.log(`    ${pad(r.id, 15)} S  ${detail}`);
      }
    }
    for (const id of v.unknownReasons) console.log(`  warning: reason for ${id}, which is not a ${v.version} statement`);
  }
  if (report.unknownCitations.length > 0) {
    console.log(`\nwarning: cited IDs in no list: ${report.unknownCitations.join(' ')}`);
  }
  console.log(`\nTotals (C/B statements; ${report.testFiles} test files scanned, statements from ${report.statementsDir}):`);
  for (const v of report.versions) {
    const t = v.totals;
    console.log(
      `  MQTT ${pad(v.version, 6)} cited ${t.cited}, reasoned ${t.reasoned}, open ${t.open} of ${t.clientSide}` +
        `   (server-only: ${t.serverOnlyCited} of ${t.serverOnly} cited)`,
    );
  }
}
process.exit(strict && openTotal > 0 ? 1 : 0);
