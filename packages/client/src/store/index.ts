/**
 * Session stores: the {@link SessionStore} contract, the in-memory store, the file store, and
 * {@link createStore} for the client's `store` option. (The Redis store lives in `@mqttx/client/redis`.)
 * @module
 */
export type { Keyspace, SessionStore, StoreCapabilities, StoreKey, StoreRecord } from './types.js';
export { KEYSPACES } from './types.js';
export { MemoryBacking, MemoryStore } from './memory.js';
// Straight from the modules, not through `./file/index.js`: the file store's engine (log, lock, replay and their
// Node built-ins) is loaded only by `FileStore.open()`, so the main entry stays light.
export {
  FileStore,
  type CompactionStep,
  type FileStoreHooks,
  type FileStoreOptions,
  type FileStoreStats,
  type FsyncPolicy,
} from './file/file-store.js';
export { StoreForeignError, StoreLockedError } from './file/errors.js';
export type { StoreFile, StoreFs } from './file/fs-layer.js';
export type { RecoveryReport } from './file/replay.js';
export type { FrameProblem } from './file/frame.js';
export { createStore, type FileStoreSpec, type RedisStoreSpec, type StoreContext, type StoreSpec } from './create.js';
export type { RedisClientLike, RedisStoreOptions } from '../redis/options.js';
