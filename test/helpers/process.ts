/**
 * Shared plumbing for test suites that run real peers (Mosquitto, Redis) as child processes: free loopback
 * ports, readiness by TCP connect, clean shutdown, and leftovers killed when the test process exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect as netConnect } from 'node:net';
import { describe, it } from 'vitest';

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}

/** A loopback port that was free a moment ago: bind port 0, read the port, close. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when `bin` is on the PATH. */
export function binaryAvailable(bin: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
  return r.status === 0;
}

/** Resolves once a TCP connect to host:port succeeds; rejects when `child` exits first or time runs out. */
export async function waitForPort(
  host: string,
  port: number,
  child: ChildProcess,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = child.exitCode !== null || child.signalCode !== null;
  const onExit = () => {
    exited = true;
  };
  child.once('exit', onExit);
  try {
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      if (exited) throw new Error(`process exited before listening on ${host}:${port}`);
      if (await canConnect(host, port)) return;
      if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
      // Readiness polling of an external process (no event exists for "port open"); not a test sleep.
      await new Promise((r) => setTimeout(r, delay));
    }
  } finally {
    child.off('exit', onExit);
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Spawns a tracked child; its stderr/stdout are kept (last 64 KiB) for error messages. */
export function spawnTracked(cmd: string, args: string[], cwd?: string): { child: ChildProcess; output: () => string } {
  installExitHook();
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-65536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => out };
}

/** Sends `signal`, waits for exit; SIGKILL after `graceMs`. Resolves when the process is gone. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * `describe` for suites that need an external binary. Missing binary: skipped with a loud message on a user's
 * machine, a failing test under `CI=true`.
 */
export function describeWithBinary(bin: string, pkg: string, name: string, fn: () => void): void {
  const available = binaryAvailable(bin);
  if (!available) {
    const msg = `\n!!! ${name}: '${bin}' not found; install it (apt-get install -y ${pkg}). Suite SKIPPED.\n`;
    if (process.env.CI === 'true') {
      describe(name, () => {
        it(`requires ${bin} under CI`, () => {
          throw new Error(msg);
        });
      });
      return;
    }
    console.warn(msg);
  }
  describe.skipIf(!available)(name, fn);
}
