/**
 * The benchmarks run the BUILT packages (packages/<pkg>/dist). `ensureBuilt()` runs `npx tsc -b
 * packages/client` when a dist is missing or older than any source file of codec, transport or client.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds the client and its workspace dependencies when their dist is missing or stale. */
export function ensureBuilt() {
  const pkgs = ['codec', 'transport', 'client'];
  const stale = pkgs.some((p) => {
    const info = join(root, 'packages', p, 'dist', 'tsconfig.tsbuildinfo');
    return !existsSync(info) || statSync(info).mtimeMs < newest(join(root, 'packages', p, 'src'));
  });
  if (!stale) return;
  console.log('building packages/client (dist missing or older than src) ...');
  execFileSync('npx', ['tsc', '-b', 'packages/client'], { cwd: root, stdio: 'inherit' });
}
