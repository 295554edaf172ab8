/**
 * Open-handle check: `trackResources()` snapshots `process.getActiveResourcesInfo()` before each test and,
 * after it, lets pending handle closes run (a bounded number of event-loop turns, no sleeping) and then
 * expects no resource type to have grown: no socket, server or ref'd timer left behind. vitest's own timers
 * are present in both snapshots, so they cancel out.
 */
import { afterEach, beforeEach, expect } from 'vitest';

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

function growth(before: Map<string, number>): string[] {
  const grown: string[] = [];
  for (const [type, n] of countResources()) {
    const was = before.get(type) ?? 0;
    if (n > was) grown.push(`${type} +${n - was}`);
  }
  return grown;
}

/** One event-loop turn (lets I/O callbacks, such as handle closes, run). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Registers the before/after snapshot hooks in the current suite. */
export function trackResources(): void {
  let before = new Map<string, number>();
  beforeEach(() => {
    before = countResources();
  });
  afterEach(async () => {
    for (let i = 0; i < 200 && growth(before).length > 0; i++) await turn();
    expect(growth(before), 'resources left open by the test').toEqual([]);
  });
}
