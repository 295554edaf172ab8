/**
 * `FileStore`: a durable {@link SessionStore} in one directory per client id, as an append-only log of
 * checksummed frames (see `frame.ts`) with an in-memory index, group commit, compaction by atomic rename,
 * and a pid lock. The layout, guarantees and failure behaviour are described in the package's `STORES.md`.
 * It keeps the client's session state across process restarts [MQTT-4.1.0-1].
 *
 * This module holds only the public class; the engine (`log-store.ts`, with the framing, lock, replay and the
 * file-system and crypto built-ins) is imported by the first {@link FileStore.open}, so importing
 * `@mqttx/client` does not load it. Every call is forwarded to the engine.
 * @module
 */
import type { Keyspace, SessionStore, StoreCapabilities, StoreKey, StoreRecord } from '../types.js';
import type { LogStore } from './log-store.js';
import type { FileStoreOptions, FileStoreStats, FsyncPolicy } from './options.js';
import type { RecoveryReport } from './replay.js';

export type { CompactionStep, FileStoreHooks, FileStoreOptions, FileStoreStats, FsyncPolicy } from './options.js';

/** Name of the log inside the session directory. */
export const LOG_FILE = 'session.log';

type Engine = typeof import('./log-store.js');

let engine: Promise<Engine> | undefined;

/** A durable session store in a directory (see the module documentation). */
export class FileStore implements SessionStore {
  /** Data survives close and reopen. */
  readonly capabilities: StoreCapabilities;
  /** The session directory. */
  readonly path: string;
  /** The log file. */
  readonly logPath: string;
  /** The durability policy. */
  readonly fsync: FsyncPolicy;
  /** What was dropped from the log's tail when it was opened, if anything. */
  recovery: RecoveryReport | undefined;

  private constructor(private readonly log: LogStore) {
    this.capabilities = log.capabilities;
    this.path = log.path;
    this.logPath = log.logPath;
    this.fsync = log.fsync;
    this.recovery = log.recovery;
  }

  /**
   * Opens (creating when missing) the store of `options.clientId` under `options.dir`: takes the directory
   * lock, replays the log (dropping a torn or corrupt tail, see {@link FileStore.recovery}) and compacts it
   * when it is mostly garbage.
   * @throws `ConfigError` for bad options; `StoreLockedError` (`ERR_STORE_LOCKED`) when another live process
   * holds the directory; `StoreForeignError` (`ERR_STORE_FOREIGN`) when the directory holds a log that is not
   * this client's; `StoreError` for I/O failures.
   */
  static async open(options: FileStoreOptions): Promise<FileStore> {
    const { LogStore } = await (engine ??= import('./log-store.js'));
    return new FileStore(await LogStore.open(options));
  }

  /** Counters (a fresh snapshot object). */
  get stats(): FileStoreStats {
    return this.log.stats;
  }

  /** {@inheritDoc SessionStore.put} */
  put(keyspace: Keyspace, record: StoreRecord): Promise<void> {
    return this.log.put(keyspace, record);
  }

  /** {@inheritDoc SessionStore.get} */
  get(keyspace: Keyspace, key: StoreKey): Promise<StoreRecord | undefined> {
    return this.log.get(keyspace, key);
  }

  /** {@inheritDoc SessionStore.delete} */
  delete(keyspace: Keyspace, key: StoreKey): Promise<boolean> {
    return this.log.delete(keyspace, key);
  }

  /** {@inheritDoc SessionStore.list} */
  list(keyspace: Keyspace): Promise<StoreRecord[]> {
    return this.log.list(keyspace);
  }

  /** {@inheritDoc SessionStore.reset} */
  reset(): Promise<void> {
    return this.log.reset();
  }

  /** {@inheritDoc SessionStore.flush} */
  flush(): Promise<void> {
    return this.log.flush();
  }

  /**
   * How long the stored session should outlive the last write, in seconds (the MQTT session expiry interval);
   * `undefined`, `0` or `0xFFFFFFFF` and above keep it until deleted.
   * Files do not expire: the value is validated and ignored.
   */
  setExpiry(seconds: number | undefined): Promise<void> {
    return this.log.setExpiry(seconds);
  }

  /** Rewrites the log with only the live records now (normally automatic). */
  compact(): Promise<void> {
    return this.log.compact();
  }

  /**
   * Releases resources; later calls reject. Idempotent. Waits for pending writes, then closes the log and
   * releases the lock.
   */
  close(): Promise<void> {
    return this.log.close();
  }
}
