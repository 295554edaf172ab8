/**
 * A tiny MQTT client for tests, built only on sockets and `@mqttx/codec` (no mqttx client code), so broker
 * tests do not depend on the client under test. Every wait is event-driven with a timeout.
 *
 * ```ts
 * const c = await RawClient.tcp(broker.port, { protocolVersion: 5 });
 * await c.connect({ clientId: 'a' });
 * await c.subscribe('t/#', 1);
 * const msg = await c.next('publish');
 * ```
 */
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Decoder, encode } from '@mqttx/codec';
import type {
  AckPacket,
  ConnackPacket,
  ConnectPacket,
  Packet,
  PacketType,
  Properties,
  PublishPacket,
  QoS,
  SubackPacket,
  Subscription,
  UnsubackPacket,
} from '@mqttx/codec';

/** Packet of a given type. */
export type PacketOf<T extends PacketType> = Extract<Packet, { type: T }>;

/** Options of the RawClient factories. */
export interface RawClientOptions {
  /** 4 (3.1.1) or 5. Default 5. */
  protocolVersion?: 4 | 5;
  /** Answer inbound PUBLISH (PUBACK / PUBREC) and PUBREL (PUBCOMP) automatically. Default true. */
  autoAck?: boolean;
  /** Decoder limit (the client's Maximum Packet Size). */
  maximumPacketSize?: number;
}

interface Waiter {
  test: (p: Packet) => boolean;
  resolve: (p: Packet) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Default wait in ms (generous for a loaded CI machine; waits end on events, not on this). */
export const WAIT = 3000;

/** A raw MQTT client over one duplex stream. */
export class RawClient {
  /** Every packet received, in order. */
  readonly received: Packet[] = [];
  /** Resolves when the stream is closed. */
  readonly closed: Promise<void>;
  /** Set when the decoder rejected the server's bytes. */
  decodeError: unknown = undefined;
  autoAck: boolean;
  private readonly consumed: boolean[] = [];
  private waiters: Waiter[] = [];
  private readonly untilWaiters: Waiter[] = [];
  private readonly decoder: Decoder;
  private nextId = 1;
  private isClosed = false;
  private closeWaiters: Array<() => void> = [];

  /**
   * @param stream - connected byte stream
   * @param options - protocol version, auto-ack
   */
  constructor(
    readonly stream: Duplex,
    options: RawClientOptions = {},
  ) {
    this.protocolVersion = options.protocolVersion ?? 5;
    this.autoAck = options.autoAck ?? true;
    this.decoder = new Decoder({
      protocolVersion: this.protocolVersion,
      role: 'client',
      ...(options.maximumPacketSize === undefined ? {} : { maximumPacketSize: options.maximumPacketSize }),
    });
    this.closed = new Promise((resolve) => {
      stream.once('close', () => {
        this.isClosed = true;
        for (const w of this.waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`connection closed while waiting; received: ${this.summary()}`));
        }
        this.waiters = [];
        for (const f of this.closeWaiters) f();
        resolve();
      });
    });
    stream.on('error', () => undefined);
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  readonly protocolVersion: 4 | 5;

