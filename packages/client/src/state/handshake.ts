/**
 * The connection handshake and its endings: CONNACK (refusal, server limits, session present or not),
 * enhanced authentication (AUTH) and the server's DISCONNECT.
 * @module
 */
import type { AuthPacket, ConnackPacket, DisconnectPacket, Properties } from '@mqttx/codec';
import { ConnackError, InvalidRequestError, NotConnectedError, ServerDisconnectError, connackReturnCodeToReasonCode } from '../errors.js';
import { type ConnectionState, Phase, limitsFromConnack } from './connection.js';
import type { ClientCore } from './core.js';
import type { ConnectedInfo } from './effects.js';
import { INBOUND } from './inbound.js';
import { settleConnectionOps, violate } from './lifecycle.js';
import { type ReauthOp, RequestState } from './ops.js';
import { renew, resume } from './outbound-acks.js';
import { META_SESSION, metaRecordBytes } from './session.js';

/**
 * Handshake, authentication and server DISCONNECT handling of the core. Stateless (the state is the
 * core's, passed to every method): one instance, {@link HANDSHAKE}, serves every core.
 * @internal
 */
export class Handshake {
  /** CONNACK: refusal, or the start of a connection (limits, session present or not). */
  onConnack(core: ClientCore, conn: ConnectionState, connack: ConnackPacket): void {
    const rc = connack.reasonCode;
    if (rc !== 0) {
      const p = connack.properties;
      let context: Record<string, unknown> | undefined;
      if (p?.reasonString !== undefined) context = { reasonString: p.reasonString };
      // 0x9C / 0x9D carry a Server Reference the driver may follow (section 4.11).
      if (p?.serverReference !== undefined) context = { ...context, serverReference: p.serverReference };
      const error = core.v5 ? new ConnackError(rc, undefined, context) : new ConnackError(connackReturnCodeToReasonCode(rc), rc);
      // A refusing CONNACK ends the connection [MQTT-4.13.2-1]; nothing is sent after it.
      conn.phase = Phase.Closing;
      settleConnectionOps(core, conn, error);
      core.effects.close(error);
      return;
    }
    if (connack.sessionPresent && core.opts.shared.clean) {
      // [MQTT-3.2.2-4]: a session the client did not ask to keep cannot be present.
      violate(core, 0x82, 'CONNACK Session Present after a clean start', { sessionPresent: true });
      return;
    }
    const limits = core.v5 ? limitsFromConnack(connack) : limitsFromConnack({ ...connack, properties: undefined });
    core.lastLimits = limits;
    conn.phase = Phase.Connected;
    conn.limits = limits;
    // [MQTT-4.9.0-1] the send quota starts at the server's Receive Maximum (or our lower cap).
    conn.sendLimit = Math.min(limits.receiveMaximum, core.opts.shared.maxInflight);
    // [MQTT-3.1.2-21] / [MQTT-3.2.2-21] Server Keep Alive replaces ours.
    const keepalive = (core.v5 ? connack.properties?.serverKeepAlive : undefined) ?? core.opts.shared.keepalive;
    conn.keepaliveMs = keepalive * 1000;
    conn.pingTimeoutMs = core.opts.shared.pingTimeout > 0 ? core.opts.shared.pingTimeout : Math.max(1000, Math.ceil(conn.keepaliveMs / 2));
    if (core.opts.shared.topicAliases && limits.topicAliasMaximum > 0) conn.aliasOut = new Map();
    const assigned = core.v5 ? connack.properties?.assignedClientIdentifier : undefined;
    if (assigned !== undefined && assigned !== core.session.clientId) {
      core.session.clientId = assigned;
      core.persist('meta', META_SESSION, 0, metaRecordBytes(assigned, core.opts.protocolVersion), undefined);
    }
    const info: ConnectedInfo = {
      sessionPresent: connack.sessionPresent,
      clientId: core.session.clientId,
      keepalive,
      limits,
      connack,
    };
    const connectOp = conn.connectOp;
    conn.connectOp = undefined; // settled: an idle connection keeps no reference to it (or its promise)
    if (connectOp !== undefined) core.settle(connectOp, undefined, info);
    core.effects.connected(info);
    if (core.conn !== conn || conn.phase !== Phase.Connected) return;
    if (connack.sessionPresent) {
      // [MQTT-4.4.0-1] resume: resend unacknowledged PUBLISH (DUP) and PUBREL in their original order.
      INBOUND.resume(core);
      if (core.outboundInUse) resume(core.outbound, conn); // else nothing to resend
    } else {
      // [MQTT-3.2.2-5] the server has no session: drop ours and resubscribe.
      INBOUND.discardSession(core);
      if (core.outboundInUse) renew(core.outbound); // else nothing to renew
      if (core.session.subscriptions.size > 0) core.control.resubscribeAll(); // none: no Control needed
    }
    if (core.resubscribing === 0) core.effects.ready();
    const early = conn.early;
    if (early !== undefined) {
      conn.early = undefined;
      for (let i = 0; i < early.length && core.conn === conn && conn.phase === Phase.Connected; i++) {
        INBOUND.onPublish(core, early[i]!);
      }
    }
  }

