/**
 * Loading a `mqttx run` config: read the file, parse it as JSON (`.json`) or YAML (`.yaml`, `.yml`), and
 * validate it. Syntax errors are located by line and column; no message quotes the file's text (it may
 * hold secrets).
 * @module
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { CliError, type Problem } from '../errors.js';
import { fsCode } from '../files.js';
import { validateRunConfig } from './schema.js';
import type { RunConfig } from './types.js';

/** Line and column (1-based) of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** A YAML parser message without any quoted source text. */
function cleanYamlMessage(message: string): string {
  const cut = message.indexOf(': "');
  return (cut === -1 ? message : message.slice(0, cut)).replace(/\s+at line \d+.*$/s, '');
}

/** The problems of YAML `text` (empty when it parses), and its value. */
export function parseYaml(text: string): { value: unknown; problems: Problem[] } {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length === 0) return { value: doc.toJS(), problems: [] };
  const problems = doc.errors.map((e) => {
    const { line, column } = lineColumn(text, e.pos[0]);
    return { path: '', message: `YAML syntax: ${cleanYamlMessage(e.message)} (line ${line}, column ${column})` };
  });
  return { value: undefined, problems };
}

/** The value of JSON `text`, or one problem located by line and column when it does not parse. */
export function parseJson(text: string): { value: unknown; problems: Problem[] } {
  try {
    return { value: JSON.parse(text) as unknown, problems: [] };
  } catch (err) {
    // V8's message may quote the text; locate the error without it.
    const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
    const offset = m === null ? jsonErrorOffset(text) : Number(m[1]);
    const where = offset === undefined ? '' : (({ line, column }) => ` (line ${line}, column ${column})`)(lineColumn(text, offset));
    return { value: undefined, problems: [{ path: '', message: `invalid JSON${where}` }] };
  }
}

/** Whether a prefix of a JSON text already holds an error (as opposed to parsing, or merely ending early). */
function prefixBroken(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    if (/end of (JSON|data)/i.test(message)) return false;
    // An error reported at the very end of the prefix only means it was cut short.
    const at = /position (\d+)/.exec(message);
    return at === null || Number(at[1]) < prefix.length;
  }
}

/**
 * Offset of the first error in a JSON text whose parser message gave none: the shortest broken prefix,
 * found by bisection (a prefix is broken exactly when it reaches past the error).
 */
export function jsonErrorOffset(text: string): number | undefined {
  if (!prefixBroken(text)) return undefined;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (prefixBroken(text.slice(0, mid + 1))) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Checks a file can be read: a problem message, or undefined. */
export function checkReadableFile(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    if (!statSync(path).isFile()) return `cannot read ${path} (not a file)`;
    return undefined;
  } catch (err) {
    return `cannot read ${path} (${fsCode(err)})`;
  }
}

/**
 * Reads, parses and validates a config file. Relative paths inside it are resolved against its directory.
 * @param path - `.json`, `.yaml` or `.yml` file (relative to `cwd`)
 * @param env - environment for `${VAR}` references
 * @param cwd - working directory
 * @throws CliError `ERR_CONFIGURATION` (exit 2) listing every problem by path
 */
export function loadRunConfig(path: string, env: Readonly<Record<string, string | undefined>>, cwd: string): RunConfig {
  const full = resolve(cwd, path);
  const ext = extname(full).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    throw new CliError('ERR_CONFIGURATION', `${path}: a config file ends in .json, .yaml or .yml`);
  }
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    throw new CliError('ERR_CONFIGURATION', `cannot read ${path} (${fsCode(err)})`, { cause: err });
  }
  const parsed = ext === '.json' ? parseJson(text) : parseYaml(text);
  if (parsed.problems.length > 0) throw invalid(path, parsed.problems);
  const result = validateRunConfig(parsed.value ?? null, { env, baseDir: dirname(full), checkFile: checkReadableFile });
  if (!result.ok) throw invalid(path, result.problems);
  return result.config;
}

function invalid(path: string, problems: Problem[]): CliError {
  const n = problems.length;
  return new CliError('ERR_CONFIGURATION', `${path}: ${n} problem${n === 1 ? '' : 's'}`, { problems });
}
