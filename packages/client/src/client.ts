/**
 * `MqttClient`: the public MQTT 3.1.1 / 5.0 client (promises, typed events, AbortSignals) over the pure
 * protocol core, and the `connect()` shortcut.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Properties, QoS, Subscription, SubackPacket, UnsubackPacket } from '@mqttx/codec';
import { createConnector, type ConnectorOptions, type TimerScheduler } from '@mqttx/transport';
import { MqttxError } from '@mqttx/codec/errors';
import { Driver } from './driver.js';
import { AbortError, ClientClosedError, ConfigError, InvalidRequestError } from './errors.js';
import type {
  ClientEvents,
  ClientStats,
  ClientStatus,
  EndOptions,
  PublishOptions,
  PublishPromise,
  SubscribeOptions,
  SubscriptionGrant,
  SubscriptionOptions,
  UnsubscribeOptions,
  UnsubscribeResult,
} from './events.js';
import type { MessageIterator, Message, MessagesOptions } from './messages.js';
import { toBuffer, toCoreOptions, type ClientConnector, type ClientOptions } from './options.js';
import { OBSERVER, type ClientObserver } from './observer.js';
import { OpSlot, RESOLVED } from './slots.js';
import { ClientCore } from './state/core.js';
import type { AuthPacket } from '@mqttx/codec';
import type { ConnectedInfo, ServerLimits } from './state/effects.js';
import { DisconnectOp, PublishOp, ReauthOp, SubscribeOp, UnsubscribeOp, type Op } from './state/ops.js';

/** The default clock: `performance.now()` and Node's timers. */
const defaultScheduler: TimerScheduler = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The connector options of the last client without `tls` options (the connector only reads them). */
let plainConnectorOptions: ConnectorOptions = { connectTimeout: undefined };

/**
 * The connector's options: `tls` plus `connectTimeout`. Clients without `tls` options and with the same
 * `connectTimeout` share one object (most clients of a process use the same settings).
 */
function connectorOptions(options: ClientOptions): ConnectorOptions {
  const tls = options.tls;
  const connectTimeout = options.connectTimeout;
  if (tls !== undefined) return { ...tls, connectTimeout };
  if (plainConnectorOptions.connectTimeout !== connectTimeout) plainConnectorOptions = { connectTimeout };
  return plainConnectorOptions;
}

/**
 * What every QoS 0 publish written at once returns (no persistence): one shared, frozen, resolved promise,
 * so the hot path of a QoS 0 publisher allocates no promise of its own.
 */
const WRITTEN: PublishPromise = Object.freeze(Object.assign(Promise.resolve(undefined), { stored: RESOLVED }));

/** The caller's promise of a publish, with its `stored` promise. */
function publishPromise(slot: OpSlot): PublishPromise {
  const promise = slot.promise as PublishPromise;
  (promise as { stored: Promise<void> }).stored = slot.stored;
  return promise;
}

/** What `subscribe` accepts: a filter, a list of filters, or `{ filter: QoS | options }`. */
export type SubscribeRequest = string | string[] | Record<string, QoS | SubscriptionOptions>;

function grants(value: unknown, op: Op): SubscriptionGrant[] {
  const codes = (value as SubackPacket).reasonCodes;
  const subs = (op as SubscribeOp).subscriptions;
  const out: SubscriptionGrant[] = [];
  for (let i = 0; i < subs.length; i++) {
    const rc = codes[i]!;
    out.push({ topicFilter: subs[i]!.topicFilter, reasonCode: rc, qos: rc < 0x80 ? (rc as QoS) : undefined });
  }
  return out;
}

function unsubResults(value: unknown, op: Op): UnsubscribeResult[] {
  const codes = (value as UnsubackPacket).reasonCodes;
  return (op as UnsubscribeOp).topicFilters.map((topicFilter, i) => ({ topicFilter, reasonCode: codes?.[i] ?? 0 }));
}

