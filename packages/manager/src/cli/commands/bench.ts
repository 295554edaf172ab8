/**
 * `mqttx bench conn|pub|sub`: many sessions against a broker, a progress bar while it runs, a summary table
 * with a latency histogram at the end (or JSON with `--json`).
 * @module
 */
import { isValidTopicFilter, isValidTopicName } from '@mqttx/codec';
import { parseCommandArgs, parseIntFlag, parseNumberFlag, parseQosFlag } from '../args.js';
import type { BenchPlan, BenchProgress } from '../bench/engine.js';
import { interruptedExit, type CliContext } from '../context.js';
import { EXIT, usageError, type ExitCode } from '../errors.js';
import { benchSummaryJson, errorCount, renderBenchSummary, renderProgress, type BenchMode } from '../render/bench.js';
import { formatCount } from '../render/format.js';
import { connectionSettings, type ConnectionValues } from './connection.js';
import { BENCH_OPTIONS } from './options.js';

const OPTIONS = BENCH_OPTIONS;

/**
 * Parses and checks the flags of `mqttx bench`.
 * @throws CliError `ERR_USAGE` / `ERR_FILE`
 */
export function parseBenchArgs(args: readonly string[], ctx: Pick<CliContext, 'cwd' | 'env'>): BenchPlan {
  const { values: v, positionals } = parseCommandArgs(args, OPTIONS, { min: 1, max: 1 });
  const mode = positionals[0] as BenchMode;
  if (mode !== 'conn' && mode !== 'pub' && mode !== 'sub') throw usageError("the bench mode must be 'conn', 'pub' or 'sub'");
  const full: ConnectionValues = {
    ...v,
    id: undefined,
    'disable-clean-session': false,
    'session-expiry': undefined,
    'will-topic': undefined,
    'will-payload': undefined,
    'will-qos': undefined,
    'will-retain': false,
  };
  const connection = connectionSettings(full, ctx, 'bench');
  const topic = v.topic ?? 'mqttx/bench/%i';
  const sample = topic.replaceAll('%i', '1');
  if (!isValidTopicName(sample)) throw usageError('--topic must give a topic name without wildcards once %i is replaced');
  if (mode === 'sub' && !isValidTopicFilter(sample)) throw usageError('--topic must be a valid topic');
  const size = v.size === undefined ? 64 : parseIntFlag('--size', v.size, mode === 'sub' ? 8 : 0, 256 * 1024 * 1024);
  const durationS = v.duration === undefined ? (mode === 'conn' ? 0 : 10) : parseNumberFlag('--duration', v.duration, 0);
  const limit = v.limit === undefined ? 0 : parseIntFlag('--limit', v.limit, 0, Number.MAX_SAFE_INTEGER);
  if (mode !== 'conn' && durationS === 0 && limit === 0) throw usageError('give --duration or --limit: with neither nothing would be published');
  return {
    mode,
    client: connection.client,
    broker: connection.broker.shown,
    protocolVersion: connection.protocolVersion,
    warnings: connection.warnings,
    count: v.count === undefined ? 10 : parseIntFlag('--count', v.count, 1, 1_000_000),
    connRate: v['conn-rate'] === undefined ? 0 : parseNumberFlag('--conn-rate', v['conn-rate'], 0),
    concurrency: v.concurrency === undefined ? 100 : parseIntFlag('--concurrency', v.concurrency, 1, 100_000),
    rate: v.rate === undefined ? 1 : parseNumberFlag('--rate', v.rate, 0.001),
    durationMs: durationS * 1000,
    limit,
    publishers: v.publishers === undefined ? 1 : parseIntFlag('--publishers', v.publishers, 1, 100_000),
    qos: v.qos === undefined ? 0 : parseQosFlag('--qos', v.qos),
    size,
    topic,
    idPrefix: v['id-prefix'] ?? 'mqttx-bench-',
    json: v.json,
  };
}

function progressLine(p: BenchProgress): string {
  if (p.phase === 'connect') return renderProgress('conn', p.connected / p.sessions, `${formatCount(p.connected)}/${formatCount(p.sessions)} connected`, p.elapsedMs);
  if (p.phase === 'hold') return renderProgress('hold', p.fraction, `${formatCount(p.connected)} connected`, p.elapsedMs);
  if (p.phase === 'messages') {
    const detail = `${formatCount(p.sent)} sent${p.received > 0 ? `, ${formatCount(p.received)} received` : ''}`;
    return renderProgress('msgs', p.fraction, detail, p.elapsedMs);
  }
  return renderProgress('end', 1, 'disconnecting', p.elapsedMs);
}

/** Runs `mqttx bench`. */
export async function run(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const plan = parseBenchArgs(args, ctx);
  const { runBench } = await import('../bench/engine.js');
  for (const w of plan.warnings) ctx.stderr.write(`mqttx: warning: ${w}\n`);
  const live = ctx.stderr.isTTY === true;
  let drawn = false;
  const summary = await runBench(plan, {
    signal: ctx.signal,
    progressIntervalMs: 200,
    onProgress: live
      ? (p) => {
          ctx.stderr.write(`\r\x1b[2K${progressLine(p)}`);
          drawn = true;
        }
      : undefined,
  });
  if (drawn) ctx.stderr.write('\r\x1b[2K');
  if (plan.json) ctx.stdout.write(`${JSON.stringify(benchSummaryJson(summary), null, 2)}\n`);
  else ctx.stdout.write(`${renderBenchSummary(summary).join('\n')}\n`);
  if (summary.interrupted) return interruptedExit(ctx.signal);
  return errorCount(summary) > 0 || summary.connected === 0 ? EXIT.FAILURE : EXIT.OK;
}
