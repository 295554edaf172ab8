/**
 * FileStore: the shared conformance suite under each fsync policy, then the file store's own behaviour:
 * client id encoding, CRC-32, group commit, "resolved means durable", failed writes, compaction, foreign
 * logs, option checks and `createStore`. Crash recovery is in file-store-crash.test.ts, locking in
 * file-store-lock.test.ts.
 */
import { readdir, readFile, stat, writeFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32, crc32Portable } from '../src/store/file/crc32.js';
import { LOG_FILE } from '../src/store/file/file-store.js';
import { MAX_NAME, decodeClientId, encodeClientId } from '../src/store/file/names.js';
import { FileStore, MemoryStore, createStore, type FsyncPolicy, type SessionStore } from '../src/store/index.js';
import { runStoreConformance } from './store-conformance.js';
import { rec, spyFs, tempDir } from './file-store.helpers.js';

for (const fsync of ['always', 'batch', 'none'] as const) {
  runStoreConformance(`FileStore (fsync: '${fsync}')`, async () => {
    const { dir, cleanup } = await tempDir();
    return { open: () => FileStore.open({ dir, clientId: 'conformance/client', fsync }), cleanup };
  });
}

const cleanups: (() => Promise<void>)[] = [];
const stores: SessionStore[] = [];

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const c of cleanups.splice(0)) await c();
});

async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function openStore(options: Partial<Parameters<typeof FileStore.open>[0]> & { dir: string }): Promise<FileStore> {
  const store = await FileStore.open({ clientId: 'c1', ...options });
  stores.push(store);
  return store;
}

