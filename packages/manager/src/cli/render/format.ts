/**
 * Formatting helpers of the terminal output: numbers, durations, fixed-width cells, ANSI colours and the
 * in-place redraw of a block of lines. All pure.
 * @module
 */

/** `1,234`, `98,765`, then `123.4k`, `12.3M`, `1.2G` (fits 7 characters up to 999.9G). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const abs = Math.abs(n);
  if (abs < 100_000) return Math.round(n).toLocaleString('en-US');
  if (abs < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  if (abs < 1e9) return `${(n / 1e6).toFixed(1)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}

/** A rate with one decimal (`12.5`), compact above 100,000 (`123.4k`). */
export function formatRate(r: number): string {
  if (!Number.isFinite(r)) return '-';
  return Math.abs(r) < 100_000 ? r.toFixed(1) : formatCount(r);
}

/** Milliseconds with 2 significant decimals below 10 (`0.42`, `3.10`), 1 below 1000, none above. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 1000) return ms.toFixed(1);
  return Math.round(ms).toLocaleString('en-US');
}

/** `1h02m03s`, `5m03s`, `12s`, `0.5s`. */
export function formatDuration(ms: number): string {
  if (!(ms >= 0)) return '0s';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** `64 B`, `1.5 KiB`, `2.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** Text alignment in a cell. */
export type Align = 'left' | 'right';

/**
 * Fits `text` in exactly `width` characters: padded, or cut with a trailing `…` when too long (counted in
 * UTF-16 code units; names are expected to be mostly ASCII).
 */
export function cell(text: string, width: number, align: Align = 'left'): string {
  if (width <= 0) return '';
  const fitted = text.length <= width ? text : width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
  return align === 'left' ? fitted.padEnd(width) : fitted.padStart(width);
}

/** ANSI colours used by the status output. */
export type Color = 'green' | 'yellow' | 'red' | 'dim' | 'bold' | 'cyan';

const SGR: Readonly<Record<Color, [number, number]>> = {
  green: [32, 39],
  yellow: [33, 39],
  red: [31, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/** Wraps `text` in an ANSI colour when `enabled` (apply after padding, so widths stay right). */
export function paint(text: string, color: Color, enabled: boolean): string {
  if (!enabled) return text;
  const [on, off] = SGR[color];
  return `\x1b[${on}m${text}\x1b[${off}m`;
}

/** Removes ANSI escape sequences (for width checks and tests). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** Hides the cursor (while a live view redraws). */
export const HIDE_CURSOR = '\x1b[?25l';
/** Shows the cursor again. */
export const SHOW_CURSOR = '\x1b[?25h';

/**
 * The escape sequence that replaces the `previousLines` lines drawn last time with `lines`, in place: move
 * the cursor up, rewrite each line after clearing it, then clear whatever is left below (the new block may
 * be shorter). With `previousLines` 0 it just draws.
 */
export function redraw(lines: readonly string[], previousLines: number): string {
  let out = previousLines > 0 ? `\x1b[${previousLines}A\r` : '';
  for (const line of lines) out += `\x1b[2K${line}\n`;
  return `${out}\x1b[J`;
}
