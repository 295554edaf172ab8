/**
 * `LogStore`: the engine behind the public `FileStore` (see `file-store.ts`): a durable {@link SessionStore} in
 * one directory per client id, as an append-only log of checksummed frames (see `frame.ts`) with an in-memory
 * index, group commit, compaction by atomic rename, and a pid lock. The layout, guarantees and failure
 * behaviour are described in the package's `STORES.md`. It keeps the client's session state across process
 * restarts [MQTT-4.1.0-1]. `FileStore.open()` imports this module (and with it the framing, lock, replay and
 * the file-system built-ins) on first use, so importing the package does not load them.
 * @module
 */
import { dirname, join, resolve as resolvePath } from 'node:path';
import { StoreError } from '../../errors.js';
import type { Keyspace, SessionStore, StoreCapabilities, StoreKey, StoreRecord } from '../types.js';
import { Batch, failAll, RESET_KS, resolveThrough } from './batch.js';
import { nodeFsPromises } from './builtins.js';
import { LOG_FILE } from './file-store.js';
import { encodeDelete, encodePut, encodeReset, keySize } from './frame.js';
import { keyspaceIndex } from '../types.js';
import { nodeFs, type StoreFile, type StoreFs } from './fs-layer.js';
import { acquireLock, type DirLock } from './lock.js';
import { encodeClientId } from './names.js';
import { resolveFileOptions, type CompactionStep, type FileStoreHooks, type FileStoreOptions, type FileStoreStats, type FsyncPolicy } from './options.js';
import { replayLog, type RecoveryReport } from './replay.js';
import { writeSnapshot } from './snapshot.js';

const OPEN = 0;
const CLOSING = 1;

function noop(): void {}

function emptySpaces(): Map<StoreKey, StoreRecord>[] {
  return [new Map(), new Map(), new Map(), new Map()];
}

class HookCrash extends Error {}

/**
 * A durable session store in a directory (see the module documentation). Internal: users get it through
 * `FileStore`, which delegates every call to it.
 * @internal
 */
export class LogStore implements SessionStore {
  /** Data survives close and reopen. */
  readonly capabilities: StoreCapabilities = { reopen: true };
  /** The session directory. */
  readonly path: string;
  /** The log file. */
  readonly logPath: string;
  /** The durability policy. */
  readonly fsync: FsyncPolicy;
  /** What was dropped from the log's tail when it was opened, if anything. */
  recovery: RecoveryReport | undefined = undefined;

  private spaces: Map<StoreKey, StoreRecord>[] = emptySpaces();
  private file: StoreFile | null = null;
  private compacting: StoreFile | null = null;
  private size = 0;
  private logRecords = 0;
  private head: Batch | null = null;
  private tail: Batch | null = null;
  private open: Batch | null = null;
  private writing = false;
  private scheduled = false;
  private state = OPEN;
  private dead: unknown = undefined;
  private needsRewrite = false;
  private forceCompact = false;
  private closing: Promise<void> | undefined = undefined;
  private writes = 0;
  private syncs = 0;
  private dirSyncs = 0;
  private compactions = 0;
  private readonly onImmediate = (): void => {
    this.scheduled = false;
    void this.drain();
  };

  private constructor(
    path: string,
    private readonly clientId: string,
    fsync: FsyncPolicy,
    private readonly compactRatio: number,
    private readonly compactMin: number,
    private readonly fs: StoreFs,
    private readonly hooks: FileStoreHooks | undefined,
    private readonly lock: DirLock,
  ) {
    this.path = path;
    this.logPath = join(path, LOG_FILE);
    this.fsync = fsync;
  }

