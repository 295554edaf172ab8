/**
 * The crash suite, shared by the CI run (`crash.test.ts`, small counts) and the soak run
 * (`crash.soak.test.ts`, the 20,000 + 20,000): the file store under each fsync policy and the Redis
 * store, each against one Mosquitto with persistence on. Seed: `MQTTX_SEED` or random (printed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../packages/client/src/store/index.js';
import { RedisStore } from '../../packages/client/src/redis/index.js';
import { describeMosquitto, startMosquitto, type MosquittoInstance } from '../helpers/mosquitto.js';
import { describeRedis, startRedis, type RedisInstance } from '../helpers/redis.js';
import { formatCounts, runCrash, type CrashCounts } from './crash-harness.js';

function check(counts: CrashCounts, kills: number): void {
  expect(counts.errors).toEqual([]);
  expect(counts.killsDone).toBe(kills);
  // Every message durable before a kill, and every resolved one, arrived: the session state outlived the
  // process [MQTT-4.1.0-1] and was resent on resume [MQTT-4.4.0-1].
  expect(counts.missing).toEqual([]);
  // QoS 2: exactly once. A duplicate means a QoS 2 exchange was resumed from an older state than the one the
  // broker saw: the PUBLISH sent again after its PUBREL had gone out, against [MQTT-4.3.3-6], because the
  // PUBREL left before its record was durable.
  expect(counts.duplicatedQos2, 'QoS 2 messages delivered twice').toBe(0);
  expect(counts.durable).toBeGreaterThan(0);
}

/** Registers the crash tests with `total` messages per run (half QoS 1, half QoS 2). */
export function crashSuite(total: number, timeoutMs: number): void {
  const seed = process.env.MQTTX_SEED !== undefined ? Number(process.env.MQTTX_SEED) : Math.floor(Math.random() * 2 ** 31);
  const kills = 3;

  describeMosquitto(`durable stores survive kill -9 (${total / 2} QoS 1 + ${total / 2} QoS 2, seed ${seed})`, () => {
    let broker: MosquittoInstance;
    let base: string;

    beforeAll(async () => {
      console.log(`crash suite seed ${seed} (MQTTX_SEED=${seed} to repeat)`);
      broker = await startMosquitto({ persistence: true });
      base = await mkdtemp(join(tmpdir(), 'mqttx-crash-'));
    });

    afterAll(async () => {
      await broker?.stop();
      if (base !== undefined) await rm(base, { recursive: true, force: true });
    });

    for (const fsync of ['always', 'batch', 'none'] as const) {
      it(
        `file store, fsync '${fsync}'`,
        async () => {
          const dir = join(base, fsync);
          const counts = await runCrash({ name: `file-${fsync}`, broker: broker.url, store: { type: 'file', dir, fsync }, total, kills, seed });
          console.log(formatCounts(`file ${fsync}`, seed, counts));
          check(counts, kills);
          // Everything was acknowledged: nothing is left in flight in the store.
          const store = await FileStore.open({ dir, clientId: counts.clientId });
          expect(await store.list('outbound')).toEqual([]);
          await store.close();
        },
        timeoutMs,
      );
    }

    describeRedis('redis', () => {
      let redis: RedisInstance;
      beforeAll(async () => {
        redis = await startRedis();
      });
      afterAll(async () => {
        await redis?.stop();
      });

      it(
        'redis store',
        async () => {
          const prefix = `crash${process.pid}:`;
          const counts = await runCrash({ name: 'redis', broker: broker.url, store: { type: 'redis', connection: redis.url, prefix }, total, kills, seed });
          console.log(formatCounts('redis', seed, counts));
          check(counts, kills);
          const store = await RedisStore.open({ clientId: counts.clientId, connection: redis.url, prefix });
          expect(await store.list('outbound')).toEqual([]);
          await store.close();
        },
        timeoutMs,
      );
    });
  });
}
