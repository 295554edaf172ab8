/**
 * Options, policies and counters of the file store.
 * @module
 */
import { ConfigError } from '../../errors.js';
import type { StoreFs } from './fs-layer.js';
import type { RecoveryReport } from './replay.js';

/**
 * When a write counts as durable (when its promise resolves):
 * - `always`: every operation is written and `fdatasync`ed on its own, in order (one fsync per record).
 * - `batch` (default): group commit: operations issued in the same event-loop turn, or while the previous
 *   fsync runs, are written with one `writev` and share one `fdatasync`.
 * - `none`: resolved once the write reached the operating system (survives the death of the process, not
 *   of the machine).
 */
export type FsyncPolicy = 'always' | 'batch' | 'none';

/** Points inside a compaction where {@link FileStoreHooks.compaction} is called (tests abort there). */
export type CompactionStep = 'temp-written' | 'temp-synced' | 'renamed' | 'before-dir-sync' | 'dir-synced';

/** Test hooks. A hook that throws makes the store behave as if the process died at that point. */
export interface FileStoreHooks {
  /** Called at each step of a compaction (not of the log's first creation). */
  compaction?(step: CompactionStep): void | Promise<void>;
}

/** Options of `FileStore.open`. */
export interface FileStoreOptions {
  /** Base directory; the session lives in `<dir>/<encoded client id>/`. Created when missing. */
  dir: string;
  /** The MQTT client id (not empty). */
  clientId: string;
  /** Durability policy. Default `'batch'`. */
  fsync?: FsyncPolicy;
  /** Compact when the log holds this many times more records than are live. Default 4 (at least 1.5). */
  compactRatio?: number;
  /** ... and at least this many records. Default 4096. */
  compactMinRecords?: number;
  /** Told (once, during `open`) when the log's tail was dropped; also kept in `FileStore.recovery`. */
  onRecovery?(report: RecoveryReport): void;
  /** File operations (tests inject counters and faults). Default: the real file system. */
  fs?: StoreFs;
  /** Test hooks. */
  hooks?: FileStoreHooks;
}

/** Counters of a `FileStore`. */
export interface FileStoreStats {
  /** Appends (one `writev` per batch). */
  writes: number;
  /** File `fsync` / `fdatasync` calls (appends and compactions). */
  syncs: number;
  /** Directory fsyncs. */
  dirSyncs: number;
  /** Compactions (log rewrites), including repairs after a failed write. */
  compactions: number;
  /** Frames in the current log after its header. */
  logRecords: number;
  /** Size of the current log. */
  logBytes: number;
  /** Live records (all keyspaces). */
  liveRecords: number;
}

const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'batch', 'none'];

/** Options checked, with defaults applied. */
export interface ResolvedFileOptions {
  dir: string;
  clientId: string;
  fsync: FsyncPolicy;
  ratio: number;
  min: number;
}

/**
 * Checks `options` and applies the defaults.
 * @throws `ConfigError` (`ERR_CONFIG`) naming the bad option
 */
export function resolveFileOptions(options: FileStoreOptions): ResolvedFileOptions {
  const { dir, clientId } = options;
  if (typeof dir !== 'string' || dir === '') throw new ConfigError('store dir must be a non-empty string', { option: 'dir' });
  if (typeof clientId !== 'string' || clientId === '') {
    throw new ConfigError('a file store needs a non-empty client id', { option: 'clientId' });
  }
  const fsync = options.fsync ?? 'batch';
  if (!FSYNC_POLICIES.includes(fsync)) throw new ConfigError(`fsync must be one of ${FSYNC_POLICIES.join(', ')}`, { option: 'fsync' });
  const ratio = options.compactRatio ?? 4;
  const min = options.compactMinRecords ?? 4096;
  if (!(ratio >= 1.5) || !(min >= 0)) {
    throw new ConfigError('compactRatio must be >= 1.5 and compactMinRecords >= 0', { option: 'compactRatio' });
  }
  return { dir, clientId, fsync, ratio, min };
}
