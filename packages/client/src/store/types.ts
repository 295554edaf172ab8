/**
 * The session store contract. A store keeps the durable half of an MQTT session (see the core's
 * `SessionState`) as small records of encoded bytes, in four separate keyspaces:
 *
 * | keyspace        | key                 | bytes                                              |
 * |-----------------|---------------------|----------------------------------------------------|
 * | `outbound`      | packet id (number)  | the encoded PUBLISH (QoS 1/2) or PUBREL in flight  |
 * | `inbound`       | packet id (number)  | empty: a QoS 2 id held from PUBREC until PUBREL    |
 * | `subscriptions` | topic filter (string) | the encoded one-filter SUBSCRIBE that made it    |
 * | `meta`          | name (string)       | UTF-8 JSON (client id, packet id cursor, ...)      |
 *
 * Every record carries `seq`, an insertion sequence chosen by the writer; {@link SessionStore.list} returns
 * records in ascending `seq`, which is the original send order even when packet ids wrap (id 65535 written
 * before id 1 lists first). Writing an existing key replaces the record; the writer keeps the original `seq`
 * when a record changes state (PUBLISH -> PUBREL), so the order survives.
 *
 * Implementations: the in-memory store ({@link MemoryStore}, the default), the file store (`FileStore`) and
 * the Redis store (`RedisStore`, subpath `@mqttx/client/redis`).
 * All of them pass the shared conformance suite (`runStoreConformance` in the client's tests).
 * @module
 */

/** The four keyspaces of a session. */
export type Keyspace = 'outbound' | 'inbound' | 'subscriptions' | 'meta';

/** Every keyspace, in a fixed order. */
export const KEYSPACES: readonly Keyspace[] = ['outbound', 'inbound', 'subscriptions', 'meta'];

/** Index of `keyspace` in {@link KEYSPACES} (stores use it as a slot or frame byte), or -1 for an unknown name. */
export function keyspaceIndex(keyspace: Keyspace): number {
  switch (keyspace) {
    case 'outbound':
      return 0;
    case 'inbound':
      return 1;
    case 'subscriptions':
      return 2;
    case 'meta':
      return 3;
    default:
      return -1;
  }
}

/** Key of a record: a packet id in `outbound` / `inbound`, a string in `subscriptions` / `meta`. */
export type StoreKey = number | string;

/** One stored record. */
export interface StoreRecord {
  /** Key within its keyspace; stores return it with the type it was written with. */
  key: StoreKey;
  /** Insertion sequence; lists are ordered by it (ascending). */
  seq: number;
  /** The encoded packet (or other payload, see the module table). */
  bytes: Buffer;
}

/** Optional features of a store, read by the conformance suite. */
export interface StoreCapabilities {
  /**
   * Whether data written before `close()` can be read by a new instance ("reopen"). The memory store
   * supports it when instances share one backing {@link MemoryBacking}.
   */
  reopen: boolean;
}

/**
 * An asynchronous session store. Operations on one store may run concurrently; each resolves once its
 * effect is visible to later calls (a `get` after a resolved `put` sees the record). Every method rejects
 * with a `StoreError` (code `ERR_STORE`) on failure, and with it after `close()`.
 */
export interface SessionStore {
  /** Features of this implementation. */
  readonly capabilities: StoreCapabilities;
  /** Writes (inserts or replaces) `record` under `record.key` in `keyspace`. */
  put(keyspace: Keyspace, record: StoreRecord): Promise<void>;
  /** Reads one record, or undefined when the key is absent. */
  get(keyspace: Keyspace, key: StoreKey): Promise<StoreRecord | undefined>;
  /** Removes one record; resolves true when it existed. */
  delete(keyspace: Keyspace, key: StoreKey): Promise<boolean>;
  /** Every record of `keyspace` in ascending `seq`. */
  list(keyspace: Keyspace): Promise<StoreRecord[]>;
  /** Removes every record of every keyspace (a clean session). */
  reset(): Promise<void>;
  /** Releases resources; later calls reject. Idempotent. */
  close(): Promise<void>;
  /**
   * Optional. Resolves once every operation issued before the call is durable (rejects when one of them
   * failed). Stores whose operations resolve only when durable (all of ours) need nothing more; the driver
   * may call it before `end()` resolves.
   */
  flush?(): Promise<void>;
  /**
   * Optional. How long the stored session should outlive the last write, in seconds, following the MQTT
   * session expiry interval: `undefined` (or `0`, or `0xFFFFFFFF` and above) keeps it until deleted. Stores
   * that cannot expire data ignore it (the file store); the Redis store sets key TTLs.
   */
  setExpiry?(seconds: number | undefined): Promise<void>;
}
