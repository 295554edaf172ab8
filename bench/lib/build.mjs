/**
 * The benchmarks run the BUILT packages (packages/<pkg>/dist). `ensureBuilt(pkg)` runs `npx tsc -b
 * packages/<pkg>` when its dist, or the dist of a workspace package it builds on, is missing or older than
 * any of that package's source files.
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

/** The workspace packages each package is built from (itself last). */
const CHAINS = {
  codec: ['codec'],
  client: ['codec', 'transport', 'client'],
  manager: ['codec', 'transport', 'client', 'manager'],
};

/**
 * Builds `pkg` (default the client) and the workspace packages it depends on when a dist is missing or stale.
 * @param {'codec' | 'client' | 'manager'} [pkg]
 */
export function ensureBuilt(pkg = 'client') {
  const stale = CHAINS[pkg].some((p) => {
    const info = join(root, 'packages', p, 'dist', 'tsconfig.tsbuildinfo');
    return !existsSync(info) || statSync(info).mtimeMs < newest(join(root, 'packages', p, 'src'));
  });
  if (!stale) return;
  console.log(`building packages/${pkg} (dist missing or older than src) ...`);
  execFileSync('npx', ['tsc', '-b', `packages/${pkg}`], { cwd: root, stdio: 'inherit' });
}