  /** The server's DISCONNECT (5.0): surface it and close; nothing is sent after it. */
  onServerDisconnect(core: ClientCore, packet: DisconnectPacket): void {
    const conn = core.conn!;
    core.effects.serverDisconnect(packet);
    if (core.conn !== conn || conn.phase === Phase.Closing) return;
    const p = packet.properties;
    const context: Record<string, unknown> = {};
    if (p?.reasonString !== undefined) context.reasonString = p.reasonString;
    if (p?.serverReference !== undefined) context.serverReference = p.serverReference;
    const error = new ServerDisconnectError(packet.reasonCode ?? 0, context);
    // Nothing is sent after the server's DISCONNECT.
    conn.phase = Phase.Closing;
    settleConnectionOps(core, conn, error);
    core.effects.close(error);
  }

  /** AUTH from the server: continue (0x18) or re-authentication success (0x00) [MQTT-4.12.0-*]. */
  onAuth(core: ClientCore, packet: AuthPacket): void {
    const conn = core.conn!;
    const method = core.opts.authenticationMethod;
    if (!core.v5 || method === undefined) {
      // [MQTT-4.12.0-6]: no AUTH from the server unless CONNECT carried an Authentication Method.
      violate(core, 0x82, 'AUTH without an authentication method');
      return;
    }
    if (packet.properties?.authenticationMethod !== method) {
      // [MQTT-4.12.0-5]: every AUTH carries the method of the CONNECT.
      violate(core, 0x82, 'AUTH with a different authentication method');
      return;
    }
    const rc = packet.reasonCode ?? 0;
    const exchanging = conn.phase === Phase.Connecting || conn.reauthOp !== undefined;
    if (rc === 0x18 && exchanging) {
      conn.awaitingAuth = true;
      core.effects.auth(packet);
    } else if (rc === 0x00 && conn.phase === Phase.Connected && conn.reauthOp !== undefined) {
      const op = conn.reauthOp;
      conn.reauthOp = undefined;
      conn.awaitingAuth = false;
      op.state = RequestState.Done;
      core.settle(op, undefined, packet);
    } else {
      violate(core, 0x82, `unexpected AUTH 0x${rc.toString(16)}`, { reasonCode: rc });
    }
  }

  /** `core.reauthenticate`: AUTH 0x19 with the CONNECT's method [MQTT-4.12.1-1]. */
  reauthenticate(core: ClientCore, op: ReauthOp): void {
    const method = core.opts.authenticationMethod;
    const conn = core.conn;
    // [MQTT-4.12.0-7] no AUTH without an Authentication Method in CONNECT.
    if (!core.v5 || method === undefined) {
      return core.settle(op, new InvalidRequestError('re-authentication needs an authentication method', 'authentication'), undefined);
    }
    if (conn === undefined || conn.phase !== Phase.Connected) return core.settle(op, new NotConnectedError('re-authentication'), undefined);
    if (conn.reauthOp !== undefined) {
      return core.settle(op, new InvalidRequestError('a re-authentication is already running', 'authentication'), undefined);
    }
    conn.reauthOp = op;
    op.state = RequestState.Sent;
    const properties: Properties = { ...op.properties, authenticationMethod: method, authenticationData: op.data };
    core.out({ type: 'auth', reasonCode: 0x19, properties }, undefined);
  }

  /** `core.authContinue`: AUTH 0x18 with the authenticator's answer [MQTT-4.12.0-3] [MQTT-4.12.0-5]. */
  authContinue(core: ClientCore, conn: ConnectionState, data: Buffer | undefined, properties: Properties | undefined): void {
    conn.awaitingAuth = false;
    const props: Properties = { ...properties, authenticationMethod: core.opts.authenticationMethod, authenticationData: data };
    core.out({ type: 'auth', reasonCode: 0x18, properties: props }, undefined);
  }
}

/** The one {@link Handshake} (it has no state of its own). @internal */
export const HANDSHAKE = new Handshake();
