/**
 * One client link: decoding, the write path (corked per tick), fault rules on both directions, keepalive,
 * and the connection lifecycle. Packet semantics live in connect.ts and protocol.ts.
 * @module
 */
import type { Duplex } from 'node:stream';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { Decoder, encode } from '@mqttx/codec';
import type { ConnectPacket, Packet, Properties, Will } from '@mqttx/codec';
import type { Broker } from './broker.js';
import type { BrokerConnection, ConnectionState, TransportKind } from './connection-types.js';
import type { TimerHandle } from './clock.js';
import { handleConnect } from './connect.js';
import { applyInbound, applyOutbound } from './fault-actions.js';
import type { PacketContext } from './faults.js';
import { dispatch, pump, type ConnectionLimits } from './protocol.js';
import type { Session } from './session.js';

/** @internal The broker's per-link state machine. */
export class Connection implements BrokerConnection {
  state: ConnectionState = 'new';
  clientId: string | undefined = undefined;
  protocolVersion: 3 | 4 | 5 | undefined = undefined;
  connectPacket: ConnectPacket | undefined = undefined;
  connackPacket: Packet | undefined = undefined;
  readingPaused = false;
  /** Session attached after a successful CONNECT. */
  session: Session | null = null;
  /** Will of this link, cleared on DISCONNECT 0x00 [MQTT-3.1.2-10]. */
  will: Will | null = null;
  /** Negotiated limits (valid once connected). */
  readonly limits: ConnectionLimits = {
    clientReceiveMaximum: 65535,
    clientMaximumPacketSize: Number.POSITIVE_INFINITY,
    receiveMaximum: 65535,
    maximumPacketSize: Number.POSITIVE_INFINITY,
    topicAliasMaximum: 0,
    maximumQoS: 2,
    retainAvailable: true,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: true,
    sharedSubscriptionAvailable: true,
    keepaliveMs: 0,
    connectSessionExpiry: 0,
  };
  /** Inbound topic aliases of this link [MQTT-3.3.2-7]. */
  readonly aliases = new Map<number, string>();
  /** Inbound QoS 1/2 packet ids not yet answered with PUBACK / PUBCOMP (our Receive Maximum). */
  readonly inboundUnacked = new Set<number>();
  /** Clock time of the last packet received. */
  lastRx = 0;
  readonly whenClosed: Promise<void>;
  readonly peerCertificate: PeerCertificate | undefined;
  readonly authorized: boolean | undefined;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;

  private readonly decoder: Decoder;
  private readonly inbox: (Packet | undefined)[] = [];
  private inboxHead = 0;
  private processing = false;
  private corked = false;
  private keepaliveTimer: TimerHandle | undefined = undefined;
  private connectTimer: TimerHandle | undefined = undefined;
  private graceTimer: TimerHandle | undefined = undefined;
  private readonly faultTimers = new Set<TimerHandle>();
  private detached = false;
  private resolveClosed!: () => void;
  private readonly uncork = (): void => {
    this.corked = false;
    if (!this.stream.destroyed) this.stream.uncork();
  };
  private readonly onKeepalive = (): void => this.checkKeepalive();

  /**
   * @param broker - owner
   * @param id - connection id
   * @param transport - how the link arrived
   * @param stream - the byte stream (socket or in-memory duplex)
   */
  constructor(
    readonly broker: Broker,
    readonly id: number,
    readonly transport: TransportKind,
    readonly stream: Duplex,
  ) {
    this.whenClosed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    const socket = stream as Partial<TLSSocket>;
    this.remoteAddress = typeof socket.remoteAddress === 'string' ? socket.remoteAddress : undefined;
    this.remotePort = typeof socket.remotePort === 'number' ? socket.remotePort : undefined;
    if (transport === 'tls' && typeof socket.getPeerCertificate === 'function') {
      const cert = socket.getPeerCertificate();
      this.peerCertificate = cert && Object.keys(cert).length > 0 ? cert : undefined;
      this.authorized = socket.authorized === true;
    } else {
      this.peerCertificate = undefined;
      this.authorized = undefined;
    }
    const limit = broker.options.maximumPacketSize;
    this.decoder = new Decoder(
      limit === undefined
        ? { protocolVersion: 'auto', role: 'server' }
        : { protocolVersion: 'auto', role: 'server', maximumPacketSize: limit },
    );
    this.lastRx = broker.clock.now();
  }

