/**
 * `mqttx run` (the built CLI, a child process) ends with its session stores flushed and closed on SIGTERM.
 * Two persistent MQTT 5 sessions (Clean Start 0, Session Expiry Interval > 0) with a store each, joined by a
 * QoS 1 forwarder; the test publishes steadily through the testkit broker, which withholds one PUBACK to the
 * target session. After SIGTERM -> exit 0 the test opens the stores itself:
 * - file store: the lock file is gone and opening succeeds, the log replays with no torn tail, and the
 *   outbound keyspace holds exactly the PUBLISHes the broker did not acknowledge (the withheld one, with its
 *   bytes intact), nothing for the acknowledged ones; the subscriptions keyspace holds exactly the
 *   subscriptions the broker's session still has (each session's own `topics` entry).
 * - Redis store: the broker caps the session expiry (CONNACK Session Expiry Interval 300), every key of the
 *   sessions carries that TTL, every value decodes, and the outbound hash holds exactly the unacknowledged
 *   PUBLISH.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { decode, type Packet, type PublishPacket } from '@mqttx/codec';
import { FileStore, type SessionStore } from '@mqttx/client';
import { RedisStore, sessionKeys } from '@mqttx/client/redis';
import type { Broker, BrokerOptions, PacketRecord } from '@mqttx/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, startRedis, type RedisInstance } from '../../../test/helpers/redis.js';
// The store's on-disk names (not part of the client's public entry).
import { LOCK_FILE, LOG_FILE, encodeClientId } from '../../client/src/store/file/index.js';
import { ensureCliBuilt } from './cli-helpers/build.js';
import { subscribed, tempDir, useBrokers } from './cli-helpers/fixtures.js';
import { killAll, startCli } from './cli-helpers/spawn.js';

beforeAll(ensureCliBuilt, 180_000);
afterEach(killAll);

const dir = tempDir('cli-stores');
const brokers = useBrokers();

const FILTER = 'sensors/+/temperature';
let runs = 0;

/** What a run left behind, as the broker saw it. */
interface RunResult {
  srcId: string;
  dstId: string;
  /** PUBLISHes from the target session the broker never acknowledged, by packet id (last connection). */
  unacked: Map<number, PublishPacket>;
  /** PUBLISHes from the target session the broker did acknowledge. */
  acked: number;
}

/** Resolves once `clientId` has sent `n` PUBLISH packets. */
function publishesFrom(b: Broker, clientId: string, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onPacket = (r: PacketRecord): void => {
      if (r.direction === 'in' && r.clientId === clientId && r.packet?.type === 'publish' && ++seen >= n) {
        b.off('packet', onPacket);
        resolve();
      }
    };
    b.on('packet', onPacket);
  });
}

/**
 * Runs two persistent sessions with `storage` (src -> forwarder -> dst at QoS 1) while the broker publishes
 * steadily and withholds the PUBACK of dst's 5th PUBLISH; SIGTERM once dst has sent 20; expects exit 0.
 */
