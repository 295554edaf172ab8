/**
 * A private tmux server for terminal tests: its own socket (`tmux -L <name>`), no user config (`-f` points at
 * a generated file), panes kept on screen after their command exits (`remain-on-exit`), so the last frame
 * can still be read. Panes are read back with `capture-pane -p` (text only, escape sequences applied by tmux
 * the way a terminal would). {@link TmuxServer.kill} ends the server and everything running in it.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

let servers = 0;

/** A private tmux server. */
export interface TmuxServer {
  /** The socket name (`-L`). */
  readonly socket: string;
  /** Runs a tmux command on this server and returns its stdout. */
  tmux(...args: string[]): Promise<string>;
  /**
   * Starts a detached session `name` of `width` x `height` running `argv` directly (no shell in between
   * unless `argv` starts one).
   */
  start(name: string, argv: readonly string[], size?: { width: number; height: number }): Promise<void>;
  /** The visible screen of the session's pane, one string per row (trailing blank rows kept). */
  screen(name: string): Promise<string>;
  /** The pane's whole history (scrolled-off lines, then the visible screen). */
  history(name: string): Promise<string>;
  /** Kills the server (every session and process in it). Idempotent; never throws. */
  kill(): Promise<void>;
}

/**
 * A new private tmux server (started lazily by the first {@link TmuxServer.start}).
 * @param dir - a temp folder for the generated config file
 */
export function tmuxServer(dir: string): TmuxServer {
  const socket = `mqttx-test-${process.pid}-${++servers}-${Date.now().toString(36)}`;
  const conf = join(dir, `${socket}.conf`);
  writeFileSync(conf, ['set -g remain-on-exit on', 'set -g history-limit 10000', 'set -g status off', ''].join('\n'));
  const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-L', socket, '-f', conf, ...args])).stdout;
  // tmux leaves its socket file behind after kill-server: remembered once the server runs, removed by kill().
  let socketPath: string | undefined;
  return {
    socket,
    tmux,
    async start(name, argv, size = { width: 160, height: 40 }) {
      await tmux('new-session', '-d', '-s', name, '-x', String(size.width), '-y', String(size.height), '--', ...argv);
      socketPath ??= (await tmux('display-message', '-p', '-t', name, '#{socket_path}')).trim();
    },
    screen: (name) => tmux('capture-pane', '-p', '-t', name),
    history: (name) => tmux('capture-pane', '-p', '-S', '-', '-t', name),
    async kill() {
      await tmux('kill-server').catch(() => undefined); // no server running: nothing to kill
      if (socketPath !== undefined && socketPath !== '') rmSync(socketPath, { force: true });
      socketPath = undefined;
    },
  };
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined, or throws after
 * `timeoutMs` with `describe()` in the message. For external state that has no event (a tmux screen, a file
 * another process writes): the interval is the poll period, not a wait for something to happen.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs, intervalMs = 100, what, describe }: { timeoutMs: number; intervalMs?: number; what: string; describe?: () => Promise<string> | string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const detail = describe === undefined ? '' : `\n${await describe()}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}
