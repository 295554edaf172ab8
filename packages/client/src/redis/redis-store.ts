/**
 * `RedisStore`: a {@link SessionStore} in Redis, built on `ioredis` (an optional peer dependency, loaded only
 * through this subpath). Key layout in `keys.ts`; guarantees and failure behaviour in the package's
 * `STORES.md`.
 *
 * Every operation joins the current batch; a batch is one `MULTI ... EXEC` sent at the end of the event-loop
 * turn (operations issued together share one round trip and apply atomically, in order), followed by
 * `PEXPIRE` of the session's keys when the batch wrote and a TTL is set. While Redis is unreachable a batch
 * is refused at once (nothing waits in a queue), and a round trip that outlasts `timeoutMs` rejects: both
 * with a temporary `StoreError`. The connection recovers by itself (ioredis reconnects).
 * @module
 */
import { Redis, type ChainableCommander, type Cluster } from 'ioredis';
import { MqttxError } from '@mqttx/codec/errors';
import { ConfigError, StoreError } from '../errors.js';
import type { Keyspace, SessionStore, StoreCapabilities, StoreKey, StoreRecord } from '../store/types.js';
import { decodeValue, encodeValue, fieldOf, keyOf, sessionKeys } from './keys.js';
import { keyspaceIndex } from '../store/types.js';
import type { RedisStoreOptions } from './options.js';

type Client = Redis | Cluster;

/** Largest TTL that still means "expires" (MQTT's 0xFFFFFFFF means never). */
const NEVER = 0xffffffff;

function noop(): void {}

function ttlMsOf(seconds: number | undefined): number {
  return seconds === undefined || seconds <= 0 || seconds >= NEVER ? 0 : Math.ceil(seconds * 1000);
}

function bySeq(a: StoreRecord, b: StoreRecord): number {
  return a.seq - b.seq;
}

/** One MULTI round trip shared by the operations issued in one event-loop turn. */
class RedisBatch {
  /** Replies of the queued commands, in order (filled before `promise` resolves). */
  readonly promise: Promise<unknown[]>;
  /** Commands queued by operations (index of the next reply). */
  count = 0;
  /** Whether a command writes (then the TTL is refreshed). */
  writes = false;
  private voidP: Promise<void> | undefined = undefined;
  private resolveFn!: (replies: unknown[]) => void;
  private rejectFn!: (err: unknown) => void;
  private settled = false;

  constructor(readonly pipe: ChainableCommander) {
    this.promise = new Promise<unknown[]>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
  }

  /** The batch's promise without its value (shared by every put). */
  done(): Promise<void> {
    return (this.voidP ??= this.promise.then(noop));
  }

  resolve(replies: unknown[]): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn(replies);
  }

  reject(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(err);
  }
}

/** A session store in Redis (see the module documentation). */
export class RedisStore implements SessionStore {
  /** Data survives close and reopen. */
  readonly capabilities: StoreCapabilities = { reopen: true };
  /** The session's four keys (outbound, inbound, subscriptions, meta). */
  readonly keys: readonly [string, string, string, string];

  private batch: RedisBatch | null = null;
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;
  private closing: Promise<void> | undefined = undefined;
  private ttlMs: number;
  private refreshTimer: NodeJS.Timeout | undefined = undefined;
  private readonly flushNow = (): void => {
    this.send();
  };

  private constructor(
    private readonly client: Client,
    private readonly owned: boolean,
    keys: [string, string, string, string],
    ttlSeconds: number | undefined,
    private readonly timeoutMs: number,
  ) {
    this.keys = keys;
    this.ttlMs = ttlMsOf(ttlSeconds);
    this.armRefresh();
  }

  /**
   * Connects (or adopts `options.redis`) and waits until Redis answers.
   * @throws `ConfigError` for bad options; a temporary `StoreError` when Redis is not reachable in time.
   */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const { clientId } = options;
    if (typeof clientId !== 'string' || clientId === '') {
      throw new ConfigError('a Redis store needs a non-empty client id', { option: 'clientId' });
    }
    const prefix = options.prefix ?? 'mqttx:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) throw new ConfigError('prefix must be a string without { or }', { option: 'prefix' });
    const timeoutMs = options.timeoutMs ?? 2000;
    if (!(timeoutMs > 0)) throw new ConfigError('timeoutMs must be positive', { option: 'timeoutMs' });
    const ttl = options.ttlSeconds;
    if (ttl !== undefined && !(ttl >= 0)) throw new ConfigError('ttlSeconds must be >= 0', { option: 'ttlSeconds' });

