/**
 * The load generator of `mqttx bench`, on `@mqttx/client`: connects many sessions (bounded concurrency,
 * optional connect rate), then holds them (`conn`), publishes from each at a fixed rate (`pub`), or feeds
 * subscribers from a few publishers and measures publish-to-receipt latency (`sub`). One coarse timer
 * drives every publisher; latencies go into the manager's fixed-bucket histogram.
 * @module
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { MqttClient, type ClientOptions } from '@mqttx/client';
import { LatencyHistogram } from '../../metrics/latency.js';
import { codeOf } from '../errors.js';
import type { BenchMode, BenchSummary } from '../render/bench.js';

/** Everything a benchmark run needs (validated by `parseBenchArgs`). */
export interface BenchPlan {
  /** Mode. */
  mode: BenchMode;
  /** Base client options (broker, credentials, TLS, version, keepalive); ids and reconnect are set per session. */
  client: ClientOptions;
  /** Broker for display (credentials redacted). */
  broker: string;
  /** MQTT version. */
  protocolVersion: 4 | 5;
  /** Warnings to print first. */
  warnings: string[];
  /** Sessions (publishers for `pub`, subscribers for `sub`). */
  count: number;
  /** Connects started per second, 0 for no pacing. */
  connRate: number;
  /** Connects in flight at once. */
  concurrency: number;
  /** Messages per second per publisher. */
  rate: number;
  /** Message phase (`pub`, `sub`) or hold time (`conn`), ms. */
  durationMs: number;
  /** Messages per publisher, 0 for no limit. */
  limit: number;
  /** `sub`: publishing sessions. */
  publishers: number;
  /** QoS. */
  qos: 0 | 1 | 2;
  /** Payload size, bytes (`sub`: >= 8, the first 8 hold the send time). */
  size: number;
  /** Topic pattern, `%i` = session number (1-based). */
  topic: string;
  /** Client id prefix. */
  idPrefix: string;
  /** Print JSON. */
  json: boolean;
}

/** Progress reports while a benchmark runs. */
export type BenchProgress =
  | { phase: 'connect'; sessions: number; connected: number; failed: number; elapsedMs: number }
  | { phase: 'hold'; connected: number; fraction: number; elapsedMs: number }
  | { phase: 'messages'; sent: number; received: number; fraction: number; elapsedMs: number }
  | { phase: 'end'; elapsedMs: number };

/** Options of {@link runBench}. */
export interface BenchRunOptions {
  /** Stops the run (the summary is still returned, marked interrupted). */
  signal: AbortSignal;
  /** Called every `progressIntervalMs`. */
  onProgress?: ((progress: BenchProgress) => void) | undefined;
  /** Default 250 ms. */
  progressIntervalMs?: number;
}

/** Publishes outstanding per publisher before it waits (keeps memory bounded when the broker is slower). */
const MAX_OUTSTANDING = 1000;
/** Tick of the publish scheduler, ms. */
const TICK_MS = 10;
/** How long the end of the message phase waits for outstanding publishes and deliveries, ms. */
const DRAIN_MS = 10_000;

class Run {
  readonly start = performance.now();
  readonly errors: Record<string, number> = {};
  readonly connectLatency = new LatencyHistogram();
  readonly latency = new LatencyHistogram();
  phase: BenchProgress['phase'] = 'connect';
  connected = 0;
  failed = 0;
  sent = 0;
  received = 0;
  expected = 0;
  outstanding = 0;
  fraction = 0;
  firstConnectAt = 0;
  lastConnectAt = 0;
  messageStart = 0;
  messageEnd = 0;

  constructor(
    readonly plan: BenchPlan,
    readonly signal: AbortSignal,
  ) {}

  error(err: unknown): void {
    const code = codeOf(err);
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  progress(): BenchProgress {
    const elapsedMs = performance.now() - this.start;
    switch (this.phase) {
      case 'connect':
        return { phase: 'connect', sessions: this.sessionTotal(), connected: this.connected, failed: this.failed, elapsedMs };
      case 'hold':
        return { phase: 'hold', connected: this.connected, fraction: this.fraction, elapsedMs };
      case 'messages':
        return { phase: 'messages', sent: this.sent, received: this.received, fraction: this.fraction, elapsedMs };
      case 'end':
        return { phase: 'end', elapsedMs };
    }
  }

  sessionTotal(): number {
    return this.plan.mode === 'sub' ? this.plan.count + this.plan.publishers : this.plan.count;
  }

  topicFor(n: number): string {
    return this.plan.topic.replaceAll('%i', String(n));
  }
}

/** Connects `n` sessions with bounded concurrency and optional pacing; failed ones are `undefined`. */
async function connectAll(run: Run, n: number, idOf: (i: number) => string, prepare?: (client: MqttClient, i: number) => Promise<void>): Promise<(MqttClient | undefined)[]> {
  const { plan, signal } = run;
  const clients: (MqttClient | undefined)[] = new Array<MqttClient | undefined>(n).fill(undefined);
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const i = next++;
      if (i >= n) return;
      if (plan.connRate > 0) {
        const wait = t0 + (i * 1000) / plan.connRate - performance.now();
        if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
        if (signal.aborted) return;
      }
      const client = new MqttClient({ ...plan.client, clientId: idOf(i), reconnect: false });
      const t = performance.now();
      if (run.firstConnectAt === 0) run.firstConnectAt = t;
      try {
        await client.connect({ signal });
        run.connectLatency.observe(performance.now() - t);
        await prepare?.(client, i);
        clients[i] = client;
        run.connected++;
        run.lastConnectAt = performance.now();
      } catch (err) {
        client.destroy();
        if (signal.aborted) return;
        run.error(err);
        run.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, n) }, worker));
  return clients;
}

