/**
 * Open-handle check: counts of sockets, servers and timers from `process.getActiveResourcesInfo()`, taken
 * in a `beforeAll` and compared in the matching `afterAll` (after the broker and clients are closed).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { resourceCounts, settleResources } from '../../../../test/helpers/resources.js';

const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'Timeout', 'Immediate'] as const;

/**
 * Registers hooks asserting that no socket, server or timer outlives the file's tests. Call it before the
 * file's own `afterAll` that closes the broker (vitest runs `afterAll` hooks in reverse order), so the
 * check runs last.
 */
export function checkLeaks(): void {
  let baseline: Record<string, number> = {};
  beforeAll(() => {
    baseline = resourceCounts(WATCHED);
  });
  afterAll(async () => {
    // More handles of a kind than before the file's tests means something was left open.
    expect(await settleResources(baseline, { watched: WATCHED })).toEqual({});
  });
}
