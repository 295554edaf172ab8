/**
 * Session stores: the {@link SessionStore} contract and the in-memory implementation.
 * @module
 */
export type { Keyspace, SessionStore, StoreCapabilities, StoreKey, StoreRecord } from './types.js';
export { KEYSPACES } from './types.js';
export { MemoryBacking, MemoryStore } from './memory.js';
