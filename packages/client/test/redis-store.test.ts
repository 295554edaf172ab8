/**
 * RedisStore against a real `redis-server` started on a free loopback port: the shared conformance suite,
 * the key layout (one hash tag per client id), TTLs, adopting an existing ioredis client, and the failure
 * path (Redis stopped inside a test -> a quick temporary StoreError, no hang; restarted -> works again; a
 * server that never answers -> a timeout).
 */
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { isTemporary, isTimeout } from '@mqttx/codec/errors';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, encodeTag } from '../src/redis/index.js';
import { createStore } from '../src/store/index.js';
import { describeRedis, startRedis, type RedisInstance } from '../../../test/helpers/redis.js';
import { runStoreConformance } from './store-conformance.js';

const rec = (key: number | string, seq: number, text: string) => ({ key, seq, bytes: Buffer.from(text) });

let ids = 0;
const uniqueId = (base = 'client') => `${base}-${process.pid}-${++ids}`;

/** The Redis Cluster hash tag of a key: the text between the first `{` and the next `}`, if not empty. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describeRedis('RedisStore', () => {
  let redis: RedisInstance;
  let admin: Redis;
  const stores: RedisStore[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url, { lazyConnect: true });
    await admin.connect();
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function open(options: Partial<Parameters<typeof RedisStore.open>[0]> = {}): Promise<RedisStore> {
    const store = await RedisStore.open({ clientId: uniqueId(), connection: redis.url, ...options });
    stores.push(store);
    return store;
  }

  runStoreConformance('RedisStore', () => {
    const clientId = uniqueId('conformance');
    const opened: RedisStore[] = [];
    return {
      open: async () => {
        const s = await RedisStore.open({ clientId, connection: redis.url, prefix: 'conf:' });
        opened.push(s);
        return s;
      },
      cleanup: async () => {
        for (const s of opened) await s.close();
        const keys = await admin.keys(`conf:{${encodeTag(clientId)}}:*`);
        if (keys.length > 0) await admin.del(...keys);
      },
    };
  });

  it('keys live under the prefix with one hash tag per client id (one cluster slot per session)', async () => {
    const clientId = 'odd{id}%with/braces';
    const store = await open({ clientId, prefix: 'app:' });
    await store.put('outbound', rec(7, 1, 'p'));
    await store.put('inbound', rec(8, 2, ''));
    await store.put('subscriptions', rec('a/#', 3, 's'));
    await store.put('meta', rec('session', 4, '{}'));
    const keys = (await admin.keys('app:*')).sort();
    expect(keys).toEqual([...store.keys].sort());
    expect(new Set(keys.map(hashTag))).toEqual(new Set([encodeTag(clientId)]));
    expect(encodeTag(clientId)).toBe('odd%7Bid%7D%25with/braces');
    // Number and string keys are distinct fields; the value carries the seq.
    expect(await admin.hkeys(store.keys[0])).toEqual(['n7']);
    expect(await admin.hkeys(store.keys[2])).toEqual(['s' + 'a/#']);
    const raw = await admin.hgetBuffer(store.keys[0], 'n7');
    expect(raw!.readDoubleLE(0)).toBe(1);
    expect(raw!.subarray(8).toString()).toBe('p');
    // Another client id never shares keys.
    const other = await open({ clientId: 'odd{id}%with/braces2', prefix: 'app:' });
    expect(other.keys.some((k) => store.keys.includes(k))).toBe(false);
  });

  it('a prefix with braces and an empty client id are ConfigErrors', async () => {
    await expect(RedisStore.open({ clientId: 'c', connection: redis.url, prefix: 'a{b}' })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await expect(RedisStore.open({ clientId: '', connection: redis.url })).rejects.toMatchObject({ code: 'ERR_CONFIG' });
  });

  it('TTL: set on write for every key of the session, removable and changeable with setExpiry', async () => {
    const store = await open({ ttlSeconds: 100 });
    await store.put('outbound', rec(1, 1, 'a'));
    await store.put('meta', rec('session', 2, '{}'));
    for (const key of [store.keys[0], store.keys[3]]) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(90_000);
      expect(ttl).toBeLessThanOrEqual(100_000);
    }
    await store.setExpiry(undefined);
    expect(await admin.pttl(store.keys[0])).toBe(-1);
    await store.setExpiry(0xffffffff);
    expect(await admin.pttl(store.keys[0])).toBe(-1);
    await store.setExpiry(20);
    const ttl = await admin.pttl(store.keys[0]);
    expect(ttl).toBeGreaterThan(10_000);
    expect(ttl).toBeLessThanOrEqual(20_000);
    // Writes refresh it.
    await admin.pexpire(store.keys[0], 5_000);
    await store.put('outbound', rec(2, 3, 'b'));
    expect(await admin.pttl(store.keys[0])).toBeGreaterThan(10_000);
    await expect(store.setExpiry(-5)).rejects.toMatchObject({ code: 'ERR_STORE' });
  });

  it('TTL: kept alive while the store is open (refreshed every ttl/3)', async () => {
    const store = await open({ ttlSeconds: 3 });
    await store.put('outbound', rec(1, 1, 'a'));
    await admin.pexpire(store.keys[0], 1_500);
    // Poll the server (an external process; there is no event for "TTL refreshed"), bounded.
    const deadline = Date.now() + 5_000;
    let ttl = await admin.pttl(store.keys[0]);
    while (ttl <= 1_500 && ttl > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      ttl = await admin.pttl(store.keys[0]);
    }
    expect(ttl).toBeGreaterThan(1_500);
  });

  it('adopts an existing ioredis client and leaves it open on close', async () => {
    const client = new Redis(redis.url, { lazyConnect: true });
    try {
      const store = await RedisStore.open({ clientId: uniqueId(), redis: client });
      await store.put('outbound', rec(1, 1, 'x'));
      expect((await store.get('outbound', 1))!.bytes.toString()).toBe('x');
      await store.close();
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('operations issued in one tick share one MULTI round trip', async () => {
    const store = await open();
    const before = Number((await admin.info('stats')).match(/total_commands_processed:(\d+)/)![1]);
    await Promise.all([
      store.put('outbound', rec(1, 1, 'a')),
      store.put('outbound', rec(2, 2, 'b')),
      store.delete('outbound', 1),
      store.get('outbound', 2),
    ]);
    const after = Number((await admin.info('stats')).match(/total_commands_processed:(\d+)/)![1]);
    // MULTI + 4 commands + EXEC, plus our own INFO call.
    expect(after - before).toBe(7);
  });

  it('Redis stopped: operations reject quickly with a temporary StoreError; restarted: they work again', async () => {
    const store = await open({ timeoutMs: 1_000 });
    await store.put('outbound', rec(1, 1, 'before'));
    await redis.pause();
    const started = Date.now();
    const results = await Promise.allSettled([
      store.put('outbound', rec(2, 2, 'while down')),
      store.get('outbound', 1),
      store.list('outbound'),
      store.delete('outbound', 1),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason;
      expect(err).toMatchObject({ code: 'ERR_STORE', kind: 'storage', temporary: true });
      expect(isTemporary(err)).toBe(true);
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    await redis.start();
    await store.ready();
    await store.put('outbound', rec(3, 3, 'after'));
    expect((await store.get('outbound', 3))!.bytes.toString()).toBe('after');
    await admin.ping().catch(() => undefined);
  });

  it('Redis not reachable at open: a temporary StoreError within timeoutMs, nothing left running', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const started = Date.now();
    const err = await RedisStore.open({ clientId: 'c', connection: `redis://127.0.0.1:${port}`, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_STORE', temporary: true });
    expect(isTimeout(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a server that never answers: the round trip times out (temporary, timeout), close does not hang', async () => {
    const sockets = new Set<Socket>();
    let answering = true;
    // Answers +OK to every command (ioredis's connection handshake) until told to go silent.
    const silent: Server = createServer((s) => {
      sockets.add(s);
      s.on('data', (d: Buffer) => {
        if (!answering) return;
        const commands = d.toString('latin1').match(/(?:^|\r\n)\*\d+\r\n/g)?.length ?? 0;
        s.write('+OK\r\n'.repeat(commands));
      });
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      const store = await RedisStore.open({ clientId: 'c', redis: client, timeoutMs: 200 });
      answering = false;
      const err = await store.put('outbound', rec(1, 1, 'x')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_STORE', temporary: true });
      expect(isTimeout(err)).toBe(true);
      await store.close();
    } finally {
      client.disconnect();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it("createStore({ type: 'redis' }) loads the Redis store lazily", async () => {
    const store = await createStore({ type: 'redis', connection: redis.url, prefix: 'lazy:' }, { clientId: uniqueId() });
    stores.push(store as RedisStore);
    expect(store).toBeInstanceOf(RedisStore);
    await store.put('meta', rec('session', 1, '{}'));
    expect(await store.list('meta')).toHaveLength(1);
  });
});

describe('the main entry never imports ioredis', () => {
  it('no module outside src/redis imports ioredis statically, and create.ts loads it with import()', async () => {
    const src = fileURLToPath(new URL('../src/', import.meta.url));
    const offenders: string[] = [];
    async function walk(dir: string): Promise<void> {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (path !== join(src, 'redis')) await walk(path);
        } else if (entry.name.endsWith('.ts')) {
          const text = await readFile(path, 'utf8');
          if (/from\s+['"]ioredis['"]|require\(['"]ioredis['"]\)/.test(text)) offenders.push(path);
          if (/^import\s[^;]*from\s+['"][./]*redis\/(?:index|redis-store)\.js['"]/m.test(text)) offenders.push(path);
        }
      }
    }
    await walk(src);
    expect(offenders).toEqual([]);
    expect(await readFile(join(src, 'store', 'create.ts'), 'utf8')).toContain("await import('../redis/index.js')");
  });
});
