/**
 * The driver's side of session persistence: opening the store (`createStore` for specs), loading the
 * session into the core before anything else reaches it, writing and deleting records for the core's
 * `persist` / `unpersist` effects, the store's expiry, flush and close.
 * @module
 */
import { MqttxError } from '@mqttx/codec/errors';
import type { Driver } from './driver.js';
import { StoreError } from './errors.js';
import type { OpSlot } from './slots.js';
import type { ConnectedInfo, PersistRecord } from './state/effects.js';
import type { Op } from './state/ops.js';
import { createStore, type StoreSpec } from './store/create.js';
import type { Keyspace, SessionStore, StoreKey } from './store/types.js';

/** Store handling of one client with persistence `async` or `durable` (a client with `none` has none). @internal */
export class Persistence {
  /** The session store, once opened. */
  store: SessionStore | undefined = undefined;
  private readonly d: Driver;
  private readonly spec: StoreSpec;
  /** The configured client id (a spec builds the store for it; a server-assigned id does not change it). */
  private readonly clientId: string;
  /** A store object the application passed stays open for it; one built from a spec is ours to close. */
  private readonly owned: boolean;
  /** Ops submitted before the session was loaded, in order. */
  private waitingOps: Op[] | undefined = undefined;
  private restorePromise: Promise<void> | undefined = undefined;

  /**
   * @param driver - the driver
   * @param spec - the `store` option
   * @param clientId - the configured client id
   */
  constructor(driver: Driver, spec: StoreSpec, clientId: string) {
    this.d = driver;
    this.spec = spec;
    this.clientId = clientId;
    this.owned = typeof spec === 'string' || (spec as { type?: unknown }).type !== undefined;
  }

  /** True when `op` must wait for the session to be loaded (it is queued and the load starts). */
  hold(op: Op): boolean {
    if (this.waitingOps === undefined && this.restorePromise !== undefined) return false;
    (this.waitingOps ??= []).push(op);
    this.restore().catch(() => undefined);
    return true;
  }

  /** Withdraws an op still waiting for the session; false when it is not waiting. */
  cancel(op: Op, error: Error): boolean {
    const waiting = this.waitingOps;
    const i = waiting === undefined ? -1 : waiting.indexOf(op);
    if (i < 0) return false;
    waiting!.splice(i, 1);
    (op.slot as OpSlot).settle(error, undefined);
    return true;
  }

  /**
   * Opens the store and loads the session, once, before the first op or connection; ops submitted
   * meanwhile go to the core afterwards, in order. When the store cannot be opened or read, those ops fail
   * with its error, connection attempts too, and the next op or attempt tries again.
   */
  restore(): Promise<void> {
    if (this.restorePromise !== undefined) return this.restorePromise;
    this.restorePromise = this.load();
    return this.restorePromise;
  }

  private async load(): Promise<void> {
    const core = this.d.core;
    try {
      this.store ??= await createStore(this.spec, { clientId: this.clientId });
      const s = this.store;
      const [outbound, inbound, subscriptions, meta] = await Promise.all([s.list('outbound'), s.list('inbound'), s.list('subscriptions'), s.list('meta')]);
      if (core.status !== 'destroyed') core.restore({ outbound, inbound, subscriptions, meta });
    } catch (err) {
      this.restorePromise = undefined;
      const error = err instanceof MqttxError ? err : new StoreError('the session could not be read', err);
      for (const op of this.takeWaiting()) (op.slot as OpSlot).settle(error, undefined);
      throw error;
    }
    for (const op of this.takeWaiting()) this.d.input(op);
  }

  private takeWaiting(): Op[] {
    const ops = this.waitingOps ?? [];
    this.waitingOps = undefined;
    return ops;
  }

  /** The core's `persist` effect. */
  persist(record: PersistRecord): void {
    const d = this.d;
    const op = record.op;
    const put = this.store!.put(record.keyspace, { key: record.key, seq: record.seq, bytes: record.bytes });
    if (op === undefined) {
      const link = d.link;
      put.catch((err: unknown) => {
        const error = new StoreError('a session record could not be written', err, { keyspace: record.keyspace, key: record.key });
        d.report(error);
        // A transient error while handling an inbound packet closes its connection [MQTT-4.8.0-2]: the
        // server sends the unfinished exchange again on the next one.
        if (record.keyspace === 'inbound' && link !== undefined && link === d.link) link.close(error, true);
      });
      return;
    }
    put.then(
      () => {
        (op.slot as OpSlot | undefined)?.markStored();
        d.core.persisted(op, d.scheduler.now());
        d.arm();
      },
      (err: unknown) => {
        const error = new StoreError('the session record could not be written', err, { packetId: op.packetId });
        (op.slot as OpSlot | undefined)?.storedFailed(error);
        d.core.persistFailed(op, err, d.scheduler.now());
        d.report(error);
        d.arm();
      },
    );
  }

  /** The core's `unpersist` effect. */
  unpersist(keyspace: Keyspace, key: StoreKey): void {
    this.store!.delete(keyspace, key).catch((err: unknown) => this.d.report(new StoreError('a session record could not be deleted', err, { keyspace })));
  }

  /** After CONNACK: the stored session lives as long as the server keeps it (the CONNACK may lower our interval). */
  connected(info: ConnectedInfo): void {
    const store = this.store;
    const core = this.d.core;
    if (store?.setExpiry === undefined) return;
    const expiry = core.v5 ? (info.connack.properties?.sessionExpiryInterval ?? core.opts.properties?.sessionExpiryInterval) : undefined;
    store.setExpiry(expiry).catch((err: unknown) => this.d.report(err));
  }

  /** Flushes (when `graceful`) and closes a store the client opened; a store object given to it stays open. */
  async close(graceful: boolean): Promise<void> {
    const store = this.store;
    if (store === undefined) return;
    if (graceful && store.flush !== undefined) await store.flush().catch((err: unknown) => this.d.report(err));
    if (this.owned) await store.close().catch((err: unknown) => this.d.report(err));
  }
}
