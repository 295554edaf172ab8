/**
 * Makes sure `packages/manager/dist/cli` is built from the current sources before a test runs the CLI as a
 * child process: when any source of the workspace is newer than the build, `tsc -b packages/manager` runs
 * once, under a lock directory so parallel test files do not build at the same time.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
/** `packages/manager/bin/mqttx.js` */
export const BIN = join(ROOT, 'packages/manager/bin/mqttx.js');

const PACKAGES = ['codec', 'transport', 'testkit', 'client', 'manager'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function isStale(): boolean {
  for (const pkg of PACKAGES) {
    const built = mtime(join(ROOT, 'packages', pkg, 'dist/tsconfig.tsbuildinfo'));
    if (built === 0 || newestSource(join(ROOT, 'packages', pkg, 'src')) > built) return true;
  }
  return mtime(join(ROOT, 'packages/manager/dist/cli/main.js')) === 0;
}

const LOCK = join(tmpdir(), `mqttx-cli-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);

/** Builds the CLI when its build is older than the sources (at most one build at a time). */
export async function ensureCliBuilt(): Promise<void> {
  if (!isStale()) return;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building: wait for its lock to go (a stale lock, over 3 minutes old, is taken).
      if (Date.now() - mtime(LOCK) > 180_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another CLI build');
      await sleep(200);
    }
  }
  try {
    if (!isStale()) return;
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/manager'], { cwd: ROOT });
  } catch (err) {
    // tsc -b emits despite type errors (TypeScript >= 5.6): a type error elsewhere in the workspace (checked
    // by its own build) does not make the emitted CLI stale. Only a build that left it stale is fatal.
    if (isStale()) {
      const out = err as { stdout?: string; stderr?: string };
      throw new Error(`tsc -b packages/manager failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
