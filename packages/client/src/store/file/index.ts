/**
 * The file session store.
 * @module
 */
export { FileStore, LOG_FILE, type CompactionStep, type FileStoreHooks, type FileStoreOptions, type FileStoreStats, type FsyncPolicy } from './file-store.js';
export { StoreForeignError, StoreLockedError } from './errors.js';
export { nodeFs, type StoreFile, type StoreFs } from './fs-layer.js';
export { LOCK_FILE } from './lock.js';
export { decodeClientId, encodeClientId } from './names.js';
export type { RecoveryReport } from './replay.js';