/**
 * An MQTT client. Create it with `new MqttClient(options)` and call {@link MqttClient.connect}, or use the
 * {@link connect} shortcut. Requests made while offline are queued (see the options `queueQos0`,
 * `queueQos12`, `offlineSubscribe`) and go out once connected.
 */
export class MqttClient extends EventEmitter<ClientEvents> {
  private readonly driver: Driver;
  private endPromise: Promise<void> | undefined = undefined;

  /**
   * @param options - see {@link ClientOptions}
   * @throws ConfigError (`ERR_CONFIG`, `context.option` names the field) for invalid options
   */
  constructor(options: ClientOptions) {
    super();
    const persistence = options?.persistence ?? (options?.store === undefined ? 'none' : 'durable');
    const coreOptions = toCoreOptions(options, persistence);
    let connector: ClientConnector;
    if (options.connector !== undefined) {
      connector = options.connector;
    } else {
      try {
        connector = createConnector(options.brokers!, connectorOptions(options));
      } catch (err) {
        throw new ConfigError('invalid brokers', { option: 'brokers', cause: err instanceof MqttxError ? err.code : undefined });
      }
    }
    // Persistence `none` needs no store handling at all (the core's memory is the session).
    const storeSpec = persistence === 'none' ? undefined : (options.store ?? 'memory');
    const driver = new Driver(this, options, options.scheduler ?? defaultScheduler, connector, storeSpec);
    driver.core = new ClientCore(coreOptions, driver);
    this.driver = driver;
  }

  // ------------------------------------------------------------ state

  /** Where the client stands. */
  get status(): ClientStatus {
    return this.driver.status;
  }

  /** True while a connection is established (CONNACK Success received). */
  get connected(): boolean {
    return this.driver.core.connected;
  }

  /** The client id in use (the server-assigned one after an assignment). */
  get clientId(): string {
    return this.driver.core.clientId;
  }

  /** Limits the server announced in the last CONNACK (undefined before the first). */
  get serverLimits(): ServerLimits | undefined {
    return this.driver.core.limits;
  }

  /** Counters (a live object). */
  get stats(): Readonly<ClientStats> {
    return this.driver.stats;
  }

  /** QoS 1/2 publishes holding a packet id (queued with one, in flight, or awaiting PUBCOMP). */
  get inflight(): number {
    return this.driver.core.inflightCount;
  }

  /** Publishes waiting to be sent (offline, or for the send quota). */
  get queued(): number {
    return this.driver.core.queuedCount;
  }

  // ------------------------------------------------------------ connection

  /**
   * Connects (or waits for the connection in progress). Resolves with the CONNACK info. The first attempt
   * failing rejects (`ConnackError` for a refusal, a transport error, `ConnectTimeoutError`, ...) and leaves
   * the client offline, unless `reconnect.retryInitial` retries temporary failures. Rejects with
   * `AbortError` when `signal` aborts and `ClientClosedError` after `end()` / `destroy()`.
   */
  connect(options: { signal?: AbortSignal } = {}): Promise<ConnectedInfo> {
    return this.driver.reconnector.connect(options.signal);
  }

  /**
   * Graceful close: waits for in-flight messages and requests (up to `timeout`), sends DISCONNECT (with the
   * MQTT 5 reason code and properties), flushes, closes the connection. Everything still pending then
   * settles with `ClientClosedError`. Idempotent; resolves once the socket is closed.
   */
  end(options: EndOptions = {}): Promise<void> {
    this.endPromise ??= this.doEnd(options);
    return this.endPromise;
  }

  private async doEnd(options: EndOptions): Promise<void> {
    const d = this.driver;
    if (d.status === 'closed') return;
    d.status = 'closing';
    const closed = new ClientClosedError();
    await d.reconnector.stop(closed);
    let error: Error | undefined;
    const link = d.link;
    if (link !== undefined && d.core.connected) {
      await d.waitIdle(options.timeout ?? 10_000);
      if (d.core.connected && d.link === link) {
        const slot = new OpSlot(d, undefined);
        const op = new DisconnectOp(options.reasonCode, options.properties, slot);
        slot.op = op;
        d.core.disconnect(op, d.scheduler.now());
        await slot.promise.catch((err: Error) => {
          error = err;
          link.close(undefined, true);
        });
      }
    }
    if (link !== undefined) {
      link.close(undefined, false);
      await link.connection.closed;
    }
    if ((d.status as string) === 'closed') return; // destroyed meanwhile
    await this.finish(undefined, true);
    if (error !== undefined) throw error;
  }

