/**
 * The dispatcher in-process (`runCli` with in-memory streams): help for every command, exit codes, and the
 * matrix of usage errors, each exactly one line on stderr with exit 2. (cli-process.test.ts runs the built
 * CLI as a child process for the end-to-end path.)
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandHelp, mainHelp, runCli } from '../src/cli/cli.js';
import { fakeContext } from './cli-helpers/fake-io.js';

async function cli(args: string[], env: Record<string, string> = {}) {
  const { ctx, stdout, stderr } = fakeContext({ env });
  const code = await runCli(args, ctx);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('help', () => {
  it('the main help lists the visible commands only', () => {
    const text = mainHelp();
    for (const c of COMMANDS) {
      if (c.hidden === true) expect(text).not.toMatch(new RegExp(`^  ${c.name} `, 'm'));
      else expect(text).toMatch(new RegExp(`^  ${c.name} +${c.summary.replace(/[()|.*+?]/g, '\\$&')}$`, 'm'));
    }
    expect(COMMANDS.filter((c) => c.hidden === true).map((c) => c.name)).toEqual([]);
  });

  it.each(COMMANDS.map((c) => c.name))('mqttx %s --help, and help %s: usage, every flag, exit 0', async (name) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const r = await cli([name, '--help']);
    expect(r).toEqual({ code: 0, stdout: commandHelp(command), stderr: '' });
    for (const flag of Object.keys(command.options)) expect(r.stdout).toContain(`--${flag}`);
    expect(await cli(['help', name])).toEqual(r);
  });

  it('--help next to an unknown flag is still a usage error', async () => {
    const r = await cli(['pub', '--help', '--nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mqttx: ERR_USAGE: unknown option '--nope'\n");
  });

  it('mqttx, mqttx --help, mqttx help', async () => {
    expect(await cli([])).toEqual({ code: 2, stdout: '', stderr: mainHelp() });
    expect(await cli(['--help'])).toEqual({ code: 0, stdout: mainHelp(), stderr: '' });
    expect(await cli(['help'])).toEqual({ code: 0, stdout: mainHelp(), stderr: '' });
    expect((await cli(['help', 'nope'])).code).toBe(2);
  });
});

describe('usage errors: exit 2, one line, nothing on stdout', () => {
  it.each([
    [['frobnicate'], 'ERR_USAGE'],
    [['--nope'], 'ERR_USAGE'],
    [['--version', 'extra'], 'ERR_USAGE'],
    [['pub', '-t', 'a', '-m', 'x', '--bogus'], 'ERR_USAGE'],
    [['pub', '-m', 'x'], 'ERR_USAGE'],
    [['pub', '-t', 'a/#', '-m', 'x'], 'ERR_USAGE'],
    [['pub', '-t', 'a', '-m', 'x', '-q', '3'], 'ERR_USAGE'],
    [['pub', '-t', 'a', '-m', 'x', '-m', 'y'], 'ERR_USAGE'],
    [['pub', '-t', 'a', '-m', 'x', 'extra'], 'ERR_USAGE'],
    [['pub', '-t', 'a', '-m', 'x', '-h', 'ws://h'], 'ERR_USAGE'],
    [['pub', '-t', 'a', '-m', 'x', '-c'], 'ERR_USAGE'],
    [['pub', '-t', 'a', '-f', 'does-not-exist.bin'], 'ERR_FILE'],
    [['sub'], 'ERR_USAGE'],
    [['sub', '-t', 'a', '--format', 'yaml'], 'ERR_USAGE'],
    [['sub', '-t', 'a', '-V', '3.1.1', '--user-property', 'a=b'], 'ERR_USAGE'],
    [['sub', '-t', 'a', '--will-qos', '1'], 'ERR_USAGE'],
    [['broker', '--port', 'x'], 'ERR_USAGE'],
    [['broker', '--tls-cert', 'only.pem'], 'ERR_USAGE'],
    [['broker', 'extra'], 'ERR_USAGE'],
    [['bench'], 'ERR_USAGE'],
    [['bench', 'flood'], 'ERR_USAGE'],
    [['bench', 'pub', '-q', '5'], 'ERR_USAGE'],
    [['run'], 'ERR_USAGE'],
    [['run', 'a.yaml', 'b.yaml'], 'ERR_USAGE'],
    [['run', 'no-such-file.yaml'], 'ERR_CONFIGURATION'],
  ])('mqttx %j -> %s', async (args, code) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^mqttx: ${code}: [^\\n]+\\n$`));
  });

  it('no secret in the error, even with --verbose', async () => {
    const r = await cli(['pub', '-V', '3.1.1', '-P', 'hunter2', '-t', 'a', '-m', 'x', '--verbose']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mqttx: ERR_USAGE: /);
    expect(r.stderr).not.toContain('hunter2');
    const env = await cli(['pub', '-V', '3.1.1', '-t', 'a', '-m', 'x'], { MQTTX_PASSWORD: 'hunter3' });
    expect(env.code).toBe(2);
    expect(env.stderr).not.toContain('hunter3');
  });
});