  /** @internal Wires stream events and the connect timeout. */
  start(): void {
    const s = this.stream;
    s.on('data', (chunk: Buffer) => this.ingest(chunk));
    s.on('end', () => this.close('graceful', true));
    s.on('error', () => this.close('abrupt', true));
    s.on('close', () => this.finalize());
    this.connectTimer = this.broker.clock.setTimeout(() => {
      this.connectTimer = undefined;
      if (this.state === 'new' || this.state === 'connecting') this.close('abrupt', false);
    }, this.broker.options.connectTimeout);
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** True once closing started. */
  get ended(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  // ---- inbound ----------------------------------------------------------------------------------------

  /** Feeds received bytes to the decoder and processes the packets. */
  ingest(chunk: Buffer): void {
    if (this.ended) return;
    let packets: Packet[];
    try {
      packets = this.decoder.push(chunk);
    } catch (err) {
      this.onDecodeError(err);
      return;
    }
    if (packets.length === 0) return;
    if (this.inboxHead === this.inbox.length) {
      this.inbox.length = 0;
      this.inboxHead = 0;
    }
    const broker = this.broker;
    this.lastRx = broker.clock.now();
    for (const p of packets) {
      // Recorded on arrival, even when processing waits (async CONNECT, paused reading) or never happens.
      broker.recordPacket('in', this, p, null);
      this.inbox.push(p);
    }
    this.drainInbox();
  }

  /** Processes queued packets unless paused, connecting (async CONNECT in progress) or closing. */
  drainInbox(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.inboxHead < this.inbox.length && !this.readingPaused && this.state !== 'connecting' && !this.ended) {
        const p = this.inbox[this.inboxHead]!;
        this.inbox[this.inboxHead++] = undefined;
        this.receive(p);
      }
    } finally {
      this.processing = false;
    }
  }

  private receive(p: Packet): void {
    const broker = this.broker;
    if (broker.hasFaults) {
      const ctx: PacketContext = { direction: 'in', packet: p, connection: this, clientId: this.clientId };
      const decision = broker.faults.evaluate(ctx, broker.options.hooks.packet === undefined ? undefined : broker.packetHook);
      if (decision !== undefined) {
        try {
          applyInbound(this, decision.action, decision.handle, ctx);
        } catch (err) {
          this.faultFailed(err); // e.g. a replacement the codec cannot encode
        }
        return;
      }
    }
    this.handle(p);
  }

  /** Runs the protocol for one inbound packet. */
  handle(p: Packet): void {
    if (this.ended) return;
    if (this.state === 'new') {
      if (p.type !== 'connect') {
        this.close('abrupt', false); // [MQTT-3.1.0-1]
        return;
      }
      void handleConnect(this, p);
      return;
    }
    dispatch(this, p);
  }

  /** A fault action threw (bad replacement packet, invalid reason code): reported, link dropped. */
  faultFailed(err: unknown): void {
    this.broker.hookFailed(err);
    this.close('abrupt', true);
  }

  private onDecodeError(err: unknown): void {
    const e = err as { code?: string; reasonCode?: number };
    if (this.state === 'new' || this.state === 'connecting') {
      if (e.code === 'ERR_UNSUPPORTED_PROTOCOL_VERSION' && this.state === 'new') {
        // [MQTT-3.1.2-2]: 3.1.1-format CONNACK 0x01 (unacceptable protocol level), then close.
        this.write({ type: 'connack', sessionPresent: false, reasonCode: 1, properties: undefined }, 4);
      }
      this.close('graceful', false); // [MQTT-3.1.4-1]
      return;
    }
    this.protocolError(typeof e.reasonCode === 'number' ? e.reasonCode : 0x81); // [MQTT-4.13.1-1]
  }

