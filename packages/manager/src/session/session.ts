/**
 * `Session`: one named MQTT session of a manager. It owns an {@link MqttClient}, turns the client's events
 * into the manager's lifecycle events and states, keeps the shared subscription table, dispatches incoming
 * messages to handlers, routes and forwarders, and counts its metrics.
 * @module
 */
import { MqttClient, MqttxError, type ClientOptions, type Message, type PublishOptions, type PublishPromise } from '@mqttx/client';
import type { ClientObserver, ConnectedInfo, ObservedEvent, ReconnectingInfo, SubscriptionGrant } from '@mqttx/client';
import { ManagerError, newConfigurationError, newSubscriptionError, toMqttxError } from '../errors.js';
import type { EventBus, ManagerEventData, ManagerEventType } from '../events.js';
import { PrometheusExporter } from '../metrics/prometheus.js';
import { SessionMetrics } from '../metrics/session.js';
import { SESSION_STATUS_CODES, type SessionMetricsSnapshot, type SessionStatus } from '../metrics/types.js';
import { badField } from '../validate.js';
import type { ConnectLimiter } from './limiter.js';
import { SessionMessage, type MessageHandler, type QoS } from './message.js';
import type { ResolvedSessionOptions } from './options.js';
import { SubscriptionTable, type Consumer } from './subscriptions.js';
import { ReadyWaiters } from './waiters.js';
import { listen } from './listeners.js';
import { TopicHandler } from './topic-handler.js';

/** Clock and timers (the client's `scheduler` option). */
export type TimerScheduler = NonNullable<ClientOptions['scheduler']>;

/** What a session needs from its manager. @internal */
export interface SessionHost {
  readonly bus: EventBus;
  readonly limiter: ConnectLimiter;
  /** Timers for waits; passed to the clients too when the manager was given one. */
  readonly scheduler: TimerScheduler;
  /** True when {@link SessionHost.scheduler} was given (then clients use it as well). */
  readonly customScheduler: boolean;
  /** Wall clock for metrics and events, ms. */
  now(): number;
  /** Buffer bound of routes and handlers when the session sets none. */
  readonly defaultBufferSize: number;
  /** Prefix of {@link Session.prometheusMetrics}. */
  readonly metricsPrefix: string;
  /** Milliseconds `client.end()` may wait for in-flight messages when a session closes. */
  readonly endTimeout: number;
  /** Logs a warning (skipVerify, ...). */
  warn(message: string, context: Record<string, unknown>): void;
}

/** Status of a session as {@link Session.getStatus} reports it. */
export interface SessionStatusInfo {
  /** Session name. */
  name: string;
  /** Lifecycle state. */
  status: SessionStatus;
  /** The `mqtt_session_status` code of `status`. */
  code: number;
  /** A connection is established. */
  connected: boolean;
  /** Connected and subscriptions restored. */
  ready: boolean;
  /** Client id in use (the assigned one after an assignment). */
  clientId: string;
  /** Distinct topic filters subscribed. */
  subscriptions: number;
  /** Reconnect attempts so far. */
  reconnects: number;
  /** Code of the last error, if any. */
  lastError: string | undefined;
}

/** Options of {@link Session.publish} in place of `qos`. */
export type SessionPublishOptions = PublishOptions;

/** Returned for QoS 1/2 messages nobody holds back (see `onMessage`). */

const WAITING = 0;
const HOLDING = 1;
const NO_SLOT = 2;

function payloadBytes(payload: string | Buffer | Uint8Array): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
}

/**
 * A named session. Get it with `manager.getSession(name)`; the underlying client is {@link Session.client}
 * for anything the session does not wrap.
 */
