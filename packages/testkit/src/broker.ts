/**
 * The broker: listeners (TCP, TLS, in-memory duplex), lifecycle, sessions, routing, records, faults and
 * the public test API.
 * @module
 */
import { EventEmitter } from 'node:events';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { isValidTopicName } from '@mqttx/codec';
import { createDuplexPair } from '@mqttx/transport';
import type { Packet, Properties, QoS } from '@mqttx/codec';
import { systemClock, type Clock } from './clock.js';
import { Connection } from './connection.js';
import type { BrokerConnection, TransportKind } from './connection-types.js';
import { TestkitError } from './errors.js';
import {
  FaultSet,
  type FaultAction,
  type FaultHandle,
  type FaultRule,
  type PacketContext,
  type PacketMatch,
  type RefusalHandle,
  type RefuseOptions,
} from './faults.js';
import { AppMessage, NEVER } from './message.js';
import { resolveOptions, type BrokerOptions, type ResolvedBrokerOptions } from './options.js';
import { RecordLog, type Direction, type PacketRecord, type RecordMatcher, type WaitForOptions } from './records.js';
import { RetainedStore } from './retained.js';
import { Router, forwardable } from './router.js';
import type { SessionInfo } from './session.js';
import { SessionStore } from './session-store.js';
import { SubscriptionIndex } from './subscriptions.js';

/** Events of {@link Broker}. */
export interface BrokerEvents {
  /** Every packet received or sent (also raw writes). */
  packet: [record: PacketRecord];
  /** A new link (before CONNECT). */
  connection: [connection: BrokerConnection];
  /** A CONNECT was accepted (CONNACK 0 sent). */
  clientConnected: [connection: BrokerConnection];
  /** A link of an accepted client is gone. */
  clientDisconnected: [connection: BrokerConnection];
  /** A hook or `authenticate` threw; the broker carried on (see {@link Broker.hookErrors}). */
  hookError: [error: unknown];
  /** The broker finished closing. */
  close: [];
}

/** Options of {@link Broker.publish}. */
export interface BrokerPublishOptions {
  /** QoS to publish with (each subscriber gets at most its granted QoS). Default 0. */
  qos?: QoS;
  /** Store as the topic's retained message (an empty payload clears it). Default false. */
  retain?: boolean;
  /** 5.0 PUBLISH properties forwarded to 5.0 subscribers (message expiry honoured). */
  properties?: Properties;
}

/** A retained message (see {@link Broker.retainedMessages}). */
export interface RetainedInfo {
  /** Topic name the message was retained on. */
  topic: string;
  /** Message payload. */
  payload: Buffer;
  /** QoS the message was published with. */
  qos: QoS;
  /** 5.0 properties kept with the message (message expiry, content type, user properties...). */
  properties: Properties | undefined;
}

/** A running testkit broker. Create it with {@link startBroker}. */
export class Broker extends EventEmitter<BrokerEvents> {
  /** Options with defaults applied. */
  readonly options: ResolvedBrokerOptions;
  /** The broker's time source. */
  readonly clock: Clock;
  /** Errors thrown by hooks or `authenticate` (the broker refused / carried on). */
  readonly hookErrors: unknown[] = [];
  /** @internal */
  readonly faults = new FaultSet();
  /** @internal */
  readonly index = new SubscriptionIndex();
  /** @internal */
  readonly retained = new RetainedStore();
  /** @internal */
  readonly store: SessionStore;
  /** @internal Bound `packet` hook wrapper. */
  readonly packetHook: (ctx: PacketContext) => FaultAction | undefined;
  private readonly log: RecordLog;
  private readonly router: Router;
  private readonly connectionMap = new Map<number, Connection>();
  private readonly clientMap = new Map<string, Connection>();
  private readonly servers: NetServer[] = [];
  private nextConnId = 0;
  private tcpPort: number | undefined;
  private securePort: number | undefined;
  private closing = false;
  private closePromise: Promise<void> | undefined;