  // ---- outbound ---------------------------------------------------------------------------------------

  /** Sends a protocol packet through the fault rules. */
  emitPacket(p: Packet): void {
    if (this.ended) return;
    const broker = this.broker;
    if (broker.hasFaults) {
      const ctx: PacketContext = { direction: 'out', packet: p, connection: this, clientId: this.clientId };
      const decision = broker.faults.evaluate(ctx, broker.options.hooks.packet === undefined ? undefined : broker.packetHook);
      if (decision !== undefined) {
        try {
          applyOutbound(this, decision.action, decision.handle, ctx);
        } catch (err) {
          this.faultFailed(err);
        }
        return;
      }
    }
    this.write(p);
  }

  /** Encodes, records and writes a packet (no fault rules). Ignored once the link is closed. */
  write(p: Packet, version?: 4 | 5): void {
    if (this.state === 'closed' || this.stream.destroyed || this.stream.writableEnded) return;
    const bytes = encode(p, { protocolVersion: version ?? (this.protocolVersion === 5 ? 5 : 4) });
    if (p.type === 'puback' || p.type === 'pubcomp' || (p.type === 'pubrec' && (p.reasonCode ?? 0) >= 0x80)) {
      this.inboundUnacked.delete(p.packetId);
    }
    this.broker.recordPacket('out', this, p, null);
    this.writeBytes(bytes);
  }

  /** Writes raw bytes, recorded with `raw`. */
  writeRaw(bytes: Buffer): void {
    if (this.state === 'closed' || this.stream.destroyed || this.stream.writableEnded) return;
    this.broker.recordPacket('out', this, null, bytes);
    this.writeBytes(bytes);
  }

