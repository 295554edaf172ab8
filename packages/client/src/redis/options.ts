/**
 * Options of the Redis store. This module imports nothing from `ioredis`, so the main client entry can name
 * these types (for `createStore({ type: 'redis', ... })`) without making `ioredis` a dependency.
 * @module
 */

/** The parts of an `ioredis` `Redis` or `Cluster` instance the store relies on (structural). */
export interface RedisClientLike {
  /** Connection status (`ready` when commands can be sent). */
  readonly status: string;
  /** Starts a MULTI pipeline. */
  multi(): unknown;
}

/** Options of `RedisStore.open`. */
export interface RedisStoreOptions {
  /** The MQTT client id whose session is stored (not empty). */
  clientId: string;
  /**
   * An existing `ioredis` client (`Redis` or `Cluster`). The store never closes it and adds no listeners to
   * it; its own retry and offline-queue settings apply, bounded by {@link RedisStoreOptions.timeoutMs}.
   */
  redis?: RedisClientLike;
  /**
   * Where to connect when no `redis` is given: a `redis://` / `rediss://` URL or `ioredis` options. The
   * store creates the client (without offline queue, failing commands at once while disconnected, and
   * reconnecting in the background) and closes it on `close()`. Default `redis://127.0.0.1:6379`.
   */
  connection?: string | Record<string, unknown>;
  /**
   * Key prefix. Default `mqttx:`. Keys are `<prefix>{<client id>}:<keyspace>`; the braces are a Redis Cluster
   * hash tag, so one session's keys share a slot. Must not contain `{` or `}`.
   */
  prefix?: string;
  /**
   * Key TTL in seconds, following the MQTT session expiry interval: refreshed on every write and
   * periodically while the store is open, so the keys outlive the process by about this long. `undefined`,
   * `0` or `0xFFFFFFFF` and above: no TTL. Can be changed later with `setExpiry`.
   */
  ttlSeconds?: number;
  /**
   * Longest wait for Redis: the connection at `open`, and each round trip. An operation still unanswered
   * after it rejects with a temporary `StoreError` (whose cause is a timeout). Default 2000 ms.
   */
  timeoutMs?: number;
  /** Errors of a client the store created (connection refused, ...), which would go unheard otherwise. */
  onError?(err: unknown): void;
}
