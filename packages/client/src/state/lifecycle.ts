/**
 * The connection lifecycle of the core: the CONNECT that opens a connection, keepalive and the connect
 * timeout, the graceful DISCONNECT, the end of a link, ending a connection on an error (protocol
 * violations included), and settling everything when the client is destroyed. Module functions taking the {@link ClientCore}; its input methods guard, call them
 * between `enter` and `leave`, and keep the state.
 * @module
 */
import type { ConnectPacket, DisconnectPacket, Packet } from '@mqttx/codec';
import { ConnectionClosedError, ConnectTimeoutError, InvalidRequestError, KeepaliveTimeoutError, ProtocolViolationError } from '../errors.js';
import { type ConnectionState, Phase } from './connection.js';
import type { Control } from './control.js';
import type { ClientCore } from './core.js';
import type { DisconnectOp } from './ops.js';

const PINGREQ: Packet = { type: 'pingreq' };

/** User name and password for one CONNECT (see {@link ClientCore.open}). */
export interface Credentials {
  /** User name, or undefined for none. */
  username: string | undefined;
  /** Password, or undefined for none (MQTT 3.1.1 allows a password only with a user name [MQTT-3.1.2-22]). */
  password: Buffer | undefined;
}

/**
 * Sends the CONNECT of a new connection, built from the options. `authData` is the first enhanced
 * authentication data, `credentials` replace the user name and password of the options (see
 * {@link ClientCore.open}).
 * @internal
 */
export function sendConnect(core: ClientCore, authData: Buffer | undefined, credentials: Credentials | undefined): void {
  const o = core.opts;
  let properties = o.properties;
  if (authData !== undefined && o.authenticationMethod !== undefined) properties = { ...properties, authenticationData: authData };
  const connect: ConnectPacket = {
    type: 'connect',
    protocolVersion: o.protocolVersion,
    clientId: core.session.clientId,
    clean: o.shared.clean,
    keepalive: o.shared.keepalive,
    username: credentials === undefined ? o.username : credentials.username,
    password: credentials === undefined ? o.password : credentials.password,
    will: o.will,
    properties,
  };
  core.out(connect, undefined);
}

/** The timer fired on `conn`: connect timeout, PINGREQ due, or ping timeout. @internal */
export function tickConnection(core: ClientCore, conn: ConnectionState, now: number): void {
  if (conn.phase === Phase.Connecting) {
    if (conn.connectDeadline !== 0 && now >= conn.connectDeadline) fail(core, new ConnectTimeoutError({ timeout: core.opts.shared.connectTimeout }), undefined);
  } else if (conn.phase === Phase.Connected && conn.keepaliveMs > 0) {
    if (conn.pingDeadline !== 0) {
      if (now >= conn.pingDeadline) {
        fail(core, new KeepaliveTimeoutError({ keepalive: conn.keepaliveMs, pingTimeout: conn.pingTimeoutMs }), undefined);
      }
    } else if (now >= conn.lastSent + conn.keepaliveMs) {
      // Nothing sent for a keepalive period: PINGREQ [MQTT-3.1.2-20] (5.0) / [MQTT-3.1.2-23] (3.1.1).
      core.out(PINGREQ, undefined);
      conn.pingDeadline = core.now + conn.pingTimeoutMs;
    }
  }
}

/**
 * Graceful disconnect on a live `conn`: DISCONNECT (with the op's reason code and properties in 5.0), then
 * `close()` [MQTT-3.14.4-1] [MQTT-3.14.4-2].
 * @internal
 */
export function sendDisconnect(core: ClientCore, conn: ConnectionState, op: DisconnectOp): void {
  const expiry = op.properties?.sessionExpiryInterval;
  if (core.v5 && expiry !== undefined && expiry !== 0 && !(core.opts.properties?.sessionExpiryInterval ?? 0)) {
    // Setting a non-zero expiry on DISCONNECT after a zero one on CONNECT is a protocol error (3.14.2.2.2).
    core.settle(op, new InvalidRequestError('sessionExpiryInterval cannot be raised from 0', 'connection'), undefined);
    return;
  }
  const packet: DisconnectPacket = core.v5 ? op : { type: 'disconnect', reasonCode: undefined, properties: undefined };
  core.out(packet, undefined);
  conn.phase = Phase.Closing;
  core.settle(op, undefined, undefined);
  settleConnectionOps(core, conn, new ConnectionClosedError());
  core.effects.close(undefined);
}

/** The link of `conn` is down (already dropped from the core): its pending connection ops settle. @internal */
export function connectionClosed(core: ClientCore, conn: ConnectionState, error: Error | undefined): void {
  if (conn.connectOp !== undefined && !conn.connectOp.done) core.settle(conn.connectOp, new ConnectionClosedError(error), undefined);
  if (conn.reauthOp !== undefined && !conn.reauthOp.done) core.settle(conn.reauthOp, new ConnectionClosedError(error), undefined);
}

/**
 * The server broke the protocol: DISCONNECT with `reasonCode` (5.0) and close with a
 * `ProtocolViolationError` [MQTT-4.13.2-1] / [MQTT-4.8.0-1] (3.1.1).
 * @internal
 */
export function violate(core: ClientCore, reasonCode: number, message: string, context?: Record<string, unknown>, cause?: unknown): void {
  fail(core, new ProtocolViolationError(reasonCode, message, context, cause), reasonCode);
}

/** Ends the connection with `error`, sending DISCONNECT `reasonCode` first in 5.0 when given. @internal */
export function fail(core: ClientCore, error: Error, reasonCode: number | undefined): void {
  const conn = core.conn;
  if (conn === undefined || conn.phase === Phase.Closing) return;
  if (core.v5 && reasonCode !== undefined) core.out({ type: 'disconnect', reasonCode, properties: undefined }, undefined);
  conn.phase = Phase.Closing;
  settleConnectionOps(core, conn, error);
  core.effects.close(error);
}

/** Settles the connect and re-authentication ops of `conn` with `error`. @internal */
export function settleConnectionOps(core: ClientCore, conn: ConnectionState, error: Error): void {
  if (conn.connectOp !== undefined) core.settle(conn.connectOp, error, undefined);
  if (conn.reauthOp !== undefined) core.settle(conn.reauthOp, error, undefined);
}

/**
 * `destroyAll`: settles the ops of the dropped connection `conn` (if any), then every queued and in-flight
 * publish, subscribe and unsubscribe, with `error`.
 * @internal
 */
export function destroyOps(core: ClientCore, conn: ConnectionState | undefined, control: Control | undefined, error: Error): void {
  if (conn !== undefined) settleConnectionOps(core, conn, error);
  if (core.outboundInUse) core.outbound.destroy(error); // else nothing queued or in flight: none to make
  control?.destroy(error);
}