  /** Prefer {@link startBroker}; a broker built directly has no listener until {@link Broker.listen}. */
  constructor(options: BrokerOptions = {}) {
    super();
    this.options = resolveOptions(options);
    this.clock = options.clock ?? systemClock;
    this.log = new RecordLog(this.options.records, (r) => {
      if (this.listenerCount('packet') > 0) this.emit('packet', r);
    });
    this.router = new Router(this);
    this.store = new SessionStore(this.clock, this.options, this.index, this.router);
    const hook = this.options.hooks.packet;
    this.packetHook = (ctx) => {
      try {
        return hook?.(ctx) ?? undefined;
      } catch (err) {
        this.hookFailed(err);
        return undefined;
      }
    };
  }

  // ---- listeners --------------------------------------------------------------------------------------

  /** Opens the TCP (and TLS) listeners. Called by {@link startBroker}. */
  async listen(): Promise<void> {
    const o = this.options;
    if (o.listen) {
      const server = createNetServer({ noDelay: true }, (socket: Socket) => this.accept(socket, 'tcp'));
      this.tcpPort = await this.bind(server, o.port);
    }
    if (o.tls !== undefined) {
      const t = o.tls;
      const server = createTlsServer(
        {
          key: t.key,
          cert: t.cert,
          ca: t.ca,
          requestCert: t.requestCert ?? false,
          rejectUnauthorized: t.rejectUnauthorized ?? t.requestCert ?? false,
        },
        (socket: TLSSocket) => this.accept(socket, 'tls'),
      );
      server.on('tlsClientError', () => undefined); // a failed handshake only concerns that client
      this.securePort = await this.bind(server, t.port ?? 0);
    }
  }

