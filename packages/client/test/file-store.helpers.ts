/**
 * Helpers of the file store tests: temp directories and a spying / fault-injecting file system layer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeFs, type StoreFile, type StoreFs } from '../src/store/file/fs-layer.js';

/** A fresh temp directory and its removal. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mqttx-fstore-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A one-shot gate: `wait()` blocks until `open()`. */
export class Gate {
  private release!: () => void;
  readonly opened: Promise<void> = new Promise((r) => (this.release = r));
  /** Lets every waiter through. */
  open(): void {
    this.release();
  }
}

/** Operation names the spy counts and can fail. */
export type FsOp = 'write' | 'datasync' | 'sync' | 'rename' | 'syncDir';

/** Counters and controls of {@link spyFs}. */
export interface FsSpy {
  fs: StoreFs;
  counts: Record<FsOp, number>;
  /** Fail the next `n` calls of `op` with an errno error of `code`. */
  failNext(op: FsOp, code: string, n?: number): void;
  /** Block every `datasync` until the returned gate opens; calls `onBlocked` when one starts waiting. */
  holdDatasync(onBlocked?: () => void): Gate;
  /** Stop holding datasyncs. */
  release(): void;
}

/** A {@link StoreFs} over the real file system that counts calls and injects failures. */
export function spyFs(): FsSpy {
  const counts: Record<FsOp, number> = { write: 0, datasync: 0, sync: 0, rename: 0, syncDir: 0 };
  const failures = new Map<FsOp, { code: string; n: number }>();
  let gate: Gate | undefined;
  let onBlocked: (() => void) | undefined;

  async function maybeFail(op: FsOp): Promise<void> {
    counts[op]++;
    const f = failures.get(op);
    if (f !== undefined && f.n > 0) {
      f.n--;
      throw Object.assign(new Error(`injected ${f.code} on ${op}`), { code: f.code });
    }
  }

  const wrap = (file: StoreFile): StoreFile => ({
    async write(buffers, position) {
      await maybeFail('write');
      return file.write(buffers, position);
    },
    async datasync() {
      if (gate !== undefined) {
        onBlocked?.();
        await gate.opened;
      }
      await maybeFail('datasync');
      return file.datasync();
    },
    async sync() {
      await maybeFail('sync');
      return file.sync();
    },
    truncate: (n) => file.truncate(n),
    readAll: () => file.readAll(),
    close: () => file.close(),
  });

  const fs: StoreFs = {
    openFile: async (path, mode) => wrap(await nodeFs.openFile(path, mode)),
    async rename(from, to) {
      await maybeFail('rename');
      return nodeFs.rename(from, to);
    },
    remove: (path) => nodeFs.remove(path),
    async syncDir(path) {
      await maybeFail('syncDir');
      return nodeFs.syncDir(path);
    },
    writeFile: (path, data) => nodeFs.writeFile(path, data),
  };

  return {
    fs,
    counts,
    failNext(op, code, n = 1) {
      failures.set(op, { code, n });
    },
    holdDatasync(cb) {
      gate = new Gate();
      onBlocked = cb;
      return gate;
    },
    release() {
      gate?.open();
      gate = undefined;
      onBlocked = undefined;
    },
  };
}

/** A record with text bytes. */
export const rec = (key: number | string, seq: number, text: string) => ({ key, seq, bytes: Buffer.from(text) });
