/**
 * The crash test's publisher: a separate process (run with `node --import
 * packages/client/test/file-store.child-loader.mjs`) that the test kills with SIGKILL.
 *
 * argv: `<broker url> <client id> <store spec JSON> <total> <start> <incarnation> <topic> <window>`
 *
 * Publishes message numbers `start .. total-1` (even numbers QoS 1, odd QoS 2; payload
 * `<incarnation>:<number>`), keeping at most `window` unresolved, through a client with a persistent session
 * and the given durable store. It reports on stdout, one line per event kind and tick:
 * `c k` (k more publish calls), `d n,n,...` (the publish's record is durable: `publish().stored` resolved), `r n,...` (`publish()`
 * resolved), `e n code` (a publish failed), `done` (all resolved and `end()` returned, so the messages the
 * restored session resent are through too). Reports are written right after the event, so what the parent
 * has read is a subset of what was true when it was killed.
 */
import { connect } from '../../packages/client/src/index.js';

const [url, clientId, specJson, totalArg, startArg, incarnation, topic, windowArg] = process.argv.slice(2);
const total = Number(totalArg);
const window = Number(windowArg);
let next = Number(startArg);
let inflight = 0;

let durable: number[] = [];
let resolved: number[] = [];
let calls = 0;
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  let out = calls > 0 ? `c ${calls}\n` : '';
  calls = 0;
  if (durable.length > 0) out += `d ${durable.join(',')}\n`;
  if (resolved.length > 0) out += `r ${resolved.join(',')}\n`;
  durable = [];
  resolved = [];
  // stdout to a pipe is a synchronous write on Linux: once this returns, the parent will read it.
  if (out !== '') process.stdout.write(out);
}

function report(list: number[], n: number): void {
  list.push(n);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

const client = await connect({
  brokers: url!,
  clientId: clientId!,
  protocolVersion: 5,
  clean: false,
  properties: { sessionExpiryInterval: 3600 },
  store: JSON.parse(specJson!),
  reconnect: { initialDelay: 50, maxDelay: 500 },
});
client.on('error', (err) => process.stderr.write(`client error: ${String((err as { code?: string }).code ?? err)}\n`));

let finishing = false;

async function finish(): Promise<void> {
  if (finishing) return;
  finishing = true;
  await client.end();
  flush();
  process.stdout.write('done\n');
}

function pump(): void {
  while (inflight < window && next < total) {
    const n = next++;
    inflight++;
    const qos = n % 2 === 0 ? 1 : 2;
    const p = client.publish(`${topic}/${qos}`, `${incarnation}:${n}`, { qos });
    calls++;
    p.stored.then(
      () => report(durable, n),
      () => undefined,
    );
    p.then(
      () => {
        report(resolved, n);
        inflight--;
        pump();
      },
      (err: unknown) => {
        flush();
        process.stdout.write(`e ${n} ${String((err as { code?: string }).code ?? err)}\n`);
        inflight--;
        pump();
      },
    );
  }
  if (next >= total && inflight === 0) void finish();
}

pump();
