/**
 * The CONNECT flow: client id rules, capability checks, authentication, refusal faults, the CONNACK (with
 * the `connack` hook's overrides), session takeover and Clean Start, then resumption.
 * @module
 */
import type { ConnackPacket, ConnectPacket, Properties, QoS } from '@mqttx/codec';
import type { Connection } from './connection.js';
import type { ConnackOverride } from './options.js';
import { resume } from './protocol.js';

const V4_FROM_V5: Record<number, number> = {
  0x84: 1, // unsupported protocol version -> unacceptable protocol version
  0x85: 2, // client identifier not valid -> identifier rejected
  0x88: 3, // server unavailable
  0x89: 3, // server busy -> server unavailable
  0x9c: 3, // use another server -> server unavailable
  0x9d: 3, // server moved -> server unavailable
  0x86: 4, // bad user name or password
  0x87: 5, // not authorized
  0x8a: 5, // banned -> not authorized
  0x8c: 4, // bad authentication method -> bad user name or password
};

const V5_FROM_V4: Record<number, number> = { 1: 0x84, 2: 0x85, 3: 0x88, 4: 0x86, 5: 0x87 };

/**
 * A CONNACK refusal code for the link's version: 5.0 codes (>= 0x80) are mapped to the nearest 3.1.1
 * return code for 3.1.1 links, and 3.1.1 codes (1..5) to their 5.0 counterpart for 5.0 links.
 */
export function connackCodeFor(version: 3 | 4 | 5, code: number): number {
  if (version === 5) return V5_FROM_V4[code] ?? code;
  if (code >= 1 && code <= 5) return code;
  return V4_FROM_V5[code] ?? 3;
}

/** Handles a CONNECT (asynchronous: authentication and the connack hook may return promises). */
export async function handleConnect(conn: Connection, p: ConnectPacket): Promise<void> {
  conn.state = 'connecting';
  conn.connectPacket = p;
  conn.protocolVersion = p.protocolVersion;
  try {
    await connect(conn, p);
  } catch (err) {
    // authenticate / the connack hook threw (or an override the codec cannot encode).
    conn.broker.hookFailed(err);
    if (conn.state === 'connecting') refuse(conn, 0x80, undefined);
    else conn.close('abrupt', true); // never a second CONNACK [MQTT-3.2.0-2]
  }
}

