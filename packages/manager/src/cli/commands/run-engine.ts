/**
 * `mqttx run`: runs a validated config on a {@link SessionManager} until the stop signal. Sessions are added
 * without connecting, then the forwarders and routes are put in place, then every session connects; the
 * `/metrics` endpoint and the live status (a table on a terminal, one log line per interval otherwise) run
 * alongside. On SIGINT / SIGTERM the status stops, `manager.close()` ends every session gracefully
 * (DISCONNECT, stores flushed and closed) and closes the forwarders and routes, then the metrics server
 * closes.
 * @module
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { ForwarderManager } from '../../forward/manager.js';
import { SessionManager } from '../../manager.js';
import { serveMetrics, type MetricsServer } from '../../metrics/http.js';
import type { SessionMessage } from '../../session/message.js';
import type { RouteConfig, RunConfig } from '../config/types.js';
import { useColor, whenAborted, type CliContext } from '../context.js';
import { codeOf, messageOf } from '../errors.js';
import { LiveStatus, type IntervalScheduler } from '../render/live.js';
import { messageToJson } from '../render/message.js';
import { forwarderConfigOf, routeOptionsOf, sessionOptionsOf } from './run-map.js';

/** Options of {@link runConfig} (tests inject the status mode and timers). */
export interface RunEngineOptions {
  /**
   * The config file: watched while running, and a change on disk is reported on stderr (once per change),
   * never applied: `run` reloads nothing, silently or otherwise; a restart applies a new config.
   */
  configPath?: string;
  /** Status output mode; default: a table when stdout is a terminal. */
  statusMode?: 'table' | 'log';
  /** Timers of the live status. */
  scheduler?: IntervalScheduler;
}

/** One line of a `log` route: `session topic payload` (text) or a JSON object with `route` and `session`. */
export function formatRouteLine(route: string, format: 'text' | 'json', msg: SessionMessage): string | Buffer {
  if (format === 'json') return `${JSON.stringify({ route, session: msg.session, ...messageToJson(msg) })}\n`;
  const head = Buffer.from(`[${msg.session}] ${msg.topic} `, 'utf8');
  const out = Buffer.allocUnsafe(head.length + msg.payload.length + 1);
  head.copy(out, 0);
  msg.payload.copy(out, head.length);
  out[out.length - 1] = 0x0a;
  return out;
}

function stamp(): string {
  return new Date().toISOString();
}

/**
 * Runs `config` until `ctx.signal` aborts, then shuts everything down gracefully.
 * @returns once every session ended and the metrics server closed
 * @throws the metrics server's `ERR_CONFIGURATION` when it cannot listen (nothing stays open)
 */
