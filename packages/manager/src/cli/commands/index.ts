/**
 * The command table: names, help texts and flags, with each implementation loaded only when its command
 * runs (startup stays fast for `--help` and usage errors).
 * @module
 */
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import type { ExitCode } from '../errors.js';
import { BENCH_OPTIONS, BROKER_OPTIONS, PUB_OPTIONS, RUN_OPTIONS, SUB_OPTIONS } from './options.js';

/** `mqttx pub` */
export const pubCommand: Command = {
  name: 'pub',
  summary: 'Publish a message, a file, or stdin line by line',
  usage: 'mqttx pub -t <topic> (-m <text> | -f <file> | -l | -s | -n) [options]',
  description:
    'Connects, publishes, waits for the acknowledgements its QoS asks for, and disconnects gracefully.\n' +
    'With -l every line of standard input is a message (published in order, up to 64 in flight).\n' +
    'Note: -h is the broker (as in mosquitto_pub); help is --help.',
  options: PUB_OPTIONS,
  examples: [
    'mqttx pub -t sensors/1/temp -m 21.5 -q 1',
    'mqttx pub -h mqtts://broker.example:8883 --ca ca.pem -u alice -t a/b -f payload.bin',
    'tail -f app.log | mqttx pub -t logs/app -l',
    'mqttx pub -V 5 -t a/b -m hi --user-property source=cli --user-property unit=C',
  ],
  run: async (args: readonly string[], ctx: CliContext): Promise<ExitCode> => (await import('./pub.js')).run(args, ctx),
};

/** `mqttx sub` */
export const subCommand: Command = {
  name: 'sub',
  summary: 'Subscribe and print messages (text or JSON lines)',
  usage: 'mqttx sub -t <filter> [-t <filter>...] [options]',
  description:
    'Connects, subscribes to every -t filter, and prints each message on stdout until Ctrl-C or SIGTERM\n' +
    '(exit 0) or until -C messages arrived. A lost connection is retried with backoff (noted on stderr).\n' +
    'json lines: {"topic","payload","payloadEncoding":"utf8"|"base64","qos","retain","properties"?}.\n' +
    'Note: -h is the broker (as in mosquitto_sub); help is --help.',
  options: SUB_OPTIONS,
  examples: [
    "mqttx sub -t 'sensors/#' -q 1",
    "mqttx sub -h broker.local:1883 -t 'a/+' -t b --format json",
    'mqttx sub -c -i dashboard -t alerts -q 1 -C 10',
  ],
  run: async (args: readonly string[], ctx: CliContext): Promise<ExitCode> => (await import('./sub.js')).run(args, ctx),
};

/** `mqttx broker` */
export const brokerCommand: Command = {
  name: 'broker',
  summary: 'Run the testkit MQTT 3.1.1/5.0 broker (development only)',
  usage: 'mqttx broker [options]',
  description:
    'Runs the @mqttx/testkit broker standalone, for development and tests: MQTT 3.1.1 and 5.0, QoS 0-2,\n' +
    'retained messages, wills, persistent sessions, shared subscriptions. It prints one line per listener\n' +
    '(listening on mqtt://HOST:PORT) once bound, and stops cleanly on Ctrl-C or SIGTERM (exit 0).\n' +
    'It keeps everything in memory and authenticates nobody: do not expose it.',
  options: BROKER_OPTIONS,
  examples: [
    'mqttx broker --port 0',
    'mqttx broker -v --port 1883',
    'mqttx broker --tls-cert server.pem --tls-key server-key.pem --tls-port 8883',
  ],
  run: async (args: readonly string[], ctx: CliContext): Promise<ExitCode> => (await import('./broker.js')).run(args, ctx),
};

/** `mqttx bench` */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'Benchmark a broker: connects, publishes or subscriptions of many sessions',
  usage: 'mqttx bench <conn|pub|sub> [options]',
  description:
    'conn: connect --count sessions (at --conn-rate), keep them --duration seconds, disconnect.\n' +
    'pub:  --count publishers send --rate messages/s each to --topic (%i = session number);\n' +
    '      latency is publish to resolution (written for QoS 0, PUBACK, PUBCOMP).\n' +
    'sub:  --count subscribers on --topic, fed by --publishers sessions; latency is publish to receipt.\n' +
    'A progress bar runs on stderr (on a terminal); the summary (or --json) goes to stdout.\n' +
    'Exit 0 when every connect and message succeeded, 1 otherwise, 130 when interrupted.',
  options: BENCH_OPTIONS,
  positionals: { min: 1, max: 1 },
  examples: [
    'mqttx bench conn -c 1000 --conn-rate 500',
    'mqttx bench pub -c 100 --rate 10 -q 1 -s 256 -d 30',
    "mqttx bench sub -c 50 --publishers 5 --rate 100 -t 'bench/%i' --json",
  ],
  run: async (args: readonly string[], ctx: CliContext): Promise<ExitCode> => (await import('./bench.js')).run(args, ctx),
};

/** `mqttx run` */
export const runCommand: Command = {
  name: 'run',
  summary: 'Run the sessions, routes and forwarders of a config file',
  usage: 'mqttx run <config.json|config.yaml> [options]',
  description:
    'Loads a JSON or YAML config, checks it completely (every problem is listed by path, and nothing\n' +
    'connects when there is one), then runs it. ${VAR} in any string value is replaced by the environment\n' +
    "variable (${VAR:-default} gives a fallback; $${ is a literal ${); an unset variable is a problem.\n" +
    'The status is a live table on a terminal and one log line per status.intervalMs otherwise; routes log\n' +
    'their messages on stdout; metrics.port serves /metrics. Ctrl-C or SIGTERM ends every session\n' +
    'gracefully (DISCONNECT, stores flushed) and exits 0.',
  options: RUN_OPTIONS,
  positionals: { min: 1, max: 1 },
  examples: ['mqttx run --check examples/mqttx.yaml', 'MQTT_PASS=secret mqttx run examples/mqttx.yaml'],
  run: async (args: readonly string[], ctx: CliContext): Promise<ExitCode> => (await import('./run.js')).run(args, ctx),
};
