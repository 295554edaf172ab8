/** The in-memory session store: the shared conformance suite plus memory-specific checks. */
import { describe, expect, it } from 'vitest';
import { MemoryBacking, MemoryStore } from '../src/store/index.js';
import { runStoreConformance } from './store-conformance.js';

runStoreConformance('MemoryStore', () => {
  const backing = new MemoryBacking();
  return { open: () => new MemoryStore(backing) };
});

describe('MemoryStore', () => {
  it('instances without a shared backing share nothing', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    await a.put('outbound', { key: 1, seq: 1, bytes: Buffer.from('x') });
    expect(await b.get('outbound', 1)).toBeUndefined();
  });

  it('rejects an unknown keyspace and a malformed record with ERR_STORE', async () => {
    const store = new MemoryStore();
    await expect(store.list('nope' as 'meta')).rejects.toMatchObject({ code: 'ERR_STORE', kind: 'storage' });
    await expect(store.put('outbound', { key: 1, seq: 1, bytes: 'text' as unknown as Buffer })).rejects.toMatchObject({ code: 'ERR_STORE' });
    await expect(store.put('outbound', { key: 1, seq: Number.NaN, bytes: Buffer.alloc(0) })).rejects.toMatchObject({ code: 'ERR_STORE' });
  });
});
