/**
 * The `npm start` demo (launched by `scripts/start.mjs` from the built package): an embedded testkit broker
 * (or `--broker <url>`), three sessions on one {@link SessionManager} (sensor-1 and sensor-2 publish QoS 1
 * readings, storage receives), a forwarder `sensors/+/temperature` -> `storage/{1}/temp` with metadata, a
 * listener route counting what storage receives, the live status (a table on a terminal, plain lines
 * otherwise) and `/metrics` on a free port. It runs `--duration` seconds (default 10) or until Ctrl-C, then
 * ends every session gracefully and prints a summary of what flowed.
 * @module
 */
import { parseArgs } from 'node:util';
import { ForwarderManager } from '../forward/manager.js';
import { SessionManager } from '../manager.js';
import { serveMetrics } from '../metrics/http.js';
import type { ForwarderMetricsSnapshot } from '../metrics/types.js';
import type { SessionMessage } from '../session/message.js';
import { useColor, whenAborted, type CliContext } from './context.js';
import { EXIT, codeOf, formatError, messageOf, type ExitCode } from './errors.js';
import { LiveStatus } from './render/live.js';
import { formatCount, formatMs } from './render/format.js';

/** The demo's forwarder. */
export const DEMO_FORWARDER = 'sensors-to-storage';
const SENSORS = ['sensor-1', 'sensor-2'] as const;
/** Readings per second per sensor. */
const RATE = 20;
const TICK_MS = 100;

const HELP = `Usage: npm start [-- options]

The mqttx demo: two sensor sessions publish temperature readings (QoS 1), a forwarder maps
sensors/+/temperature to storage/{1}/temp with metadata, a storage session receives them, and a summary of
what flowed is printed at the end.

Options:
  --duration <s>    seconds to run (default 10); Ctrl-C ends it earlier
  --broker <url>    use this broker (mqtt://host:1883) instead of the embedded testkit broker
  --help            this help
`;

/** What the demo counted (the summary). */
export interface DemoCounts {
  /** Publishes resolved (PUBACK), per sensor. */
  published: Record<string, number>;
  /** Publishes that failed. */
  publishErrors: number;
  /** Messages the storage listener received. */
  receivedByStorage: number;
  /** First message storage received (topic, payload, user properties). */
  sample: SessionMessage | undefined;
}

