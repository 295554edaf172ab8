/**
 * Open-handle checks shared by every suite: snapshot `process.getActiveResourcesInfo()` before a test and
 * wait, boundedly, for it to come back afterwards.
 *
 * Closed sockets and servers release their handles a loop turn or two after `'close'`, so the wait first spins
 * event-loop turns. A `Timeout` can also belong to the test runner itself (vitest's worker keeps a ref'd timer
 * while a report message to the main process is in flight, which takes longer on a loaded machine), so a
 * remaining `Timeout` excess is given up to `graceMs` of real time, polled every few milliseconds, before it
 * counts as a leak. Sockets and servers get no such grace.
 */

/** Resource kinds worth watching: sockets, servers, pipes, timers and immediates. */
export const WATCHED_RESOURCES = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'PipeWrap', 'Timeout', 'Immediate'] as const;

/** Counts of the watched resource kinds. */
export function resourceCounts(watched: readonly string[] = WATCHED_RESOURCES): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of watched) counts[k] = 0;
  for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r]!++;
  return counts;
}

/** The kinds with more resources now than in `before`, with the excess. */
export function resourceExcess(before: Record<string, number>, watched: readonly string[] = WATCHED_RESOURCES): Record<string, number> {
  const now = resourceCounts(watched);
  const excess: Record<string, number> = {};
  for (const [k, n] of Object.entries(now)) if (n > (before[k] ?? 0)) excess[k] = n - (before[k] ?? 0);
  return excess;
}

/**
 * Waits until no watched kind exceeds `before` (event-loop turns first; then, for timers only, up to
 * `graceMs` of real time) and returns what is still in excess (`{}` when everything was released).
 */
export async function settleResources(
  before: Record<string, number>,
  { watched = WATCHED_RESOURCES, turns = 200, graceMs = 2000 }: { watched?: readonly string[]; turns?: number; graceMs?: number } = {},
): Promise<Record<string, number>> {
  let excess = resourceExcess(before, watched);
  for (let i = 0; i < turns && Object.keys(excess).length > 0; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    excess = resourceExcess(before, watched);
  }
  const deadline = Date.now() + graceMs;
  while (Object.keys(excess).length === 1 && excess.Timeout !== undefined && Date.now() < deadline) {
    // Our own polling timer has fired by the time we count again, so it never counts itself.
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
    excess = resourceExcess(before, watched);
  }
  return excess;
}
