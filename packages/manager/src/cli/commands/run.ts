/**
 * `mqttx run <config>`: runs the sessions, routes and forwarders a config file describes. The config is
 * loaded and validated completely first (every problem listed by path, exit 2, nothing connected); `--check`
 * stops there with a summary. The run itself is in `run-engine.ts`; SIGINT / SIGTERM end it gracefully
 * (exit 0). The config is read once: a change on disk is reported on stderr and never applied.
 * @module
 */
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args.js';
import { parseBrokerUrl } from '../broker-url.js';
import { loadRunConfig } from '../config/load.js';
import type { RunConfig } from '../config/types.js';
import type { CliContext } from '../context.js';
import { EXIT, type ExitCode } from '../errors.js';
import { RUN_OPTIONS } from './options.js';
import { checkWithManager } from './run-map.js';

const OPTIONS = RUN_OPTIONS;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The summary `--check` prints for a valid config (broker URLs shown without credentials). */
export function describeConfig(config: RunConfig): string {
  const lines: string[] = [];
  let head = `config OK: ${plural(config.sessions.length, 'session')}, ${plural(config.forwarders.length, 'forwarder')}, ${plural(config.routes.length, 'route')}`;
  if (config.metrics !== undefined) {
    const host = config.metrics.host ?? '127.0.0.1';
    head += `; metrics on http://${host.includes(':') ? `[${host}]` : host}:${config.metrics.port}${config.metrics.path ?? '/metrics'}`;
  }
  lines.push(head);
  for (const s of config.sessions) {
    const brokers = s.brokers.map((b) => parseBrokerUrl(b)?.shown ?? b).join(', ');
    const version = s.protocolVersion === 4 ? 'MQTT 3.1.1' : 'MQTT 5';
    lines.push(`  session ${s.name}: ${brokers} (${version}, ${s.storage?.type ?? 'memory'} store, ${plural(s.topics?.length ?? 0, 'topic')})`);
  }
  for (const f of config.forwarders) {
    const state = f.enabled === false ? ', disabled' : '';
    lines.push(`  forwarder ${f.name}: ${f.sourceSessions.join(', ')} -> ${f.targetSession} (${f.sourceTopics.join(', ')}${state})`);
  }
  for (const r of config.routes) lines.push(`  route ${r.name ?? r.filter}: ${r.filter} on ${r.session ?? 'every session'} -> ${r.action}`);
  return `${lines.join('\n')}\n`;
}

/** Runs `mqttx run`. */
export async function run(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, { min: 1, max: 1 });
  const file = positionals[0]!;
  const config = loadRunConfig(file, ctx.env, ctx.cwd);
  if (values.check) {
    checkWithManager(config);
    ctx.stdout.write(describeConfig(config));
    return EXIT.OK;
  }
  // The manager's own checks too, before anything exists: a refused config connects nothing (exit 2).
  checkWithManager(config);
  const { runConfig } = await import('./run-engine.js');
  await runConfig(config, ctx, { configPath: resolve(ctx.cwd, file) });
  return EXIT.OK;
}