/** Parses the demo's flags; `undefined` after printing the help. @throws CliError on a bad flag */
function parseDemoArgs(args: readonly string[], ctx: CliContext): { durationMs: number; broker: string | undefined } | undefined {
  const { values } = parseArgs({
    args: [...args],
    options: { duration: { type: 'string' }, broker: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help === true) {
    ctx.stdout.write(HELP);
    return undefined;
  }
  const seconds = values.duration === undefined ? 10 : Number(values.duration);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError('--duration must be a positive number of seconds');
  return { durationMs: seconds * 1000, broker: values.broker };
}

/**
 * Runs the demo. Exit 0 after the summary (also when stopped by Ctrl-C / SIGTERM), 2 for a bad flag, 1
 * when it could not start.
 */
export async function runDemo(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  let settings: ReturnType<typeof parseDemoArgs>;
  try {
    settings = parseDemoArgs(args, ctx);
  } catch (err) {
    ctx.stderr.write(`mqttx demo: ${messageOf(err)}\n${HELP}`);
    return EXIT.USAGE;
  }
  if (settings === undefined) return EXIT.OK;
  try {
    await demo(settings.durationMs, settings.broker, ctx);
    return EXIT.OK;
  } catch (err) {
    ctx.stderr.write(formatError(err, ctx.verbose));
    return EXIT.FAILURE;
  }
}

async function demo(durationMs: number, brokerUrl: string | undefined, ctx: CliContext): Promise<void> {
  const { startBroker } = await import('@mqttx/testkit');
  const broker = brokerUrl === undefined ? await startBroker({ port: 0, records: false }) : undefined;
  const url = brokerUrl ?? broker!.url;
  const manager = new SessionManager({ logger: { warn: (m) => ctx.stderr.write(`warning: ${m}\n`) } });
  const counts: DemoCounts = { published: { 'sensor-1': 0, 'sensor-2': 0 }, publishErrors: 0, receivedByStorage: 0, sample: undefined };
  let live: LiveStatus | undefined;
  let timer: NodeJS.Timeout | undefined;
  const inflight = new Set<Promise<void>>();
  const started = Date.now();
  try {
    const metrics = await serveMetrics({ port: 0, source: () => manager.getMetrics() });
    try {
      ctx.stdout.write(`mqttx demo on ${broker === undefined ? url : `the embedded testkit broker ${url}`}\n`);
      ctx.stdout.write(`metrics on ${metrics.url}\n`);
      manager.onEvent('error', (e) => ctx.stderr.write(`error${e.session === undefined ? '' : ` ${e.session}`}: ${codeOf(e.data.error)}: ${messageOf(e.data.error)}\n`));
      // Random client ids: two demos on one real broker must not take each other's sessions over.
      const suffix = Math.random().toString(16).slice(2, 8);
      for (const name of [...SENSORS, 'storage']) {
        manager.addSession({ name, brokers: url, clientId: `mqttx-demo-${name}-${suffix}`, connectProps: { keepAlive: 30, initialReconnectInterval: 500 } });
      }
      const storageListener = manager.listenTo('storage', 'storage/#', { name: 'storage-listener', qos: 1 });
      const listening = (async () => {
        for await (const msg of storageListener) {
          counts.receivedByStorage++;
          counts.sample ??= msg;
        }
      })();
      const forwarders = new ForwarderManager(manager);
      await forwarders.addForwarder({
        name: DEMO_FORWARDER,
        sourceSessions: [...SENSORS],
        sourceTopics: ['sensors/+/temperature'],
        targetSession: 'storage',
        topicMapping: { 'sensors/+/temperature': 'storage/{1}/temp' },
        qos: 1,
        metadata: { pipeline: 'mqttx-demo', unit: 'celsius' },
        // The broker hands each sensor session both sensors' readings: each session forwards its own only.
        filter: (msg) => msg.topic === `sensors/${msg.session.slice('sensor-'.length)}/temperature`,
      });
      await Promise.all([manager.waitForAllSessions(10_000), storageListener.ready]);

      live = new LiveStatus({ out: ctx.stdout, source: () => manager.getMetrics(), intervalMs: 1000, color: useColor(ctx.stdout, ctx.env), title: 'mqttx demo' });
      live.start();
      let seq = 0;
      const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
      timer = setInterval(() => {
        for (const name of SENSORS) {
          const session = manager.getSession(name)!;
          const n = name.slice('sensor-'.length);
          for (let k = 0; k < perTick; k++) {
            const reading = JSON.stringify({ seq: ++seq, celsius: Math.round((19 + Math.random() * 6) * 10) / 10 });
            const p: Promise<void> = session.publish(`sensors/${n}/temperature`, reading, 1).then(
              () => {
                counts.published[name]!++;
                inflight.delete(p);
              },
              () => {
                counts.publishErrors++;
                inflight.delete(p);
              },
            );
            inflight.add(p);
          }
        }
      }, TICK_MS);

      // A plain timer, not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: on Node 20 the composite
      // holds its sources weakly, so a garbage collection drops the timeout signal and it never fires.
      let durationTimer: ReturnType<typeof setTimeout> | undefined;
      const elapsed = new Promise<void>((resolve) => {
        durationTimer = setTimeout(resolve, durationMs);
      });
      await whenAborted(ctx.signal, elapsed);
      clearTimeout(durationTimer);
      clearInterval(timer);
      timer = undefined;
      await Promise.allSettled([...inflight]);
      await drained(forwarders, counts, 3000);
      live.stop();
      live = undefined;
      const fw = forwarders.get(DEMO_FORWARDER)!.getMetrics();
      const errors = manager.getMetrics().manager.errors;
      await storageListener.stop();
      await listening;
      await manager.close();
      ctx.stdout.write(summary(counts, fw, errors, (Date.now() - started) / 1000, ctx.signal.aborted));
    } finally {
      await metrics.close();
    }
  } finally {
    if (timer !== undefined) clearInterval(timer);
    live?.stop();
    if (!manager.closed) await manager.close();
    await broker?.close();
  }
}

/** Waits (bounded) until storage received every message the forwarder published and its buffer is empty. */
async function drained(forwarders: ForwarderManager, counts: DemoCounts, maxMs: number): Promise<void> {
  const forwarder = forwarders.get(DEMO_FORWARDER)!;
  const deadline = Date.now() + maxMs;
  const { setTimeout: sleep } = await import('node:timers/promises');
  while (Date.now() < deadline) {
    const m = forwarder.getMetrics();
    if (m.buffered === 0 && counts.receivedByStorage >= m.forwarded) return;
    await sleep(25);
  }
}

/** The end-of-run summary. */
export function summary(counts: DemoCounts, fw: ForwarderMetricsSnapshot, errors: number, seconds: number, interrupted: boolean): string {
  const published = SENSORS.reduce((n, s) => n + counts.published[s]!, 0);
  const rows: Array<[string, string]> = [
    ['published by sensors', `${formatCount(published)} (${SENSORS.map((s) => `${s} ${formatCount(counts.published[s]!)}`).join(', ')}), ${formatCount(counts.publishErrors)} failed`],
    ['forwarded to storage', `${formatCount(fw.forwarded)}${fw.latency.count > 0 ? ` (latency p50 ${formatMs(fw.latency.p50Ms)} ms, p99 ${formatMs(fw.latency.p99Ms)} ms)` : ''}`],
    ['filtered', `${formatCount(fw.filtered)} (each sensor session also receives the other sensor's readings)`],
    ['received by storage', formatCount(counts.receivedByStorage)],
    ['dropped', formatCount(fw.dropped)],
    ['errors', formatCount(errors + fw.failed + counts.publishErrors)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  let out = `\nsummary (${seconds.toFixed(1)} s${interrupted ? ', stopped by signal' : ''})\n`;
  for (const [k, v] of rows) out += `  ${k.padEnd(width)}  ${v}\n`;
  const sample = counts.sample;
  if (sample !== undefined) {
    const props = sample.properties?.userProperties?.map(([k, v]) => `${k}=${v}`).join(' ') ?? '';
    out += `  ${'sample'.padEnd(width)}  ${sample.topic} ${sample.payloadString()}${props === '' ? '' : ` [${props}]`}\n`;
  }
  return out;
}
