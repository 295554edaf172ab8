/**
 * Child process for the file store lock tests (run with `node --import ./file-store.child-loader.mjs`).
 *
 * `node ... file-store.child.ts <dir> <clientId> try`: opens the store and prints one JSON line
 * `{ "ok": true }` or `{ "ok": false, "code": "ERR_..." }`, then exits.
 * `node ... file-store.child.ts <dir> <clientId> hold`: opens the store, writes `meta/holder` = its pid,
 * prints `{ "ok": true, "pid": N }` and stays alive (holding the lock) until killed.
 */
import { FileStore } from '../src/store/index.js';

const [dir, clientId, mode] = process.argv.slice(2);

try {
  const store = await FileStore.open({ dir: dir!, clientId: clientId!, fsync: 'always' });
  if (mode === 'hold') {
    await store.put('meta', { key: 'holder', seq: 1, bytes: Buffer.from(String(process.pid)) });
    process.stdout.write(`${JSON.stringify({ ok: true, pid: process.pid })}\n`);
    // Stay alive, holding the lock, until the test kills us.
    setInterval(() => undefined, 60_000);
  } else {
    process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
    await store.close();
  }
} catch (err) {
  process.stdout.write(`${JSON.stringify({ ok: false, code: (err as { code?: string }).code })}\n`);
  process.exitCode = 1;
}
