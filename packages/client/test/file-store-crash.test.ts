/**
 * FileStore crash recovery: a log cut at every byte offset of its last records (torn writes), a zero-filled
 * tail, a corrupt checksum in the middle, and a crash at every step of a compaction (through the
 * `hooks.compaction` test hook). Each case reopens the directory and checks exactly which records came back.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOG_FILE } from '../src/store/file/file-store.js';
import { FileStore, type CompactionStep, type Keyspace, type RecoveryReport, type StoreRecord } from '../src/store/index.js';
import { rec, tempDir } from './file-store.helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

type Snapshot = Record<Keyspace, [string, number, string][]>;

async function snapshot(store: FileStore): Promise<Snapshot> {
  const out = {} as Snapshot;
  for (const ks of ['outbound', 'inbound', 'subscriptions', 'meta'] as const) {
    out[ks] = (await store.list(ks)).map((r: StoreRecord) => [String(r.key), r.seq, r.bytes.toString()]);
  }
  return out;
}

/** One operation of a scripted history. */
type Step = (s: FileStore) => Promise<unknown>;

const history: Step[] = [
  (s) => s.put('meta', rec('session', 0, '{"clientId":"c1"}')),
  (s) => s.put('subscriptions', rec('a/#', 1, 'sub-a')),
  (s) => s.put('outbound', rec(65535, 2, 'publish-65535')),
  (s) => s.put('outbound', rec(1, 3, 'publish-1')),
  (s) => s.put('inbound', { key: 9, seq: 4, bytes: Buffer.alloc(0) }),
  (s) => s.put('outbound', rec(65535, 2, 'pubrel-65535')),
  (s) => s.delete('inbound', 9),
  (s) => s.put('outbound', { key: 2, seq: 5, bytes: Buffer.alloc(300, 0x41) }),
  (s) => s.delete('outbound', 1),
  (s) => s.put('subscriptions', rec('b/+', 6, 'sub-b')),
];

/**
 * Runs `history` against a fresh store, recording the log size and the state after every step. Returns the
 * log bytes, boundaries (boundaries[i] = log size after step i, boundaries[-1] as `start`) and states.
 */
async function record(base: string): Promise<{ log: Buffer; start: number; ends: number[]; states: Snapshot[]; empty: Snapshot }> {
  const store = await FileStore.open({ dir: base, clientId: 'c1', fsync: 'always', compactMinRecords: 1e9 });
  const start = store.stats.logBytes;
  const empty = await snapshot(store);
  const ends: number[] = [];
  const states: Snapshot[] = [];
  for (const step of history) {
    await step(store);
    ends.push(store.stats.logBytes);
    states.push(await snapshot(store));
  }
  await store.close();
  const log = await readFile(join(base, 'c1', LOG_FILE));
  expect(log.length).toBe(ends.at(-1));
  return { log, start, ends, states, empty };
}

describe('torn writes', () => {
  it('a log cut at every byte offset of its last 4 records reopens with exactly the records that were whole', async () => {
    const base = await dir();
    const { log, start, ends, states, empty } = await record(base);
    const logPath = join(base, 'c1', LOG_FILE);
    const from = ends[ends.length - 5]!;
    let checked = 0;
    for (let cut = from; cut <= log.length; cut++) {
      await writeFile(logPath, log.subarray(0, cut));
      const reports: RecoveryReport[] = [];
      const store = await FileStore.open({ dir: base, clientId: 'c1', onRecovery: (r) => reports.push(r) });
      // The last step whose frame ends at or before the cut.
      let done = -1;
      for (let i = 0; i < ends.length; i++) if (ends[i]! <= cut) done = i;
      const expected = done < 0 ? empty : states[done]!;
      expect(await snapshot(store), `cut at ${cut}`).toEqual(expected);
      const boundary = done < 0 ? start : ends[done]!;
      if (cut === boundary) {
        expect(store.recovery).toBeUndefined();
      } else {
        expect(store.recovery).toMatchObject({ reason: 'torn', offset: boundary, droppedBytes: cut - boundary, savedTo: undefined });
        expect(reports).toEqual([store.recovery]);
      }
      // The log was cut back to the boundary, and appending continues cleanly from there.
      expect(store.stats.logBytes).toBe(boundary);
      await store.put('meta', rec('after', 99, 'x'));
      await store.close();
      const again = await FileStore.open({ dir: base, clientId: 'c1' });
      expect(again.recovery).toBeUndefined();
      expect((await again.get('meta', 'after'))!.bytes.toString()).toBe('x');
      await again.close();
      checked++;
    }
    expect(checked).toBe(log.length - from + 1);
  });

  it('a zero-filled tail (the file grew, the data never landed) is a torn tail', async () => {
    const base = await dir();
    const { log, states } = await record(base);
    await writeFile(join(base, 'c1', LOG_FILE), Buffer.concat([log, Buffer.alloc(4096)]));
    const store = await FileStore.open({ dir: base, clientId: 'c1' });
    expect(store.recovery).toMatchObject({ reason: 'torn', offset: log.length, droppedBytes: 4096 });
    expect(await snapshot(store)).toEqual(states.at(-1));
    await store.close();
  });
});

