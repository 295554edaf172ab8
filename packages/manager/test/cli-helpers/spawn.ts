/**
 * Runs the built `mqttx` CLI as a child process and reads its output, event-driven: `waitFor` resolves as
 * soon as the text appears (or rejects after a guard timeout), `exit` resolves with the exit code. Every
 * child started here is killed by {@link killAll} (call it in `afterEach`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from './build.js';

/** A running CLI process. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  readonly stdout: () => string;
  /** Everything written to stderr so far. */
  readonly stderr: () => string;
  /** Resolves with the first match of `pattern` in the stream's text (already written or to come). */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Exit code (or the signal's name when killed by one). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Options of {@link startCli}. */
export interface StartOptions {
  /** Extra environment (merged over a copy of the test's, with NO_COLOR set). */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. Without it stdin is closed at once. */
  input?: string;
  /** Working directory (default: the repository root). */
  cwd?: string;
}

/** Starts `node bin/mqttx.js ...args`. */
export function startCli(args: readonly string[], options: StartOptions = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  const text = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text.stderr += chunk));
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(options.input);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const waitFor = (pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = 10_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const source = stream === 'stdout' ? child.stdout! : child.stderr!;
      const check = (): boolean => {
        const m = pattern.exec(text[stream]);
        if (m === null) return false;
        cleanup();
        resolve(m);
        return true;
      };
      const onData = (): void => void check();
      const onClose = (): void => {
        if (check()) return;
        cleanup();
        reject(new Error(`process ended before ${pattern} on ${stream}; stdout: ${text.stdout} stderr: ${text.stderr}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms; stdout: ${text.stdout} stderr: ${text.stderr}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        source.off('data', onData);
        child.off('close', onClose);
      };
      // Listeners added after the stream's own, so `text` already holds the chunk.
      source.on('data', onData);
      child.once('close', onClose);
      check();
    });
  return { child, stdout: () => text.stdout, stderr: () => text.stderr, waitFor, exit };
}

/** Runs the CLI to completion. */
export async function runCli(args: readonly string[], options: StartOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args, options);
  const { code } = await p.exit;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Kills every CLI process still running (SIGKILL) and waits for them to be gone. */
export async function killAll(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