export async function runConfig(config: RunConfig, ctx: CliContext, options: RunEngineOptions = {}): Promise<void> {
  const manager = new SessionManager({
    ...(config.metrics?.prefix === undefined ? {} : { metricsPrefix: config.metrics.prefix }),
    logger: { warn: (message) => ctx.stderr.write(`mqttx: warning: ${message}\n`) },
  });
  let metrics: MetricsServer | undefined;
  let live: LiveStatus | undefined;
  let watcher: FSWatcher | undefined;
  try {
    // Sessions first, none connecting yet: forwarders and routes then find every session in place.
    for (const s of config.sessions) manager.addSession(sessionOptionsOf(s));
    if (config.metrics !== undefined) {
      metrics = await serveMetrics({
        port: config.metrics.port,
        ...(config.metrics.host === undefined ? {} : { host: config.metrics.host }),
        ...(config.metrics.path === undefined ? {} : { path: config.metrics.path }),
        source: () => manager.getMetrics(),
      });
    }
    if (ctx.signal.aborted) return;

    const tableMode = options.statusMode ?? (ctx.stdout.isTTY === true ? 'table' : 'log');
    const status = new LiveStatus({
      out: ctx.stdout,
      source: () => manager.getMetrics(),
      intervalMs: config.status.intervalMs,
      mode: tableMode,
      color: useColor(ctx.stdout, ctx.env),
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    });
    live = status;
    const log = (line: string): void => status.print(`${stamp()} ${line}\n`);
    const logMode = !status.isTable;

    manager.onEvent('error', (e) => {
      const where = e.session === undefined ? '' : ` session=${e.session}`;
      ctx.stderr.write(`${stamp()} error${where} ${codeOf(e.data.error)}: ${messageOf(e.data.error)}\n`);
    });
    if (logMode) {
      manager.onEvent('session_connected', (e) => log(`session ${e.session ?? ''} connected`));
      manager.onEvent('session_disconnected', (e) => {
        const why = e.data.error === undefined ? '' : ` (${codeOf(e.data.error)}: ${messageOf(e.data.error)})`;
        log(`session ${e.session ?? ''} disconnected${why}`);
      });
      manager.onEvent('session_reconnecting', (e) => log(`session ${e.session ?? ''} reconnecting in ${(e.data.delayMs / 1000).toFixed(1)} s, attempt ${e.data.attempt}`));
    }

    const forwarders = new ForwarderManager(manager);
    for (const f of config.forwarders) {
      // Starting subscribes, which completes once the sources are connected: not awaited here.
      forwarders.addForwarder(forwarderConfigOf(f)).catch((err: unknown) => {
        ctx.stderr.write(`${stamp()} error forwarder=${f.name} ${codeOf(err)}: ${messageOf(err)}\n`);
      });
    }
    config.routes.forEach((r, i) => addLogRoute(manager, r, i, status, ctx));

    if (config.metrics !== undefined && metrics !== undefined) ctx.stdout.write(`metrics on ${metrics.url}\n`);
    ctx.stdout.write(`running ${config.sessions.length} session(s), ${config.forwarders.length} forwarder(s), ${config.routes.length} route(s); Ctrl-C to stop\n`);
    for (const name of manager.listSessions()) {
      // Failures are reported as events (and retried when autoReconnect is on).
      manager.getSession(name)?.connect().catch(() => undefined);
    }
    status.start();
    if (options.configPath !== undefined) watcher = watchConfig(options.configPath, ctx);
    await whenAborted(ctx.signal);
  } finally {
    watcher?.close();
    live?.stop();
    await manager.close();
    await metrics?.close();
  }
  ctx.stdout.write(`stopped: every session disconnected\n`);
}

/** Adds one `action: log` route: every matching message becomes a line on stdout. */
function addLogRoute(manager: SessionManager, r: RouteConfig, index: number, status: LiveStatus, ctx: CliContext): void {
  const options = routeOptionsOf(r, index);
  const name = options.name!;
  const format = r.format ?? 'text';
  const handler = (msg: SessionMessage): void => status.print(formatRouteLine(name, format, msg));
  const route = r.session === undefined ? manager.handle(r.filter, handler, options) : manager.handleTo(r.session, r.filter, handler, options);
  route.ready.catch((err: unknown) => {
    ctx.stderr.write(`${stamp()} error route=${name} ${codeOf(err)}: ${messageOf(err)}\n`);
  });
}

/** A signature of the file's content as seen by `stat` (size and modification time), or '' when it is gone. */
function signature(path: string): string {
  try {
    const st = statSync(path);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

/**
 * Watches the config file and says on stderr when it changed on disk (once per distinct change): the
 * running config stays what was validated at start.
 */
function watchConfig(path: string, ctx: CliContext): FSWatcher | undefined {
  let seen = signature(path);
  try {
    const watcher = watch(path, { persistent: false }, () => {
      const now = signature(path);
      if (now === seen) return;
      seen = now;
      ctx.stderr.write(`${stamp()} warning: ${path} changed on disk; not reloaded (restart mqttx run to apply it)\n`);
    });
    watcher.on('error', () => watcher.close()); // the file went away: nothing more to report
    return watcher;
  } catch {
    return undefined; // not watchable (a FIFO, /dev/stdin ...): nothing to report either
  }
}