describe('client id -> directory name', () => {
  it('is reversible, has no separators or dot names, and distinct ids get distinct names', () => {
    const ids = ['c1', '.', '..', '../x', 'a/b', 'a\\b', '%2F', 'x.y', '.hidden', 'héllo', '\u0000', ' ', 'Aa-_9'];
    const names = new Set<string>();
    for (const id of ids) {
      const name = encodeClientId(id);
      expect(name).toMatch(/^[A-Za-z0-9_%-]+$/);
      expect(name.startsWith('.')).toBe(false);
      expect(decodeClientId(name)).toBe(id);
      names.add(name);
    }
    expect(names.size).toBe(ids.length);
  });

  it('property: any id gives a safe name that decodes back unless hashed (seeded)', () => {
    const seed = 0x5eed;
    console.log(`fast-check seed ${seed}`);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (id) => {
        const name = encodeClientId(id);
        expect(/[/\\]/.test(name) || name.startsWith('.')).toBe(false);
        expect(name.length).toBeLessThanOrEqual(MAX_NAME);
        // Names that fit are decodable; longer ones are hashed (and checked against the log header).
        expect(decodeClientId(name)).toBe(name.includes('~') ? undefined : id);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('long ids get a bounded, hashed name (distinct per id)', () => {
    const a = encodeClientId('x'.repeat(1000) + 'a');
    const b = encodeClientId('x'.repeat(1000) + 'b');
    expect(a.length).toBeLessThanOrEqual(MAX_NAME);
    expect(a).not.toBe(b);
    expect(decodeClientId(a)).toBeUndefined();
    // Escapes are never cut in half.
    expect(encodeClientId('/'.repeat(300))).toMatch(/^(%2F)+~[0-9a-f]{32}$/);
  });

  it('the store lives in <dir>/<encoded id> and cannot escape <dir>', async () => {
    const base = await dir();
    const store = await openStore({ dir: base, clientId: '../../etc' });
    expect(store.path).toBe(join(base, '%2E%2E%2F%2E%2E%2Fetc'));
    expect(await readdir(base)).toEqual(['%2E%2E%2F%2E%2E%2Fetc']);
  });
});

describe('CRC-32', () => {
  it('matches the standard check value and the native zlib.crc32 (seeded random buffers)', () => {
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const seed = 42;
    console.log(`fast-check seed ${seed}`);
    const native = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(20), (bytes, cut) => {
        const buf = Buffer.from(bytes);
        const start = Math.min(cut, buf.length);
        expect(crc32Portable(buf, start, buf.length)).toBe(crc32(buf, start, buf.length));
        if (native) expect(crc32Portable(buf)).toBe(native(buf) >>> 0);
      }),
      { seed, numRuns: 200 },
    );
  });
});

describe('group commit and durability', () => {
  it("'batch': 100 puts issued in one tick share one write and one fdatasync", async () => {
    const spy = spyFs();
    const store = await openStore({ dir: await dir(), fs: spy.fs, fsync: 'batch' });
    const before = { ...spy.counts };
    const s0 = store.stats;
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.put('outbound', rec(i + 1, i, `m${i}`))));
    expect(spy.counts.datasync - before.datasync).toBe(1);
    expect(spy.counts.write - before.write).toBe(1);
    expect(store.stats.syncs - s0.syncs).toBe(1);
    expect(store.stats.writes - s0.writes).toBe(1);
    expect(store.stats.logRecords).toBe(100);
  });

  it("'batch': writes issued while an fsync runs share the next fsync", async () => {
    const spy = spyFs();
    const store = await openStore({ dir: await dir(), fs: spy.fs, fsync: 'batch' });
    const before = spy.counts.datasync;
    let blocked!: () => void;
    const firstBlocked = new Promise<void>((r) => (blocked = r));
    const gate = spy.holdDatasync(() => blocked());
    const first = store.put('outbound', rec(1, 1, 'a'));
    await firstBlocked;
    // The first fsync is running: these three wait for the next one, together.
    const later = [2, 3, 4].map((k) => store.put('outbound', rec(k, k, 'b')));
    spy.release();
    gate.open();
    await Promise.all([first, ...later]);
    expect(spy.counts.datasync - before).toBe(2);
  });

  it("'always': one write and one fdatasync per record", async () => {
    const spy = spyFs();
    const store = await openStore({ dir: await dir(), fs: spy.fs, fsync: 'always' });
    const before = { ...spy.counts };
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put('outbound', rec(i + 1, i, 'x'))));
    expect(spy.counts.datasync - before.datasync).toBe(10);
    expect(spy.counts.write - before.write).toBe(10);
  });

  it("'none': one write, no fsync", async () => {
    const spy = spyFs();
    const store = await openStore({ dir: await dir(), fs: spy.fs, fsync: 'none' });
    const before = { ...spy.counts };
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put('outbound', rec(i + 1, i, 'x'))));
    expect(spy.counts.datasync - before.datasync).toBe(0);
    expect(spy.counts.write - before.write).toBe(1);
  });

  for (const fsync of ['always', 'batch'] as const) {
    it(`'${fsync}': a put resolves only after its fdatasync completed`, async () => {
      const spy = spyFs();
      const store = await openStore({ dir: await dir(), fs: spy.fs, fsync });
      let blocked!: () => void;
      const isBlocked = new Promise<void>((r) => (blocked = r));
      const gate = spy.holdDatasync(() => blocked());
      let resolved = false;
      const put = store.put('outbound', rec(1, 1, 'a')).then(() => (resolved = true));
      const del = store.delete('outbound', 1);
      await isBlocked;
      // Let every queued callback run: the put must still wait for the fsync.
      await new Promise((r) => setImmediate(r));
      expect(resolved).toBe(false);
      spy.release();
      gate.open();
      await put;
      expect(resolved).toBe(true);
      expect(await del).toBe(true);
    });
  }

  it('flush() resolves once everything issued before it is durable', async () => {
    const store = await openStore({ dir: await dir() });
    void store.put('outbound', rec(1, 1, 'a'));
    void store.put('outbound', rec(2, 2, 'b'));
    await store.flush();
    expect(store.stats.logRecords).toBe(2);
    await expect(store.flush()).resolves.toBeUndefined();
  });
});

