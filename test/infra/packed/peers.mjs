/**
 * Run by test/infra/packed-install.test.ts from a temp app holding the packed packages: imports the entry
 * points that need an optional peer dependency (`@mqttx/client/redis` needs `ioredis`,
 * `@mqttx/codec/arbitraries` needs `fast-check`) and prints one JSON line: for each, whether the import
 * resolved and what it exports, or the error code it failed with. Never connects to Redis.
 */
import { decode, encode } from '@mqttx/codec';

/** Imports `specifier`; on success `use(module)` exercises it. */
async function probe(specifier, use) {
  let mod;
  try {
    mod = await import(specifier);
  } catch (err) {
    return { ok: false, code: err?.code ?? null, exports: [], use: null };
  }
  return { ok: true, code: null, exports: Object.keys(mod).sort(), use: await use(mod) };
}

const redis = await probe('@mqttx/client/redis', (m) => ({ open: typeof m.RedisStore.open, keys: m.sessionKeys('mqttx:', 'c1') }));

const arbitraries = await probe('@mqttx/codec/arbitraries', async (m) => {
  // fast-check is there when the import above succeeded: sample a few packets (fixed seed) and check
  // that the packed codec round-trips them.
  const fc = (await import('fast-check')).default;
  const packets = fc.sample(m.publishArb(5, { role: 'server' }), { numRuns: 20, seed: 42 });
  const roundTrips = packets.filter((p) => {
    const back = decode(encode(p, { protocolVersion: 5 }), { protocolVersion: 5, role: 'client' });
    return back.topic === p.topic && Buffer.compare(back.payload, p.payload) === 0;
  }).length;
  return { samples: packets.length, roundTrips };
});

process.stdout.write(`${JSON.stringify({ redis, arbitraries })}\n`);