  /**
   * Immediate close: the connection is cut, every pending promise rejects with `ClientClosedError` (its
   * `cause` is `error`), `close` is emitted with `error`. Idempotent.
   */
  destroy(error?: Error): void {
    const d = this.driver;
    if (d.status === 'closed') return;
    d.status = 'closed';
    void d.reconnector.stop(new ClientClosedError(error));
    const link = d.link;
    d.link = undefined;
    link?.close(error, true);
    void this.finish(error, false);
  }

  private finish(error: Error | undefined, graceful: boolean): Promise<void> {
    const d = this.driver;
    d.status = 'closed';
    d.reconnector.rejectWaiting(new ClientClosedError(error));
    d.core.destroyAll(error);
    const done = d.shutdown(graceful);
    d.emit('close', error);
    return done;
  }

  // ------------------------------------------------------------ requests

  private closedError(slot: OpSlot): boolean {
    const status = this.driver.status;
    if (status !== 'closing' && status !== 'closed') return false;
    slot.settle(new ClientClosedError(), undefined);
    return true;
  }

  private aborted(slot: OpSlot, signal: AbortSignal | undefined, kind: 'publish' | 'subscription' | 'authentication'): boolean {
    if (signal === undefined || !signal.aborted) return false;
    slot.settle(new AbortError(signal.reason, kind, { sent: false }), undefined);
    return true;
  }

  /**
   * Publishes a message. QoS 0 resolves once written, QoS 1 with the PUBACK, QoS 2 with the PUBCOMP; an
   * MQTT 5 failure reason rejects with `PubackError` / `PubrecError`. The promise's `stored` property is
   * the durable moment (see {@link PublishPromise}).
   */
  publish(topic: string, payload: string | Buffer | Uint8Array, options: PublishOptions = {}): PublishPromise {
    const qos = options.qos ?? 0;
    const signal = options.signal;
    const slot = new OpSlot(this.driver, signal, undefined, this.driver.persistence !== undefined && qos !== 0); // durable: a store is in use
    if (this.closedError(slot) || this.aborted(slot, signal, 'publish')) return publishPromise(slot);
    let bytes: Buffer;
    if (typeof payload === 'string' || payload instanceof Uint8Array) {
      bytes = toBuffer(payload);
    } else {
      slot.settle(new InvalidRequestError('payload must be a string, Buffer or Uint8Array', 'publish'), undefined);
      return publishPromise(slot);
    }
    const op = new PublishOp(topic, bytes, qos, options.retain ?? false, options.properties, slot);
    slot.op = op;
    this.driver.submit(op);
    // Written already (a QoS 0 publish below the high-water mark): nothing left to wait for.
    if (slot.fulfilled && slot.stored === RESOLVED) return WRITTEN;
    return publishPromise(slot);
  }

  /**
   * Subscribes. Resolves with one {@link SubscriptionGrant} per filter, in request order: refusals are
   * values (`reasonCode` >= 0x80), and a refused filter is not resubscribed after a reconnect.
   */
  subscribe(request: SubscribeRequest, options: SubscribeOptions = {}): Promise<SubscriptionGrant[]> {
    const slot = new OpSlot(this.driver, options.signal, grants);
    const promise = slot.promise as Promise<SubscriptionGrant[]>;
    if (this.closedError(slot) || this.aborted(slot, options.signal, 'subscription')) return promise;
    const subs = toSubscriptions(request, options);
    if (subs === undefined) {
      slot.settle(new InvalidRequestError('subscribe needs a filter, a list of filters or { filter: options }', 'subscription'), undefined);
      return promise;
    }
    let properties: Properties | undefined = options.properties;
    if (options.subscriptionIdentifier !== undefined) properties = { ...properties, subscriptionIdentifier: options.subscriptionIdentifier };
    const op = new SubscribeOp(subs, properties, slot);
    slot.op = op;
    this.driver.submit(op);
    return promise;
  }

