/**
 * `createStore(spec, { clientId })`: turns the client's `store` option into a {@link SessionStore}.
 *
 * | spec                                   | store                                                   |
 * |----------------------------------------|---------------------------------------------------------|
 * | `'memory'`                             | a new {@link MemoryStore}                               |
 * | `{ type: 'file', dir, fsync, ... }`    | `FileStore.open({ dir, clientId, fsync, ... })`         |
 * | `{ type: 'redis', connection, ... }`   | `RedisStore.open({ clientId, ... })`, loading `ioredis` only now |
 * | a `SessionStore` object                | itself                                                  |
 *
 * The Redis store is imported lazily, so the main entry never loads `ioredis`; a missing `ioredis` package
 * turns into a `ConfigError`.
 * @module
 */
import { ConfigError } from '../errors.js';
import type { RedisStoreOptions } from '../redis/options.js';
import { FileStore, type FileStoreOptions } from './file/file-store.js';
import { MemoryStore } from './memory.js';
import type { SessionStore } from './types.js';

/**
 * `store: { type: 'file', ... }`: the {@link FileStoreOptions} without the client id.
 * @prop onRecovery - Told (once, during `open`) when the log's tail was dropped; also kept in
 * `FileStore.recovery`.
 */
export interface FileStoreSpec extends Omit<FileStoreOptions, 'clientId'> {
  /** Selects the append-only file store ({@link FileStore}). */
  type: 'file';
}

/**
 * `store: { type: 'redis', ... }`: the Redis store's options without the client id.
 * @prop onError - Errors of a client the store created (connection refused, ...), which would go unheard
 * otherwise.
 */
export interface RedisStoreSpec extends Omit<RedisStoreOptions, 'clientId'> {
  /**
   * Selects the Redis store (`RedisStore` from `@mqttx/client/redis`; needs the optional `ioredis` peer
   * dependency, `ERR_CONFIG` when it is missing).
   */
  type: 'redis';
}

/** Every form the client's `store` option takes. */
export type StoreSpec = 'memory' | FileStoreSpec | RedisStoreSpec | SessionStore;

/** What the client tells {@link createStore}. */
export interface StoreContext {
  /** The client id the session belongs to (required by the file and Redis stores). */
  clientId: string;
}

function isSessionStore(v: unknown): v is SessionStore {
  const s = v as Partial<SessionStore>;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof s.put === 'function' &&
    typeof s.get === 'function' &&
    typeof s.delete === 'function' &&
    typeof s.list === 'function' &&
    typeof s.reset === 'function' &&
    typeof s.close === 'function'
  );
}

/**
 * Builds the store described by `spec`.
 * @throws `ConfigError` (`ERR_CONFIG`) for an unknown spec, a missing client id or a missing `ioredis`;
 * the stores' own errors when opening fails (`ERR_STORE_LOCKED`, a temporary `ERR_STORE` when Redis is down).
 */
export async function createStore(spec: StoreSpec, context: StoreContext): Promise<SessionStore> {
  if (spec === 'memory') return new MemoryStore();
  if (isSessionStore(spec)) return spec;
  if (typeof spec !== 'object' || spec === null) throw new ConfigError('unknown store', { option: 'store' });
  const { type, ...options } = spec as FileStoreSpec | RedisStoreSpec;
  if (type === 'file') {
    return FileStore.open({ ...(options as Omit<FileStoreSpec, 'type'>), clientId: context.clientId });
  }
  if (type === 'redis') {
    let mod: typeof import('../redis/index.js');
    try {
      mod = await import('../redis/index.js');
    } catch (err) {
      throw new ConfigError('the redis store needs the ioredis package (npm install ioredis)', { option: 'store', cause: String(err) });
    }
    return mod.RedisStore.open({ ...(options as Omit<RedisStoreSpec, 'type'>), clientId: context.clientId });
  }
  throw new ConfigError(`unknown store type ${String(type)}`, { option: 'store' });
}
