/**
 * The file operations the file store uses, behind a small interface so tests can count fsyncs, delay them,
 * or make them fail (disk full), and so the store's code never reaches for `node:fs` directly.
 * {@link nodeFs} is the real implementation.
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { nodeFsPromises } from './builtins.js';

/** An open log file. */
export interface StoreFile {
  /** Writes every buffer, in order, starting at `position` (looping over short writes). */
  write(buffers: readonly Buffer[], position: number): Promise<void>;
  /** `fdatasync`: data and the metadata needed to read it (the size) reach stable storage. */
  datasync(): Promise<void>;
  /** `fsync`: data and all metadata. */
  sync(): Promise<void>;
  /** Cuts the file to `length` bytes. */
  truncate(length: number): Promise<void>;
  /** Reads the whole file. */
  readAll(): Promise<Buffer>;
  /** Closes the handle. */
  close(): Promise<void>;
}

/** File system operations of the store. */
export interface StoreFs {
  /**
   * Opens `path` for reading and writing. `create`: create or truncate (mode 0600); `existing`: the file must
   * exist (rejects with an `ENOENT` error otherwise).
   */
  openFile(path: string, mode: 'create' | 'existing'): Promise<StoreFile>;
  /** Atomic rename (replaces `to`). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Makes a directory's entries (creations, renames) durable. A no-op where directories cannot be synced. */
  syncDir(path: string): Promise<void>;
  /** Writes a whole file (used to keep a copy of a corrupt log tail). */
  writeFile(path: string, data: Buffer): Promise<void>;
}

class NodeFile implements StoreFile {
  constructor(private readonly handle: FileHandle) {}

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    let list = buffers as Buffer[];
    let pos = position;
    for (;;) {
      let total = 0;
      for (const b of list) total += b.length;
      if (total === 0) return;
      const { bytesWritten } = await this.handle.writev(list, pos);
      if (bytesWritten === total) return;
      if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
      // A short write (rare on regular files): continue with what is left.
      pos += bytesWritten;
      let skip = bytesWritten;
      const rest: Buffer[] = [];
      for (const b of list) {
        if (skip >= b.length) skip -= b.length;
        else {
          rest.push(skip > 0 ? b.subarray(skip) : b);
          skip = 0;
        }
      }
      list = rest;
    }
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async readAll(): Promise<Buffer> {
    const { size } = await this.handle.stat();
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await this.handle.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === size ? buf : buf.subarray(0, off);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Error codes meaning "this platform cannot fsync a directory" (Windows, some network file systems). */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'ENOTSUP', 'EACCES']);

/** The real file system (`node:fs/promises`, loaded on the first operation). */
export const nodeFs: StoreFs = {
  async openFile(path, mode) {
    const { constants, open } = nodeFsPromises();
    const flags = mode === 'create' ? constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC : constants.O_RDWR;
    return new NodeFile(await open(path, flags, 0o600));
  },
  rename(from, to) {
    return nodeFsPromises().rename(from, to);
  },
  async remove(path) {
    try {
      await nodeFsPromises().unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  },
  async syncDir(path) {
    const { constants, open } = nodeFsPromises();
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, constants.O_RDONLY);
      await handle.sync();
    } catch (err) {
      if (!DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    } finally {
      await handle?.close();
    }
  },
  writeFile(path, data) {
    return nodeFsPromises().writeFile(path, data, { mode: 0o600 });
  },
};
