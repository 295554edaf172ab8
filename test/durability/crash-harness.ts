/**
 * The crash test of the durable stores (issue 5). A child process publishes `total` numbered messages
 * (half QoS 1, half QoS 2) through a client with a persistent session and a durable store, and is killed
 * with SIGKILL `kills` times at points drawn from a seeded random source, each only after the child has
 * reported a given number of durable records; it is restarted (same client id, same store) until it
 * finishes. An independent subscriber (persistent session, QoS 2) records what Mosquitto (persistence on)
 * delivers. Checked:
 *
 * - every message whose record the child reported durable (`publish().stored` resolved) before a kill
 *   arrives, and so does every message whose `publish()` resolved;
 * - no QoS 2 message arrives twice (QoS 1 duplicates are allowed and counted);
 * - at the end the store holds no outbound record.
 *
 * Each publish call is identified by `<incarnation>:<number>` (its payload): a restarted child publishes
 * again the numbers it cannot know were durable (new calls, not duplicates), while the records restored
 * from the store are resent by the client under their original payload.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, type MqttClient } from '../../packages/client/src/index.js';

const loader = fileURLToPath(new URL('../../packages/client/test/file-store.child-loader.mjs', import.meta.url));
const publisher = fileURLToPath(new URL('./publisher.child.ts', import.meta.url));

/** A small seeded PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One crash run. */
export interface CrashRun {
  /** Label (printed). */
  name: string;
  /** Broker URL (Mosquitto with persistence). */
  broker: string;
  /** The publisher's `store` option (JSON-serialisable). */
  store: Record<string, unknown>;
  /** Messages in all (even numbers QoS 1, odd QoS 2). */
  total: number;
  /** SIGKILLs. */
  kills: number;
  /** Seed of the kill points. */
  seed: number;
  /** Unresolved publishes the child keeps at most. Default 100. */
  window?: number;
  /** Longest wait for the subscriber to receive what must arrive. Default 60 s. */
  deliveryTimeoutMs?: number;
}

/** What a run observed. */
export interface CrashCounts {
  /** Publish calls (over all incarnations). */
  called: number;
  /** Calls reported durable. */
  durable: number;
  /** Calls reported resolved. */
  resolved: number;
  /** Distinct calls that arrived. */
  arrived: number;
  /** Extra arrivals of QoS 1 calls. */
  duplicatedQos1: number;
  /** Extra arrivals of QoS 2 calls (must be 0). */
  duplicatedQos2: number;
  /** Calls that had to arrive and did not (must be 0). */
  missing: string[];
  /** Kill points (durable reports seen) and kills done. */
  killPoints: number[];
  killsDone: number;
  /** Incarnations started. */
  incarnations: number;
  /** Publish failures the child reported. */
  errors: string[];
  /** The publisher's client id (to inspect its store afterwards). */
  clientId: string;
}

interface Incarnation {
  child: ChildProcess;
  exited: Promise<void>;
  done: boolean;
  stderr: string;
}

