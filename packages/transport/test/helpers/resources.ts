/**
 * Open-handle check: `trackResources()` snapshots `process.getActiveResourcesInfo()` before each test and,
 * after it, lets pending handle closes run (a bounded number of event-loop turns, no sleeping) and then
 * expects no resource type to have grown: no socket, server or ref'd timer left behind. vitest's own timers
 * are present in both snapshots, so they cancel out.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { resourceCounts, settleResources } from '../../../../test/helpers/resources.js';

/** One event-loop turn (lets I/O callbacks, such as handle closes, run). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Registers the before/after snapshot hooks in the current suite. */
export function trackResources(): void {
  let before: Record<string, number> = {};
  beforeEach(() => {
    before = resourceCounts();
  });
  afterEach(async () => {
    expect(await settleResources(before), 'resources left open by the test').toEqual({});
  });
}