  /**
   * Opens (creating when missing) the store of `options.clientId` under `options.dir`: takes the directory
   * lock, replays the log (dropping a torn or corrupt tail, see {@link LogStore.recovery}) and compacts it
   * when it is mostly garbage.
   * @throws `ConfigError` for bad options; `StoreLockedError` (`ERR_STORE_LOCKED`) when another live process
   * holds the directory; `StoreForeignError` (`ERR_STORE_FOREIGN`) when the directory holds a log that is not
   * this client's; `StoreError` for I/O failures.
   */
  static async open(options: FileStoreOptions): Promise<LogStore> {
    const { dir, clientId, fsync, ratio, min } = resolveFileOptions(options);
    const fs = options.fs ?? nodeFs;
    const base = resolvePath(dir);
    const path = join(base, encodeClientId(clientId));
    let lock: DirLock;
    try {
      const { mkdir } = nodeFsPromises();
      const createdBase = await mkdir(base, { recursive: true, mode: 0o700 });
      if (createdBase !== undefined) await fs.syncDir(dirname(createdBase));
      const created = await mkdir(path, { recursive: true, mode: 0o700 });
      // A new session directory must itself survive a crash.
      if (created !== undefined) await fs.syncDir(base);
      lock = await acquireLock(path);
    } catch (err) {
      throw err instanceof StoreError ? err : new StoreError(`cannot open the session store ${path}`, err, { path });
    }
    const store = new LogStore(path, clientId, fsync, ratio, min, fs, options.hooks, lock);
    try {
      await store.load(options.onRecovery);
    } catch (err) {
      await store.releaseHandles();
      throw err instanceof StoreError ? err : new StoreError(`cannot open the session store ${path}`, err, { path });
    }
    return store;
  }

  /** Counters (a fresh snapshot object). */
  get stats(): FileStoreStats {
    return {
      writes: this.writes,
      syncs: this.syncs,
      dirSyncs: this.dirSyncs,
      compactions: this.compactions,
      logRecords: this.logRecords,
      logBytes: this.size,
      liveRecords: this.live(),
    };
  }

  /** {@inheritDoc SessionStore.put} */
  put(keyspace: Keyspace, record: StoreRecord): Promise<void> {
    const ks = keyspaceIndex(keyspace);
    const bad = this.check(keyspace, ks);
    if (bad !== undefined) return Promise.reject(bad);
    if (record === null || typeof record !== 'object' || !Buffer.isBuffer(record.bytes) || !Number.isFinite(record.seq)) {
      return Promise.reject(new StoreError('invalid record', undefined, { keyspace }));
    }
    const key = record.key;
    const kb = keySize(key);
    if (kb < 0) return Promise.reject(new StoreError('invalid key', undefined, { keyspace }));
    const frame = encodePut(ks, key, kb, record.seq, record.bytes);
    // The index keeps a view of the frame's copy of the bytes: independent of the caller's buffer.
    const stored: StoreRecord = { key, seq: record.seq, bytes: frame.subarray(frame.length - record.bytes.length) };
    const space = this.spaces[ks]!;
    const prev = space.get(key);
    space.set(key, stored);
    return this.enqueue(frame, ks, key, prev).promise;
  }

  /** {@inheritDoc SessionStore.get} */
  async get(keyspace: Keyspace, key: StoreKey): Promise<StoreRecord | undefined> {
    const ks = keyspaceIndex(keyspace);
    const bad = this.check(keyspace, ks);
    if (bad !== undefined) throw bad;
    const r = this.spaces[ks]!.get(key);
    return r === undefined ? undefined : { key: r.key, seq: r.seq, bytes: r.bytes };
  }

  /** {@inheritDoc SessionStore.delete} */
  delete(keyspace: Keyspace, key: StoreKey): Promise<boolean> {
    const ks = keyspaceIndex(keyspace);
    const bad = this.check(keyspace, ks);
    if (bad !== undefined) return Promise.reject(bad);
    const space = this.spaces[ks]!;
    const prev = space.get(key);
    if (prev === undefined) {
      // Nothing to write; still answer after what is pending (a pending delete of this key, say).
      const t = this.tail;
      return t === null ? Promise.resolve(false) : t.whenFalse();
    }
    space.delete(key);
    return this.enqueue(encodeDelete(ks, key, keySize(key)), ks, key, prev).whenTrue();
  }

  /** {@inheritDoc SessionStore.list} */
  async list(keyspace: Keyspace): Promise<StoreRecord[]> {
    const ks = keyspaceIndex(keyspace);
    const bad = this.check(keyspace, ks);
    if (bad !== undefined) throw bad;
    const out: StoreRecord[] = [];
    for (const r of this.spaces[ks]!.values()) out.push({ key: r.key, seq: r.seq, bytes: r.bytes });
    return out.sort(bySeq);
  }