  private bind(server: NetServer, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(new TestkitError('ERR_LISTEN', `cannot listen on ${this.options.host}:${port}`, { cause: err }));
      server.once('error', onError);
      server.listen({ host: this.options.host, port }, () => {
        server.off('error', onError);
        server.on('error', () => undefined);
        this.servers.push(server);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  private get hostForUrl(): string {
    return this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
  }

  /** Host the listeners are bound to. */
  get host(): string {
    return this.options.host;
  }

  /** TCP port (throws when the TCP listener is off). */
  get port(): number {
    if (this.tcpPort === undefined) throw new TestkitError('ERR_INVALID_OPTIONS', 'the TCP listener is not open');
    return this.tcpPort;
  }

  /** `mqtt://HOST:PORT` */
  get url(): string {
    return `mqtt://${this.hostForUrl}:${this.port}`;
  }

  /** TLS port, when TLS is configured. */
  get tlsPort(): number | undefined {
    return this.securePort;
  }

  /** `mqtts://HOST:PORT`, when TLS is configured. */
  get tlsUrl(): string | undefined {
    return this.securePort === undefined ? undefined : `mqtts://${this.hostForUrl}:${this.securePort}`;
  }

  /** Serves a client over a new in-memory duplex (`createDuplexPair()` of `@mqttx/transport`); returns the client's end. */
  connectDuplex(): Duplex {
    const [client, server] = createDuplexPair();
    this.attach(server);
    return client;
  }

  /**
   * Serves a client over any duplex stream (for example one end of `createDuplexPair()`).
   * @returns the link, or undefined when it was refused at accept time
   */
  attach(stream: Duplex, transport: TransportKind = 'duplex'): BrokerConnection | undefined {
    return this.accept(stream, transport);
  }

  private accept(stream: Duplex, transport: TransportKind): Connection | undefined {
    stream.on('error', () => undefined);
    if (this.closing || this.faults.takeAcceptRefusal()) {
      stream.destroy();
      return undefined;
    }
    const conn = new Connection(this, ++this.nextConnId, transport, stream);
    const hook = this.options.hooks.accept;
    if (hook !== undefined) {
      let ok: boolean | void = true;
      try {
        ok = hook(conn);
      } catch (err) {
        this.hookFailed(err);
      }
      if (ok === false) {
        stream.destroy();
        return undefined;
      }
    }
    this.connectionMap.set(conn.id, conn);
    conn.start();
    this.emit('connection', conn);
    return conn;
  }

  // ---- introspection ----------------------------------------------------------------------------------

  /** Every packet exchanged, in order (unless `records: false`). */
  get records(): readonly PacketRecord[] {
    return this.log.records;
  }

  /** Forgets the stored records. */
  clearRecords(): void {
    this.log.clear();
  }

  /**
   * Resolves with the first record matching `matcher` (see {@link WaitForOptions.since}); event-driven.
   * Rejects with `ERR_WAIT_TIMEOUT` (wall clock) or `ERR_BROKER_CLOSED`.
   */
  waitFor(matcher: RecordMatcher, options?: WaitForOptions): Promise<PacketRecord> {
    return this.log.waitFor(matcher, options);
  }

  /** Connected clients by client id. */
  get clients(): ReadonlyMap<string, BrokerConnection> {
    return this.clientMap;
  }

  /** Every open link by connection id (including links that have not sent CONNECT yet). */
  get connections(): ReadonlyMap<number, BrokerConnection> {
    return this.connectionMap;
  }

  /** Snapshot of every session by client id. */
  get sessions(): ReadonlyMap<string, SessionInfo> {
    const out = new Map<string, SessionInfo>();
    for (const [id, s] of this.store.map) out.set(id, s.info());
    return out;
  }

  /** Snapshot of the retained messages. */
  retainedMessages(): RetainedInfo[] {
    return this.retained.values().map((m) => ({ topic: m.topic, payload: m.payload, qos: m.qos, properties: m.properties }));
  }

  /** Removes every retained message. */
  clearRetained(): void {
    this.retained.clear();
  }

  // ---- actions ----------------------------------------------------------------------------------------

  /**
   * Publishes from the broker itself (no publisher client: No Local never applies).
   * @returns number of sessions the message matched
   */
  publish(topic: string, payload: string | Uint8Array, options: BrokerPublishOptions = {}): number {
    if (!isValidTopicName(topic)) {
      throw new TestkitError('ERR_INVALID_OPTIONS', 'publish() needs a topic name without wildcards', { context: { topic } });
    }
    const props = options.properties;
    const expiry = props?.messageExpiryInterval;
    const msg = new AppMessage(
      topic,
      typeof payload === 'string' ? Buffer.from(payload) : Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      options.qos ?? 0,
      options.retain ?? false,
      forwardable(props),
      expiry === undefined ? NEVER : this.clock.now() + expiry * 1000,
      null,
    );
    return this.router.route(msg);
  }

  /**
   * Disconnects a client: DISCONNECT with `reasonCode` (default 0x98 Administrative action) and
   * `properties` (for example `serverReference`) to 5.0 clients, then close. The will is published.
   * @returns false when the client is not connected
   */
  async disconnectClient(clientId: string, reasonCode = 0x98, properties?: Properties): Promise<boolean> {
    const conn = this.clientMap.get(clientId);
    if (conn === undefined) return false;
    await conn.disconnect(reasonCode, properties);
    return true;
  }

  // ---- faults -----------------------------------------------------------------------------------------

  /** Installs a fault rule (see {@link FaultRule}). */
  fault(rule: FaultRule): FaultHandle {
    return this.faults.add(rule);
  }

  /** Closes the link after the matching packet was sent (`out`, flushed) or processed (`in`). */
  dropAfter(match: PacketMatch): FaultHandle {
    return this.fault({ ...match, action: { type: 'drop', when: 'after' } });
  }

  /** Closes the link instead of sending / processing the matching packet. */
  dropBefore(match: PacketMatch): FaultHandle {
    return this.fault({ ...match, action: { type: 'drop', when: 'before' } });
  }

  /** Holds matching packets (never sent / processed) until `handle.release()`. */
  withhold(match: PacketMatch): FaultHandle {
    return this.fault({ ...match, action: { type: 'withhold' } });
  }

  /** Sends / processes matching packets `ms` later (broker clock). */
  delay(match: PacketMatch, ms: number): FaultHandle {
    return this.fault({ ...match, action: { type: 'delay', ms } });
  }

  /** Sends / processes something else instead of the matching packet (a Buffer is written raw). */
  replace(match: PacketMatch, replacement: Packet | Buffer | ((ctx: PacketContext) => Packet | Buffer)): FaultHandle {
    return this.fault({ ...match, action: { type: 'replace', with: replacement } });
  }

  /** Sends DISCONNECT (5.0) with `reasonCode` and `properties` instead of the matching packet, then closes. */
  disconnectOn(match: PacketMatch, reasonCode: number, properties?: Properties): FaultHandle {
    return this.fault({ ...match, action: { type: 'disconnect', reasonCode, properties } });
  }

  /** Refuses connections: closed at accept (no `reasonCode`) or answered with a failed CONNACK. */
  refuse(options: RefuseOptions = {}): RefusalHandle {
    return this.faults.refuse(options);
  }

  /** Removes every fault rule and refusal (held packets stay held). */
  clearFaults(): void {
    for (const h of [...this.faults.rules]) h.remove();
    for (const h of [...this.faults.refusals]) h.remove();
  }

  // ---- lifecycle --------------------------------------------------------------------------------------

  /** True once {@link Broker.close} was called. */
  get closed(): boolean {
    return this.closing;
  }

  /**
   * Closes listeners and every link (5.0 clients get DISCONNECT 0x8B; no wills are published), clears every
   * timer, rejects pending `waitFor`s. Idempotent; resolves when everything is closed.
   */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.store.closing = true;
    const servers = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    const conns = [...this.connectionMap.values()];
    for (const c of conns) c.shutdown();
    // Links whose peer does not read may never finish flushing: destroy them shortly.
    const timer = setTimeout(() => {
      for (const c of conns) c.stream.destroy();
    }, 250);
    await Promise.all(conns.map((c) => c.whenClosed));
    clearTimeout(timer);
    await Promise.all(servers);
    this.store.clearAllTimers();
    const err = new TestkitError('ERR_BROKER_CLOSED', 'the broker was closed');
    this.log.close();
    this.faults.close(err);
    this.emit('close');
  }

  // ---- internals used by connections ------------------------------------------------------------------

  /** @internal True when packets must go through fault evaluation. */
  get hasFaults(): boolean {
    return this.faults.rules.length > 0 || this.options.hooks.packet !== undefined;
  }

  /** @internal */
  recordPacket(direction: Direction, conn: Connection, packet: Packet | null, raw: Buffer | null): void {
    this.log.add(this.clock.now(), direction, conn.id, conn.clientId, packet, raw);
  }

  /** @internal */
  hookFailed(err: unknown): void {
    this.hookErrors.push(err);
    if (this.listenerCount('hookError') > 0) this.emit('hookError', err);
  }

  /** @internal */
  route(msg: AppMessage): number {
    return this.router.route(msg);
  }

  /** @internal */
  clientConnected(conn: Connection): void {
    this.clientMap.set(conn.clientId!, conn);
    if (this.listenerCount('clientConnected') > 0) this.emit('clientConnected', conn);
  }

  /** @internal */
  connectionClosed(conn: Connection): void {
    this.connectionMap.delete(conn.id);
    if (conn.clientId !== undefined && this.clientMap.get(conn.clientId) === conn) {
      this.clientMap.delete(conn.clientId);
    }
    if (conn.connackPacket !== undefined && conn.session !== null && this.listenerCount('clientDisconnected') > 0) {
      this.emit('clientDisconnected', conn);
    }
  }
}

/** Starts a broker listening on 127.0.0.1, port 0 by default (see {@link BrokerOptions}). */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const broker = new Broker(options);
  try {
    await broker.listen();
  } catch (err) {
    await broker.close();
    throw err;
  }
  return broker;
}
