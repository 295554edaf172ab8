/**
 * The session directory lock: a file `LOCK` holding `{ pid, start, boot, nonce }` of the process that owns the
 * directory. It is advisory and per host (it cannot protect a directory shared by two machines over a network
 * file system).
 *
 * - Acquire: write the lock content to a private temp file, then `link()` it to `LOCK`, which fails when
 *   `LOCK` exists: the lock appears atomically, complete, or not at all.
 * - `LOCK` exists: its holder is alive when `kill(pid, 0)` finds the process and, where `/proc` exists, the
 *   process started at the recorded time (clock ticks since boot, field 22 of `/proc/<pid>/stat`) in the same
 *   boot (`/proc/sys/kernel/random/boot_id`). A live holder -> {@link StoreLockedError}. A dead holder, a
 *   reused pid (other start time or boot) or our own pid without an open store in this process (a container
 *   restarted as pid 1 again) -> stale: the lock is taken over.
 * - Take-over: rename the stale `LOCK` aside, check that what was moved is the stale content that was judged
 *   (and not a lock another starter just took), remove it, and try to link again.
 * - Release (close): remove `LOCK` if it still holds our nonce.
 *
 * Without `/proc` (macOS, Windows) only the pid is checked: a stale lock whose pid was reused by an unrelated
 * live process reads as locked, and the error names the pid.
 * @module
 */
import { join } from 'node:path';
import { StoreError } from '../../errors.js';
import { nodeCrypto, nodeFsPromises } from './builtins.js';
import { StoreLockedError } from './errors.js';

/** Name of the lock file inside a session directory. */
export const LOCK_FILE = 'LOCK';

/** Content of a lock file. */
export interface LockInfo {
  pid: number;
  /** Process start time (clock ticks since boot) where the platform tells it. */
  start: string | undefined;
  /** Boot id where the platform tells it. */
  boot: string | undefined;
  /** Random id of the holding store instance. */
  nonce: string;
}

/** Locks held by stores open in this process (lock path -> nonce). */
const heldHere = new Map<string, string>();

let bootId: string | undefined | null = null;

async function readBootId(): Promise<string | undefined> {
  if (bootId !== null) return bootId;
  try {
    bootId = (await nodeFsPromises().readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || undefined;
  } catch {
    bootId = undefined;
  }
  return bootId;
}

/** Start time of process `pid` (field 22 of `/proc/<pid>/stat`), or undefined where unknown. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await nodeFsPromises().readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0 || typeof v.nonce !== 'string') return undefined;
    return {
      pid: v.pid,
      start: typeof v.start === 'string' ? v.start : undefined,
      boot: typeof v.boot === 'string' ? v.boot : undefined,
      nonce: v.nonce,
    };
  } catch {
    return undefined;
  }
}

/** Whether the holder recorded in `info` (another pid than ours) is a live process. */
async function holderAlive(info: LockInfo): Promise<boolean> {
  if (!processExists(info.pid)) return false;
  const boot = await readBootId();
  if (info.boot !== undefined && boot !== undefined && info.boot !== boot) return false;
  if (info.start !== undefined) {
    const start = await processStartTime(info.pid);
    if (start !== undefined && start !== info.start) return false;
  }
  return true;
}

/** A held directory lock. */
export class DirLock {
  private released = false;

  /**
   * @param path - the lock file
   * @param content - what we wrote into it
   */
  constructor(
    readonly path: string,
    private readonly content: string,
  ) {}

  /** Removes the lock file if it is still ours. Idempotent; never throws. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.path);
    const { readFile, unlink } = nodeFsPromises();
    try {
      if ((await readFile(this.path, 'utf8')) === this.content) await unlink(this.path);
    } catch {
      // Gone already, or unreadable: nothing of ours to remove.
    }
  }
}

/** How old an unreadable lock file must be before it counts as stale (a starter may be writing it). */
const UNREADABLE_GRACE_MS = 10_000;

/**
 * Takes the lock of session directory `dir`.
 * @throws {@link StoreLockedError} when a live process (or an open store of this process) holds it.
 */
export async function acquireLock(dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE);
  if (heldHere.has(path)) throw new StoreLockedError(dir, process.pid);
  const { link, readFile, rename, stat, unlink, writeFile } = nodeFsPromises();
  const nonce = nodeCrypto().randomBytes(8).toString('hex');
  const info: LockInfo = { pid: process.pid, start: await processStartTime(process.pid), boot: await readBootId(), nonce };
  const content = JSON.stringify(info);
  const temp = join(dir, `${LOCK_FILE}.${process.pid}.${nonce}`);
  // Marked before the first await that could let another store of this process in.
  heldHere.set(path, nonce);
  let acquired = false;
  try {
    await writeFile(temp, content, { mode: 0o600, flag: 'wx' });
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        await link(temp, path);
        acquired = true;
        return new DirLock(path, content);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const holder = parseLock(text);
      if (holder === undefined) {
        // Not written by us (we link complete files); allow a foreign writer a moment, then call it stale.
        const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
        if (age < UNREADABLE_GRACE_MS) throw new StoreLockedError(dir, undefined);
      } else if (holder.pid !== process.pid && (await holderAlive(holder))) {
        // Our own pid: no store of this process holds it (checked above), so an earlier process that had
        // our pid left it (a container restarted as pid 1 again): stale.
        throw new StoreLockedError(dir, holder.pid);
      }
      // Stale: move it aside, and make sure what we moved is what we judged.
      const aside = join(dir, `${LOCK_FILE}.stale.${process.pid}.${nonce}`);
      try {
        await rename(path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const moved = await readFile(aside, 'utf8').catch(() => '');
      if (moved !== text) {
        // Another starter took the lock between our read and our rename: give it back.
        await link(aside, path).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        continue;
      }
      await unlink(aside).catch(() => undefined);
    }
    throw new StoreLockedError(dir, undefined);
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot lock the session store ${dir}`, err, { dir });
  } finally {
    if (!acquired) heldHere.delete(path);
    await unlink(temp).catch(() => undefined);
  }
}
