/**
 * The built `mqttx` CLI as a child process: `--help` for every command, `--version`, exit codes, usage
 * errors as exactly one line on stderr (exit 2), and `run --check` on good and bad configs (`run` itself: cli-run.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureCliBuilt } from './cli-helpers/build.js';
import { tempDir } from './cli-helpers/fixtures.js';
import { killAll, runCli } from './cli-helpers/spawn.js';

beforeAll(ensureCliBuilt, 180_000);
// Every test waits for its processes to exit; this only matters when a test failed midway. (Tests run
// concurrently, so no per-test kill.)
afterAll(killAll);

const dir = tempDir('cli-process');

const VISIBLE = ['pub', 'sub', 'broker', 'bench', 'run'];

describe.concurrent('help and version', () => {
  it('mqttx --help lists the commands and the exit codes; exit 0', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const name of VISIBLE) expect(stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(stdout).toContain('Exit codes:');
  });

  it.each(VISIBLE)('mqttx %s --help prints its usage and flags; exit 0', async (name) => {
    const { code, stdout, stderr } = await runCli([name, '--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(new RegExp(`^Usage: mqttx ${name}`));
    expect(stdout).toContain('--help');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/manager/package.json'), 'utf8')) as { version: string };
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${pkg.version}\n`);
  });

  it('no command: the help on stderr, exit 2', async () => {
    const { code, stdout, stderr } = await runCli([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: mqttx <command>');
  });
});

describe.concurrent('usage errors: exit 2 and one line', () => {
  it.each([
    [['frobnicate'], 'ERR_USAGE'],
    [['pub', '-t', 'a', '-m', 'x', '--bogus'], 'ERR_USAGE'],
    [['pub', '-t', 'a', '-f', 'does-not-exist.bin'], 'ERR_FILE'],
    [['run', 'no-such-file.yaml'], 'ERR_CONFIGURATION'],
  ])('mqttx %j -> %s (the full matrix runs in-process in cli-dispatch.test.ts)', async (args, code) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^mqttx: ${code}: \\S`));
  });

  it('a password given to a bad command line is never printed', async () => {
    const r = await runCli(['pub', '-V', '3.1.1', '-P', 'hunter2', '-t', 'a', '-m', 'x', '--verbose']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mqttx: ERR_USAGE: /);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('--verbose adds the stack to the error line', async () => {
    const r = await runCli(['pub', '--verbose', '-t', 'a/#', '-m', 'x']);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^mqttx: ERR_USAGE: /);
    expect(lines.slice(1).every((l) => l.startsWith('    at '))).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
  });
});

describe.concurrent('run --check', () => {
  it('a valid config: the summary on stdout, exit 0, no password shown', async () => {
    const r = await runCli(['run', '--check', 'packages/manager/examples/mqttx.yaml'], { env: { STORAGE_PASSWORD: 'hunter2' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^config OK: 3 sessions, 1 forwarder, 1 route; metrics on http:\/\/127\.0\.0\.1:9464\/metrics\n/);
    expect(r.stdout).toContain('  forwarder temperatures: sensor-1, sensor-2 -> storage');
    expect(r.stdout).not.toContain('hunter2');
  });

  it('a bad config: every problem by path on stderr, exit 2, nothing connected', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(
      path,
      JSON.stringify({
        sessions: [
          { name: 's1', brokers: ['mqtt://127.0.0.1:1', 'http://x'], password: '${NOT_SET_ANYWHERE}' },
          { name: 's1', brokers: 'mqtt://127.0.0.1:1', clientld: 'typo' },
        ],
        forwarders: [{ name: 'f', sourceSessions: ['s1'], sourceTopics: ['a/+'], targetSession: 's9' }],
        metrics: { port: -1 },
      }),
    );
    const r = await runCli(['run', path, '--check']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      `mqttx: ERR_CONFIGURATION: ${path}: 6 problems`,
      '  sessions[0].brokers[1]: must be an mqtt://, mqtts://, tcp://, ssl:// or tls:// URL',
      '  sessions[0].password: environment variable NOT_SET_ANYWHERE is not set',
      "  sessions[1].clientld: unknown key (did you mean 'clientId'?)",
      '  metrics.port: must be an integer from 0 to 65535',
      '  sessions[1].name: duplicate session name (also sessions[0].name)',
      "  forwarders[0].targetSession: no session named 's9'",
    ]);
  });
});
