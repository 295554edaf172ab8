/**
 * FileStore directory lock across processes: a second live process gets ERR_STORE_LOCKED; a lock left by a
 * process killed with SIGKILL is taken over; a lock naming a reused pid (another start time) is stale; an
 * unreadable lock is respected while fresh. Child processes run the TypeScript sources through
 * `file-store.child-loader.mjs`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/store/file/lock.js';
import { processStartTime } from '../src/store/file/lock.js';
import { FileStore } from '../src/store/index.js';
import { rec, tempDir } from './file-store.helpers.js';

const loader = fileURLToPath(new URL('./file-store.child-loader.mjs', import.meta.url));
const childScript = fileURLToPath(new URL('./file-store.child.ts', import.meta.url));

const cleanups: (() => Promise<void>)[] = [];
const children = new Set<ChildProcess>();

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
  }
  children.clear();
  for (const c of cleanups.splice(0)) await c();
});

async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

interface ChildReport {
  ok: boolean;
  code?: string;
  pid?: number;
}

/** Spawns the child store program; resolves with its first JSON line and the process. */
function runChild(base: string, clientId: string, mode: 'try' | 'hold'): Promise<{ report: ChildReport; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', loader, childScript, base, clientId, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ report: JSON.parse(out.slice(0, nl)) as ChildReport, child });
    });
    child.once('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) without a report: ${err}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

const hasProc = existsSync('/proc/self/stat');

describe('FileStore lock across processes', () => {
  it('a second live process opening the same store gets ERR_STORE_LOCKED', async () => {
    const base = await dir();
    const store = await FileStore.open({ dir: base, clientId: 'shared' });
    try {
      const { report, child } = await runChild(base, 'shared', 'try');
      expect(report).toEqual({ ok: false, code: 'ERR_STORE_LOCKED' });
      await exited(child);
      // Our store is unharmed.
      await store.put('outbound', rec(1, 1, 'still mine'));
    } finally {
      await store.close();
    }
  });

  it('a lock held by a live child blocks us; after SIGKILL of the child the stale lock is taken over', async () => {
    const base = await dir();
    const { report, child } = await runChild(base, 'shared', 'hold');
    expect(report.ok).toBe(true);
    await expect(FileStore.open({ dir: base, clientId: 'shared' })).rejects.toMatchObject({
      code: 'ERR_STORE_LOCKED',
      temporary: false,
      context: { pid: child.pid },
    });
    child.kill('SIGKILL');
    await exited(child);
    // The dead child's lock file is still there...
    const lock = JSON.parse(await readFile(join(base, 'shared', LOCK_FILE), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(child.pid);
    // ... and is taken over; what the child wrote (fsync 'always') is there.
    const store = await FileStore.open({ dir: base, clientId: 'shared' });
    expect((await store.get('meta', 'holder'))!.bytes.toString()).toBe(String(child.pid));
    const mine = JSON.parse(await readFile(join(base, 'shared', LOCK_FILE), 'utf8')) as { pid: number };
    expect(mine.pid).toBe(process.pid);
    await store.close();
  });
});

describe('FileStore stale lock rules', () => {
  async function writeLock(base: string, content: object | string): Promise<string> {
    const path = join(base, 'c1');
    await mkdir(path, { recursive: true });
    const file = join(path, LOCK_FILE);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it.skipIf(!hasProc)('a live pid with another start time (pid reused) is stale; with its real start time it is locked', async () => {
    const base = await dir();
    const pid = process.ppid;
    const start = await processStartTime(pid);
    expect(start).toBeDefined();
    await writeLock(base, { pid, start: String(Number(start) + 1), nonce: 'x' });
    const store = await FileStore.open({ dir: base, clientId: 'c1' });
    await store.close();
    await writeLock(base, { pid, start, nonce: 'y' });
    await expect(FileStore.open({ dir: base, clientId: 'c1' })).rejects.toMatchObject({ code: 'ERR_STORE_LOCKED', context: { pid } });
  });

  it('our own pid with no open store in this process (a restarted container as pid 1) is stale', async () => {
    const base = await dir();
    await writeLock(base, { pid: process.pid, start: await processStartTime(process.pid), nonce: 'old' });
    const store = await FileStore.open({ dir: base, clientId: 'c1' });
    await store.close();
  });

  it('an unreadable lock is respected while fresh (someone may be writing it) and stale when old', async () => {
    const base = await dir();
    const file = await writeLock(base, 'garbage');
    await expect(FileStore.open({ dir: base, clientId: 'c1' })).rejects.toMatchObject({ code: 'ERR_STORE_LOCKED' });
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const store = await FileStore.open({ dir: base, clientId: 'c1' });
    await store.close();
  });

  it('close removes the lock file only when it is still ours', async () => {
    const base = await dir();
    const store = await FileStore.open({ dir: base, clientId: 'c1' });
    const file = join(base, 'c1', LOCK_FILE);
    await writeFile(file, JSON.stringify({ pid: 1, nonce: 'someone else' }));
    await store.close();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ pid: 1, nonce: 'someone else' });
  });
});