async function runAndStop(b: Broker, storage: Record<string, unknown>): Promise<RunResult> {
  const tag = `${process.pid}-${++runs}-${Date.now().toString(36)}`;
  const srcId = `st-src-${tag}`;
  const dstId = `st-dst-${tag}`;
  // Each session also has a subscription of its own (`topics`), which outlives the run, unlike the
  // forwarder's (a stopped forwarder unsubscribes from its sources).
  const session = (name: string, clientId: string) => ({
    name,
    clientId,
    brokers: b.url,
    connectProps: { persistentSession: true },
    storage,
    topics: [{ topic: `keep/${name}/#`, qos: 1 }],
  });
  const config = join(dir, `run-${tag}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      sessions: [session('src', srcId), session('dst', dstId)],
      forwarders: [{ name: 'fwd', sourceSessions: ['src'], sourceTopics: [FILTER], targetSession: 'dst', topicMapping: { [FILTER]: 'archive/{1}/temp' }, qos: 1 }],
      status: { intervalMs: 200 },
    }),
  );
  b.withhold({ direction: 'out', type: 'puback', clientId: dstId, count: 5 });
  const twenty = publishesFrom(b, dstId, 20);

  const p = startCli(['run', config]);
  await subscribed(b, srcId, FILTER);
  brokers.publishSteadily(10, (n) => b.publish(`sensors/${n % 4}/temperature`, `m${n}`, { qos: 1 }));
  await twenty;

  // The graceful end waits for dst's in-flight PUBLISHes up to the manager's end timeout (5 s, for the
  // withheld one), then sends DISCONNECT and flushes and closes the stores.
  p.child.kill('SIGTERM');
  const { code } = await p.exit;
  brokers.stopPublishing();
  expect(code).toBe(0);
  // The one message whose PUBACK never came is reported by the forwarder when the target ends with it still
  // in flight (it stays in the target's store, see below); nothing else went wrong.
  const errors = p.stderr().split('\n').filter((line) => line !== '');
  expect(errors.filter((line) => !/^\S+Z error session=src ERR_FORWARDER: /.test(line))).toEqual([]);
  expect(errors.length).toBeLessThanOrEqual(1);
  expect(p.stdout()).toMatch(/^stopped: every session disconnected$/m);

  for (const clientId of [srcId, dstId]) {
    // Persistent: Clean Start 0 and a Session Expiry Interval > 0, so the session state must outlive the
    // connection on both sides [MQTT-3.1.2-23] (5.0).
    const connect = b.records.find((r) => r.packet?.type === 'connect' && r.packet.clientId === clientId)!.packet as Extract<Packet, { type: 'connect' }>;
    expect(connect.clean).toBe(false);
    expect(connect.properties?.sessionExpiryInterval).toBeGreaterThan(0);
    // A graceful end: DISCONNECT sent.
    expect(b.records.some((r) => r.direction === 'in' && r.clientId === clientId && r.packet?.type === 'disconnect')).toBe(true);
  }

  // Replay dst's outbound exchange as the broker saw it: PUBLISH in, PUBACK out.
  const unacked = new Map<number, PublishPacket>();
  let acked = 0;
  for (const r of b.records) {
    if (r.clientId !== dstId || r.packet === null) continue;
    if (r.direction === 'in' && r.packet.type === 'publish' && r.packet.qos === 1) unacked.set(r.packet.packetId!, r.packet);
    if (r.direction === 'out' && r.packet.type === 'puback' && unacked.delete(r.packet.packetId)) acked++;
  }
  expect(unacked.size).toBe(1); // the withheld PUBACK
  // The broker keeps each session's own subscription; the forwarder's went with it.
  expect(brokerFilters(b, srcId)).toEqual(['keep/src/#']);
  expect(brokerFilters(b, dstId)).toEqual(['keep/dst/#']);
  expect(acked).toBeGreaterThanOrEqual(19);
  return { srcId, dstId, unacked, acked };
}

/**
 * The store's content against the broker: outbound holds exactly the unacknowledged PUBLISHes (same packet
 * id, topic, payload, QoS 1: resent on the next connection [MQTT-4.4.0-1]), nothing for acknowledged ones;
 * no inbound QoS 2 state; the meta record names the session; subscriptions match the broker's session.
 */
async function expectConsistent(store: SessionStore, clientId: string, unacked: Map<number, PublishPacket>, brokerFilters: string[]): Promise<void> {
  const outbound = await store.list('outbound');
  expect(outbound.map((r) => r.key).sort()).toEqual([...unacked.keys()].sort());
  for (const r of outbound) {
    const stored = decode(r.bytes, { protocolVersion: 5 }) as PublishPacket;
    const sent = unacked.get(r.key as number)!;
    expect(stored.type).toBe('publish');
    expect({ packetId: stored.packetId, qos: stored.qos, topic: stored.topic, payload: stored.payload.toString() }).toEqual({
      packetId: sent.packetId,
      qos: 1,
      topic: sent.topic,
      payload: sent.payload.toString(),
    });
  }
  expect(await store.list('inbound')).toEqual([]);
  // The meta keyspace only records a client id the server assigned; these sessions have their own.
  expect(await store.list('meta')).toEqual([]);
  const subs = await store.list('subscriptions');
  expect(subs.map((r) => r.key).sort()).toEqual([...brokerFilters].sort());
  for (const r of subs) {
    const sub = decode(r.bytes, { protocolVersion: 5 });
    expect(sub.type === 'subscribe' && sub.subscriptions.map((x) => x.topicFilter)).toEqual([r.key]);
  }
}

function brokerFilters(b: Broker, clientId: string): string[] {
  return (b.sessions.get(clientId)?.subscriptions ?? []).map((s) => s.filter);
}

describe('mqttx run: file stores flushed and closed on SIGTERM', () => {
  it('lock released, no torn tail, outbound = exactly the unacknowledged PUBLISH', async () => {
    const b = await brokers.start();
    const base = join(dir, `file-${runs}`);
    const { srcId, dstId, unacked } = await runAndStop(b, { type: 'file', dir: base });

    for (const clientId of [srcId, dstId]) {
      const sessionDir = join(base, encodeClientId(clientId));
      // Closed, not abandoned: the CLI removed its lock (a lock left by a dead process would also be taken
      // over on open, so its absence is what proves the close).
      expect(existsSync(join(sessionDir, LOCK_FILE))).toBe(false);
      const logSize = statSync(join(sessionDir, LOG_FILE)).size;
      const store = await FileStore.open({ dir: base, clientId, fsync: 'none' });
      try {
        expect(store.recovery).toBeUndefined(); // nothing dropped from the tail: every frame intact
        expect(store.stats.logBytes).toBe(logSize);
        await expectConsistent(store, clientId, clientId === dstId ? unacked : new Map(), brokerFilters(b, clientId));
      } finally {
        await store.close();
      }
    }
  }, 20_000);
});

describeRedis('mqttx run: Redis stores flushed and closed on SIGTERM', () => {
  let redis: RedisInstance;
  let admin: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url, { lazyConnect: true });
    await admin.connect();
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it('keys carry the session expiry as TTL, every value decodes, outbound = exactly the unacknowledged PUBLISH', async () => {
    // The broker caps the requested "never expires" to 300 s and says so in CONNACK; the store follows it.
    const options: BrokerOptions = { port: 0, maximumSessionExpiryInterval: 300 };
    const b = await brokers.start(options);
    const prefix = `cli-${process.pid}-${runs}:`;
    const { srcId, dstId, unacked } = await runAndStop(b, { type: 'redis', address: redis.url, keyPrefix: prefix });

    for (const clientId of [srcId, dstId]) {
      const connack = b.records.find((r) => r.direction === 'out' && r.clientId === clientId && r.packet?.type === 'connack')!.packet as Extract<Packet, { type: 'connack' }>;
      expect(connack.properties?.sessionExpiryInterval).toBe(300);

      const keys = (await admin.keys(`${prefix}*`)).filter((k) => k.includes(`{${clientId}}`));
      // Redis keeps no empty hash: the keys present are the non-empty keyspaces.
      const [outboundKey, , subscriptionsKey] = sessionKeys(prefix, clientId);
      expect(keys.sort()).toEqual((clientId === dstId ? [outboundKey, subscriptionsKey] : [subscriptionsKey]).sort());
      for (const key of keys) {
        const ttl = await admin.ttl(key);
        // The TTL of the session expiry, set at the last write (a few seconds ago at most).
        expect(ttl, key).toBeGreaterThan(280);
        expect(ttl, key).toBeLessThanOrEqual(300);
        // Nothing half-written: every hash value is a seq (finite f64) followed by its record bytes.
        const hash = await admin.hgetallBuffer(key);
        for (const value of Object.values(hash)) {
          expect(value.length).toBeGreaterThanOrEqual(8);
          expect(Number.isFinite(value.readDoubleLE(0))).toBe(true);
        }
      }

      const store = await RedisStore.open({ clientId, connection: redis.url, prefix });
      try {
        await expectConsistent(store, clientId, clientId === dstId ? unacked : new Map(), brokerFilters(b, clientId));
      } finally {
        await store.close();
      }
    }
  }, 20_000);
});
