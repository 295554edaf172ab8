/**
 * A private Mosquitto per test suite: generated config in a temp folder, a free loopback port (retried on
 * EADDRINUSE), ready when a TCP connect succeeds, stopped and removed after the test.
 *
 * ```ts
 * describeMosquitto('interop', () => {
 *   let mq: MosquittoInstance;
 *   beforeAll(async () => { mq = await startMosquitto({ persistence: true }); });
 *   afterAll(() => mq.stop());
 * });
 * ```
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { binaryAvailable, describeWithBinary, freePort, spawnTracked, stopChild, waitForPort } from './process.js';

/** Options of {@link startMosquitto}. */
export interface MosquittoOptions {
  /** Keep sessions and retained messages on disk across {@link MosquittoInstance.restart}. Default false. */
  persistence?: boolean;
  /** Add a TLS listener with these PEM file paths. */
  tls?: { caFile: string; certFile: string; keyFile: string; requireCertificate?: boolean };
  /** Extra lines appended to the generated config (global options such as `max_inflight_messages 10`). */
  config?: string[];
}

/** A running private Mosquitto. */
export interface MosquittoInstance {
  readonly host: string;
  readonly port: number;
  /** `mqtt://127.0.0.1:PORT` */
  readonly url: string;
  readonly tlsPort: number | undefined;
  /** `mqtts://127.0.0.1:PORT` when a TLS listener was asked for. */
  readonly tlsUrl: string | undefined;
  /** The temp folder with config, persistence file and log. */
  readonly dir: string;
  /** Process id of the current Mosquitto process. */
  readonly pid: number | undefined;
  /** Everything Mosquitto logged so far (last 64 KiB). */
  log(): string;
  /** Graceful stop (SIGTERM: persistence is written) then start again on the same ports. */
  restart(): Promise<void>;
  /** SIGKILL then start again on the same ports (persistence only as of the last autosave). */
  crash(): Promise<void>;
  /** Stop and remove the temp folder. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/** True when the `mosquitto` binary is installed. */
export function mosquittoAvailable(): boolean {
  return binaryAvailable('mosquitto');
}

/** `describe` that needs Mosquitto: skipped loudly when missing, failing under `CI=true`. */
export function describeMosquitto(name: string, fn: () => void): void {
  describeWithBinary('mosquitto', 'mosquitto', name, fn);
}

function configText(dir: string, port: number, tlsPort: number | undefined, opts: MosquittoOptions): string {
  const lines = [
    // Mosquitto drops privileges to user `mosquitto` when started as root, and then cannot write our folder.
    'user root',
    'allow_anonymous true',
    'per_listener_settings false',
    `persistence ${opts.persistence ? 'true' : 'false'}`,
    `persistence_location ${dir}/`,
    'persistence_file mosquitto.db',
    'autosave_interval 1',
    'max_queued_messages 0',
    'max_queued_bytes 0',
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    `listener ${port} ${HOST}`,
  ];
  if (tlsPort !== undefined && opts.tls) {
    lines.push(
      `listener ${tlsPort} ${HOST}`,
      `cafile ${opts.tls.caFile}`,
      `certfile ${opts.tls.certFile}`,
      `keyfile ${opts.tls.keyFile}`,
      `require_certificate ${opts.tls.requireCertificate ? 'true' : 'false'}`,
    );
  }
  lines.push(...(opts.config ?? []));
  return lines.join('\n') + '\n';
}

/** Starts a private Mosquitto on free loopback ports. */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttx-mosquitto-'));
  const confPath = join(dir, 'mosquitto.conf');
  let port = 0;
  let tlsPort: number | undefined;
  let current: { child: ChildProcess; output: () => string } | undefined;
  let logs = '';

  const launch = async (): Promise<void> => {
    const proc = spawnTracked('mosquitto', ['-c', confPath], dir);
    current = proc;
    try {
      await waitForPort(HOST, port, proc.child);
      if (tlsPort !== undefined) await waitForPort(HOST, tlsPort, proc.child);
    } catch (err) {
      logs += proc.output();
      await stopChild(proc.child, 'SIGKILL');
      throw Object.assign(err as Error, { mosquittoLog: proc.output() });
    }
  };

  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    tlsPort = opts.tls ? await freePort() : undefined;
    await writeFile(confPath, configText(dir, port, tlsPort, opts));
    try {
      await launch();
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err; // most likely EADDRINUSE: another process took the port between probe and bind
    }
  }
  if (lastError) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`mosquitto did not start: ${(lastError as Error).message}\n${logs}`);
  }

  let stopped = false;
  const relaunch = async (signal: NodeJS.Signals): Promise<void> => {
    if (current) {
      await stopChild(current.child, signal);
      logs += current.output();
    }
    let err: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await launch();
        return;
      } catch (e) {
        err = e; // the old socket may linger for a moment
      }
    }
    throw err;
  };

  return {
    host: HOST,
    get port() {
      return port;
    },
    get url() {
      return `mqtt://${HOST}:${port}`;
    },
    get tlsPort() {
      return tlsPort;
    },
    get tlsUrl() {
      return tlsPort === undefined ? undefined : `mqtts://${HOST}:${tlsPort}`;
    },
    dir,
    get pid() {
      return current?.child.pid;
    },
    log: () => logs + (current?.output() ?? ''),
    restart: () => relaunch('SIGTERM'),
    crash: () => relaunch('SIGKILL'),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (current) await stopChild(current.child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
