/**
 * The PACKED packages work for a consumer: `npm pack` @mqttx/codec, @mqttx/transport and @mqttx/client
 * (their `prepack` strips the comments of the emitted JS), install the tarballs into a temp app without the
 * network (extracted by `tar`, `bl` linked from the workspace; no `npm install`), then
 *   - every packed file is comment-free, every `exports` target and every relative import resolves;
 *   - a TypeScript consumer of the public API type-checks with `skipLibCheck: false` (the packed `.d.ts`
 *     set is complete and consistent), without the optional peers for the main entry points and with them
 *     (`ioredis`, `fast-check`) for `@mqttx/client/redis` and `@mqttx/codec/arbitraries`;
 *   - a plain `.mjs` program run from the app connects to a testkit broker, sends itself QoS 0, 1 and 2 over
 *     MQTT 3.1.1 and 5.0, and ends cleanly;
 *   - the optional-peer entry points fail to import only for want of their peer.
 *
 * `npm pack` runs in a COPY of each package (and of `scripts/`) in the temp folder: in the workspace, the
 * `dist` would be stripped from `prepack` until `postpack` restores it, while other test files (and
 * test/infra/packaging.test.ts, which expects it unstripped) read it at the same time.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, connect } from '@mqttx/client';
import { CodecError, decode } from '@mqttx/codec';
import { startBroker } from '@mqttx/testkit';
import { ROOT, buildWhenStale, packagesStale } from '../helpers/build.js';
// @ts-expect-error plain ESM script without declarations
import { unresolvedImports } from '../../scripts/pack-files.mjs';
// @ts-expect-error plain ESM script without declarations
import { stripComments } from '../../scripts/strip-js-comments.mjs';

const strip = stripComments as (text: string) => string;
const unresolved = unresolvedImports as (dir: string) => string[];

/** The packages the client stack installs, in dependency order. */
const PACKED = ['codec', 'transport', 'client'] as const;
type Packed = (typeof PACKED)[number];
const FIXTURES = join(ROOT, 'test', 'infra', 'packed');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** What a child process did (never throws: a failure shows up in the assertions with its output). */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file args` in `cwd`, killed after `timeoutMs` (so nothing hangs), with `env` added. */
function run(file: string, args: string[], cwd: string, timeoutMs: number, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: timeoutMs, maxBuffer: 16 << 20, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The output of a run, for assertion messages. */
const output = (r: Run): string => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

/** The one JSON line a fixture program prints. */
function jsonLine<T>(r: Run): T {
  expect(r.code, output(r)).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines, output(r)).toHaveLength(1);
  return JSON.parse(lines[0]!) as T;
}

/** Every file below `dir`, relative to it, with `/` separators. */
function filesUnder(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, base));
    else out.push(relative(base, path).split('\\').join('/'));
  }
  return out.sort();
}

/** The `bl` the codec depends on (bl@7), as installed in the workspace. */
function blDir(): string {
  const manifest = (dir: string): { version?: string; dependencies?: Record<string, string> } =>
    existsSync(join(dir, 'package.json')) ? JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) : {};
  const wanted = manifest(join(ROOT, 'packages', 'codec')).dependencies?.['bl'];
  const dir = [join(ROOT, 'packages', 'codec', 'node_modules', 'bl'), join(ROOT, 'node_modules', 'bl')].find((d) => wanted !== undefined && manifest(d).version === wanted);
  if (dir === undefined) throw new Error(`bl@${wanted} is not installed in the workspace (npm ci)`);
  return dir;
}

/** What `npm pack --json` reports about one tarball. */
interface PackReport {
  filename: string;
  files: Array<{ path: string }>;
}

let tmp: string;
/** Absolute tarball path and packed file list, per package. */
const packs = new Map<Packed, { tarball: string; files: string[] }>();
/** The app with the packed packages and `bl` only (what `npm install @mqttx/client` gives). */
let bare: string;
/** The same plus the optional peers `ioredis` and `fast-check`. */
let full: string;

/** Makes an app folder: the tarballs extracted under node_modules/@mqttx, `bl` and `peers` linked, fixtures. */
function makeApp(name: string, peers: string[]): string {
  const app = join(tmp, name);
  const nm = join(app, 'node_modules');
  for (const pkg of PACKED) mkdirSync(join(nm, '@mqttx', pkg), { recursive: true });
  symlinkSync(blDir(), join(nm, 'bl'), 'dir');
  for (const peer of peers) symlinkSync(join(ROOT, 'node_modules', peer), join(nm, peer), 'dir');
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: `packed-${name}`, private: true, type: 'module' })}\n`);
  for (const f of readdirSync(FIXTURES)) cpSync(join(FIXTURES, f), join(app, f));
  return app;
}

