/**
 * The in-memory session store, the default. Records live in plain maps; the store copies nothing (the
 * caller must not mutate `bytes` after `put`, which the core never does).
 * @module
 */
import { StoreError } from '../errors.js';
import { KEYSPACES, type Keyspace, type SessionStore, type StoreCapabilities, type StoreKey, type StoreRecord } from './types.js';

/**
 * The maps a {@link MemoryStore} keeps its records in. Several store instances built over one backing share
 * their data, so closing one and opening another over the same backing "reopens" the session (useful to
 * restart a client inside one process, and for the conformance suite).
 */
export class MemoryBacking {
  /** One map per keyspace, key -> record. */
  readonly spaces: Record<Keyspace, Map<StoreKey, StoreRecord>> = {
    outbound: new Map(),
    inbound: new Map(),
    subscriptions: new Map(),
    meta: new Map(),
  };
}

function compareSeq(a: StoreRecord, b: StoreRecord): number {
  return a.seq - b.seq;
}

function checkKeyspace(keyspace: Keyspace): void {
  if (!KEYSPACES.includes(keyspace)) throw new StoreError(`unknown keyspace ${String(keyspace)}`, undefined, { keyspace });
}

/** A {@link SessionStore} in process memory. */
export class MemoryStore implements SessionStore {
  /** Reopen works through a shared {@link MemoryBacking}. */
  readonly capabilities: StoreCapabilities = { reopen: true };
  private readonly backing: MemoryBacking;
  private closed = false;

  /** @param backing - maps to keep the records in; a fresh one by default */
  constructor(backing: MemoryBacking = new MemoryBacking()) {
    this.backing = backing;
  }

  private space(keyspace: Keyspace): Map<StoreKey, StoreRecord> {
    if (this.closed) throw new StoreError('the store is closed', undefined, { keyspace });
    checkKeyspace(keyspace);
    return this.backing.spaces[keyspace];
  }

  /** {@inheritDoc SessionStore.put} */
  async put(keyspace: Keyspace, record: StoreRecord): Promise<void> {
    const space = this.space(keyspace);
    if (record === null || typeof record !== 'object' || !Buffer.isBuffer(record.bytes) || !Number.isFinite(record.seq)) {
      throw new StoreError('invalid record', undefined, { keyspace });
    }
    // A fresh object keeps the stored record independent of the caller's (which may be reused).
    space.set(record.key, { key: record.key, seq: record.seq, bytes: record.bytes });
  }

  /** {@inheritDoc SessionStore.get} */
  async get(keyspace: Keyspace, key: StoreKey): Promise<StoreRecord | undefined> {
    const record = this.space(keyspace).get(key);
    return record === undefined ? undefined : { key: record.key, seq: record.seq, bytes: record.bytes };
  }

  /** {@inheritDoc SessionStore.delete} */
  async delete(keyspace: Keyspace, key: StoreKey): Promise<boolean> {
    return this.space(keyspace).delete(key);
  }

  /** {@inheritDoc SessionStore.list} */
  async list(keyspace: Keyspace): Promise<StoreRecord[]> {
    const out: StoreRecord[] = [];
    for (const r of this.space(keyspace).values()) out.push({ key: r.key, seq: r.seq, bytes: r.bytes });
    return out.sort(compareSeq);
  }

  /** {@inheritDoc SessionStore.reset} */
  async reset(): Promise<void> {
    for (const keyspace of KEYSPACES) this.space(keyspace).clear();
  }

  /**
   * Resolves once every operation issued before the call is durable. Memory writes are done when they
   * resolve, so this only rejects (`ERR_STORE`) after `close()`.
   */
  async flush(): Promise<void> {
    if (this.closed) throw new StoreError('the store is closed');
  }

  /**
   * How long the stored session should outlive the last write, in seconds (the MQTT session expiry interval);
   * `undefined`, `0` or `0xFFFFFFFF` and above keep it until deleted.
   * Memory does not outlive the process: nothing to expire, so the value is only validated (`ERR_STORE` for
   * a negative one).
   */
  async setExpiry(seconds: number | undefined): Promise<void> {
    if (this.closed) throw new StoreError('the store is closed');
    if (seconds !== undefined && !(seconds >= 0)) throw new StoreError('invalid expiry', undefined, { seconds });
  }

  /** {@inheritDoc SessionStore.close} */
  async close(): Promise<void> {
    this.closed = true;
  }
}
