/**
 * Builds part of the workspace for tests that run built programs as child processes (the CLI, the
 * examples): `tsc -b <project>` when the caller says the build is stale, at most one build at a time across
 * test files (a lock directory shared by every caller), and a second staleness check once the lock is held.
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
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Modification time of `path` in ms, or 0 when it does not exist. */
export function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The newest modification time of a `.ts` file or `tsconfig.json` below `dir` (skipping dist, test, node_modules). */
export function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'dist' && entry.name !== 'test' && entry.name !== 'node_modules') newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith('.ts') || entry.name === 'tsconfig.json') {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** True while a package of `names` (folders under `packages/`) has no build or one older than its sources. */
export function packagesStale(names: readonly string[]): boolean {
  return names.some((name) => {
    const dir = join(ROOT, 'packages', name);
    return mtime(join(dir, 'dist', 'tsconfig.tsbuildinfo')) < newestSource(join(dir, 'src'));
  });
}

const LOCK = join(tmpdir(), `mqttx-cli-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);

/** What {@link buildWhenStale} builds and when a failed `tsc` run counts. */
export interface BuildSpec {
  /** The `tsc -b` project, relative to the root (`packages/manager`, `examples`). */
  project: string;
  /** True while the build is missing or older than its sources. */
  isStale(): boolean;
  /**
   * `tsc -b` emits despite type errors (TypeScript >= 5.6): true when its output `text` must fail the test
   * even though the build is no longer stale (default: never).
   */
  fatal?(text: string): boolean;
}

/** Runs `tsc -b spec.project` when the build is stale, one build at a time across test files. */
export async function buildWhenStale(spec: BuildSpec): Promise<void> {
  if (!spec.isStale()) return;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building: wait for its lock to go (a stale lock, over 3 minutes old, is taken).
      if (Date.now() - mtime(LOCK) > 180_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for another build before ${spec.project}`);
      await sleep(200);
    }
  }
  try {
    if (!spec.isStale()) return;
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', spec.project], { cwd: ROOT });
  } catch (err) {
    const out = err as { stdout?: string; stderr?: string };
    const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
    if (spec.isStale() || spec.fatal?.(text) === true) throw new Error(`tsc -b ${spec.project} failed:\n${text}`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
