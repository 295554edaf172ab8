/**
 * Makes sure `examples/dist` is built from the current sources before the example programs run as child
 * processes: when an example, a snippet or any package source is newer than the examples' build,
 * `tsc -b examples` runs once (it builds the referenced packages first; the lock is shared with the CLI
 * tests, see `test/helpers/build.ts`).
 */
import { join } from 'node:path';
import { ROOT, buildWhenStale, mtime, newestSource } from '../helpers/build.js';

export { ROOT };
/** `examples/` */
export const EXAMPLES = join(ROOT, 'examples');
/** Where `tsc -b examples` writes the programs. */
export const EXAMPLES_DIST = join(EXAMPLES, 'dist');

const PACKAGES = ['codec', 'transport', 'client', 'manager'];

/** True when `examples/dist` is missing or older than an example, a snippet or a package source. */
export function examplesStale(): boolean {
  const built = mtime(join(EXAMPLES_DIST, 'tsconfig.tsbuildinfo'));
  if (built === 0) return true;
  if (newestSource(EXAMPLES) > built) return true;
  return PACKAGES.some((pkg) => newestSource(join(ROOT, 'packages', pkg, 'src')) > built);
}

/**
 * Builds the examples when stale. A type error in an example fails; one in a package (checked by that
 * package's own build) does not stop the examples from running on what was emitted.
 */
export function ensureExamplesBuilt(): Promise<void> {
  return buildWhenStale({ project: 'examples', isStale: examplesStale, fatal: (text) => /^examples\//m.test(text) });
}
