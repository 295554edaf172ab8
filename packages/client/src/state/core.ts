/**
 * The sans-IO MQTT client protocol core: {@link ClientCore}, its state and its inputs, and the effect
 * helpers every part uses (`out`, `settle`, `persist`, ...). The work is done next to it: packet dispatch
 * in `dispatch.ts`, the connection lifecycle in `lifecycle.ts`, the handshake in `handshake.ts`, publishes
 * in `outbound.ts` / `outbound-acks.ts` / `inbound.ts`, subscriptions in `control.ts`. See `README.md` in
 * this folder for the driver's contract.
 * @module
 */
import type { Packet, Properties, PublishPacket } from '@mqttx/codec';
import { AuthenticationError, ClientClosedError, InvalidRequestError } from '../errors.js';
import type { Keyspace, StoreKey } from '../store/types.js';
import { ConnectionState, Phase } from './connection.js';
import { Control } from './control.js';
import { receiveConnected, receiveConnecting } from './dispatch.js';
import type { CoreEffects, ServerLimits } from './effects.js';
import { HANDSHAKE } from './handshake.js';
import { INBOUND } from './inbound.js';
import { type Credentials, connectionClosed, destroyOps, fail, sendConnect, sendDisconnect, tickConnection, violate } from './lifecycle.js';
import type { ConnectOp, DisconnectOp, Op, PublishOp, ReauthOp, SubscribeOp, UnsubscribeOp } from './ops.js';
import { PublishState } from './ops.js';
import { type CoreOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { Outbound } from './outbound.js';
import { pubrelStored } from './outbound-acks.js';
import { SessionState, type SessionSnapshot, restoreSession } from './session.js';

export type { Credentials } from './lifecycle.js';

/** Where the client stands, as seen by the core. */
export type CoreStatus = 'offline' | 'connecting' | 'connected' | 'closing' | 'destroyed';

/**
 * The pure protocol state machine of an MQTT 3.1.1 / 5.0 client.
 *
 * **Inputs** are method calls: link events (`open`, `receive`, `closed`), the timer (`tick`), store
 * completions (`persisted`, `persistFailed`), authenticator answers (`authContinue`, `authFailed`) and user
 * requests (`publish`, `subscribe`, `unsubscribe`, `disconnect`, `reauthenticate`, `ack`, `cancel`), each
 * with `now` (ms, from the driver's clock): the core never reads a clock, owns no timer, touches no socket.
 * **Actions** are calls on the injected {@link CoreEffects} (`send`, `deliver`, `settle`, `persist`, ...),
 * all of one input synchronously and in order before the method returns: the `step(input) -> actions[]` of
 * the architecture notes without an array per message (`RecordingEffects` turns them back into a list).
 * **Timer:** after every input the driver reschedules its single timer to {@link nextDeadline} and calls
 * {@link tick} when it fires.
 *
 * Inputs never throw for protocol or request problems: bad requests settle their op with a typed error,
 * server misbehaviour ends in `close(ProtocolViolationError)`. Only misuse by the driver itself (`open`
 * twice, a reused op) throws `InvalidRequestError`. The driver's full contract (and how it differs from the
 * first sketch of the interface), the session-lost policy and the other policies are in `README.md` next
 * to this file.
 */
export class ClientCore {
  /** Resolved options. @internal */
  readonly opts: ResolvedOptions;
  /** The driver's effects. @internal */
  readonly effects: CoreEffects;
  /** Session state (survives reconnects). @internal */
  readonly session: SessionState;
  /** Current connection, if a link is up. @internal */
  conn: ConnectionState | undefined;
  /**
   * Time of the input being processed, in whole ms (floored: times kept in the state are small integers,
   * stored unboxed). @internal
   */
  now = 0;
  /** True for MQTT 5. @internal */
  readonly v5: boolean;
  /** Bumped whenever work is queued; the pump loop runs until it is stable. @internal */
  gen = 0;
  /** See {@link outbound}. */
  private madeOutbound: Outbound | undefined;
  /** See {@link control}. */
  private madeControl: Control | undefined;
  private depth = 0;
  private epochs = 0;
  private destroyed = false;
  /** Limits of the last CONNACK. @internal */
  lastLimits: ServerLimits | undefined;

  /**
   * @param options - core options (validated here)
   * @param effects - the driver's effects
   * @throws ConfigError for invalid options
   */
  constructor(options: CoreOptions, effects: CoreEffects) {
    this.opts = resolveOptions(options);
    this.effects = effects;
    this.v5 = this.opts.protocolVersion === 5;
    this.session = new SessionState(options?.clientId ?? ''); // validated by resolveOptions
    this.conn = undefined;
    this.madeOutbound = undefined;
    this.madeControl = undefined;
  }

  /**
   * The publish half, made by the first publish (or ack, or a session to resume): a client that never
   * publishes carries none. @internal
   */
  get outbound(): Outbound {
    return (this.madeOutbound ??= new Outbound(this));
  }

  /** True when the publish half has work or state: made, or session entries restored from a store. @internal */
  get outboundInUse(): boolean {
    return this.madeOutbound !== undefined || this.session.outbound.size > 0;
  }

  /**
   * The subscription half, made by the first subscribe, unsubscribe, SUBACK / UNSUBACK or resubscription:
   * a client that never subscribes carries none. @internal
   */
  get control(): Control {
    return (this.madeControl ??= new Control(this));
  }

  /** Resubscribe SUBSCRIBEs not yet acknowledged on this connection. @internal */
  get resubscribing(): number {
    return this.madeControl === undefined ? 0 : this.madeControl.resubscribing;
  }

  // ---------------------------------------------------------------- state

  /** Where the client stands. */
  get status(): CoreStatus {
    if (this.destroyed) return 'destroyed';
    const conn = this.conn;
    if (conn === undefined) return 'offline';
    return conn.phase === Phase.Connecting ? 'connecting' : conn.phase === Phase.Connected ? 'connected' : 'closing';
  }

  /** True between a Success CONNACK and the end of that connection. */
  get connected(): boolean {
    return this.conn !== undefined && this.conn.phase === Phase.Connected;
  }

  /** The client id in use (the server-assigned one after an assignment). */
  get clientId(): string {
    return this.session.clientId;
  }

  /** Server limits of the current (or last) connection; undefined before the first CONNACK. */
  get limits(): ServerLimits | undefined {
    return this.lastLimits;
  }

  /** QoS 1/2 publishes holding a packet id (queued with an id, in flight, or awaiting PUBCOMP). */
  get inflightCount(): number {
    return this.session.outbound.size;
  }

  /** Publishes waiting in the QoS 0 and QoS 1/2 queues (never sent yet). */
  get queuedCount(): number {
    return this.madeOutbound === undefined ? 0 : this.madeOutbound.queued;
  }

  /** True when no publish, subscribe or unsubscribe is waiting or unacknowledged (a graceful end may go). */
  get idle(): boolean {
    return this.session.outbound.size === 0 && this.queuedCount === 0 && (this.madeControl === undefined || this.madeControl.idle);
  }

  /** When the driver must call {@link tick} next (ms on its clock), or Infinity for no timer. */
  nextDeadline(): number {
    return this.conn === undefined ? Infinity : this.conn.deadline();
  }

  // ---------------------------------------------------------------- link inputs

  /**
   * Loads a session read from a store (before the first `open`). Restored publishes have no driver slot;
   * they are settled like any op (the driver ignores settles of ops without a slot).
   * @throws StoreError when a record does not decode
   * @throws InvalidRequestError when the core already has session state
   */
  restore(snapshot: SessionSnapshot): PublishOp[] {
    if (this.session.outbound.size > 0 || this.session.inbound.size > 0 || this.session.subscriptions.size > 0 || this.conn) {
      throw new InvalidRequestError('restore() must come before any other input', 'internal');
    }
    return restoreSession(this.session, snapshot, this.opts.protocolVersion);
  }

  /**
   * The transport is up: sends CONNECT built from the options. `authData` is the first enhanced
   * authentication data (from the driver's authenticator) when the options carry an authentication method.
   * `credentials`, when given, replace the user name and password of the options for this CONNECT (the
   * driver resolves them before every connect, so tokens can be refreshed).
   * @throws InvalidRequestError when a connection is already active
   */
  open(now: number, op?: ConnectOp, authData?: Buffer, credentials?: Credentials): void {
    if (this.destroyed) {
      if (op !== undefined) this.settle(op, new ClientClosedError(), undefined);
      return;
    }
    if (this.conn !== undefined) throw new InvalidRequestError('open() while a connection is active', 'internal');
    this.enter(now);
    const shared = this.opts.shared;
    const conn = new ConnectionState(++this.epochs, this.now, shared.connectTimeout, shared.keepalive * 1000, op);
    this.conn = conn;
    sendConnect(this, authData, credentials);
    this.leave();
  }

  /** A decoded packet arrived from the server. */
  receive(packet: Packet, now: number): void {
    const conn = this.conn;
    if (conn === undefined || conn.phase === Phase.Closing) return;
    this.enter(now);
    // Any packet proves the server alive: an outstanding PINGREQ is answered.
    conn.pingDeadline = 0;
    if (conn.phase === Phase.Connecting) receiveConnecting(this, conn, packet);
    else receiveConnected(this, packet);
    this.leave();
  }

  /**
   * The driver's decoder failed on the server's bytes (a `CodecError`): DISCONNECT with its reason code
   * (0x81 malformed, 0x82 protocol error, 0x95 too large) and close.
   */
  protocolError(error: Error & { reasonCode?: number | undefined }, now: number): void {
    if (this.conn === undefined || this.conn.phase === Phase.Closing) return;
    this.enter(now);
    violate(this, error.reasonCode ?? 0x81, 'invalid packet from the server', undefined, error);
    this.leave();
  }

  /**
   * The link is down (after `close()` or on its own). Connection state is dropped; the session stays.
   * `error` is the transport's error, if any.
   */
  closed(error: Error | undefined, now: number): void {
    const conn = this.conn;
    if (conn === undefined) return;
    this.enter(now);
    this.conn = undefined;
    connectionClosed(this, conn, error);
    this.madeControl?.onClosed(error);
    this.leave();
  }

  /** The driver's timer fired: connect timeout, PINGREQ due, or ping timeout. */
  tick(now: number): void {
    const conn = this.conn;
    if (conn === undefined) return;
    this.enter(now);
    tickConnection(this, conn, now);
    this.leave();
  }

  // ---------------------------------------------------------------- user requests

  /** Queues (and when possible sends) a publish. */
  publish(op: PublishOp, now: number): void {
    this.enter(now);
    this.outbound.publish(op);
    this.leave();
  }

  /** Queues (and when possible sends) a subscribe. */
  subscribe(op: SubscribeOp, now: number): void {
    this.enter(now);
    this.control.subscribe(op);
    this.leave();
  }

  /** Queues (and when possible sends) an unsubscribe. */
  unsubscribe(op: UnsubscribeOp, now: number): void {
    this.enter(now);
    this.control.unsubscribe(op);
    this.leave();
  }

  /**
   * Graceful disconnect: DISCONNECT (with the op's reason code and properties in 5.0), then `close()`
   * [MQTT-3.14.4-1] [MQTT-3.14.4-2]. Offline, the op settles at once. Pending ops stay in the session;
   * call {@link destroyAll} to settle them.
   */
  disconnect(op: DisconnectOp, now: number): void {
    if (this.destroyed) return this.settle(op, new ClientClosedError(), undefined);
    const conn = this.conn;
    if (conn === undefined || conn.phase === Phase.Closing) return this.settle(op, undefined, undefined);
    this.enter(now);
    sendDisconnect(this, conn, op);
    this.leave();
  }

  /** Starts an MQTT 5 re-authentication (AUTH 0x19) [MQTT-4.12.1-1]. */
  reauthenticate(op: ReauthOp, now: number): void {
    if (this.destroyed) return this.settle(op, new ClientClosedError(), undefined);
    this.enter(now);
    HANDSHAKE.reauthenticate(this, op);
    this.leave();
  }

  /** The driver's authenticator answered a server AUTH 0x18: send AUTH 0x18 with `data` [MQTT-4.12.0-3]. */
  authContinue(data: Buffer | undefined, now: number, properties?: Properties): void {
    const conn = this.conn;
    if (conn === undefined || conn.phase === Phase.Closing || !conn.awaitingAuth) return;
    this.enter(now);
    HANDSHAKE.authContinue(this, conn, data, properties);
    this.leave();
  }

  /** The driver's authenticator failed: DISCONNECT and close with an `AuthenticationError`. */
  authFailed(error: unknown, now: number): void {
    const conn = this.conn;
    if (conn === undefined || conn.phase === Phase.Closing) return;
    this.enter(now);
    fail(this, new AuthenticationError('the authenticator failed', undefined, error), 0x80);
    this.leave();
  }

  /**
   * Manual acknowledgement of a delivered QoS 1/2 message (option `manualAck`). Acks leave in arrival
   * order, so an ack may wait for earlier messages. A 5.0 `reasonCode` >= 0x80 refuses the message (the
   * server may then send it again as new). Returns false when the message has nothing to acknowledge (QoS 0,
   * already acknowledged, or from a closed connection).
   */
  ack(message: PublishPacket, now: number, reasonCode = 0): boolean {
    this.enter(now);
    const result = INBOUND.ack(this, message, this.v5 ? reasonCode : 0);
    this.leave();
    return result;
  }

  /** The store finished writing the record of `op` (durable mode sends it now). */
  persisted(op: PublishOp, now: number): void {
    if (op.done || op.stored) return;
    this.enter(now);
    op.stored = true;
    if (op.state === PublishState.Released) pubrelStored(this.outbound, op);
    else this.gen++;
    this.leave();
  }

  /** The store failed to write the record of `op`: an unsent op settles with a `StoreError`. */
  persistFailed(op: PublishOp, error: unknown, now: number): void {
    if (op.done) return;
    this.enter(now);
    this.outbound.storeFailed(op, error);
    this.leave();
  }

  /**
   * Withdraws a publish, subscribe or unsubscribe that was not sent yet (an aborted call): it settles with
   * `error`. Returns false when the op is already on the wire or settled, and for connect, disconnect and
   * re-authentication ops (close the link instead).
   */
  cancel(op: Op, error: Error, now: number): boolean {
    if (op.done) return false;
    this.enter(now);
    let result = false;
    if (op.kind === 'publish') result = this.outbound.cancel(op, error);
    else if (op.kind === 'subscribe' || op.kind === 'unsubscribe') result = this.control.cancel(op, error);
    this.leave();
    return result;
  }

  /**
   * The client is destroyed: every pending op (queued, in flight, waiting for an ack, connecting) settles
   * with `ClientClosedError` (its `cause` is `error`). The core accepts no more work; the driver closes the
   * link itself. Store records stay, so another process may resume the session.
   */
  destroyAll(error?: unknown): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.depth++;
    const conn = this.conn;
    this.conn = undefined;
    destroyOps(this, conn, this.madeControl, new ClientClosedError(error));
    this.depth--;
  }

  // ---------------------------------------------------------------- internals

  /** Starts an input. @internal */
  enter(now: number): void {
    this.now = Math.floor(now);
    this.depth++;
  }

  /** Ends an input; the outermost one sends whatever became sendable. @internal */
  leave(): void {
    if (this.depth > 1) {
      this.depth--;
      return;
    }
    let gen: number;
    do {
      gen = this.gen;
      const conn = this.conn;
      if (conn === undefined || conn.phase !== Phase.Connected || this.destroyed) break;
      this.madeControl?.pump();
      this.madeOutbound?.pump();
    } while (gen !== this.gen);
    this.depth = 0;
  }

  /** Sends a packet and notes the time (keepalive). @internal */
  out(packet: Packet, op: PublishOp | undefined): void {
    this.conn!.lastSent = this.now;
    this.effects.send(packet, op);
  }

  /** Settles an op once. @internal */
  settle(op: Op, error: Error | undefined, value: unknown): void {
    if (op.done) return;
    op.done = true;
    this.effects.settle(op, error, value);
  }

  /** Emits a `persist` effect when persistence is on. @internal */
  persist(keyspace: Keyspace, key: StoreKey, seq: number, bytes: Buffer, op: PublishOp | undefined): void {
    if (this.opts.persistence === 'none') return;
    this.effects.persist({ keyspace, key, seq, bytes, op });
  }

  /** Emits an `unpersist` effect when persistence is on. @internal */
  unpersist(keyspace: Keyspace, key: StoreKey): void {
    if (this.opts.persistence !== 'none') this.effects.unpersist(keyspace, key);
  }
}