/** Resolves when `done()` holds (checked every tick), the signal aborts, or `timeoutMs` passes. */
async function until(run: Run, done: () => boolean, timeoutMs: number, onTick?: () => void): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!run.signal.aborted && !done() && performance.now() < deadline) {
    onTick?.();
    if (done()) return;
    await sleep(TICK_MS, undefined, { signal: run.signal }).catch(() => undefined);
  }
}

/**
 * One publisher of the message phase. Its publishes settle in the order they were made (acknowledgements of
 * one connection come back in order), so their start times wait in a FIFO ring and the two settle handlers
 * are made once per publisher, not per message.
 */
class Publisher {
  issued = 0;
  outstanding = 0;
  private times = new Float64Array(64);
  private head = 0;
  private tail = 0;

  constructor(
    readonly client: MqttClient,
    private readonly run: Run,
    private readonly timed: boolean,
  ) {}

  /** Remembers a start time (the ring grows when full). */
  started(t: number): void {
    if (this.tail - this.head === this.times.length) {
      const bigger = new Float64Array(this.times.length * 2);
      for (let i = this.head; i < this.tail; i++) bigger[i - this.head] = this.times[i % this.times.length]!;
      this.tail -= this.head;
      this.head = 0;
      this.times = bigger;
    }
    this.times[this.tail++ % this.times.length] = t;
    this.outstanding++;
    this.run.outstanding++;
  }

  private settled(): number {
    this.outstanding--;
    this.run.outstanding--;
    return this.times[this.head++ % this.times.length]!;
  }

  readonly ok = (): void => {
    const t = this.settled();
    this.run.sent++;
    if (this.timed) this.run.latency.observe(performance.now() - t);
  };

  readonly failed = (err: unknown): void => {
    this.settled();
    this.run.error(err);
  };
}

/** Publishes from `clients` at the plan's rate until the duration or the limit is reached. */
async function publishPhase(run: Run, clients: MqttClient[], targetsOf: (p: number, m: number) => string, fanout: (topic: string) => number): Promise<void> {
  const { plan } = run;
  const stamp = plan.mode === 'sub';
  // pub: publish-to-resolution latency; sub: the send time travels in the payload instead.
  const publishers = clients.map((c) => new Publisher(c, run, !stamp));
  const limit = plan.limit > 0 ? plan.limit : Infinity;
  const start = performance.now();
  run.messageStart = start;
  run.phase = 'messages';
  const endAt = plan.durationMs > 0 ? start + plan.durationMs : Infinity;
  const options = { qos: plan.qos };
  // The client encodes the payload when it sends, and nothing here changes it: one buffer serves every
  // publish, except in sub mode where each carries its own send time.
  const shared = Buffer.alloc(plan.size);

  const publishOne = (p: number): void => {
    const pub = publishers[p]!;
    const topic = targetsOf(p, pub.issued++);
    const t = performance.now();
    let payload = shared;
    if (stamp) {
      payload = Buffer.alloc(plan.size);
      payload.writeDoubleLE(t, 0);
    }
    run.expected += fanout(topic);
    pub.started(t);
    pub.client.publish(topic, payload, options).then(pub.ok, pub.failed);
  };

  const tick = (): void => {
    const now = performance.now();
    const due = Math.min(limit, Math.floor(((Math.min(now, endAt) - start) / 1000) * plan.rate) + 1);
    for (let p = 0; p < publishers.length; p++) {
      const pub = publishers[p]!;
      while (pub.issued < due && pub.outstanding < MAX_OUTSTANDING) publishOne(p);
    }
    const byTime = endAt === Infinity ? 0 : (now - start) / plan.durationMs;
    const byCount = limit === Infinity ? 0 : run.sent / (limit * publishers.length);
    run.fraction = Math.min(1, Math.max(byTime, byCount));
  };
  const allIssued = (): boolean => publishers.every((pub) => pub.issued >= limit);
  await until(run, () => performance.now() >= endAt || allIssued(), Infinity, tick);
  run.fraction = 1;
  await until(run, () => run.outstanding === 0 && run.received >= run.expected, DRAIN_MS);
  run.messageEnd = performance.now();
  if (run.outstanding > 0) run.errors.ERR_BENCH_UNSETTLED = run.outstanding;
  if (stamp && plan.qos > 0 && run.received < run.expected) run.errors.ERR_BENCH_NOT_RECEIVED = run.expected - run.received;
}

