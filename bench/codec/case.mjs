/**
 * One benchmark measurement in its own process: `node bench/codec/case.mjs <impl> <op> <case> [--quick]`.
 *
 * impl: `ours` (the BUILT packages/codec/dist) or `mqtt-packet`; op: `decode` or `encode`; case: a name from
 * cases.mjs. Prints one JSON line: { impl, op, case, packetsPerSecond, runs: [pkt/s, pkt/s, pkt/s] }.
 *
 * decode: a stream of N copies of the packet in one Buffer, pushed in 64 KiB chunks through a fresh
 * Decoder (ours) or mqtt-packet parser per pass. encode: encode(packet) vs mqtt-packet's generate(packet).
 * After a warm-up, three timed runs of about `runMs` each; the result is their median.
 */
import { createRequire } from 'node:module';
import { CASES } from './cases.mjs';

const require = createRequire(import.meta.url);
const [impl, op, caseName, ...flags] = process.argv.slice(2);
const quick = flags.includes('--quick');
const bench = CASES.find((c) => c.name === caseName);
if (!bench || !['ours', 'mqtt-packet'].includes(impl) || !['decode', 'encode'].includes(op)) {
  console.error('usage: node bench/codec/case.mjs <ours|mqtt-packet> <decode|encode> <case> [--quick]');
  process.exit(2);
}

const codec = await import(new URL('../../packages/codec/dist/index.js', import.meta.url).href);
const mqtt = require('mqtt-packet');

const RUN_MS = quick ? 250 : 600;
const WARMUP_MS = quick ? 150 : 400;
const CHUNK = 64 * 1024;
const STREAM_BYTES = 2 * 1024 * 1024;

/** Keeps results observable so the work cannot be optimised away. */
let sink = 0;

/** Builds one pass of work: a function doing `perPass` packets of work. */
function makeWork() {
  if (op === 'encode') {
    const opts = { protocolVersion: bench.version };
    const perPass = 1000;
    // A varied case cycles through its packets (strings differ from one packet to the next).
    const ours = bench.oursList ?? [bench.ours];
    const mp = bench.mpList ?? [bench.mp];
    const n = ours.length;
    if (impl === 'ours') {
      const { encode } = codec;
      return { perPass, pass: () => { for (let i = 0; i < perPass; i++) sink += encode(ours[i % n], opts).length; } };
    }
    return { perPass, pass: () => { for (let i = 0; i < perPass; i++) sink += mqtt.generate(mp[i % n], opts).length; } };
  }
  // decode: the same bytes for both implementations (our encoding, checked against mqtt-packet's parser).
  const frames = (bench.oursList ?? [bench.ours]).map((p) => Buffer.from(codec.encode(p, { protocolVersion: bench.version })));
  const cycleBytes = frames.reduce((sum, f) => sum + f.length, 0);
  const cycles = Math.max(1, Math.floor(STREAM_BYTES / cycleBytes));
  const count = cycles * frames.length;
  const stream = Buffer.alloc(cycleBytes * cycles);
  for (let c = 0, off = 0; c < cycles; c++) for (const f of frames) off += f.copy(stream, off);
  const chunks = [];
  for (let off = 0; off < stream.length; off += CHUNK) chunks.push(stream.subarray(off, off + CHUNK));
  if (impl === 'ours') {
    const { Decoder } = codec;
    // A server-role decoder rejects a second CONNECT [MQTT-3.1.0-2]; the CONNECT case uses role 'any'.
    const role = (bench.oursList ?? [bench.ours])[0].type === 'connect' ? 'any' : bench.receiver;
    const options = { protocolVersion: bench.version, role };
    return {
      perPass: count,
      pass: () => {
        const decoder = new Decoder(options);
        let n = 0;
        for (const chunk of chunks) n += decoder.push(chunk).length;
        if (n !== count) throw new Error(`ours decoded ${n} of ${count} packets`);
        sink += n;
      },
    };
  }
  return {
    perPass: count,
    pass: () => {
      const parser = mqtt.parser({ protocolVersion: bench.version });
      let n = 0;
      parser.on('packet', () => n++);
      parser.on('error', (err) => {
        throw err;
      });
      for (const chunk of chunks) parser.parse(chunk);
      if (n !== count) throw new Error(`mqtt-packet parsed ${n} of ${count} packets`);
      sink += n;
    },
  };
}

/** Runs passes for about `ms`; returns packets per second. */
function timed(work, ms) {
  const limit = BigInt(ms) * 1_000_000n;
  const start = process.hrtime.bigint();
  let packets = 0;
  let elapsed = 0n;
  do {
    work.pass();
    packets += work.perPass;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return (packets * 1e9) / Number(elapsed);
}

const work = makeWork();
timed(work, WARMUP_MS);
const runs = [timed(work, RUN_MS), timed(work, RUN_MS), timed(work, RUN_MS)];
const sorted = [...runs].sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ impl, op, case: caseName, packetsPerSecond: Math.round(sorted[1]), runs: runs.map(Math.round), sink: sink > 0 })}\n`,
);
