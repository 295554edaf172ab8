/**
 * Session stores: the {@link SessionStore} contract, the in-memory store, the file store, and
 * {@link createStore} for the client's `store` option. (The Redis store lives in `@mqttx/client/redis`.)
 * @module
 */
export type { Keyspace, SessionStore, StoreCapabilities, StoreKey, StoreRecord } from './types.js';
export { KEYSPACES } from './types.js';
export { MemoryBacking, MemoryStore } from './memory.js';
export {
  FileStore,
  StoreForeignError,
  StoreLockedError,
  type CompactionStep,
  type FileStoreHooks,
  type FileStoreOptions,
  type FileStoreStats,
  type FsyncPolicy,
  type RecoveryReport,
  type StoreFile,
  type StoreFs,
} from './file/index.js';
export { createStore, type FileStoreSpec, type RedisStoreSpec, type StoreContext, type StoreSpec } from './create.js';
export type { RedisClientLike, RedisStoreOptions } from '../redis/options.js';
