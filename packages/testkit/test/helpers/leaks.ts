/**
 * Open-handle check: counts of sockets, servers and timers from `process.getActiveResourcesInfo()`, taken
 * in a `beforeAll` and compared in the matching `afterAll` (after the broker and clients are closed).
 */
import { afterAll, beforeAll, expect } from 'vitest';

const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'Timeout', 'Immediate'] as const;

/** Counts of the watched resource kinds. */
export function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(WATCHED.map((k) => [k, 0]));
  for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r]!++;
  return counts;
}

/**
 * Registers hooks asserting that no socket, server or timer outlives the file's tests. Call it before the
 * file's own `afterAll` that closes the broker (vitest runs `afterAll` hooks in reverse order), so the
 * check runs last.
 */
export function checkLeaks(): void {
  let baseline: Record<string, number> = {};
  beforeAll(() => {
    baseline = handleCounts();
  });
  afterAll(async () => {
    // libuv releases the handles of closed sockets and servers a loop turn or two after 'close'.
    const excess = (): Record<string, number> => {
      const counts = handleCounts();
      return Object.fromEntries(Object.entries(counts).filter(([k, n]) => n > (baseline[k] ?? 0)));
    };
    for (let turn = 0; turn < 20 && Object.keys(excess()).length > 0; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    // More handles of a kind than before the file's tests means something was left open.
    expect(excess()).toEqual({});
  });
}
