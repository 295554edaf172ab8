#!/usr/bin/env node
/**
 * `npm start`: the mqttx demo, on the SessionManager of the built `mqttx` package (packages/manager/dist,
 * built by `npm install` through the root `prepare` script, or by `npm run build`).
 *
 * An embedded testkit broker, three sessions (sensor-1 and sensor-2 publish QoS 1 readings, storage
 * receives), a forwarder sensors/+/temperature -> storage/{1}/temp with metadata, a listener counting what
 * storage receives, the live status (plain lines when not on a terminal) and /metrics on a free port; it runs
 * for --duration seconds (default 10) or until Ctrl-C and ends with a summary of what flowed.
 *
 *   npm start                                   # embedded broker, 10 s
 *   npm start -- --duration 3
 *   npm start -- --broker mqtt://host:1883      # the same against another broker
 *
 * The demo itself is packages/manager/src/cli/demo.ts.
 */
import { existsSync } from 'node:fs';

const demoUrl = new URL('../packages/manager/dist/cli/demo.js', import.meta.url);
if (!existsSync(demoUrl)) {
  process.stderr.write('mqttx demo: the packages are not built yet; run `npm run build` (or `npm install`) first\n');
  process.exit(1);
}
const { runDemo } = await import(demoUrl.href);

const controller = new AbortController();
const onSignal = (signal) => {
  if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143); // second Ctrl-C: give up
  controller.abort(signal);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runDemo(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: () => process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
  verbose: process.argv.includes('--verbose'),
});
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
process.exitCode = code;
