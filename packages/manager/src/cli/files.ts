/**
 * Reading files named on the command line (certificates, payload files), with one-line errors.
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, EXIT } from './errors.js';

/** The Node error code of a failed file operation (`ENOENT`, `EACCES`, `EISDIR`...), or `error`. */
export function fsCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

/**
 * Reads a file named by a flag, relative to `cwd`.
 * @throws CliError `ERR_FILE` (exit 2) naming the flag, the path and the system error code
 */
export function readFlagFile(flag: string, path: string, cwd: string): Buffer {
  try {
    return readFileSync(resolve(cwd, path));
  } catch (err) {
    throw new CliError('ERR_FILE', `${flag}: cannot read ${path} (${fsCode(err)})`, { exitCode: EXIT.USAGE, cause: err });
  }
}