/** tsconfig of a consumer app: strict, Node ESM resolution, `skipLibCheck: false`, the workspace's @types. */
function writeTsconfig(app: string, file: string): void {
  const compilerOptions = {
    strict: true,
    noEmit: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2023'],
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    skipLibCheck: false,
  };
  writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify({ compilerOptions, files: [file] }, null, 2)}\n`);
}

beforeAll(async () => {
  await buildWhenStale({ project: 'packages/client', isStale: () => packagesStale(PACKED) });
  tmp = mkdtempSync(join(tmpdir(), 'mqttx-packed-'));
  // A private copy of what `npm pack` reads: each package folder (its node_modules aside) and the scripts
  // `prepack` runs, which find `typescript` through the link below.
  const ws = join(tmp, 'ws');
  cpSync(join(ROOT, 'scripts'), join(ws, 'scripts'), { recursive: true });
  mkdirSync(join(ws, 'node_modules'));
  symlinkSync(join(ROOT, 'node_modules', 'typescript'), join(ws, 'node_modules', 'typescript'), 'dir');
  const dest = join(tmp, 'packs');
  mkdirSync(dest);
  const env = { npm_config_ignore_scripts: 'false', npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_dry_run: 'false' };
  const results = await Promise.all(
    PACKED.map(async (name) => {
      const src = join(ROOT, 'packages', name);
      const dir = join(ws, 'packages', name);
      cpSync(src, dir, { recursive: true, filter: (path) => path !== join(src, 'node_modules') });
      return { name, r: await run('npm', ['pack', '--json', '--pack-destination', dest], dir, 60_000, env) };
    }),
  );
  for (const { name, r } of results) {
    if (r.code !== 0) throw new Error(`npm pack of ${name} failed: ${output(r)}`);
    const [report] = JSON.parse(r.stdout) as PackReport[];
    packs.set(name, { tarball: join(dest, report!.filename), files: report!.files.map((f) => f.path).sort() });
  }
  bare = makeApp('bare', []);
  full = makeApp('full', ['ioredis', 'fast-check']);
  for (const app of [bare, full]) {
    for (const name of PACKED) {
      const r = await run('tar', ['-xzf', packs.get(name)!.tarball, '-C', join(app, 'node_modules', '@mqttx', name), '--strip-components=1'], app, 30_000);
      if (r.code !== 0) throw new Error(`tar of ${name} failed: ${output(r)}`);
    }
  }
  writeTsconfig(bare, 'consumer.mts');
  writeTsconfig(full, 'consumer-peers.mts');
}, 240_000);

afterAll(() => {
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

describe('the tarballs', () => {
  for (const name of PACKED) {
    it(`${name}: holds what npm pack listed, with its exports targets and no maps or build info`, () => {
      const { files } = packs.get(name)!;
      const base = join(bare, 'node_modules', '@mqttx', name);
      expect(filesUnder(base)).toEqual(files);
      expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.tsbuildinfo') || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> };
      const targets = Object.values(manifest.exports).flatMap((entry) => Object.values(entry));
      expect(targets.length).toBeGreaterThan(0);
      for (const target of targets) expect(files, target).toContain(target.replace(/^\.\//, ''));
    });

    it(`${name}: prepack stripped the JS, and every relative import of a .js or .d.ts file is packed`, () => {
      const base = join(bare, 'node_modules', '@mqttx', name);
      const js = filesUnder(base).filter((file) => file.endsWith('.js'));
      expect(js.length).toBeGreaterThan(0);
      const commented = js.filter((file) => {
        const text = readFileSync(join(base, file), 'utf8');
        return strip(text) !== text;
      });
      expect(commented).toEqual([]);
      expect(unresolved(base)).toEqual([]);
    });
  }
});

describe('a TypeScript consumer, skipLibCheck false', () => {
  it.concurrent('type-checks the main entry points with no optional peer installed', async ({ expect }) => {
    const r = await run(process.execPath, [TSC, '-p', '.'], bare, 120_000);
    expect(r.code, output(r)).toBe(0);
  }, 130_000);

  it.concurrent('type-checks @mqttx/client/redis and @mqttx/codec/arbitraries against ioredis and fast-check', async ({ expect }) => {
    const r = await run(process.execPath, [TSC, '-p', '.'], full, 120_000);
    expect(r.code, output(r)).toBe(0);
  }, 130_000);
});

interface Smoke {
  resolved: string;
  sessions: Array<{
    protocolVersion: number;
    grants: number[];
    acks: Array<string | null>;
    received: Array<{ topic: string; qos: number; payload: string }>;
    status: string;
  }>;
  roundTrip: { topic: string; packetId: number; payload: string };
  oneMqttxError: boolean;
  codecError: { code: string; isCodecError: boolean; isMqttxError: boolean } | null;
  configError: { code: string; isConfigError: boolean; isMqttxError: boolean } | null;
}

/** The error code the workspace sources give for what smoke.mjs does wrong (the packed build must agree). */
async function sourceCodes(): Promise<{ codec: string; config: string }> {
  let codec = '';
  let config = '';
  try {
    decode(Buffer.from([0x00, 0x00]), { protocolVersion: 5 });
  } catch (err) {
    expect(err).toBeInstanceOf(CodecError);
    codec = (err as CodecError).code;
  }
  await connect({ brokers: [], clientId: 'x' }).then(
    () => expect.unreachable('connect with no brokers resolved'),
    (err: unknown) => {
      expect(err).toBeInstanceOf(ConfigError);
      config = (err as ConfigError).code;
    },
  );
  return { codec, config };
}

describe('a program using the installed packages', () => {
  it('connects to a testkit broker and sends itself QoS 0, 1 and 2 over MQTT 3.1.1 and 5.0, then ends', async () => {
    const broker = await startBroker();
    let r: Run;
    try {
      r = await run(process.execPath, ['smoke.mjs', broker.url], bare, 20_000);
    } finally {
      await broker.close();
    }
    const out = jsonLine<Smoke>(r);
    // Resolved from the app's node_modules, not the workspace.
    expect(out.resolved).toBe(pathToFileURL(join(bare, 'node_modules', '@mqttx', 'client', 'dist', 'index.js')).href);
    expect(out.sessions.map((s) => s.protocolVersion)).toEqual([4, 5]);
    for (const s of out.sessions) {
      expect(s.grants).toEqual([2]);
      // QoS 0: settled once written; QoS 1 ends with PUBACK, QoS 2 with PUBCOMP [MQTT-4.3.2-1] [MQTT-4.3.3-1].
      expect(s.acks).toEqual([null, 'puback', 'pubcomp']);
      expect(s.received).toEqual([0, 1, 2].map((qos) => ({ topic: `packed/q${qos}`, qos, payload: `hello ${qos}` })));
      expect(s.status).toBe('closed');
    }
    expect(out.roundTrip).toEqual({ topic: 'a/b', packetId: 9, payload: 'x' });
    // One error base across the packages: @mqttx/client re-exports the codec's MqttxError, not a copy.
    expect(out.oneMqttxError).toBe(true);
    const codes = await sourceCodes();
    expect(out.codecError).toEqual({ code: codes.codec, isCodecError: true, isMqttxError: true });
    expect(out.configError).toEqual({ code: codes.config, isConfigError: true, isMqttxError: true });
  });
});

interface Probe {
  ok: boolean;
  code: string | null;
  exports: string[];
  use: unknown;
}

describe('entry points with an optional peer dependency', () => {
  it('fail to import for want of the peer only: they import once ioredis and fast-check are installed', async () => {
    const [without, withPeers] = await Promise.all([
      run(process.execPath, ['peers.mjs'], bare, 20_000),
      run(process.execPath, ['peers.mjs'], full, 20_000),
    ]);
    const a = jsonLine<{ redis: Probe; arbitraries: Probe }>(without);
    expect(a.redis).toMatchObject({ ok: false, code: 'ERR_MODULE_NOT_FOUND' });
    expect(a.arbitraries).toMatchObject({ ok: false, code: 'ERR_MODULE_NOT_FOUND' });
    // The same packed files with the peers present import and work: the only thing missing was the peer.
    const b = jsonLine<{ redis: Probe; arbitraries: Probe }>(withPeers);
    expect(b.redis.ok).toBe(true);
    expect(b.redis.exports).toEqual(expect.arrayContaining(['RedisStore', 'sessionKeys']));
    expect(b.redis.use).toEqual({ open: 'function', keys: ['outbound', 'inbound', 'subscriptions', 'meta'].map((k) => `mqttx:{c1}:${k}`) });
    expect(b.arbitraries.ok).toBe(true);
    expect(b.arbitraries.exports).toEqual(expect.arrayContaining(['publishArb', 'packetArb', 'malformedFrameArb']));
    // 20 sampled packets (fast-check seed 42), each round-tripped by the packed codec.
    expect(b.arbitraries.use).toEqual({ samples: 20, roundTrips: 20 });
  });
});
