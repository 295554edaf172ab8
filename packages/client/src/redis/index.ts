/**
 * `@mqttx/client/redis`: the Redis session store. This entry point imports `ioredis` (an optional peer
 * dependency of `@mqttx/client`); the main entry never does.
 *
 * ```ts
 * import { RedisStore } from '@mqttx/client/redis';
 * const store = await RedisStore.open({ clientId: 'sensor-1', connection: 'redis://127.0.0.1:6379', ttlSeconds: 3600 });
 * ```
 * @packageDocumentation
 */
export { RedisStore } from './redis-store.js';
export { encodeTag, sessionKeys } from './keys.js';
export type { RedisClientLike, RedisStoreOptions } from './options.js';
