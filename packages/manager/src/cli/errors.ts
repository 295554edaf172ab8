/**
 * Errors and exit codes of the `mqttx` command line, and the one-line (or, with `--verbose`, stack and
 * cause chain) rendering of any error. Nothing printed here may carry a secret: URL credentials are
 * replaced with `***` on every line, and messages never echo option values.
 * @module
 */
import { MqttxError } from '@mqttx/codec/errors';
import { redactUrlCredentials } from '../events.js';

/**
 * Exit codes of `mqttx` (documented in the README):
 *
 * | code | name          | meaning                                                                             |
 * |------|---------------|-------------------------------------------------------------------------------------|
 * | 0    | `OK`          | success; a long-running command (`broker`, `sub`, `run`) stopped by SIGINT/SIGTERM cleanly |
 * | 1    | `FAILURE`     | runtime failure: connection refused or lost, broker refused, publish failed, I/O    |
 * | 2    | `USAGE`       | bad command line or config: nothing was connected                                   |
 * | 130  | `INTERRUPTED` | SIGINT stopped a finite command (`pub`) before it finished, or a second SIGINT forced the exit |
 * | 143  | `TERMINATED`  | SIGTERM stopped a finite command before it finished                                 |
 */
export const EXIT = Object.freeze({
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  INTERRUPTED: 130,
  TERMINATED: 143,
} as const);

/** One of the {@link EXIT} codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Codes of {@link CliError}. */
export type CliErrorCode =
  /** The command line is wrong (unknown flag, missing or bad value, unknown command). */
  | 'ERR_USAGE'
  /** A config file is unreadable or invalid (`problems` lists each one by path). */
  | 'ERR_CONFIGURATION'
  /** A file named on the command line cannot be read. */
  | 'ERR_FILE'
  /** The broker refused a subscription. */
  | 'ERR_SUBSCRIPTION'
  /** A command that is not finished yet (hidden commands only). */
  | 'ERR_NOT_AVAILABLE';

/** One problem found in a config file (or a command line), located by `path`. */
export interface Problem {
  /** Where: `sessions[2].brokers[0]`, `metrics.port`, `--qos` ... (empty for the document root). */
  path: string;
  /** What is wrong, never echoing the value. */
  message: string;
}

/** Options of {@link CliError}. */
export interface CliErrorOptions {
  /** Exit code; defaults to 2 for `ERR_USAGE` / `ERR_CONFIGURATION`, 1 otherwise. */
  exitCode?: ExitCode;
  /** Every problem found (config validation). */
  problems?: Problem[];
  /** The underlying error. */
  cause?: unknown;
}

/** An error raised by the command line itself, with a stable `code` and the exit code it maps to. */
export class CliError extends MqttxError {
  /** Exit code the process ends with. */
  readonly exitCode: ExitCode;
  /** Problems found, each located by path (empty unless the error is a validation failure). */
  readonly problems: readonly Problem[];

  /**
   * @param code - stable code
   * @param message - one line, no secrets
   * @param options - exit code, problems, cause
   */
  constructor(code: CliErrorCode, message: string, options: CliErrorOptions = {}) {
    const usage = code === 'ERR_USAGE' || code === 'ERR_CONFIGURATION';
    super(code, message, { kind: usage ? 'configuration' : 'internal', cause: options.cause });
    this.exitCode = options.exitCode ?? (usage ? EXIT.USAGE : EXIT.FAILURE);
    this.problems = options.problems ?? [];
  }
}

/** Shorthand for a usage error (exit 2). */
export function usageError(message: string, cause?: unknown): CliError {
  return new CliError('ERR_USAGE', message, { cause });
}

/**
 * The exit code for an error: a {@link CliError}'s own, 2 for any other configuration error (the client's
 * `ERR_CONFIG`, the manager's `ERR_CONFIGURATION`: a bad option that connected nothing), 1 for the rest.
 */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof MqttxError && err.kind === 'configuration') return EXIT.USAGE;
  return EXIT.FAILURE;
}

/** The stable code of any thrown value: `code` when it is a string, else `ERR_UNKNOWN`. */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ERR_UNKNOWN';
}

/** The message of any thrown value, on one line, URL credentials redacted. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return oneLine(redactUrlCredentials(text));
}

/** Collapses line breaks and runs of white space so a message stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * Renders an error for stderr: `mqttx: <code>: <message>`, then one indented line per {@link Problem};
 * with `verbose`, the stack and each `cause` (code, message, stack) follow. Every line has URL
 * credentials redacted. The result ends with a line feed.
 */
export function formatError(err: unknown, verbose: boolean): string {
  const lines = [`mqttx: ${codeOf(err)}: ${messageOf(err)}`];
  if (err instanceof CliError) for (const p of err.problems) lines.push(`  ${p.path === '' ? '(root)' : p.path}: ${oneLine(p.message)}`);
  if (verbose) {
    const seen = new Set<unknown>();
    let current: unknown = err;
    for (let depth = 0; current != null && depth < 16 && !seen.has(current); depth++) {
      seen.add(current);
      if (depth > 0) lines.push(`caused by: ${codeOf(current)}: ${messageOf(current)}`);
      const stack = current instanceof Error ? current.stack : undefined;
      if (stack !== undefined) {
        for (const line of stack.split('\n').slice(1)) if (line.trim() !== '') lines.push(`    ${line.trim()}`);
      }
      current = (current as { cause?: unknown }).cause;
    }
  }
  return `${lines.map(redactUrlCredentials).join('\n')}\n`;
}