describe('failed writes', () => {
  for (const op of ['write', 'datasync'] as const) {
    it(`a failed ${op} rejects the batch (ERR_STORE, temporary), undoes it, and the next write repairs the log`, async () => {
      const spy = spyFs();
      const base = await dir();
      const store = await openStore({ dir: base, fs: spy.fs, fsync: 'batch' });
      await store.put('outbound', rec(1, 1, 'kept'));
      await store.put('meta', rec('session', 2, '{}'));
      spy.failNext(op, 'ENOSPC');
      const failed = [
        store.put('outbound', rec(2, 3, 'lost')),
        store.delete('outbound', 1),
        store.reset(),
        store.put('outbound', rec(3, 4, 'lost too')),
      ];
      for (const p of failed) await expect(p).rejects.toMatchObject({ code: 'ERR_STORE', kind: 'storage', temporary: true });
      // The index is back to what is durable.
      expect((await store.list('outbound')).map((r) => r.bytes.toString())).toEqual(['kept']);
      expect(await store.get('meta', 'session')).toBeDefined();
      const compactions = store.stats.compactions;
      await store.put('outbound', rec(4, 5, 'after'));
      expect(store.stats.compactions).toBe(compactions + 1);
      await store.close();
      const again = await openStore({ dir: base });
      expect((await again.list('outbound')).map((r) => r.bytes.toString())).toEqual(['kept', 'after']);
      expect(again.recovery).toBeUndefined();
    });
  }

  it('while the repair keeps failing every write is rejected; it succeeds once the disk is back', async () => {
    const spy = spyFs();
    const store = await openStore({ dir: await dir(), fs: spy.fs });
    spy.failNext('write', 'ENOSPC');
    await expect(store.put('outbound', rec(1, 1, 'a'))).rejects.toMatchObject({ code: 'ERR_STORE' });
    spy.failNext('write', 'ENOSPC', 2);
    await expect(store.put('outbound', rec(2, 2, 'b'))).rejects.toMatchObject({ code: 'ERR_STORE' });
    await expect(store.put('outbound', rec(3, 3, 'c'))).rejects.toMatchObject({ code: 'ERR_STORE' });
    await store.put('outbound', rec(4, 4, 'd'));
    expect((await store.list('outbound')).map((r) => r.key)).toEqual([4]);
  });
});

describe('compaction', () => {
  it('rewrites the log when it holds N times more records than live ones; data survives reopen', async () => {
    const base = await dir();
    const store = await openStore({ dir: base, compactRatio: 2, compactMinRecords: 20 });
    for (let i = 1; i <= 100; i++) {
      await store.put('outbound', rec(i, i, `m${i}`));
      if (i > 3) await store.delete('outbound', i - 3);
    }
    await store.put('subscriptions', rec('a/#', 1000, 'sub'));
    const { compactions, logRecords } = store.stats;
    expect(compactions).toBeGreaterThan(0);
    expect(logRecords).toBeLessThan(40);
    const size = (await stat(join(store.path, LOG_FILE))).size;
    expect(size).toBe(store.stats.logBytes);
    await store.close();
    const again = await openStore({ dir: base });
    expect((await again.list('outbound')).map((r) => r.key)).toEqual([98, 99, 100]);
    expect((await again.get('subscriptions', 'a/#'))!.bytes.toString()).toBe('sub');
  });

  it('compact() with records larger than a write chunk, and operations issued during it', async () => {
    const base = await dir();
    const store = await openStore({ dir: base });
    const big = Buffer.alloc(1_500_000, 7);
    await store.put('outbound', { key: 1, seq: 1, bytes: big });
    await store.put('outbound', { key: 2, seq: 2, bytes: big });
    const compaction = store.compact();
    const during = store.put('outbound', rec(3, 3, 'during'));
    await Promise.all([compaction, during]);
    expect(store.stats.compactions).toBe(1);
    await store.close();
    const again = await openStore({ dir: base });
    const list = await again.list('outbound');
    expect(list.map((r) => r.key)).toEqual([1, 2, 3]);
    expect(list[1]!.bytes.equals(big)).toBe(true);
  });

  it('a reset makes the whole log garbage: it is compacted away', async () => {
    const store = await openStore({ dir: await dir(), compactMinRecords: 10 });
    for (let i = 0; i < 12; i++) await store.put('outbound', rec(i + 1, i, 'x'));
    await store.reset();
    await store.put('meta', rec('session', 1, '{}'));
    expect(store.stats.compactions).toBe(1);
    expect(store.stats.logRecords).toBeLessThanOrEqual(2);
  });
});

