/**
 * What a command runs with: its output streams, environment, working directory and the stop signal
 * (SIGINT / SIGTERM). Injected, so commands run in-process in tests with fake streams.
 * @module
 */
import type { Readable } from 'node:stream';
import type { ExitCode } from './errors.js';

/** An output stream as the CLI uses it (`process.stdout`, `process.stderr`, or a test double). */
export interface CliOutput {
  /** Writes text or bytes; returns false when the caller should wait for `drain`. */
  write(chunk: string | Uint8Array): boolean;
  /** True on a terminal. */
  isTTY?: boolean;
  /** Terminal width, when a terminal. */
  columns?: number;
  /** `drain` after a write returned false. */
  once(event: 'drain', listener: () => void): unknown;
  /** Removes a `drain` (or `error`) listener. */
  off?(event: 'drain', listener: () => void): unknown;
}

/** The name of the signal that asked a command to stop. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The environment a command runs in. */
export interface CliContext {
  /** Normal output (data: messages, status, summaries). */
  stdout: CliOutput;
  /** Diagnostics and errors. */
  stderr: CliOutput;
  /** Standard input (`pub --stdin-lines`), opened on first call only. */
  stdin: () => Readable;
  /** Environment variables (config interpolation, `MQTTX_PASSWORD`, `NO_COLOR`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  cwd: string;
  /** Aborted on the first SIGINT / SIGTERM; `reason` is the {@link StopSignal}. */
  signal: AbortSignal;
  /** `--verbose` was given (stack and cause chain on errors). */
  verbose: boolean;
}

/** The exit code for a finite command stopped by `signal` before it finished: 130 (SIGINT) or 143 (SIGTERM). */
export function interruptedExit(signal: AbortSignal): ExitCode {
  return signal.reason === 'SIGTERM' ? 143 : 130;
}

/**
 * Resolves when `signal` aborts (at once if it already has). The listener is removed when `until` settles
 * first, so nothing leaks.
 */
export function whenAborted(signal: AbortSignal, until?: Promise<unknown>): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    until?.then(done, done);
  });
}

/** Writes `text` and waits for `drain` when the stream asks for it (so large outputs keep memory bounded). */
export function writeOut(out: CliOutput, text: string | Uint8Array): Promise<void> | undefined {
  if (out.write(text)) return undefined;
  return new Promise((resolve) => out.once('drain', resolve));
}

/** Whether colours may be used on `out`: a terminal, and `NO_COLOR` unset (https://no-color.org). */
export function useColor(out: CliOutput, env: CliContext['env']): boolean {
  return out.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}
