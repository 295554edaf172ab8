/**
 * Errors specific to the file store. Both are {@link StoreError}s (kind `storage`), so code that checks
 * `instanceof StoreError` keeps working; the `code` tells them apart.
 * @module
 */
import { StoreError } from '../../errors.js';

/**
 * Another live process (or another open store in this process) holds the session directory's lock.
 * Code `ERR_STORE_LOCKED`, not temporary: two processes with one client id is a deployment error, and the
 * other process will not let go by itself. `context` has the directory and the holder's pid.
 */
export class StoreLockedError extends StoreError {
  /** Stable code. */
  override readonly code: string = 'ERR_STORE_LOCKED';
  /** Retrying does not help while the holder lives. */
  override readonly temporary: boolean = false;

  /**
   * @param dir - the session directory
   * @param pid - the lock holder's process id, when known
   */
  constructor(dir: string, pid: number | undefined) {
    super(`the session store ${dir} is locked by process ${pid ?? '(unknown)'}`, undefined, { dir, pid });
  }
}

/**
 * The directory does not hold a log this store can use: not a session log (bad magic or header), a newer
 * format, or the log of another client id (hashed-name collision, case-insensitive file system). Code
 * `ERR_STORE_FOREIGN`, not temporary. The store never overwrites such a directory.
 */
export class StoreForeignError extends StoreError {
  /** Stable code. */
  override readonly code: string = 'ERR_STORE_FOREIGN';
  /** Retrying does not help. */
  override readonly temporary: boolean = false;

  /**
   * @param message - what does not match
   * @param context - path and details
   */
  constructor(message: string, context?: Record<string, unknown>) {
    super(message, undefined, context);
  }
}
