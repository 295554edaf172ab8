/**
 * Test harness for the client driver: a testkit broker per test, clients registered for cleanup, a
 * tracker of every promise the API returned (all must have settled by the end of the test), and an
 * open-handle check (`process.getActiveResourcesInfo()` back to its count before the test).
 *
 * ```ts
 * const h = harness();
 * it('...', async () => {
 *   const broker = await h.broker();
 *   const c = await h.connect({ brokers: broker.url, clientId: 'a' });
 *   await h.track(c.publish('t', 'x', { qos: 1 }));
 *   await c.end();
 * });
 * ```
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { startBroker, type Broker, type BrokerOptions } from '@mqttx/testkit';
import { MqttClient, type ClientOptions } from '../../src/index.js';

const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'Timeout', 'Immediate', 'PipeWrap'];

/** Counts of the watched resource kinds. */
export function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of WATCHED) counts[k] = 0;
  for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r]!++;
  return counts;
}

/** Resolves after `n` turns of the event loop (setImmediate), never a wall-clock sleep. */
export async function turns(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Spins event-loop turns until `condition()` holds (for effects with no event to await, such as bytes
 * read by the client); fails after `maxTurns`.
 */
export async function until(condition: () => boolean, maxTurns = 20_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await turns(1);
  }
  throw new Error('until: condition not met');
}

/** A promise plus whether it settled, as tracked by the harness. */
interface Tracked {
  settled: boolean;
  label: string;
}

/** The per-test harness. */
export interface Harness {
  /** Starts a broker for this test (closed after it). */
  broker(options?: BrokerOptions): Promise<Broker>;
  /** A client registered for the end-of-test checks (not connected); every promise its API returns is tracked. */
  client(options: ClientOptions): MqttClient;
  /** A client, connected. */
  connect(options: ClientOptions): Promise<MqttClient>;
  /** Records `promise`: the test fails if it has not settled by the end of the test. Returns it. */
  track<T extends Promise<unknown>>(promise: T, label?: string): T;
  /** Waits for the next `event` of `client` (rejects after `ms` of wall time). */
  once<T = unknown>(client: MqttClient, event: string, ms?: number): Promise<T>;
}

/**
 * Registers the per-test hooks and returns the harness. After each test: every tracked promise settled,
 * every client closed (a client left open fails the test, then is destroyed), brokers closed, and the
 * watched resources back to their count before the test (a few loop turns allowed for closing sockets).
 */
export function harness(): Harness {
  let baseline: Record<string, number> = {};
  let brokers: Broker[] = [];
  let clients: MqttClient[] = [];
  let tracked: Tracked[] = [];
  let timers: Array<ReturnType<typeof setTimeout>> = [];

  beforeEach(() => {
    baseline = resourceCounts();
  });

  afterEach(async (ctx) => {
    for (const t of timers) clearTimeout(t);
    timers = [];
    await turns(2);
    const open = clients.filter((c) => c.status !== 'closed').map((c) => c.clientId || '(no id)');
    for (const c of clients) c.destroy();
    await turns(2);
    const unsettled = tracked.filter((t) => !t.settled).map((t) => t.label);
    await Promise.all(brokers.map((b) => b.close()));
    brokers = [];
    clients = [];
    tracked = [];
    const excess = (): Record<string, number> => {
      const now = resourceCounts();
      return Object.fromEntries(Object.entries(now).filter(([k, n]) => n > (baseline[k] ?? 0)));
    };
    // Sockets and their timers are released a few loop turns after 'close'; on a loaded machine the peer's
    // side can take a little longer, so after the turns a few short waits are allowed before failing.
    for (let i = 0; i < 200 && Object.keys(excess()).length > 0; i++) await turns(1);
    for (let i = 0; i < 50 && Object.keys(excess()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    if (ctx.task.result?.state === 'fail') return; // the test's own failure is the one to read
    expect(open, 'clients left open').toEqual([]);
    expect(unsettled, 'promises never settled').toEqual([]);
    expect(excess(), 'handles left open').toEqual({});
  });

  const h: Harness = {
    async broker(options = {}) {
      const b = await startBroker(options);
      brokers.push(b);
      return b;
    },
    client(options) {
      const c = new MqttClient(options);
      clients.push(c);
      // Every promise this client's API returns is tracked, whether or not the test keeps it.
      const api = c as unknown as Record<string, (...args: unknown[]) => unknown>;
      for (const name of ['connect', 'publish', 'subscribe', 'unsubscribe', 'end', 'reauthenticate']) {
        const original = api[name]!.bind(c);
        api[name] = (...args: unknown[]) => {
          const result = original(...args) as Promise<unknown> & { stored?: Promise<unknown> };
          h.track(result, `${c.clientId || '(no id)'}.${name}`);
          if (result.stored !== undefined) h.track(result.stored, `${c.clientId || '(no id)'}.publish.stored`);
          return result;
        };
      }
      return c;
    },
    async connect(options) {
      const c = h.client(options);
      await h.track(c.connect(), 'connect');
      return c;
    },
    track(promise, label = 'promise') {
      const t: Tracked = { settled: false, label };
      tracked.push(t);
      promise.then(
        () => (t.settled = true),
        () => (t.settled = true),
      );
      return promise;
    },
    once<T>(client: MqttClient, event: string, ms = 5000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timeout waiting for '${event}'`)), ms);
        timers.push(timer);
        (client as unknown as NodeJS.EventEmitter).once(event, (value: T) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
  };
  return h;
}

/** A seeded PRNG in [0, 1) (mulberry32), for reproducible backoff. */
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
