/** Small statistics and formatting helpers shared by the benchmarks. */

/** Median (upper median for an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `{ median, min, max }` of a list of numbers. */
export function summary(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** Integer with thousands separators. */
export const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** `n` with `d` decimals. */
export const fix = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : String(n));

/** Left-pads every cell and joins a table row. */
export function row(cells, widths) {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('');
}

/** The 1-minute load average and core count, for the "machine load" note of every report. */
export async function machine() {
  const os = await import('node:os');
  return { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg().map((x) => Number(x.toFixed(2))) };
}
