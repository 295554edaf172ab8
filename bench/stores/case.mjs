/**
 * One store benchmark case (a child of run.mjs): `node bench/stores/case.mjs <broker url> <store spec JSON|none>
 * <messages> <window> <payload bytes>`. Publishes `messages` QoS 1 messages through the BUILT client
 * (packages/client/dist) with at most `window` awaiting PUBACK, after a warm-up of 1,000, and prints one JSON
 * line: `{ rate, ms, cpuUsPerMsg }` (rate = messages per second from the first publish to the last PUBACK).
 */
import { connect } from '../../packages/client/dist/index.js';

const [url, specArg, countArg, windowArg, sizeArg] = process.argv.slice(2);
const count = Number(countArg);
const window = Number(windowArg);
const payload = Buffer.alloc(Number(sizeArg), 0x61);
const spec = specArg === 'none' ? undefined : JSON.parse(specArg);

const client = await connect({
  brokers: url,
  clientId: `bench-${process.pid}`,
  protocolVersion: 5,
  clean: true,
  ...(spec === undefined ? {} : { store: spec }),
});

function run(n) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    const onAck = () => {
      acked++;
      if (acked === n) resolve();
      else if (sent < n) send();
    };
    const send = () => {
      sent++;
      client.publish('bench/stores', payload, { qos: 1 }).then(onAck, reject);
    };
    for (let i = 0; i < Math.min(window, n); i++) send();
  });
}

await run(1_000);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(count);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await client.end();
process.stdout.write(`${JSON.stringify({ rate: (count / ms) * 1000, ms, cpuUsPerMsg: (cpu.user + cpu.system) / count })}\n`);
