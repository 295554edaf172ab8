/**
 * A private Mosquitto for the benchmarks: generated config in a temp folder, a free loopback port (bind port 0,
 * retried on a race), ready once a TCP connect succeeds, stopped (and the folder removed) by `stop()`.
 *
 * Mosquitto 2.0 drops privileges to user `mosquitto` when started as root, so the config says `user root`.
 * `nofile` raises the file descriptor limit of the broker (through `sh -c 'ulimit -n N; exec mosquitto'`; to
 * the hard limit when N is above it and the process may not raise it), for the 10,000-session benchmark.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HOST = '127.0.0.1';

/** A loopback port that was free a moment ago. */
export function freePort(host = HOST) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True when `bin` is on the PATH. */
export function available(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const s = netConnect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Resolves once something listens on host:port; rejects when `child` exits first or after 10 s. */
export async function waitForPort(host, port, child) {
  const deadline = Date.now() + 10_000;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`process exited before listening on ${port}`);
    if (await canConnect(host, port)) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, delay)); // polling an external process: no event exists for it
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export function stopChild(child, graceMs = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts Mosquitto on a free loopback port.
 * @param {{ config?: string[], nofile?: number }} [opts] extra config lines; fd limit for the broker
 * @returns {Promise<{ host: string, port: number, url: string, pid: number, log: () => string, stop: () => Promise<void> }>}
 */
export async function startMosquitto(opts = {}) {
  if (!available('mosquitto')) throw new Error('mosquitto is not installed (apt-get install -y mosquitto)');
  const dir = mkdtempSync(join(tmpdir(), 'mqttx-bench-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    writeFileSync(
      conf,
      [
        'user root',
        'allow_anonymous true',
        'persistence false',
        // No queue limits: a fast publisher must not lose QoS 0 messages to a broker-side cap.
        'max_queued_messages 0',
        'max_queued_bytes 0',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        `listener ${port} ${HOST}`,
        ...(opts.config ?? []),
        '',
      ].join('\n'),
    );
    const child =
      opts.nofile === undefined
        ? spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
        : // As high as allowed: `nofile`, else the hard limit (raising it needs CAP_SYS_RESOURCE).
          spawn('sh', ['-c', `ulimit -n ${opts.nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec mosquitto -c "$0"`, conf], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
    let log = '';
    child.stderr.on('data', (b) => {
      log = (log + b.toString()).slice(-16384);
    });
    try {
      await waitForPort(HOST, port, child);
    } catch (err) {
      lastError = new Error(`${err.message}\n${log}`);
      await stopChild(child);
      continue;
    }
    let stopped = false;
    return {
      host: HOST,
      port,
      url: `mqtt://${HOST}:${port}`,
      pid: child.pid,
      log: () => log,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new Error('mosquitto did not start');
}