/** Ends every client, gracefully but briefly (1 s for in-flight messages). */
async function endAll(clients: readonly (MqttClient | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => (c === undefined ? undefined : c.end({ timeout: 1000 }).catch(() => c.destroy()))));
}

/**
 * Runs a benchmark and returns its summary; never rejects for a failed connect or publish (those are
 * counted by error code). Every client is closed before it resolves.
 */
export async function runBench(plan: BenchPlan, options: BenchRunOptions): Promise<BenchSummary> {
  const run = new Run(plan, options.signal);
  // Every connect (and subscribe) in flight listens to the signal until it settles.
  setMaxListeners(plan.concurrency + 16, options.signal);
  const onProgress = options.onProgress;
  const timer = onProgress === undefined ? undefined : setInterval(() => onProgress(run.progress()), options.progressIntervalMs ?? 250);
  const all: (MqttClient | undefined)[] = [];
  try {
    if (plan.mode === 'conn') {
      all.push(...(await connectAll(run, plan.count, (i) => `${plan.idPrefix}${i + 1}`)));
      if (plan.durationMs > 0 && !run.signal.aborted) {
        run.phase = 'hold';
        const holdStart = performance.now();
        await until(run, () => performance.now() - holdStart >= plan.durationMs, plan.durationMs + TICK_MS, () => {
          run.fraction = (performance.now() - holdStart) / plan.durationMs;
        });
      }
    } else if (plan.mode === 'pub') {
      all.push(...(await connectAll(run, plan.count, (i) => `${plan.idPrefix}${i + 1}`)));
      const publishers = all.map((c, i) => [c, i] as const).filter((e): e is readonly [MqttClient, number] => e[0] !== undefined);
      const topics = publishers.map(([, i]) => run.topicFor(i + 1));
      if (publishers.length > 0 && !run.signal.aborted) await publishPhase(run, publishers.map(([c]) => c), (p) => topics[p]!, () => 0);
    } else {
      const subscribed = new Map<string, number>();
      const onMessage = (msg: { payload: Buffer }): void => {
        run.received++;
        if (msg.payload.length >= 8) run.latency.observe(performance.now() - msg.payload.readDoubleLE(0));
      };
      const subscribers = await connectAll(run, plan.count, (i) => `${plan.idPrefix}${i + 1}`, async (client, i) => {
        const topic = run.topicFor(i + 1);
        client.on('message', onMessage);
        const [grant] = await client.subscribe(topic, { qos: plan.qos, signal: run.signal });
        if (grant === undefined || grant.reasonCode >= 0x80) throw Object.assign(new Error('subscription refused'), { code: 'ERR_SUBSCRIPTION' });
        subscribed.set(topic, (subscribed.get(topic) ?? 0) + 1);
      });
      all.push(...subscribers);
      const pubs = await connectAll(run, plan.publishers, (j) => `${plan.idPrefix}pub-${j + 1}`);
      all.push(...pubs);
      const publishers = pubs.filter((c): c is MqttClient => c !== undefined);
      const topics = Array.from({ length: plan.count }, (_, i) => run.topicFor(i + 1));
      const spread = (p: number, m: number): string => topics[(p + m * publishers.length) % topics.length]!;
      if (publishers.length > 0 && !run.signal.aborted) await publishPhase(run, publishers, spread, (t) => subscribed.get(t) ?? 0);
    }
  } finally {
    run.phase = 'end';
    await endAll(all);
    if (timer !== undefined) clearInterval(timer);
  }
  return {
    mode: plan.mode,
    broker: plan.broker,
    protocolVersion: plan.protocolVersion,
    sessions: run.sessionTotal(),
    connected: run.connected,
    connectFailed: run.failed,
    qos: plan.qos,
    payloadSize: plan.size,
    elapsedMs: performance.now() - run.start,
    connectMs: run.connected === 0 ? 0 : Math.max(0, run.lastConnectAt - run.firstConnectAt),
    connectLatency: run.connectLatency.snapshot(),
    messagesSent: run.sent,
    messagesReceived: run.received,
    messageMs: run.messageEnd - run.messageStart,
    latency: run.latency.snapshot(),
    errors: run.errors,
    interrupted: run.signal.aborted,
  };
}