    let client: Client;
    let owned = false;
    if (options.redis !== undefined) {
      client = options.redis as unknown as Client;
    } else {
      const own = {
        // Fail at once while disconnected instead of queueing, and do not replay unanswered commands after a
        // reconnect: the store's caller decides what to retry.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        lazyConnect: true,
        connectTimeout: timeoutMs,
      };
      const conn = options.connection ?? 'redis://127.0.0.1:6379';
      client = typeof conn === 'string' ? new Redis(conn, own) : new Redis({ ...conn, ...own });
      client.on('error', options.onError ?? noop);
      owned = true;
    }
    try {
      await waitReady(client, timeoutMs);
    } catch (err) {
      if (owned) await disconnect(client);
      throw err;
    }
    return new RedisStore(client, owned, sessionKeys(prefix, clientId), ttl, timeoutMs);
  }

  /** Resolves when the connection is ready (at once when it is); rejects after `timeoutMs`. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    return waitReady(this.client, this.timeoutMs);
  }

  /** {@inheritDoc SessionStore.put} */
  put(keyspace: Keyspace, record: StoreRecord): Promise<void> {
    const slot = keyspaceIndex(keyspace);
    if (this.closed) return Promise.reject(closedError());
    if (slot < 0) return Promise.reject(new StoreError(`unknown keyspace ${String(keyspace)}`, undefined, { keyspace }));
    if (record === null || typeof record !== 'object' || !Buffer.isBuffer(record.bytes) || !Number.isFinite(record.seq)) {
      return Promise.reject(new StoreError('invalid record', undefined, { keyspace }));
    }
    const field = fieldOf(record.key);
    if (field === undefined) return Promise.reject(new StoreError('invalid key', undefined, { keyspace }));
    const b = this.current();
    b.pipe.hset(this.keys[slot], field, encodeValue(record.seq, record.bytes));
    b.count++;
    b.writes = true;
    return b.done();
  }

  /** {@inheritDoc SessionStore.get} */
  get(keyspace: Keyspace, key: StoreKey): Promise<StoreRecord | undefined> {
    const slot = keyspaceIndex(keyspace);
    if (this.closed) return Promise.reject(closedError());
    if (slot < 0) return Promise.reject(new StoreError(`unknown keyspace ${String(keyspace)}`, undefined, { keyspace }));
    const field = fieldOf(key);
    if (field === undefined) return Promise.resolve(undefined);
    const b = this.current();
    b.pipe.hgetBuffer(this.keys[slot], field);
    const i = b.count++;
    return b.promise.then((replies) => decodeValue(key, replies[i] as Buffer | null));
  }

  /** {@inheritDoc SessionStore.delete} */
  delete(keyspace: Keyspace, key: StoreKey): Promise<boolean> {
    const slot = keyspaceIndex(keyspace);
    if (this.closed) return Promise.reject(closedError());
    if (slot < 0) return Promise.reject(new StoreError(`unknown keyspace ${String(keyspace)}`, undefined, { keyspace }));
    const field = fieldOf(key);
    if (field === undefined) return Promise.resolve(false);
    const b = this.current();
    b.pipe.hdel(this.keys[slot], field);
    const i = b.count++;
    b.writes = true;
    return b.promise.then((replies) => replies[i] === 1);
  }

  /** {@inheritDoc SessionStore.list} */
  list(keyspace: Keyspace): Promise<StoreRecord[]> {
    const slot = keyspaceIndex(keyspace);
    if (this.closed) return Promise.reject(closedError());
    if (slot < 0) return Promise.reject(new StoreError(`unknown keyspace ${String(keyspace)}`, undefined, { keyspace }));
    const b = this.current();
    b.pipe.hgetallBuffer(this.keys[slot]);
    const i = b.count++;
    return b.promise.then((replies) => {
      const hash = (replies[i] ?? {}) as Record<string, Buffer>;
      const out: StoreRecord[] = [];
      for (const field of Object.keys(hash)) {
        const rec = decodeValue(keyOf(field), hash[field]);
        if (rec !== undefined) out.push(rec);
      }
      return out.sort(bySeq);
    });
  }

  /** {@inheritDoc SessionStore.reset} */
  reset(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    const b = this.current();
    b.pipe.del(...this.keys);
    b.count++;
    return b.done();
  }

  /**
   * Resolves once every operation issued before the call is done (rejects when one of them failed). Every
   * operation already resolves only once Redis answered it; this waits for the pipeline in progress.
   */
  async flush(): Promise<void> {
    if (this.closed) throw closedError();
    const b = this.batch;
    if (b !== null) await b.done();
  }

  /**
   * How long the stored session should outlive the last write, in seconds (the MQTT session expiry interval);
   * `undefined`, `0` or `0xFFFFFFFF` and above keep it until deleted.
   * Applies the TTL to the session's keys now (or removes it).
   */
  setExpiry(seconds: number | undefined): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (seconds !== undefined && !(seconds >= 0)) return Promise.reject(new StoreError('invalid expiry', undefined, { seconds }));
    this.ttlMs = ttlMsOf(seconds);
    this.armRefresh();
    const b = this.current();
    if (this.ttlMs > 0) b.writes = true;
    else for (const key of this.keys) b.pipe.persist(key);
    return b.done();
  }

  /**
   * Releases resources; later calls reject. Idempotent. Waits for round trips in flight; closes the Redis
   * client only if the store created it.
   */
  close(): Promise<void> {
    if (this.closing === undefined) this.closing = this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer !== undefined) clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
    this.send();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    if (this.owned) await disconnect(this.client);
  }

  private current(): RedisBatch {
    let b = this.batch;
    if (b === null) {
      b = new RedisBatch(this.client.multi());
      this.batch = b;
      setImmediate(this.flushNow);
    }
    return b;
  }

  /** Sends the current batch (if any). */
  private send(): void {
    const b = this.batch;
    if (b === null) return;
    this.batch = null;
    if (b.writes && this.ttlMs > 0) for (const key of this.keys) b.pipe.pexpire(key, this.ttlMs);
    if (this.client.status !== 'ready') {
      // Never sent: nothing waits in a queue while Redis is away.
      b.reject(new StoreError('Redis is not connected', undefined, { status: this.client.status }));
      return;
    }
    const timer = setTimeout(() => {
      b.reject(new StoreError('Redis did not answer in time', timeoutError(this.timeoutMs), { timeoutMs: this.timeoutMs }));
    }, this.timeoutMs);
    b.pipe.exec().then(
      (results) => {
        clearTimeout(timer);
        if (results === null) return b.reject(new StoreError('the Redis transaction was aborted'));
        const replies: unknown[] = new Array(b.count);
        for (let i = 0; i < results.length; i++) {
          const [err, value] = results[i]!;
          if (err) return b.reject(new StoreError('a Redis command failed', err));
          if (i < b.count) replies[i] = value;
        }
        b.resolve(replies);
      },
      (err: unknown) => {
        clearTimeout(timer);
        b.reject(new StoreError('Redis failed', err));
      },
    );
    // close() waits for the batch to settle (bounded by the timeout), not for Redis to answer.
    const settled = b.promise.then(noop, noop);
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
  }

  /** Keeps the TTL alive while the store is open: the session expires about `ttl` after the process stops. */
  private armRefresh(): void {
    if (this.refreshTimer !== undefined) clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
    if (this.ttlMs === 0 || this.closed) return;
    this.refreshTimer = setInterval(() => {
      if (this.closed || this.client.status !== 'ready') return;
      const b = this.current();
      b.writes = true;
      b.done().catch(noop);
    }, Math.max(1000, Math.floor(this.ttlMs / 3)));
    this.refreshTimer.unref();
  }
}

