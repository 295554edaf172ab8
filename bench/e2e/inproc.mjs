/**
 * Our client's own CPU per message, without the kernel: `node bench/e2e/inproc.mjs [--qos 0,1,2]
 * [--messages N] [--rounds N]`. The BUILT client publishes 64-byte messages (at most 100 outstanding, as in
 * bench:e2e) to a minimal broker in the same process over an in-memory duplex pair (@mqttx/transport's
 * `createDuplexPair`): it answers CONNECT, acknowledges PUBLISH (PUBACK, or PUBREC then PUBCOMP on PUBREL)
 * with the raw floor's frame splitter, on the next turn of the event loop, and drops the rest. Prints CPU microseconds per message (client and
 * broker together) for each round and the median: the part of bench:e2e's figures that is our code, free
 * of socket and wake-up costs. A development tool; writes no results file.
 */
import { ensureBuilt, root } from '../lib/build.mjs';
import { frames, putAck } from '../lib/raw-flow.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const QOS = flag('--qos', '0,1,2').split(',').map(Number);
const COUNT = Number(flag('--messages', 100_000));
const ROUNDS = Number(flag('--rounds', 5));
const WINDOW = 100;

ensureBuilt();
const { createDuplexPair, fromDuplex } = await import(`${root}/packages/transport/dist/index.js`);
const { connect } = await import(`${root}/packages/client/dist/index.js`);

const write = (side, bytes) => side.write(bytes);

/** The broker side: CONNACK, PUBACK / PUBREC / PUBCOMP; every answer of a chunk in one write. */
function serve(side) {
  let tail;
  const out = Buffer.allocUnsafe(1 << 20);
  side.on('data', (chunk) => {
    const buf = tail === undefined ? chunk : Buffer.concat([tail, chunk]);
    let o = 0;
    tail = frames(buf, (type, flags, b, start) => {
      if (type === 1) {
        out.set([0x20, 3, 0, 0, 0], o); // CONNACK, MQTT 5, success, no properties
        o += 5;
      } else if (type === 3) {
        const qos = (flags >> 1) & 3;
        if (qos > 0) {
          const topicLength = (b[start] << 8) | b[start + 1];
          o = putAck(out, o, qos === 1 ? 0x40 : 0x50, (b[start + 2 + topicLength] << 8) | b[start + 3 + topicLength]);
        }
      } else if (type === 6) {
        o = putAck(out, o, 0x70, (b[start] << 8) | b[start + 1]);
      }
    });
    // Answered on a later turn of the event loop, as a broker across a socket would.
    if (o > 0) setImmediate(write, side, Buffer.from(out.subarray(0, o)));
  });
}

function run(client, n, options, payload) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let pumping = false;
    const onDone = () => {
      if (++done === n) resolve();
      else if (!pumping) pump();
    };
    const pump = () => {
      pumping = true;
      while (sent < n && sent - done < WINDOW) {
        sent++;
        client.publish('bench/inproc/topic', payload, options).then(onDone, reject);
      }
      pumping = false;
    };
    pump();
  });
}

const payload = Buffer.alloc(64, 0x61);
for (const qos of QOS) {
  const [a, b] = createDuplexPair({ highWaterMark: 65536 });
  serve(b);
  const client = await connect({ connector: async () => fromDuplex(a), clientId: 'inproc', protocolVersion: 5, keepalive: 0 });
  const options = { qos };
  await run(client, 20_000, options, payload); // warm-up
  const samples = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = process.cpuUsage();
    await run(client, COUNT, options, payload);
    const cpu = process.cpuUsage(cpu0);
    samples.push((cpu.user + cpu.system) / COUNT);
  }
  await client.end();
  const sorted = [...samples].sort((x, y) => x - y);
  console.log(`QoS ${qos}: ${samples.map((x) => x.toFixed(2)).join(' ')} us/msg, median ${sorted[ROUNDS >> 1].toFixed(2)} (client and in-memory broker)`);
}