  /** Unsubscribes. Resolves with one {@link UnsubscribeResult} per filter. */
  unsubscribe(filters: string | string[], options: UnsubscribeOptions = {}): Promise<UnsubscribeResult[]> {
    const slot = new OpSlot(this.driver, options.signal, unsubResults);
    const promise = slot.promise as Promise<UnsubscribeResult[]>;
    if (this.closedError(slot) || this.aborted(slot, options.signal, 'subscription')) return promise;
    const op = new UnsubscribeOp(typeof filters === 'string' ? [filters] : filters, options.properties, slot);
    slot.op = op;
    this.driver.submit(op);
    return promise;
  }

  /**
   * MQTT 5 re-authentication with the configured `authenticator` (AUTH 0x19). Resolves with the server's
   * final AUTH packet. The client's AUTH packets carry only the method and the authenticator's data.
   */
  async reauthenticate(options: { signal?: AbortSignal } = {}): Promise<AuthPacket> {
    const authenticator = this.driver.options.authenticator;
    if (authenticator === undefined) throw new InvalidRequestError('re-authentication needs an authenticator', 'authentication');
    const data = await authenticator.start();
    const slot = new OpSlot(this.driver, options.signal);
    const promise = slot.promise as Promise<AuthPacket>;
    if (this.closedError(slot) || this.aborted(slot, options.signal, 'authentication')) return promise;
    const op = new ReauthOp(data, undefined, slot);
    slot.op = op;
    this.driver.submit(op);
    return promise;
  }

  /**
   * Manual acknowledgement (option `manualAck`): acknowledges `message` now (MQTT 5 `reasonCode` >= 0x80
   * refuses it). Without a call, the client acknowledges once every `message` listener's returned promise
   * settled and every iterator moved past the message. Acks leave in arrival order.
   */
  ack(message: Message, reasonCode = 0): void {
    this.driver.ack(message, reasonCode);
  }

  /** An async iterator over incoming messages (bounded buffer; ends when the client closes). */
  messages(options?: MessagesOptions): MessageIterator {
    return this.driver.delivery.iterate(this.driver.status === 'closed' ? { ...options, signal: AbortSignal.abort() } : options);
  }

  /** Attaches the lifecycle observer (see `observeClient`). @internal */
  [OBSERVER](observer: ClientObserver): void {
    this.driver.observer = observer;
  }
}

function toSubscriptions(request: SubscribeRequest, o: SubscribeOptions): Subscription[] | undefined {
  const make = (topicFilter: string, s: SubscriptionOptions): Subscription => ({
    topicFilter,
    qos: s.qos ?? o.qos ?? 0,
    noLocal: s.noLocal ?? o.noLocal,
    retainAsPublished: s.retainAsPublished ?? o.retainAsPublished,
    retainHandling: s.retainHandling ?? o.retainHandling,
  });
  if (typeof request === 'string') return [make(request, {})];
  if (Array.isArray(request)) return request.map((f) => make(f, {}));
  if (request === null || typeof request !== 'object') return undefined;
  return Object.entries(request).map(([filter, v]) => make(filter, typeof v === 'number' ? { qos: v } : (v ?? {})));
}

/**
 * Creates a client and connects it. Rejects (leaving nothing open) when the first connection fails.
 * @throws ConfigError for invalid options
 */
export async function connect(options: ClientOptions & { signal?: AbortSignal }): Promise<MqttClient> {
  const client = new MqttClient(options);
  try {
    await client.connect({ signal: options.signal });
  } catch (err) {
    client.destroy();
    throw err;
  }
  return client;
}