/** Runs one crash scenario; resolves with the counts (assertions are the caller's). */
export async function runCrash(run: CrashRun): Promise<CrashCounts> {
  const window = run.window ?? 100;
  const topic = `durability/${process.pid}/${Date.now()}/${run.name.replace(/[^A-Za-z0-9]/g, '_')}`;
  const clientId = `pub-${process.pid}-${Date.now()}-${run.name.replace(/[^A-Za-z0-9]/g, '')}`;
  const random = seededRandom(run.seed);
  const killPoints = Array.from({ length: run.kills }, () => Math.floor(run.total * (0.05 + 0.85 * random()))).sort((a, b) => a - b);

  const arrivals = new Map<string, number>();
  let waitingFor: Set<string> | undefined;
  let allArrived: (() => void) | undefined;
  const subscriber: MqttClient = await connect({
    brokers: run.broker,
    clientId: `sub-${clientId}`,
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: 3600 },
  });
  subscriber.on('message', (msg) => {
    const id = msg.payload.toString();
    arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
    if (waitingFor !== undefined && waitingFor.delete(id) && waitingFor.size === 0) allArrived?.();
  });
  await subscriber.subscribe(`${topic}/#`, { qos: 2 });

  const durable = new Set<string>();
  const resolved = new Set<string>();
  const errors: string[] = [];
  let called = 0;
  let maxDurable = -1;
  let killsDone = 0;
  let incarnations = 0;
  let current: Incarnation | undefined;

  try {
    for (;;) {
      const inc = incarnations++;
      const start = maxDurable + 1;
      const child = spawn(
        process.execPath,
        ['--import', loader, publisher, run.broker, clientId, JSON.stringify(run.store), String(run.total), String(start), String(inc), topic, String(window)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const me: Incarnation = { child, exited: new Promise((r) => child.once('exit', () => r())), done: false, stderr: '' };
      current = me;
      child.stderr!.on('data', (d: Buffer) => (me.stderr = (me.stderr + d.toString()).slice(-4000)));
      let buffered = '';
      const killed = new Promise<boolean>((resolveKilled) => {
        child.stdout!.on('data', (d: Buffer) => {
          buffered += d.toString();
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line === 'done') me.done = true;
            else if (line.startsWith('c ')) called += Number(line.slice(2));
            else if (line.startsWith('e ')) errors.push(`${inc}:${line.slice(2)}`);
            else {
              const target = line[0] === 'd' ? durable : resolved;
              for (const n of line.slice(2).split(',')) {
                target.add(`${inc}:${n}`);
                if (line[0] === 'd' && Number(n) > maxDurable) maxDurable = Number(n);
              }
            }
          }
          if (killsDone < run.kills && !me.done && durable.size >= killPoints[killsDone]!) {
            killsDone++;
            child.kill('SIGKILL');
            resolveKilled(true);
          }
        });
        child.once('exit', () => resolveKilled(false));
      });
      const wasKilled = await killed;
      await me.exited;
      if (!wasKilled) {
        if (!me.done) throw new Error(`publisher exited (${child.exitCode ?? child.signalCode}) without finishing:\n${me.stderr}`);
        break;
      }
    }

    // Everything reported durable or resolved must arrive.
    const required = new Set<string>([...durable, ...resolved]);
    waitingFor = new Set([...required].filter((id) => !arrivals.has(id)));
    if (waitingFor.size > 0) {
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(resolveWait, run.deliveryTimeoutMs ?? 60_000);
        allArrived = () => {
          clearTimeout(timer);
          resolveWait();
        };
      });
    }
    let duplicatedQos1 = 0;
    let duplicatedQos2 = 0;
    for (const [id, count] of arrivals) {
      if (count < 2) continue;
      const n = Number(id.split(':')[1]);
      if (n % 2 === 0) duplicatedQos1 += count - 1;
      else duplicatedQos2 += count - 1;
    }
    return {
      called,
      durable: durable.size,
      resolved: resolved.size,
      arrived: arrivals.size,
      duplicatedQos1,
      duplicatedQos2,
      missing: [...required].filter((id) => !arrivals.has(id)),
      killPoints,
      killsDone,
      incarnations,
      errors,
      clientId,
    };
  } finally {
    if (current !== undefined && current.child.exitCode === null && current.child.signalCode === null) {
      current.child.kill('SIGKILL');
      await current.exited;
    }
    await subscriber.end();
  }
}

/** One line for the test log. */
export function formatCounts(name: string, seed: number, c: CrashCounts): string {
  return (
    `[crash ${name}] seed=${seed} kills=${c.killsDone} at durable>=${c.killPoints.join('/')} incarnations=${c.incarnations} ` +
    `called=${c.called} durable=${c.durable} resolved=${c.resolved} arrived=${c.arrived} ` +
    `duplicated=${c.duplicatedQos1 + c.duplicatedQos2} (qos1 ${c.duplicatedQos1}, qos2 ${c.duplicatedQos2}) missing=${c.missing.length}`
  );
}
