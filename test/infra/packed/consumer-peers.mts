/**
 * Type-checked (never run) by test/infra/packed-install.test.ts in a temp app holding the PACKED packages
 * plus the optional peers `ioredis` and `fast-check`, with `skipLibCheck: false`: the declarations of
 * `@mqttx/client/redis` and `@mqttx/codec/arbitraries` must be packed and consistent with their peers' types.
 */
import fc from 'fast-check';
import { connect, type SessionStore } from '@mqttx/client';
import { RedisStore, sessionKeys, type RedisClientLike, type RedisStoreOptions } from '@mqttx/client/redis';
import { decode, encode, type PublishPacket } from '@mqttx/codec';
import { publishArb } from '@mqttx/codec/arbitraries';
import { Redis } from 'ioredis';

export async function openStore(redis: Redis): Promise<SessionStore> {
  const like: RedisClientLike = redis;
  const options: RedisStoreOptions = { clientId: 'consumer', redis: like, ttlSeconds: 60 };
  const store: RedisStore = await RedisStore.open(options);
  return store;
}

export async function withRedisSpec(): Promise<void> {
  const client = await connect({ brokers: 'mqtt://127.0.0.1:1883', clientId: 'c', store: { type: 'redis', connection: 'redis://127.0.0.1:6379' } });
  await client.end();
}

export const keys: [string, string, string, string] = sessionKeys('mqttx:', 'consumer');
// @ts-expect-error the client id is a string
sessionKeys('mqttx:', 1);

export const roundTrips: fc.IPropertyWithHooks<[PublishPacket]> = fc.property(publishArb(5, { role: 'server' }), (p: PublishPacket) => {
  const back = decode(encode(p, { protocolVersion: 5 }), { protocolVersion: 5, role: 'client' });
  return back.type === 'publish';
});
