/**
 * Process entry of the `mqttx` command line (launched by `bin/mqttx.js`): wires the real streams, turns
 * SIGINT / SIGTERM into the commands' stop signal (a second one forces the exit: 130 / 143), and exits with
 * the command's code.
 * @module
 */
import { runCli } from './cli.js';
import { EXIT } from './errors.js';
import type { StopSignal } from './context.js';

const controller = new AbortController();

function onSignal(signal: StopSignal): void {
  if (controller.signal.aborted) {
    // Second signal while stopping: give up on a graceful end.
    process.exit(signal === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.TERMINATED);
  }
  controller.abort(signal);
}

const onInt = (): void => onSignal('SIGINT');
const onTerm = (): void => onSignal('SIGTERM');
process.on('SIGINT', onInt);
process.on('SIGTERM', onTerm);

// A reader that went away (`mqttx sub | head -1`) ends the command quietly, as a pipeline expects.
const onStdoutError = (err: NodeJS.ErrnoException): void => {
  if (err.code === 'EPIPE') process.exit(EXIT.OK);
  throw err;
};
process.stdout.on('error', onStdoutError);

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: () => process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});

process.off('SIGINT', onInt);
process.off('SIGTERM', onTerm);
process.exitCode = code;
// Everything the command opened is closed by now, so the process ends by itself; should a stray handle keep
// it alive, this unref'd timer ends it anyway (it never delays a clean exit).
setTimeout(() => process.exit(code), 2000).unref();
