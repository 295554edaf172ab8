/**
 * A private `redis-server` per test suite: free loopback port (retried on EADDRINUSE), no persistence, temp
 * working folder, ready when it answers PING, stopped and removed after the test. `stop()` + `start()` inside a
 * test checks the "Redis went away and came back" path on the same port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { binaryAvailable, describeWithBinary, freePort, spawnTracked, stopChild, waitForPort } from './process.js';

/** A running private Redis. */
export interface RedisInstance {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly running: boolean;
  /** Stops the server but keeps the port and folder, so {@link RedisInstance.start} brings it back. */
  pause(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port after {@link RedisInstance.pause}. */
  start(): Promise<void>;
  /** Stops for good and removes the folder. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/** True when `redis-server` is installed. */
export function redisAvailable(): boolean {
  return binaryAvailable('redis-server');
}

/** `describe` that needs Redis: skipped loudly when missing, failing under `CI=true`. */
export function describeRedis(name: string, fn: () => void): void {
  describeWithBinary('redis-server', 'redis-server', name, fn);
}

/** Resolves when the server answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: HOST, port });
    let buf = '';
    socket.once('error', () => resolve(false));
    socket.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        socket.destroy();
        resolve(buf.startsWith('+PONG'));
      }
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

/** Starts a private Redis on a free loopback port. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttx-redis-'));
  let port = 0;
  let current: ChildProcess | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir];
    const proc = spawnTracked('redis-server', [...args, ...extraArgs], dir);
    current = proc.child;
    try {
      await waitForPort(HOST, port, proc.child);
      for (let i = 0; i < 50 && !(await ping(port)); i++) {
        // Redis accepts before it has loaded; readiness polling of an external process, not a test sleep.
        await new Promise((r) => setTimeout(r, 20));
      }
    } catch (err) {
      await stopChild(proc.child, 'SIGKILL');
      throw new Error(`redis-server did not start: ${(err as Error).message}\n${proc.output()}`);
    }
  };

  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    try {
      await launch();
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (lastError) {
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }

  return {
    host: HOST,
    get port() {
      return port;
    },
    get url() {
      return `redis://${HOST}:${port}`;
    },
    get running() {
      return current !== undefined && current.exitCode === null && current.signalCode === null;
    },
    async pause(signal: NodeJS.Signals = 'SIGTERM') {
      if (current) await stopChild(current, signal);
    },
    async start() {
      let err: unknown;
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await launch();
          return;
        } catch (e) {
          err = e;
        }
      }
      throw err;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (current) await stopChild(current);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