  /** Connects over TCP to 127.0.0.1. */
  static tcp(port: number, options: RawClientOptions = {}, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ port, host, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket, options));
      });
    });
  }

  /** Connects over TLS. */
  static tls(port: number, tls: ConnectionOptions, options: RawClientOptions = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ...tls });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket, options));
      });
    });
  }

  /** Whether the stream is closed. */
  get isOpen(): boolean {
    return !this.isClosed;
  }

  private onData(chunk: Buffer): void {
    let packets: Packet[];
    try {
      packets = this.decoder.push(chunk);
    } catch (err) {
      this.decodeError = err;
      this.stream.destroy();
      return;
    }
    for (const p of packets) {
      this.received.push(p);
      this.consumed.push(false);
      if (this.autoAck) this.ackInbound(p);
      this.wake(this.received.length - 1);
    }
  }

  private ackInbound(p: Packet): void {
    if (p.type === 'publish' && p.qos === 1) this.send(this.ack('puback', p.packetId!));
    else if (p.type === 'publish' && p.qos === 2) this.send(this.ack('pubrec', p.packetId!));
    else if (p.type === 'pubrel') this.send(this.ack('pubcomp', p.packetId));
  }

  private wake(index: number): void {
    const p = this.received[index]!;
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (!w.test(p)) continue;
      if (this.untilWaiters.includes(w)) {
        this.untilWaiters.splice(this.untilWaiters.indexOf(w), 1);
        this.waiters.splice(i--, 1);
        clearTimeout(w.timer);
        w.resolve(p);
        continue;
      }
      this.consumed[index] = true;
      this.waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(p);
      return;
    }
  }

  /** An ack packet for this client's protocol version. */
  ack<T extends 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'>(type: T, packetId: number, reasonCode = 0): AckPacket<T> {
    return { type, packetId, reasonCode: this.protocolVersion === 5 ? reasonCode : undefined, properties: undefined };
  }

  /** Encodes and writes a packet. */
  send(p: Packet): void {
    if (this.isClosed || this.stream.writableEnded) return;
    this.stream.write(encode(p, { protocolVersion: this.protocolVersion }));
  }

  /** Writes raw bytes. */
  sendRaw(bytes: Buffer): void {
    this.stream.write(bytes);
  }

  /**
   * The first not yet consumed packet of `type` (any type when omitted) matching `where`, received or to
   * come; it is marked consumed.
   */
  next<T extends PacketType>(type?: T, where?: (p: PacketOf<T>) => boolean, timeout = WAIT): Promise<PacketOf<T>> {
    const test = (p: Packet) => (type === undefined || p.type === type) && (where === undefined || where(p as PacketOf<T>));
    for (let i = 0; i < this.received.length; i++) {
      if (!this.consumed[i] && test(this.received[i]!)) {
        this.consumed[i] = true;
        return Promise.resolve(this.received[i] as PacketOf<T>);
      }
    }
    if (this.isClosed) return Promise.reject(new Error(`connection closed; wanted ${type ?? 'a packet'}; received: ${this.summary()}`));
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        test,
        resolve: resolve as (p: Packet) => void,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(new Error(`no ${type ?? 'packet'} within ${timeout} ms; received: ${this.summary()}`));
        }, timeout),
      };
      this.waiters.push(w);
    });
  }

  /** Resolves once `test()` holds, checked now and after every packet received; rejects after `timeout`. */
  until(test: () => boolean, timeout = WAIT): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        test: () => test(),
        resolve: () => resolve(),
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          this.untilWaiters.splice(this.untilWaiters.indexOf(w), 1);
          reject(new Error(`condition not met within ${timeout} ms; received ${this.received.length} packets`));
        }, timeout),
      };
      this.untilWaiters.push(w);
      this.waiters.push(w);
    });
  }

  /** Received packets of one type (consumed or not). */
  all<T extends PacketType>(type: T): PacketOf<T>[] {
    return this.received.filter((p) => p.type === type) as PacketOf<T>[];
  }

  /** Short text of what was received, for failure messages. */
  summary(): string {
    return this.received
      .map((p) => (p.type === 'publish' ? `publish(${p.topic},q${p.qos}${p.retain ? ',r' : ''})` : 'reasonCode' in p ? `${p.type}(${String(p.reasonCode)})` : p.type))
      .join(' ') || '(nothing)';
  }

  /** Resolves when the stream closes; rejects after `timeout`. */
  waitClosed(timeout = WAIT): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`still open after ${timeout} ms; received: ${this.summary()}`)), timeout);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends CONNECT and waits for CONNACK. */
  async connect(fields: Partial<Omit<ConnectPacket, 'type'>> = {}): Promise<ConnackPacket> {
    this.send({
      type: 'connect',
      protocolVersion: this.protocolVersion,
      clientId: fields.clientId ?? '',
      clean: fields.clean ?? true,
      keepalive: fields.keepalive ?? 0,
      username: fields.username,
      password: fields.password,
      will: fields.will,
      properties: fields.properties,
    });
    return this.next('connack');
  }

  /** A packet id not used by this client's earlier requests. */
  packetId(): number {
    const id = this.nextId;
    this.nextId = id === 65535 ? 1 : id + 1;
    return id;
  }

  /** SUBSCRIBE and wait for SUBACK. */
  async subscribe(filters: string | Array<string | Subscription>, qos: QoS = 0, properties?: Properties): Promise<SubackPacket> {
    const list = typeof filters === 'string' ? [filters] : filters;
    const packetId = this.packetId();
    this.send({
      type: 'subscribe',
      packetId,
      subscriptions: list.map((f) => (typeof f === 'string' ? { topicFilter: f, qos } : f)),
      properties,
    });
    return this.next('suback', (p) => p.packetId === packetId);
  }

  /** UNSUBSCRIBE and wait for UNSUBACK. */
  async unsubscribe(filters: string[], properties?: Properties): Promise<UnsubackPacket> {
    const packetId = this.packetId();
    this.send({ type: 'unsubscribe', packetId, topicFilters: filters, properties });
    return this.next('unsuback', (p) => p.packetId === packetId);
  }

  /**
   * PUBLISH; for QoS 1 waits for PUBACK, for QoS 2 runs PUBREC / PUBREL / PUBCOMP.
   * @returns the PUBACK or PUBREC (the PUBCOMP has been awaited too), undefined for QoS 0
   */
  async publish(
    topic: string,
    payload: string | Buffer,
    opts: { qos?: QoS; retain?: boolean; properties?: Properties; packetId?: number; dup?: boolean } = {},
  ): Promise<AckPacket<'puback'> | AckPacket<'pubrec'> | undefined> {
    const qos = opts.qos ?? 0;
    const packetId = qos > 0 ? (opts.packetId ?? this.packetId()) : undefined;
    const p: PublishPacket = {
      type: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos,
      retain: opts.retain ?? false,
      dup: opts.dup ?? false,
      packetId,
      properties: opts.properties,
    };
    this.send(p);
    if (qos === 0) return undefined;
    if (qos === 1) return this.next('puback', (a) => a.packetId === packetId);
    const rec = await this.next('pubrec', (a) => a.packetId === packetId);
    if ((rec.reasonCode ?? 0) < 0x80) {
      this.send(this.ack('pubrel', packetId!));
      await this.next('pubcomp', (a) => a.packetId === packetId);
    }
    return rec;
  }

  /** Sends DISCONNECT (reason 0 by default) and closes; resolves when closed. */
  async disconnect(reasonCode = 0, properties?: Properties): Promise<void> {
    if (this.isClosed) return;
    this.send({ type: 'disconnect', reasonCode: this.protocolVersion === 5 ? reasonCode : undefined, properties });
    this.stream.end();
    await this.closed;
  }

  /** Drops the connection abruptly (no DISCONNECT: the will is published). */
  destroy(): Promise<void> {
    this.stream.destroy();
    return this.closed;
  }
}