export class Session implements ClientObserver {
  /** Session name. */
  readonly name: string;
  /** The underlying client (manual acknowledgement is on: the session acknowledges after dispatch). */
  readonly client: MqttClient;
  /** Protocol version of the session (4 for 3.1.1, 5 for 5.0). */
  readonly protocolVersion: 4 | 5;
  /** The user name sent through the connect gate. */
  private readonly username: string | undefined;
  /** Buffer bound of this session's routes and handlers, when the session sets one. */
  private readonly messageChanSize: number | undefined;
  /** See `connectProps.resumeSubs`. */
  private readonly resumeSubs: boolean;
  /** Live counters (read {@link Session.getMetrics} for a snapshot). */
  readonly metrics: SessionMetrics;
  private readonly host: SessionHost;
  private readonly table: SubscriptionTable;
  /** Created on the first wait. */
  private waiters: ReadyWaiters | undefined;
  /** Counts a failed publish; created on the first publish. */
  private publishFailed: (() => void) | undefined;
  /** Reports a consumer failure on the acknowledgement path; created on first use. */
  private consumerFailed: ((err: unknown) => void) | undefined;
  private state: SessionStatus;
  private ready: boolean;
  /** 'ready' seen from the client, session_ready not yet emitted (waiting for our own subscribes). */
  private readyPending: boolean;
  private pendingSubscribes: number;
  private slot: number;
  private attempt: number;
  private connectedOnce: boolean;
  private started: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private lastError: string | undefined;

  /**
   * @internal Sessions are made by the manager (`manager.addSession`).
   * @param options - validated session options
   * @param host - the manager
   * @throws {@link ManagerError} `ERR_CONFIGURATION` when the client refuses the options
   */
  constructor(options: ResolvedSessionOptions, host: SessionHost) {
    this.name = options.name;
    this.protocolVersion = options.protocolVersion;
    this.username = options.username;
    this.messageChanSize = options.messageChanSize;
    this.resumeSubs = options.resumeSubs;
    this.host = host;
    this.state = 'disconnected';
    this.ready = false;
    this.readyPending = false;
    this.pendingSubscribes = 0;
    this.slot = NO_SLOT;
    this.attempt = 0;
    this.connectedOnce = false;
    this.started = undefined;
    this.closing = undefined;
    this.lastError = undefined;
    // `username` first, then the spread: V8 gives every object built as `{ ...x, key }` a map of its own
    // once the spread's inline cache goes generic (after a few sessions), which cost ~0.5 KB per session
    // (map, descriptors, code); a literal that starts with its own key keeps one shared map.
    const clientOptions: ClientOptions = { username: this.gate, ...options.client };
    clientOptions.username = this.gate;
    const password = options.client.password;
    // The user name comes from the gate (a function), so a static password would fail the client's 3.1.1
    // "password needs a user name" check before the name is known: resolve both at connect time.
    if (password !== undefined && typeof password !== 'function') clientOptions.password = () => password;
    if (host.customScheduler && clientOptions.scheduler === undefined) clientOptions.scheduler = host.scheduler;
    try {
      this.client = new MqttClient(clientOptions);
    } catch (err) {
      const option = err instanceof MqttxError ? err.context?.option : undefined;
      throw newConfigurationError(`invalid session options: ${(err as Error).message}`, err, {
        context: { field: typeof option === 'string' ? option : 'clientOptions' },
      });
    }
    listen(this.client, this);
    const now = host.now();
    this.metrics = new SessionMetrics(this.name, now, {
      persistent: options.persistent,
      cleanSession: options.cleanSession,
      autoReconnect: options.autoReconnect,
    });
    this.table = new SubscriptionTable(this);
    this.waiters = undefined;
    this.publishFailed = undefined;
    this.consumerFailed = undefined;
    if (options.skipVerify) {
      host.warn('TLS certificate verification is off (tls.skipVerify): the broker is not authenticated', {
        session: this.name,
      });
    }
    const size = options.messageChanSize ?? host.defaultBufferSize;
    for (const t of options.topics) {
      this.table.add(t.topic, t.qos, new TopicHandler(this, t.topic, t.handler, size)).catch((err: unknown) => {
        if (this.closing === undefined) this.fail(err);
      });
    }
  }

  // ------------------------------------------------------------------ state

  /** Lifecycle state. */
  get status(): SessionStatus {
    return this.state;
  }

  /** True while a connection is established. */
  isConnected(): boolean {
    return this.state === 'connected';
  }

  /** True when connected and the subscriptions are in place. */
  isReady(): boolean {
    return this.ready;
  }

  /** Buffer bound of this session's routes and handlers, messages. */
  get bufferSize(): number {
    return this.messageChanSize ?? this.host.defaultBufferSize;
  }

  /** Status summary. */
  getStatus(): SessionStatusInfo {
    return {
      name: this.name,
      status: this.state,
      code: SESSION_STATUS_CODES[this.state],
      connected: this.state === 'connected',
      ready: this.ready,
      clientId: this.client.clientId,
      subscriptions: this.table.size,
      reconnects: this.metrics.reconnects,
      lastError: this.lastError,
    };
  }