describe('opening', () => {
  it('rejects bad options with ERR_CONFIG', async () => {
    const base = await dir();
    await expect(FileStore.open({ dir: base, clientId: '' })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(FileStore.open({ dir: '', clientId: 'a' })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(FileStore.open({ dir: base, clientId: 'a', fsync: 'sometimes' as FsyncPolicy })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(FileStore.open({ dir: base, clientId: 'a', compactRatio: 1 })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
  });

  it('a log of another client id (renamed directory, hash collision) -> ERR_STORE_FOREIGN, left untouched', async () => {
    const base = await dir();
    const a = await FileStore.open({ dir: base, clientId: 'alpha' });
    await a.put('outbound', rec(1, 1, 'a'));
    await a.close();
    await rename(join(base, 'alpha'), join(base, 'beta'));
    const before = await readFile(join(base, 'beta', LOG_FILE));
    await expect(FileStore.open({ dir: base, clientId: 'beta' })).rejects.toMatchObject({ code: 'ERR_STORE_FOREIGN', temporary: false });
    expect((await readFile(join(base, 'beta', LOG_FILE))).equals(before)).toBe(true);
    // The failed open released its lock.
    await rename(join(base, 'beta'), join(base, 'alpha'));
    await openStore({ dir: base, clientId: 'alpha' });
  });

  it('a file that is not a session log -> ERR_STORE_FOREIGN', async () => {
    const base = await dir();
    await mkdir(join(base, 'c1'));
    await writeFile(join(base, 'c1', LOG_FILE), 'hello, not a log');
    await expect(FileStore.open({ dir: base, clientId: 'c1' })).rejects.toMatchObject({ code: 'ERR_STORE_FOREIGN' });
    expect(await readFile(join(base, 'c1', LOG_FILE), 'utf8')).toBe('hello, not a log');
  });

  it('a second store on the same directory in this process -> ERR_STORE_LOCKED; after close it opens', async () => {
    const base = await dir();
    const first = await FileStore.open({ dir: base, clientId: 'c1' });
    await expect(FileStore.open({ dir: base, clientId: 'c1' })).rejects.toMatchObject({ code: 'ERR_STORE_LOCKED', kind: 'storage' });
    // Another client id in the same base directory is independent.
    await openStore({ dir: base, clientId: 'c2' });
    await first.close();
    expect(await readdir(join(base, 'c1'))).toEqual([LOG_FILE]);
    await openStore({ dir: base, clientId: 'c1' });
  });

  it('rejects invalid keys and records with ERR_STORE', async () => {
    const store = await openStore({ dir: await dir() });
    await expect(store.put('outbound', { key: Number.NaN, seq: 1, bytes: Buffer.alloc(0) })).rejects.toMatchObject({ code: 'ERR_STORE' });
    await expect(store.put('meta', { key: 'bad\ud800', seq: 1, bytes: Buffer.alloc(0) })).rejects.toMatchObject({ code: 'ERR_STORE' });
    await expect(store.put('outbound', { key: 1, seq: 1, bytes: 'x' as unknown as Buffer })).rejects.toMatchObject({ code: 'ERR_STORE' });
    await expect(store.list('nope' as 'meta')).rejects.toMatchObject({ code: 'ERR_STORE' });
    await expect(store.setExpiry(-1)).rejects.toMatchObject({ code: 'ERR_STORE' });
    await expect(store.setExpiry(3600)).resolves.toBeUndefined();
  });
});

describe('createStore', () => {
  it("'memory', a file spec, and a SessionStore object", async () => {
    const base = await dir();
    const memory = await createStore('memory', { clientId: 'c' });
    expect(memory).toBeInstanceOf(MemoryStore);
    const file = await createStore({ type: 'file', dir: base, fsync: 'always' }, { clientId: 'dev/1' });
    stores.push(file);
    expect(file).toBeInstanceOf(FileStore);
    expect((file as FileStore).fsync).toBe('always');
    expect((file as FileStore).path).toBe(join(base, 'dev%2F1'));
    const own = new MemoryStore();
    expect(await createStore(own, { clientId: 'c' })).toBe(own);
  });

  it('unknown specs and a file store without client id -> ERR_CONFIG', async () => {
    await expect(createStore({ type: 'tape' } as never, { clientId: 'c' })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(createStore('disk' as never, { clientId: 'c' })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(createStore({ type: 'file', dir: await dir() }, { clientId: '' })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
  });
});