/** Disconnects a client the store made and waits until its socket is closed (no timer left behind). */
function disconnect(client: Client): Promise<void> {
  const status = client.status;
  if (status === 'end') return Promise.resolve();
  if (status === 'reconnecting' || status === 'close') {
    // No socket (waiting to reconnect): disconnect() only cancels the retry, and no 'end' follows.
    client.disconnect();
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('end', done);
      resolve();
    };
    // Bounded, in case the socket never reports its close.
    const timer = setTimeout(done, 2000);
    client.on('end', done);
    client.disconnect();
  });
}

function closedError(): StoreError {
  return new StoreError('the store is closed');
}

function timeoutError(ms: number): MqttxError {
  return new MqttxError('ERR_STORE_TIMEOUT', `no answer from Redis within ${ms} ms`, { kind: 'storage', temporary: true, timeout: true });
}

/** Resolves when `client` is ready; connects a lazy client; rejects with a temporary StoreError after `ms`. */
function waitReady(client: Client, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = (err?: StoreError): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new StoreError('the Redis connection ended', undefined, { status: client.status }));
    const timer = setTimeout(
      () => done(new StoreError('Redis is not reachable', timeoutError(ms), { status: client.status })),
      ms,
    );
    client.on('ready', onReady);
    client.on('end', onEnd);
    if (client.status === 'wait') client.connect().catch(noop);
    else if (client.status === 'end') onEnd();
  });
}
