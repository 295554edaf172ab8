/**
 * The `mqttx` dispatcher: global flags (`--help`, `--version`, `--verbose`), the command table, per-command
 * help, and the one place where errors become a line on stderr and an exit code.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseCommandArgs, renderHelp } from './args.js';
import type { Command } from './command.js';
import { benchCommand, brokerCommand, pubCommand, runCommand, subCommand } from './commands/index.js';
import type { CliContext } from './context.js';
import { EXIT, exitCodeFor, formatError, usageError, type ExitCode } from './errors.js';

/** Every command, in help order. Hidden ones are dispatched but not listed. */
export const COMMANDS: readonly Command[] = [pubCommand, subCommand, brokerCommand, benchCommand, runCommand];

/** The version of the `mqttx` package (its package.json, two levels above this file in src/ and dist/). */
export function cliVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The text of `mqttx --help`. */
export function mainHelp(): string {
  const visible = COMMANDS.filter((c) => c.hidden !== true);
  const width = Math.max(...visible.map((c) => c.name.length)) + 3;
  return [
    'Usage: mqttx <command> [options]',
    '',
    'MQTT 3.1.1 / 5.0 from the command line: publish, subscribe, and a development broker.',
    '',
    'Commands:',
    ...visible.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'General options:',
    '  --help       Show help (mqttx <command> --help for a command); note -h is --broker, not help',
    '  --version    Print the version',
    '  --verbose    On errors, print the stack and the cause chain too',
    '',
    'Exit codes: 0 ok (also a long-running command stopped by Ctrl-C/SIGTERM), 1 runtime failure,',
    '2 usage or config error, 130 interrupted by SIGINT, 143 by SIGTERM.',
    '',
  ].join('\n');
}

/** The help text of `command`. */
export function commandHelp(command: Command): string {
  return renderHelp({
    usage: command.usage,
    description: command.description,
    options: command.options,
    examples: command.examples,
  });
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw usageError(`unknown command '${name}' (see mqttx --help)`);
  return command;
}

/**
 * Runs the command line `argv` (without `node` and the script) and resolves with the exit code. Never
 * rejects: an error is printed to `ctx.stderr` as one line (`mqttx: <code>: <message>`, plus the stack and
 * causes with `--verbose`).
 */
export async function runCli(argv: readonly string[], ctx: Omit<CliContext, 'verbose'>): Promise<ExitCode> {
  const verbose = argv.includes('--verbose') || (argv[0] === 'broker' && argv.includes('-v'));
  const full: CliContext = { ...ctx, verbose };
  try {
    let args = [...argv];
    while (args[0] === '--verbose') args = args.slice(1);
    const first = args[0];
    if (first === undefined) {
      ctx.stderr.write(mainHelp());
      return EXIT.USAGE;
    }
    if (first === '--help') {
      ctx.stdout.write(mainHelp());
      return EXIT.OK;
    }
    if (first === '--version') {
      if (args.length > 1) throw usageError('--version takes no arguments');
      ctx.stdout.write(`${cliVersion()}\n`);
      return EXIT.OK;
    }
    if (first === 'help') {
      const topic = args[1];
      ctx.stdout.write(topic === undefined ? mainHelp() : commandHelp(findCommand(topic)));
      return EXIT.OK;
    }
    if (first.startsWith('-')) throw usageError(`unknown option '${first.split('=')[0]}' before the command (see mqttx --help)`);
    const command = findCommand(first);
    const rest = args.slice(1);
    if (rest.includes('--help')) {
      // Parse first, so an unknown flag next to --help is still reported; positional counts are not checked.
      parseCommandArgs(rest, command.options, { min: 0, max: Infinity });
      ctx.stdout.write(commandHelp(command));
      return EXIT.OK;
    }
    return await command.run(rest, full);
  } catch (err) {
    ctx.stderr.write(formatError(err, verbose));
    return exitCodeFor(err);
  }
}
