/**
 * Makes sure `packages/manager/dist/cli` is built from the current sources before a test runs the CLI as a
 * child process: when any source of the workspace is newer than the build, `tsc -b packages/manager` runs
 * once (see `test/helpers/build.ts` for the lock shared with the examples' tests).
 */
import { join } from 'node:path';
import { ROOT, buildWhenStale, mtime, packagesStale } from '../../../../test/helpers/build.js';

export { ROOT };
/** `packages/manager/bin/mqttx.js` */
export const BIN = join(ROOT, 'packages/manager/bin/mqttx.js');

const PACKAGES = ['codec', 'transport', 'testkit', 'client', 'manager'];

function isStale(): boolean {
  return packagesStale(PACKAGES) || mtime(join(ROOT, 'packages/manager/dist/cli/main.js')) === 0;
}

/**
 * Builds the CLI when its build is older than the sources. A type error elsewhere in the workspace (checked
 * by its own build) does not fail it: only a build that left the CLI stale does.
 */
export function ensureCliBuilt(): Promise<void> {
  return buildWhenStale({ project: 'packages/manager', isStale });
}
