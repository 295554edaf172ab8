/**
 * The live status output of a long-running command: every interval it takes a metrics snapshot and either
 * redraws the status table in place (terminal) or writes one log line (anything else). The clock is
 * injected, so tests drive it without waiting.
 * @module
 */
import type { MetricsSnapshot } from '../../metrics/types.js';
import type { CliOutput } from '../context.js';
import { HIDE_CURSOR, SHOW_CURSOR, redraw } from './format.js';
import { renderStatusLine, renderStatusTable } from './status.js';

/** Timers used by {@link LiveStatus} (Node's by default). */
export interface IntervalScheduler {
  /** Calls `fn` every `ms`; returns a handle for `clear`. */
  every(fn: () => void, ms: number): unknown;
  /** Stops an interval. */
  clear(handle: unknown): void;
}

/** Node's `setInterval`, unref'd (the status never keeps a process alive by itself). */
export const nodeIntervals: IntervalScheduler = {
  every: (fn, ms) => setInterval(fn, ms).unref(),
  clear: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Options of {@link LiveStatus}. */
export interface LiveStatusOptions {
  /** Where to write. */
  out: CliOutput;
  /** Takes a snapshot (the manager's `getMetrics()` / `collect(now)`). */
  source: () => MetricsSnapshot;
  /** Interval, ms. */
  intervalMs: number;
  /** `table` (redrawn in place) or `log` (one line per interval). Default: `table` on a terminal. */
  mode?: 'table' | 'log';
  /** ANSI colours in the table. */
  color?: boolean;
  /** Title of the table. */
  title?: string;
  /** Timers (tests pass a manual one). */
  scheduler?: IntervalScheduler;
}

/**
 * Periodic status output. `start()` draws at once and then every interval; `stop()` draws a last time (so
 * the final numbers stay on screen) and gives the cursor back. A source that throws is skipped for that
 * tick (the status must never take the command down).
 */
export class LiveStatus {
  private readonly options: LiveStatusOptions;
  private readonly mode: 'table' | 'log';
  private readonly scheduler: IntervalScheduler;
  private handle: unknown = undefined;
  private previous: MetricsSnapshot | undefined = undefined;
  private drawnLines = 0;
  private lastLines: string[] = [];

  /** @param options - output, snapshot source, interval, mode */
  constructor(options: LiveStatusOptions) {
    this.options = options;
    this.mode = options.mode ?? (options.out.isTTY === true ? 'table' : 'log');
    this.scheduler = options.scheduler ?? nodeIntervals;
  }

  /** Whether the status is redrawn in place. */
  get isTable(): boolean {
    return this.mode === 'table';
  }

  /** Draws now and every interval. Idempotent. */
  start(): void {
    if (this.handle !== undefined) return;
    if (this.mode === 'table') this.options.out.write(HIDE_CURSOR);
    this.tick();
    this.handle = this.scheduler.every(() => this.tick(), this.options.intervalMs);
  }

  /** Stops the interval after a final draw. Idempotent. */
  stop(): void {
    if (this.handle === undefined) return;
    this.scheduler.clear(this.handle);
    this.handle = undefined;
    this.tick();
    if (this.mode === 'table') this.options.out.write(SHOW_CURSOR);
  }

  /**
   * Writes `text` (whole lines, ending with a line feed) to the output without breaking the status: in
   * table mode the table is erased, the text written, and the table drawn again below it; otherwise the text
   * is just written.
   */
  print(text: string | Uint8Array): void {
    const out = this.options.out;
    if (this.mode !== 'table' || this.drawnLines === 0) {
      out.write(text);
      return;
    }
    out.write(`\x1b[${this.drawnLines}A\r\x1b[J`);
    out.write(text);
    out.write(redraw(this.lastLines, 0));
  }

  /** Draws once (the table in place, or one log line). */
  tick(): void {
    let snapshot: MetricsSnapshot;
    try {
      snapshot = this.options.source();
    } catch {
      return;
    }
    if (this.mode === 'table') {
      const lines = renderStatusTable(snapshot, this.previous, { color: this.options.color ?? false, title: this.options.title });
      this.options.out.write(redraw(lines, this.drawnLines));
      this.drawnLines = lines.length;
      this.lastLines = lines;
    } else {
      this.options.out.write(`${renderStatusLine(snapshot, this.previous)}\n`);
    }
    this.previous = snapshot;
  }
}
