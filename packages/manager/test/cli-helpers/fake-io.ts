/**
 * In-memory streams and context for running CLI commands in-process (`runCli` from src/cli/cli.ts).
 */
import { Readable } from 'node:stream';
import type { CliContext, CliOutput } from '../../src/cli/context.js';

/** An output that keeps what is written. */
export class Collector implements CliOutput {
  private readonly chunks: Buffer[] = [];
  isTTY: boolean;
  columns = 100;

  constructor(isTTY = false) {
    this.isTTY = isTTY;
  }

  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return true;
  }

  once(): this {
    return this;
  }

  /** Everything written, as UTF-8. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** A context with collecting outputs, `input` as stdin and its own abort controller. */
export function fakeContext(options: { env?: Record<string, string | undefined>; input?: string; cwd?: string; tty?: boolean } = {}) {
  const stdout = new Collector(options.tty);
  const stderr = new Collector(options.tty);
  const controller = new AbortController();
  const ctx: Omit<CliContext, 'verbose'> = {
    stdout,
    stderr,
    stdin: () => Readable.from([Buffer.from(options.input ?? '')]),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    signal: controller.signal,
  };
  return { ctx, stdout, stderr, controller };
}