async function connect(conn: Connection, p: ConnectPacket): Promise<void> {
  const broker = conn.broker;
  const o = broker.options;
  const v5 = p.protocolVersion === 5;

  let clientId = p.clientId;
  let assigned: string | undefined;
  if (clientId.length === 0) {
    // 3.1.1: an empty id needs Clean Session 1 [MQTT-3.1.3-8]; otherwise one is assigned [MQTT-3.1.3-6].
    if (!o.allowEmptyClientId || (!v5 && !p.clean)) return refuse(conn, 0x85, undefined);
    assigned = broker.store.assignClientId();
    clientId = assigned;
  }
  if (p.will !== undefined) {
    if (p.will.qos > o.maximumQoS) return refuse(conn, 0x9b, undefined); // [MQTT-3.2.2-12]
    if (p.will.retain && !o.retainAvailable) return refuse(conn, 0x9a, undefined); // [MQTT-3.2.2-13]
  }
  if (v5 && p.properties?.authenticationMethod !== undefined) {
    return refuse(conn, 0x8c, undefined); // enhanced authentication is not supported [MQTT-4.12.0-1]
  }
  if (o.authenticate !== undefined) {
    // [MQTT-3.1.4-2]: authentication; a failure closes the link after a CONNACK with the reason.
    const result = await o.authenticate({ clientId: p.clientId, username: p.username, password: p.password, connect: p, connection: conn });
    if (conn.ended) return;
    if (result === false) return refuse(conn, 0x87, undefined);
    if (typeof result === 'number' && result !== 0) return refuse(conn, result, undefined);
  }
  const refusal = broker.faults.takeConnackRefusal(clientId);
  if (refusal !== undefined) return refuse(conn, refusal.reasonCode!, refusal.properties);

  // The session this CONNECT would resume: Clean Start 0, a session exists, and it survives the takeover
  // of its current link (a live link with expiry 0 ends its session) [MQTT-3.2.2-2] [MQTT-3.2.2-3].
  const existing = broker.store.get(clientId);
  const sessionPresent =
    !p.clean && existing !== undefined && (existing.connection === null || existing.expiryInterval > 0);

  let sessionExpiry = v5 ? (p.properties?.sessionExpiryInterval ?? 0) : 0;
  let connack: ConnackPacket = { type: 'connack', sessionPresent, reasonCode: 0, properties: undefined };
  if (v5) {
    const props: Properties = {};
    if (assigned !== undefined) props.assignedClientIdentifier = assigned; // [MQTT-3.2.2-16] [MQTT-3.1.3-7]
    if (o.maximumSessionExpiryInterval !== undefined && sessionExpiry > o.maximumSessionExpiryInterval) {
      sessionExpiry = o.maximumSessionExpiryInterval;
      props.sessionExpiryInterval = sessionExpiry;
    }
    if (o.receiveMaximum !== undefined) props.receiveMaximum = o.receiveMaximum;
    if (o.maximumQoS < 2) props.maximumQoS = o.maximumQoS as 0 | 1; // [MQTT-3.2.2-9]
    if (!o.retainAvailable) props.retainAvailable = false;
    if (o.maximumPacketSize !== undefined) props.maximumPacketSize = o.maximumPacketSize;
    if (o.topicAliasMaximum > 0) props.topicAliasMaximum = o.topicAliasMaximum;
    if (!o.wildcardSubscriptionAvailable) props.wildcardSubscriptionAvailable = false;
    if (!o.subscriptionIdentifiersAvailable) props.subscriptionIdentifiersAvailable = false;
    if (!o.sharedSubscriptionAvailable) props.sharedSubscriptionAvailable = false;
    if (o.serverKeepAlive !== undefined) props.serverKeepAlive = o.serverKeepAlive;
    connack.properties = Object.keys(props).length > 0 ? props : undefined;
  }

  const hook = o.hooks.connack;
  if (hook !== undefined) {
    const override = await hook(p, conn);
    if (conn.ended) return;
    if (override) connack = applyOverride(connack, override, p.protocolVersion);
  }
  if (v5 ? connack.reasonCode >= 0x80 : connack.reasonCode !== 0) {
    conn.write(connack);
    conn.connackPacket = connack;
    conn.close('graceful', false); // nothing after a refused CONNECT is processed [MQTT-3.1.4-6]
    return;
  }
  const finalProps = connack.properties;
  if (assigned !== undefined && finalProps?.assignedClientIdentifier !== undefined) {
    clientId = finalProps.assignedClientIdentifier;
  }

  // Accepted: takeover, Clean Start, attach [MQTT-3.1.4-3] [MQTT-3.1.4-4] [MQTT-3.1.2-4] [MQTT-3.1.2-5].
  conn.clientId = clientId;
  const session = broker.store.attach(conn, clientId, p, sessionExpiry);
  const L = conn.limits;
  L.connectSessionExpiry = v5 ? (p.properties?.sessionExpiryInterval ?? 0) : 0;
  L.clientReceiveMaximum = (v5 ? p.properties?.receiveMaximum : undefined) ?? 65535;
  L.clientMaximumPacketSize = (v5 ? p.properties?.maximumPacketSize : undefined) ?? Number.POSITIVE_INFINITY;
  L.receiveMaximum = (v5 ? finalProps?.receiveMaximum : o.receiveMaximum) ?? 65535;
  L.maximumPacketSize = (v5 ? finalProps?.maximumPacketSize : o.maximumPacketSize) ?? Number.POSITIVE_INFINITY;
  L.topicAliasMaximum = v5 ? (finalProps?.topicAliasMaximum ?? 0) : 0;
  L.maximumQoS = ((v5 ? finalProps?.maximumQoS : undefined) ?? o.maximumQoS) as QoS;
  L.retainAvailable = v5 ? (finalProps?.retainAvailable ?? true) : o.retainAvailable;
  L.wildcardSubscriptionAvailable = v5 ? (finalProps?.wildcardSubscriptionAvailable ?? true) : o.wildcardSubscriptionAvailable;
  L.subscriptionIdentifiersAvailable = v5 ? (finalProps?.subscriptionIdentifiersAvailable ?? true) : true;
  L.sharedSubscriptionAvailable = v5 ? (finalProps?.sharedSubscriptionAvailable ?? true) : o.sharedSubscriptionAvailable;
  conn.markConnected();
  // Server Keep Alive replaces the client's value; without it the client's is used [MQTT-3.2.2-22].
  conn.startKeepalive(v5 && finalProps?.serverKeepAlive !== undefined ? finalProps.serverKeepAlive : p.keepalive);
  if (p.protocolVersion === 3) connack.sessionPresent = false; // 3.1 has no Session Present flag
  conn.connackPacket = connack;
  conn.emitPacket(connack); // [MQTT-3.2.0-1] [MQTT-3.1.4-5]
  broker.clientConnected(conn);
  if (conn.ended) return;
  if (session.inflight.size > 0 || session.queue.length > 0) resume(conn);
  conn.drainInbox();
}

/** Merges an override; its reason code is mapped to the link's version like any refusal code. */
function applyOverride(connack: ConnackPacket, o: ConnackOverride, version: 3 | 4 | 5): ConnackPacket {
  const v5 = version === 5;
  let properties = connack.properties;
  if (v5 && o.properties !== undefined) {
    const merged: Record<string, unknown> = { ...properties };
    for (const [k, v] of Object.entries(o.properties)) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    properties = Object.keys(merged).length > 0 ? (merged as Properties) : undefined;
  }
  return {
    type: 'connack',
    sessionPresent: o.sessionPresent ?? (o.reasonCode !== undefined && o.reasonCode !== 0 ? false : connack.sessionPresent),
    reasonCode: o.reasonCode === undefined || o.reasonCode === 0 ? connack.reasonCode : connackCodeFor(version, o.reasonCode),
    properties,
  };
}

/** Refuses the CONNECT: CONNACK with a failure code and Session Present 0 [MQTT-3.2.2-6], then close. */
function refuse(conn: Connection, code: number, properties: Properties | undefined): void {
  const version = conn.protocolVersion ?? 4;
  const connack: ConnackPacket = {
    type: 'connack',
    sessionPresent: false,
    reasonCode: connackCodeFor(version, code),
    properties: version === 5 ? properties : undefined,
  };
  conn.connackPacket = connack;
  conn.write(connack);
  conn.close('graceful', false); // [MQTT-3.1.4-6]
}