  /** A snapshot of the session's metrics. */
  getMetrics(): SessionMetricsSnapshot {
    return this.metrics.snapshot(this.host.now());
  }

  /** This session's metrics in Prometheus text format (the `session` families only). */
  prometheusMetrics(): string {
    return new PrometheusExporter(this.host.metricsPrefix).exportSessions([this.getMetrics()]);
  }

  /** The topic filters subscribed (by handlers, routes and forwarders). */
  getSubscribedTopics(): string[] {
    return this.table.filters();
  }

  // ------------------------------------------------------------------ connection

  /**
   * Starts connecting (once): resolves at the first successful connection, rejects when it failed for good
   * (a permanent refusal, reconnect off, or the session closed). Attempts wait for a slot of the manager's
   * connect limiter.
   */
  connect(): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    this.started ??= this.client.connect().then(
      () => undefined,
      (err: unknown) => {
        this.releaseSlot();
        if (this.closing !== undefined) throw this.closedError();
        // The client reported the failure on 'error' already (counted there).
        if (this.state !== 'disconnected' && this.state !== 'closed') this.transition('disconnected', 'session_disconnected', { error: err });
        this.started = undefined; // connect() may be called again
        throw toMqttxError(err, 'connection');
      },
    );
    return this.started;
  }

  /**
   * Resolves once the session is connected with its subscriptions in place (at once when it is); rejects
   * with `ERR_TIMEOUT` after `timeoutMs` and with `ERR_SESSION_CLOSED` when the session closes first.
   * The check and the wait happen together, so a session becoming ready meanwhile is never missed.
   */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.closing !== undefined || this.state === 'closed') return Promise.reject(this.closedError());
    return (this.waiters ??= new ReadyWaiters(this.host.scheduler)).wait(timeoutMs, this.name);
  }

  /** @internal Adds a ready waiter without a timer of its own (waitForAllSessions); returns its remover. */
  addReadyListener(resolve: () => void, reject: (err: Error) => void): () => void {
    return (this.waiters ??= new ReadyWaiters(this.host.scheduler)).add(resolve, reject);
  }

  /**
   * Disconnects for good: graceful DISCONNECT, then state `closed` (the session stays listed until
   * `removeSession`). Idempotent.
   */
  disconnect(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.host.limiter.cancel(this);
    this.releaseSlot();
    this.waiters?.rejectAll(this.closedError());
    try {
      await this.client.end({ timeout: this.host.endTimeout });
    } catch (err) {
      this.fail(err);
      this.client.destroy();
    }
    if (this.state !== 'closed') this.closed(undefined);
    this.table.clear();
    this.metrics.setSubscriptions(0);
  }

  private closedError(): ManagerError {
    return new ManagerError('ERR_SESSION_CLOSED', `session ${this.name} is closed`, 'connection', undefined, {
      session: this.name,
    });
  }

  /** The connect gate (our `username` function, called before every attempt): a limiter slot, then `session_connecting`. */
  private readonly gate = async (): Promise<string | undefined> => {
    if (this.slot !== HOLDING && this.closing === undefined) {
      this.slot = WAITING;
      const granted = await this.host.limiter.acquire(this);
      if (!granted) {
        this.slot = NO_SLOT;
        return this.username;
      }
      this.slot = HOLDING;
      if (this.closing !== undefined) this.releaseSlot();
    }
    if (this.closing === undefined) {
      this.transition('connecting', 'session_connecting', { attempt: this.attempt });
    }
    return this.username;
  };

  private releaseSlot(): void {
    if (this.slot === HOLDING) {
      this.slot = NO_SLOT;
      this.host.limiter.release();
    }
  }

  /** Sets the state and emits `type` then `session_state_changed` (when the state changed). */
  private transition<T extends ManagerEventType>(next: SessionStatus, type: T | undefined, data?: ManagerEventData[T]): void {
    const old = this.state;
    this.state = next;
    this.metrics.setStatus(next);
    const bus = this.host.bus;
    if (type !== undefined) bus.emitEvent(type, this.name, data as ManagerEventData[T]);
    if (old !== next) bus.emitEvent('session_state_changed', this.name, { old, new: next });
  }

  private emitReady(): void {
    this.readyPending = false;
    this.ready = true;
    this.host.bus.emitEvent('session_ready', this.name, { subscriptions: this.table.size });
    const waiters = this.waiters;
    this.waiters = undefined; // an idle ready session keeps no waiter bookkeeping
    waiters?.resolveAll();
  }

  /** @internal The client's lifecycle events (this session is the client's observer). */
  clientEvent(event: ObservedEvent, arg: unknown): void {
    switch (event) {
      case 'connect':
        return this.connected(arg as ConnectedInfo);
      case 'ready':
        return this.clientReady();
      case 'offline':
        return this.offline(arg as Error | undefined);
      case 'reconnecting':
        return this.reconnecting(arg as ReconnectingInfo);
      case 'close':
        return this.closed(arg as Error | undefined);
      case 'error':
        return this.fail(arg);
      default:
        return undefined; // 'disconnect': the reason comes with 'offline' / 'close'
    }
  }

  /** client 'connect' */
  private connected(info: ConnectedInfo): void {
    this.releaseSlot();
    if (this.state !== 'connecting') this.transition('connecting', 'session_connecting', { attempt: this.attempt });
    const first = !this.connectedOnce;
    this.connectedOnce = true;
    this.transition('connected', 'session_connected', { sessionPresent: info.sessionPresent, clientId: info.clientId });
    if (!first && !info.sessionPresent && !this.resumeSubs) this.dropOwnTopics();
  }

  /** client 'ready' */
  private clientReady(): void {
    if (this.state !== 'connected') return;
    if (this.pendingSubscribes > 0) this.readyPending = true;
    else this.emitReady();
  }

  /** client 'offline' */
  private offline(error: Error | undefined): void {
    this.ready = false;
    this.readyPending = false;
    this.transition('disconnected', 'session_disconnected', { error });
  }

  /** client 'reconnecting' */
  private reconnecting(info: ReconnectingInfo): void {
    this.releaseSlot();
    this.ready = false;
    this.attempt = info.attempt;
    this.metrics.recordReconnect();
    this.transition('reconnecting', 'session_reconnecting', { attempt: info.attempt, delayMs: info.delay, error: info.error });
  }

  /** client 'close' (also the end of a requested shutdown) */
  private closed(error: Error | undefined): void {
    this.releaseSlot();
    this.ready = false;
    this.readyPending = false;
    if (this.state === 'connecting' || this.state === 'connected' || this.state === 'reconnecting') {
      this.transition('disconnected', 'session_disconnected', { error });
    }
    if (error !== undefined) this.fail(error);
    if (this.state !== 'closed') this.transition('closed', undefined);
    this.waiters?.rejectAll(this.closedError());
  }

  /** Counts an error and reports it as an `error` event. @internal */
  fail(error: unknown): void {
    const err = toMqttxError(error, 'internal');
    this.lastError = err.code;
    this.metrics.recordError(this.host.now());
    this.host.bus.emitEvent('error', this.name, { error: err });
  }

  /** A handler threw or rejected. @internal */
  handlerFailed(error: unknown, topic: string): void {
    this.fail(
      new ManagerError('ERR_HANDLER', `a message handler of session ${this.name} failed`, 'subscription', error, {
        session: this.name,
        context: { topic },
      }),
    );
  }

  // ------------------------------------------------------------------ messages

  /** @internal The client's `message` listener: counts, wraps and dispatches. */
  deliver(m: Message): Promise<unknown> | undefined {
    const now = this.host.now();
    this.metrics.recordReceived(m.payload.length, now);
    const message = SessionMessage.from(this.name, m, now, performance.now());
    const pending = this.table.dispatch(message);
    // Nothing asynchronous to wait for: the client acknowledges at once.
    if (pending === undefined) return undefined;
    // The acknowledgement waits for the consumers; a failure there never becomes a 0x80 ack.
    return pending.then(undefined, (this.consumerFailed ??= (err: unknown) => this.fail(err)));
  }

  /**
   * Publishes. `qos` may be an options object (`{ qos, retain, properties, signal }`). QoS 0 resolves once
   * written, QoS 1 with the PUBACK, QoS 2 with the PUBCOMP; failures reject with the client's error
   * (stable `code`) and are counted.
   */
  publish(
    topic: string,
    payload: string | Buffer | Uint8Array,
    qos?: QoS | SessionPublishOptions,
    retain?: boolean,
  ): PublishPromise {
    let options: PublishOptions;
    if (qos === undefined || typeof qos === 'number') {
      options = { qos: qos ?? 0, retain: retain ?? false };
    } else {
      options = retain === undefined ? qos : { ...qos, retain };
    }
    const bytes = typeof payload === 'string' || payload instanceof Uint8Array ? payloadBytes(payload) : 0;
    this.metrics.recordSent(bytes, this.host.now());
    const promise = this.client.publish(topic, payload, options);
    promise.then(undefined, (this.publishFailed ??= () => this.metrics.recordError(this.host.now())));
    return promise;
  }

  /**
   * Subscribes `handler` to `topic` at `qos`. Several handlers (and routes) may share a filter: one
   * subscription serves them all. Resolves with the broker's grant; a refusal rejects with
   * `ERR_SUBSCRIPTION` (its `reasonCode` set).
   */
  subscribe(topic: string, qos: QoS = 0, handler?: MessageHandler): Promise<SubscriptionGrant> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    if (handler !== undefined && typeof handler !== 'function') return Promise.reject(badField('handler', 'must be a function'));
    return this.table.add(topic, qos, new TopicHandler(this, topic, handler, this.bufferSize));
  }

  /** Removes this session's own handlers of `topic`; unsubscribes when no route or forwarder uses it either. */
  unsubscribe(topic: string): Promise<void> {
    const emptied = this.table.removeWhere((c) => isOwnTopic(c, topic));
    this.metrics.setSubscriptions(this.table.size);
    if (emptied.length === 0) return Promise.resolve();
    return this.unsubscribeFilter(topic);
  }

  /** @internal Joins `filter` for a route or forwarder (shared, reference counted). */
  addConsumer(filter: string, qos: QoS, consumer: Consumer): Promise<SubscriptionGrant> {
    if (this.closing !== undefined) return Promise.reject(this.closedError());
    return this.table.add(filter, qos, consumer);
  }

  /** @internal Leaves `filter`; the last consumer unsubscribes. */
  removeConsumer(filter: string, consumer: Consumer): Promise<void> {
    if (this.closing !== undefined) return Promise.resolve();
    return this.table.remove(filter, consumer).finally(() => this.metrics.setSubscriptions(this.table.size));
  }

  /** resumeSubs false and the broker lost the session: drop the session's own topics. */
  private dropOwnTopics(): void {
    const emptied = this.table.removeWhere((c) => c instanceof TopicHandler);
    this.metrics.setSubscriptions(this.table.size);
    for (const filter of emptied) this.unsubscribeFilter(filter).catch((err: unknown) => this.fail(err));
  }

  /** {@inheritDoc SubscriptionPort.subscribeFilter} @internal */
  subscribeFilter(filter: string, qos: QoS): Promise<SubscriptionGrant> {
    this.pendingSubscribes++;
    return this.client.subscribe(filter, { qos }).then(
      (grants) => {
        this.subscribeDone();
        const grant = grants[0]!;
        if (grant.reasonCode >= 0x80) {
          throw newSubscriptionError(`subscription to ${filter} refused`, undefined, {
            reasonCode: grant.reasonCode,
            session: this.name,
            context: { filter },
          });
        }
        return grant;
      },
      (err: unknown) => {
        this.subscribeDone();
        throw toMqttxError(err, 'subscription');
      },
    );
  }

  private subscribeDone(): void {
    this.pendingSubscribes--;
    this.metrics.setSubscriptions(this.table.size);
    if (this.pendingSubscribes === 0 && this.readyPending && this.state === 'connected') this.emitReady();
  }

  /** {@inheritDoc SubscriptionPort.unsubscribeFilter} @internal */
  unsubscribeFilter(filter: string): Promise<void> {
    return this.client.unsubscribe(filter).then(
      () => undefined,
      (err: unknown) => {
        if (this.closing !== undefined) return; // the session closed first: nothing left to unsubscribe
        throw toMqttxError(err, 'subscription');
      },
    );
  }
}

function isOwnTopic(consumer: Consumer, topic: string): boolean {
  return consumer instanceof TopicHandler && consumer.filter === topic;
}