describe('corrupt checksum', () => {
  it('a flipped byte in a middle record: replay stops there, the tail is dropped, kept aside and reported', async () => {
    const base = await dir();
    const { log, ends, states } = await record(base);
    const bad = 4; // history step 4's frame: ends[3]..ends[4]
    const frameStart = ends[bad - 1]!;
    const corrupt = Buffer.from(log);
    const mid = frameStart + Math.floor((ends[bad]! - frameStart) / 2);
    corrupt[mid] = corrupt[mid]! ^ 0x55;
    await writeFile(join(base, 'c1', LOG_FILE), corrupt);
    const reports: RecoveryReport[] = [];
    const store = await FileStore.open({ dir: base, clientId: 'c1', onRecovery: (r) => reports.push(r) });
    // Stop at the first bad frame: the state is the one before it (a consistent prefix of the history).
    expect(await snapshot(store)).toEqual(states[bad - 1]);
    expect(store.recovery).toMatchObject({ reason: 'checksum', offset: frameStart, droppedBytes: log.length - frameStart, framesRead: bad });
    expect(reports).toHaveLength(1);
    const saved = store.recovery!.savedTo!;
    expect((await readFile(saved)).equals(corrupt.subarray(frameStart))).toBe(true);
    expect((await readFile(join(base, 'c1', LOG_FILE))).length).toBe(frameStart);
    await store.put('outbound', rec(7, 50, 'new'));
    await store.close();
    const again = await FileStore.open({ dir: base, clientId: 'c1' });
    expect(again.recovery).toBeUndefined();
    expect((await again.get('outbound', 7))!.bytes.toString()).toBe('new');
    await again.close();
  });

  it('a flipped byte in the last record is a torn tail (nothing follows it)', async () => {
    const base = await dir();
    const { log, ends, states } = await record(base);
    const corrupt = Buffer.from(log);
    corrupt[log.length - 2] = corrupt[log.length - 2]! ^ 1;
    await writeFile(join(base, 'c1', LOG_FILE), corrupt);
    const store = await FileStore.open({ dir: base, clientId: 'c1' });
    expect(store.recovery).toMatchObject({ reason: 'torn', offset: ends.at(-2) });
    expect(await snapshot(store)).toEqual(states.at(-2));
    await store.close();
  });

  it('a corrupt length field is caught by the checksum (it covers the length)', async () => {
    const base = await dir();
    const { log, ends, states } = await record(base);
    const corrupt = Buffer.from(log);
    const frameStart = ends[1]!;
    corrupt.writeUInt32LE(corrupt.readUInt32LE(frameStart + 4) - 3, frameStart + 4);
    await writeFile(join(base, 'c1', LOG_FILE), corrupt);
    const store = await FileStore.open({ dir: base, clientId: 'c1' });
    expect(store.recovery).toMatchObject({ reason: 'checksum', offset: frameStart });
    expect(await snapshot(store)).toEqual(states[1]);
    await store.close();
  });

  it('a damaged header is never repaired: ERR_STORE_FOREIGN and the file stays as it is', async () => {
    const base = await dir();
    const { log } = await record(base);
    const corrupt = Buffer.from(log);
    corrupt[12] = corrupt[12]! ^ 0xff;
    await writeFile(join(base, 'c1', LOG_FILE), corrupt);
    await expect(FileStore.open({ dir: base, clientId: 'c1' })).rejects.toMatchObject({ code: 'ERR_STORE_FOREIGN' });
    expect((await readFile(join(base, 'c1', LOG_FILE))).equals(corrupt)).toBe(true);
  });
});

describe('crash during compaction', () => {
  const steps: CompactionStep[] = ['temp-written', 'temp-synced', 'renamed', 'before-dir-sync', 'dir-synced'];

  for (const step of steps) {
    it(`a crash at '${step}' loses nothing: reopening gives the same data`, async () => {
      const base = await dir();
      let armed = true;
      const store = await FileStore.open({
        dir: base,
        clientId: 'c1',
        compactMinRecords: 1e9,
        hooks: {
          compaction(at) {
            if (armed && at === step) throw new Error(`crash at ${at}`);
          },
        },
      });
      for (const h of history) await h(store);
      const before = await snapshot(store);
      await expect(store.compact()).rejects.toMatchObject({ code: 'ERR_STORE' });
      armed = false;
      // The "dead" store does nothing more (as a killed process would not).
      await expect(store.put('outbound', rec(3, 9, 'x'))).rejects.toMatchObject({ code: 'ERR_STORE' });
      await store.close();
      const files = await readdir(join(base, 'c1'));
      const tempLeft = files.includes(`${LOG_FILE}.compact`);
      expect(tempLeft).toBe(step === 'temp-written' || step === 'temp-synced');

      const again = await FileStore.open({ dir: base, clientId: 'c1' });
      expect(again.recovery).toBeUndefined();
      expect(await snapshot(again)).toEqual(before);
      expect((await readdir(join(base, 'c1'))).sort()).toEqual(['LOCK', LOG_FILE]);
      await again.compact();
      await again.close();
      const third = await FileStore.open({ dir: base, clientId: 'c1' });
      expect(await snapshot(third)).toEqual(before);
      expect(third.stats.logRecords).toBe(5);
      await third.close();
    });
  }
});
