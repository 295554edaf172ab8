/**
 * A client on the Redis store while Redis goes away and comes back (a real `redis-server`): a QoS 1/2
 * publish that cannot be stored rejects with a temporary StoreError and nothing is sent; the client stays
 * connected; once Redis is back, publishes are stored and acknowledged again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MqttxError, isTemporary } from '../src/index.js';
import { describeRedis, startRedis, type RedisInstance } from '../../../test/helpers/redis.js';
import { RedisStore } from '../src/redis/index.js';
import { harness } from './helpers/harness.js';

const h = harness();

describeRedis('client with the Redis store, Redis down and back', () => {
  let redis: RedisInstance;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('publish rejects with StoreError while Redis is down (nothing sent), the client keeps running, then recovers', async () => {
    const broker = await h.broker();
    const store = await RedisStore.open({ clientId: 'redis-outage', connection: redis.url, prefix: `outage${process.pid}:`, timeoutMs: 1_000 });
    const c = await h.connect({
      brokers: broker.url,
      clientId: 'redis-outage',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
      store,
    });
    expect((await c.publish('o/1', 'before', { qos: 1 }))?.type).toBe('puback');

    await redis.pause();
    const sentBefore = broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish').length;
    for (const qos of [1, 2] as const) {
      const p = c.publish(`o/down/${qos}`, 'while down', { qos });
      const [err, storedErr] = await Promise.all([p.catch((e: unknown) => e), p.stored.catch((e: unknown) => e)]);
      expect(err).toBeInstanceOf(MqttxError);
      expect((err as MqttxError).code).toBe('ERR_STORE');
      expect(isTemporary(err)).toBe(true);
      expect((storedErr as MqttxError).code).toBe('ERR_STORE');
    }
    // Nothing that could not be stored reached the broker; the connection is still up.
    expect(broker.records.filter((r) => r.direction === 'in' && r.packet?.type === 'publish').length).toBe(sentBefore);
    expect(c.connected).toBe(true);
    // QoS 0 needs no store: it still flows.
    await c.publish('o/qos0', 'x', { qos: 0 });

    await redis.start();
    await store.ready(); // the store's own reconnect
    const ack = await c.publish('o/after', 'after', { qos: 1 });
    expect(ack?.type).toBe('puback');
    expect((await c.publish('o/after2', 'after', { qos: 2 }))?.type).toBe('pubcomp');
    expect(c.connected).toBe(true);
    await c.end();
    await store.close();
  });
});