  /** {@inheritDoc SessionStore.reset} */
  reset(): Promise<void> {
    const bad = this.check('meta', 0);
    if (bad !== undefined) return Promise.reject(bad);
    const old = this.spaces;
    this.spaces = emptySpaces();
    return this.enqueue(encodeReset(), RESET_KS, 0, old).promise;
  }

  /** {@inheritDoc SessionStore.flush} */
  flush(): Promise<void> {
    const bad = this.check('meta', 0);
    if (bad !== undefined) return Promise.reject(bad);
    return this.tail === null ? Promise.resolve() : this.tail.promise;
  }

  /** {@inheritDoc SessionStore.setExpiry} Files do not expire: validated and ignored. */
  setExpiry(seconds: number | undefined): Promise<void> {
    const bad = this.check('meta', 0);
    if (bad !== undefined) return Promise.reject(bad);
    if (seconds !== undefined && !(seconds >= 0)) return Promise.reject(new StoreError('invalid expiry', undefined, { seconds }));
    return Promise.resolve();
  }

  /** Rewrites the log with only the live records now (normally automatic). */
  compact(): Promise<void> {
    const bad = this.check('meta', 0);
    if (bad !== undefined) return Promise.reject(bad);
    this.forceCompact = true;
    const batch = this.link(new Batch());
    this.open = null;
    this.kick();
    return batch.promise;
  }

