/**
 * The session store conformance suite. Every `SessionStore` implementation (memory, file, Redis) runs it:
 *
 * ```ts
 * import { runStoreConformance } from './store-conformance.js';
 * runStoreConformance('FileStore', async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'mqttx-'));
 *   return { open: () => FileStore.open(dir), cleanup: () => rm(dir, { recursive: true }) };
 * });
 * ```
 *
 * `makeLocation` is called once per test and returns a fresh, empty location; `open()` may be called more
 * than once on one location (the "reopen" test closes a store and opens the location again, when the
 * store's `capabilities.reopen` is true; otherwise that test is reported as skipped with the reason).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Keyspace, SessionStore, StoreRecord } from '../src/store/types.js';

/** Where a store keeps its data; opening it twice gives two handles on the same data. */
export interface StoreLocation {
  /** Opens a store on this location. */
  open(): SessionStore | Promise<SessionStore>;
  /** Removes the location (temp dirs, Redis keys). */
  cleanup?(): void | Promise<void>;
}

const rec = (key: number | string, seq: number, text: string): StoreRecord => ({ key, seq, bytes: Buffer.from(text) });

/** Registers the conformance tests for one store implementation. */
export function runStoreConformance(name: string, makeLocation: () => StoreLocation | Promise<StoreLocation>): void {
  describe(`SessionStore conformance: ${name}`, () => {
    const opened: SessionStore[] = [];
    const locations: StoreLocation[] = [];

    async function location(): Promise<StoreLocation> {
      const loc = await makeLocation();
      locations.push(loc);
      return loc;
    }

    async function fresh(): Promise<SessionStore> {
      const store = await (await location()).open();
      opened.push(store);
      return store;
    }

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      for (const loc of locations.splice(0)) await loc.cleanup?.();
    });

    it('put then get returns the record with its key type, seq and bytes', async () => {
      const store = await fresh();
      await store.put('outbound', rec(7, 3, 'publish-7'));
      await store.put('subscriptions', rec('a/#', 4, 'sub'));
      const got = await store.get('outbound', 7);
      expect(got).toEqual({ key: 7, seq: 3, bytes: Buffer.from('publish-7') });
      expect(typeof got!.key).toBe('number');
      expect(await store.get('subscriptions', 'a/#')).toEqual({ key: 'a/#', seq: 4, bytes: Buffer.from('sub') });
      expect(await store.get('outbound', 8)).toBeUndefined();
      // A number key and its string spelling are different keys.
      expect(await store.get('outbound', '7')).toBeUndefined();
    });

    it('empty and large byte records round-trip', async () => {
      const store = await fresh();
      const big = Buffer.alloc(1 << 20, 0xab);
      await store.put('inbound', { key: 1, seq: 1, bytes: Buffer.alloc(0) });
      await store.put('outbound', { key: 1, seq: 2, bytes: big });
      expect((await store.get('inbound', 1))!.bytes.length).toBe(0);
      expect((await store.get('outbound', 1))!.bytes.equals(big)).toBe(true);
    });

    it('put on an existing key replaces the record', async () => {
      const store = await fresh();
      await store.put('outbound', rec(5, 1, 'publish'));
      await store.put('outbound', rec(5, 1, 'pubrel'));
      expect(await store.get('outbound', 5)).toEqual(rec(5, 1, 'pubrel'));
      expect(await store.list('outbound')).toHaveLength(1);
    });

    it('delete removes one record and says whether it existed', async () => {
      const store = await fresh();
      await store.put('outbound', rec(1, 1, 'a'));
      await store.put('outbound', rec(2, 2, 'b'));
      expect(await store.delete('outbound', 1)).toBe(true);
      expect(await store.delete('outbound', 1)).toBe(false);
      expect(await store.get('outbound', 1)).toBeUndefined();
      expect((await store.list('outbound')).map((r) => r.key)).toEqual([2]);
    });

    it('list returns records in insertion seq order across a packet id wrap (65535 before 1)', async () => {
      const store = await fresh();
      await store.put('outbound', rec(2, 12, 'c'));
      await store.put('outbound', rec(65535, 10, 'a'));
      await store.put('outbound', rec(1, 11, 'b'));
      expect((await store.list('outbound')).map((r) => r.key)).toEqual([65535, 1, 2]);
      // A state change (PUBLISH -> PUBREL) keeps the original seq, hence the place.
      await store.put('outbound', rec(65535, 10, 'pubrel'));
      const list = await store.list('outbound');
      expect(list.map((r) => [r.key, r.bytes.toString()])).toEqual([
        [65535, 'pubrel'],
        [1, 'b'],
        [2, 'c'],
      ]);
    });

    it('keyspaces are separate', async () => {
      const store = await fresh();
      const spaces: Keyspace[] = ['outbound', 'inbound', 'subscriptions', 'meta'];
      for (const [i, space] of spaces.entries()) await store.put(space, rec(1, i, space));
      for (const space of spaces) {
        expect((await store.list(space)).map((r) => r.bytes.toString())).toEqual([space]);
      }
      await store.delete('inbound', 1);
      expect(await store.get('outbound', 1)).toEqual(rec(1, 0, 'outbound'));
    });

    it('reset empties every keyspace', async () => {
      const store = await fresh();
      await store.put('outbound', rec(1, 1, 'a'));
      await store.put('inbound', rec(2, 2, 'b'));
      await store.put('subscriptions', rec('x', 3, 'c'));
      await store.put('meta', rec('session', 4, '{}'));
      await store.reset();
      for (const space of ['outbound', 'inbound', 'subscriptions', 'meta'] as const) expect(await store.list(space)).toEqual([]);
      await store.put('outbound', rec(1, 5, 'after'));
      expect(await store.list('outbound')).toEqual([rec(1, 5, 'after')]);
    });

    it('concurrent puts and deletes all take effect', async () => {
      const store = await fresh();
      const n = 500;
      await Promise.all(Array.from({ length: n }, (_, i) => store.put('outbound', rec(i + 1, i, `m${i}`))));
      const list = await store.list('outbound');
      expect(list).toHaveLength(n);
      expect(list.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i));
      await Promise.all(Array.from({ length: n / 2 }, (_, i) => store.delete('outbound', 2 * i + 1)));
      expect((await store.list('outbound')).map((r) => r.key)).toEqual(Array.from({ length: n / 2 }, (_, i) => 2 * i + 2));
    });

    it('records handed out are copies: changing them does not change the store', async () => {
      const store = await fresh();
      const written = rec(1, 1, 'a');
      await store.put('outbound', written);
      written.seq = 99;
      const [listed] = await store.list('outbound');
      listed!.seq = 42;
      expect(await store.get('outbound', 1)).toEqual(rec(1, 1, 'a'));
    });

    it('after close every call rejects with ERR_STORE; close is idempotent', async () => {
      const store = await (await location()).open();
      await store.put('outbound', rec(1, 1, 'a'));
      await store.close();
      await store.close();
      await expect(store.get('outbound', 1)).rejects.toMatchObject({ code: 'ERR_STORE' });
      await expect(store.put('outbound', rec(2, 2, 'b'))).rejects.toMatchObject({ code: 'ERR_STORE' });
      await expect(store.list('outbound')).rejects.toMatchObject({ code: 'ERR_STORE' });
      await expect(store.delete('outbound', 1)).rejects.toMatchObject({ code: 'ERR_STORE' });
      await expect(store.reset()).rejects.toMatchObject({ code: 'ERR_STORE' });
    });

    it('reopen: records written before close are there for the next open', async (ctx) => {
      const loc = await location();
      const first = await loc.open();
      if (!first.capabilities.reopen) {
        await first.close();
        ctx.skip(`${name} does not support reopen (capabilities.reopen is false)`);
        return;
      }
      await first.put('outbound', rec(65535, 1, 'a'));
      await first.put('outbound', rec(1, 2, 'b'));
      await first.put('meta', rec('session', 0, '{"clientId":"c"}'));
      await first.close();
      const second = await loc.open();
      opened.push(second);
      expect((await second.list('outbound')).map((r) => r.key)).toEqual([65535, 1]);
      expect((await second.get('meta', 'session'))!.bytes.toString()).toBe('{"clientId":"c"}');
    });
  });
}