  private writeBytes(bytes: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(this.uncork);
    }
    this.stream.write(bytes);
  }

  /** Writes queued deliveries the client's window allows. */
  pump(): void {
    pump(this);
  }

  /** Runs `fn` after `ms` on the broker clock unless the link has closed by then (delay faults). */
  later(ms: number, fn: () => void): void {
    const clock = this.broker.clock;
    const timer = clock.setTimeout(() => {
      this.faultTimers.delete(timer);
      if (this.ended) return;
      try {
        fn();
      } catch (err) {
        this.faultFailed(err);
      }
    }, ms);
    this.faultTimers.add(timer);
  }

  // ---- keepalive --------------------------------------------------------------------------------------

  /** Starts keepalive enforcement: 1.5 x keepalive without a packet closes the link [MQTT-3.1.2-22]. */
  startKeepalive(keepaliveSeconds: number): void {
    this.limits.keepaliveMs = keepaliveSeconds * 1500;
    if (this.limits.keepaliveMs > 0) {
      this.keepaliveTimer = this.broker.clock.setTimeout(this.onKeepalive, this.limits.keepaliveMs);
    }
  }

  private checkKeepalive(): void {
    this.keepaliveTimer = undefined;
    if (this.ended) return;
    const elapsed = this.broker.clock.now() - this.lastRx;
    if (elapsed >= this.limits.keepaliveMs) {
      // [MQTT-3.1.2-22] (5.0) / [MQTT-3.1.2-24] (3.1.1); 5.0 links are told why (0x8D Keep Alive timeout).
      this.disconnectWith(0x8d, undefined);
      return;
    }
    this.keepaliveTimer = this.broker.clock.setTimeout(this.onKeepalive, this.limits.keepaliveMs - elapsed);
  }

  // ---- lifecycle --------------------------------------------------------------------------------------

  /** Marks the CONNECT accepted. */
  markConnected(): void {
    this.state = 'connected';
    if (this.connectTimer !== undefined) {
      this.broker.clock.clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }

  /**
   * Protocol violation by the client: DISCONNECT with `reasonCode` on 5.0 links, then close; the will is
   * published [MQTT-4.13.1-1].
   */
  protocolError(reasonCode: number): void {
    this.disconnectWith(reasonCode, undefined);
  }

  /** Sends DISCONNECT when allowed (5.0, after CONNACK [MQTT-3.14.0-1]) and closes; the will is published. */
  disconnectWith(reasonCode: number, properties: Properties | undefined): void {
    if (this.ended) return;
    if (this.state === 'connected' && this.protocolVersion === 5) {
      this.write({ type: 'disconnect', reasonCode, properties });
    }
    this.close('graceful', true);
  }

  /**
   * Starts closing. `graceful` flushes, half-closes and waits (up to `closeGrace`) for the peer to close;
   * `abrupt` destroys the stream. The session is detached at once; `publishWill` decides whether the will
   * is published (false after a client DISCONNECT 0x00 [MQTT-3.14.4-3]).
   */
  close(mode: 'graceful' | 'abrupt', publishWill: boolean): void {
    if (this.state === 'closed') return;
    const wasClosing = this.state === 'closing';
    this.state = 'closing';
    this.detach(publishWill);
    if (mode === 'abrupt') {
      this.stream.destroy();
      return;
    }
    if (wasClosing) return;
    if (this.corked) this.uncork();
    this.readingPaused = false;
    this.stream.resume(); // keep reading (and discarding) so the peer's FIN is seen
    this.stream.end();
    this.graceTimer = this.broker.clock.setTimeout(() => {
      this.graceTimer = undefined;
      this.stream.destroy();
    }, this.broker.options.closeGrace);
  }

  /** Detaches from the session once (will, session expiry), via the broker. */
  private detach(publishWill: boolean): void {
    if (this.detached) return;
    this.detached = true;
    this.broker.store.detach(this, publishWill);
  }

  private finalize(): void {
    if (this.state === 'closed') return;
    this.detach(true);
    this.state = 'closed';
    const clock = this.broker.clock;
    for (const t of [this.keepaliveTimer, this.connectTimer, this.graceTimer]) if (t !== undefined) clock.clearTimeout(t);
    this.keepaliveTimer = this.connectTimer = this.graceTimer = undefined;
    for (const t of this.faultTimers) clock.clearTimeout(t);
    this.faultTimers.clear();
    this.inbox.length = 0;
    this.inboxHead = 0;
    this.broker.connectionClosed(this);
    this.resolveClosed();
  }

  // ---- BrokerConnection controller --------------------------------------------------------------------

  pauseReading(): void {
    if (this.ended || this.readingPaused) return;
    this.readingPaused = true;
    this.stream.pause();
  }

  resumeReading(): void {
    if (!this.readingPaused) return;
    this.readingPaused = false;
    this.drainInbox();
    if (!this.ended && !this.readingPaused) this.stream.resume();
  }

  send(packet: Packet): void {
    this.write(packet);
  }

  sendRaw(bytes: Buffer): void {
    this.writeRaw(bytes);
  }

  disconnect(reasonCode = 0x98, properties?: Properties): Promise<void> {
    this.disconnectWith(reasonCode, properties);
    return this.whenClosed;
  }

  destroy(): void {
    this.close('abrupt', true);
  }

  /** Shutdown by the broker: 0x8B to 5.0 clients, no will, no session timers. */
  shutdown(): void {
    if (this.ended) {
      this.stream.destroy();
      return;
    }
    if (this.state === 'connected' && this.protocolVersion === 5) {
      this.write({ type: 'disconnect', reasonCode: 0x8b, properties: undefined });
    }
    this.state = 'closing';
    this.detach(false);
    if (this.corked) this.uncork();
    this.stream.end(() => this.stream.destroy());
  }
}
