/**
 * Linux-only diagnostics for the benchmarks: read/write system calls (`/proc/self/io`: syscr, syscw) and
 * voluntary context switches (`/proc/self/status`), so a report can say how many syscalls and wake-ups
 * each message cost. Elsewhere every counter reads as NaN.
 */
import { readFileSync } from 'node:fs';

function field(text, name) {
  const m = new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** `{ reads, writes, wakeups }` of this process so far. */
export function ioCounters() {
  try {
    const io = readFileSync('/proc/self/io', 'utf8');
    const status = readFileSync('/proc/self/status', 'utf8');
    return { reads: field(io, 'syscr'), writes: field(io, 'syscw'), wakeups: field(status, 'voluntary_ctxt_switches') };
  } catch {
    return { reads: NaN, writes: NaN, wakeups: NaN };
  }
}

/** Counter growth since `before`. */
export function ioSince(before) {
  const now = ioCounters();
  return { reads: now.reads - before.reads, writes: now.writes - before.writes, wakeups: now.wakeups - before.wakeups };
}