  /** {@inheritDoc SessionStore.close} Waits for pending writes, then closes the log and releases the lock. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.state = CLOSING;
      this.closing = this.shutdown();
    }
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const last = this.tail;
    if (last !== null) await last.promise.catch(noop);
    await this.releaseHandles();
  }

  private async releaseHandles(): Promise<void> {
    const files = [this.file, this.compacting];
    this.file = null;
    this.compacting = null;
    for (const f of files) if (f !== null) await f.close().catch(noop);
    await this.lock.release();
  }

  private check(keyspace: Keyspace, ks: number): StoreError | undefined {
    if (this.state !== OPEN) return new StoreError('the store is closed', undefined, { keyspace, path: this.path });
    if (this.dead !== undefined) return new StoreError('the store stopped (simulated crash)', this.dead, { path: this.path });
    if (ks < 0) return new StoreError(`unknown keyspace ${String(keyspace)}`, undefined, { keyspace });
    return undefined;
  }

  private live(): number {
    const s = this.spaces;
    return s[0]!.size + s[1]!.size + s[2]!.size + s[3]!.size;
  }

  private link(batch: Batch): Batch {
    if (this.tail === null) this.head = batch;
    else this.tail.next = batch;
    this.tail = batch;
    return batch;
  }

  private enqueue(frame: Buffer, ks: number, key: StoreKey, prev: StoreRecord | Map<StoreKey, StoreRecord>[] | undefined): Batch {
    let batch = this.open;
    if (batch === null) {
      batch = this.link(new Batch());
      this.open = batch;
    }
    batch.add(frame, ks, key, prev);
    // 'always': one record per write and fsync.
    if (this.fsync === 'always') this.open = null;
    this.kick();
    return batch;
  }

  private kick(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    // Gather everything issued in this event-loop turn into one batch.
    setImmediate(this.onImmediate);
  }

  /** The writer: one at a time, batches in order. */
  private async drain(): Promise<void> {
    if (this.writing || this.file === null) return;
    this.writing = true;
    try {
      while (this.head !== null) {
        if (this.needsRewrite || this.forceCompact || this.shouldCompact()) {
          await this.rewrite(false);
          continue;
        }
        const batch = this.head;
        if (batch === this.open) this.open = null;
        await this.file!.write(batch.frames, this.size);
        this.writes++;
        this.size += batch.bytes;
        this.logRecords += batch.frames.length;
        if (this.fsync !== 'none') {
          await this.file!.datasync();
          this.syncs++;
        }
        this.head = batch.next;
        if (this.head === null) this.tail = null;
        batch.resolve();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.writing = false;
    }
  }

  private shouldCompact(): boolean {
    return this.logRecords >= this.compactMin && this.logRecords >= this.compactRatio * Math.max(1, this.live());
  }

  /**
   * Every pending batch fails: their effects are undone in the index (newest first) so it matches what is
   * durable, and the next write first rewrites the whole log (after a failed write or fsync, what reached the
   * disk is unknown, so appending to the old file is not safe).
   */
  private fail(cause: unknown): void {
    const error =
      this.dead !== undefined
        ? new StoreError('the store stopped (simulated crash)', this.dead, { path: this.path })
        : new StoreError('writing the session log failed', cause, { path: this.path });
    const head = this.head;
    this.head = this.tail = this.open = null;
    this.needsRewrite = true;
    this.spaces = failAll(head, this.spaces, error);
  }

  private async hook(step: CompactionStep, initial: boolean): Promise<void> {
    if (initial || this.hooks?.compaction === undefined) return;
    try {
      await this.hooks.compaction(step);
    } catch (err) {
      this.dead = err;
      throw new HookCrash(step);
    }
  }

  /**
   * Writes the live records to `session.log.compact`, fsyncs it, renames it over the log and fsyncs the
   * directory. The snapshot is taken synchronously at the start, so every batch queued by then is durable
   * once this returns (and is resolved here); later operations go to a new batch.
   */
  private async rewrite(initial: boolean): Promise<void> {
    const covered = this.tail;
    this.open = null;
    // The snapshot: every record issued so far, taken synchronously.
    const spaces = this.spaces.map((m) => [...m.values()]);
    const temp = `${this.logPath}.compact`;
    const fresh = await this.fs.openFile(temp, 'create');
    this.compacting = fresh;
    let size = 0;
    let count = 0;
    try {
      size = await writeSnapshot(fresh, this.clientId, spaces);
      for (const list of spaces) count += list.length;
      await this.hook('temp-written', initial);
      await fresh.sync();
      this.syncs++;
      await this.hook('temp-synced', initial);
      await this.fs.rename(temp, this.logPath);
    } catch (err) {
      if (this.dead === undefined) {
        this.compacting = null;
        await fresh.close().catch(noop);
        await this.fs.remove(temp).catch(noop);
      }
      throw err;
    }
    await this.hook('renamed', initial);
    const old = this.file;
    this.file = fresh;
    this.compacting = null;
    this.size = size;
    this.logRecords = count;
    if (old !== null) await old.close().catch(noop);
    await this.hook('before-dir-sync', initial);
    await this.fs.syncDir(this.path);
    this.dirSyncs++;
    await this.hook('dir-synced', initial);
    if (!initial) this.compactions++;
    this.needsRewrite = false;
    this.forceCompact = false;
    if (covered !== null) {
      this.head = resolveThrough(this.head, covered);
      if (this.head === null) this.tail = null;
    }
  }

  private async load(onRecovery: ((report: RecoveryReport) => void) | undefined): Promise<void> {
    await this.fs.remove(`${this.logPath}.compact`);
    let file: StoreFile;
    try {
      file = await this.fs.openFile(this.logPath, 'existing');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await this.rewrite(true);
      return;
    }
    this.file = file;
    const data = await file.readAll();
    const result = replayLog(data, this.clientId, this.logPath);
    if (result.problem !== undefined) {
      const report = result.problem;
      if (report.reason !== 'torn') {
        const copy = `${this.logPath}.corrupt-${Date.now()}`;
        // A copy for inspection; failing to make it (disk full) does not stop the recovery.
        const saved = await this.fs.writeFile(copy, data.subarray(report.offset)).then(
          () => true,
          () => false,
        );
        report.savedTo = saved ? copy : undefined;
      }
      await file.truncate(result.end);
      await file.datasync();
      this.syncs++;
      this.recovery = report;
      onRecovery?.(report);
    }
    this.spaces = result.spaces;
    this.size = result.end;
    this.logRecords = result.frames;
    if (this.shouldCompact()) await this.rewrite(true);
  }
}

function bySeq(a: StoreRecord, b: StoreRecord): number {
  return a.seq - b.seq;
}
