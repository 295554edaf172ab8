/**
 * Makes sure `examples/dist` is built from the current sources before the example programs run as child
 * processes: when an example, a snippet or any package source is newer than the examples' build,
 * `tsc -b examples` runs once (it builds the referenced packages first). The lock directory is the one the
 * CLI tests use (`packages/manager/test/cli-helpers/build.ts`), so the two never run `tsc` on the same
 * package outputs at the same time.
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
/** `examples/` */
export const EXAMPLES = join(ROOT, 'examples');
/** Where `tsc -b examples` writes the programs. */
export const EXAMPLES_DIST = join(EXAMPLES, 'dist');

const PACKAGES = ['codec', 'transport', 'client', 'manager'];

function newestTs(dir: string, recurse: boolean): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recurse && entry.name !== 'dist' && entry.name !== 'test' && entry.name !== 'node_modules') newest = Math.max(newest, newestTs(path, true));
    } else if (entry.name.endsWith('.ts') || entry.name === 'tsconfig.json') {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
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

/** True when `examples/dist` is missing or older than an example, a snippet or a package source. */
export function examplesStale(): boolean {
  const built = mtime(join(EXAMPLES_DIST, 'tsconfig.tsbuildinfo'));
  if (built === 0) return true;
  if (newestTs(EXAMPLES, true) > built) return true;
  return PACKAGES.some((pkg) => newestTs(join(ROOT, 'packages', pkg, 'src'), true) > built);
}

const LOCK = join(tmpdir(), `mqttx-cli-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);

/** Builds the examples when stale (at most one workspace build at a time, shared with the CLI tests). */
export async function ensureExamplesBuilt(): Promise<void> {
  if (!examplesStale()) return;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building: wait for its lock to go (a stale lock, over 3 minutes old, is taken).
      if (Date.now() - mtime(LOCK) > 180_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another build');
      await sleep(200);
    }
  }
  try {
    if (!examplesStale()) return;
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'examples'], { cwd: ROOT });
  } catch (err) {
    // tsc -b emits despite type errors. A type error in an example fails; one in a package (being edited, and
    // checked by that package's own build) does not stop the examples from running on what was emitted.
    const out = err as { stdout?: string; stderr?: string };
    const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
    if (examplesStale() || /^examples\//m.test(text)) throw new Error(`tsc -b examples failed:\n${text}`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
