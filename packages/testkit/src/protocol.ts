/**
 * Packet handling after CONNECT: PUBLISH in both directions with the QoS 1/2 flows, SUBSCRIBE /
 * UNSUBSCRIBE, PINGREQ, DISCONNECT, and the outbound pump that respects the client's Receive Maximum and
 * Maximum Packet Size.
 * @module
 */
import { encodedLength, hasWildcard } from '@mqttx/codec';
import type {
  AckPacket,
  DisconnectPacket,
  Packet,
  Properties,
  PublishPacket,
  QoS,
  SubscribePacket,
  UnsubscribePacket,
} from '@mqttx/codec';
import type { Connection } from './connection.js';
import { AppMessage, Delivery, Inflight, NEVER } from './message.js';
import { forwardable } from './router.js';
import { SubscriptionEntry, parseFilter } from './subscriptions.js';

/** Limits negotiated at CONNECT / CONNACK time for one link. */
export interface ConnectionLimits {
  /** The client's Receive Maximum: our send window for QoS 1/2 [MQTT-3.3.4-9]. */
  clientReceiveMaximum: number;
  /** The client's Maximum Packet Size [MQTT-3.1.2-24]. */
  clientMaximumPacketSize: number;
  /** Our advertised Receive Maximum (exceeding it: DISCONNECT 0x93). */
  receiveMaximum: number;
  /** Our advertised Maximum Packet Size (exceeding it: DISCONNECT 0x95). */
  maximumPacketSize: number;
  /** Our advertised Topic Alias Maximum (0: aliases not accepted). */
  topicAliasMaximum: number;
  /** Highest QoS accepted from the client and granted [MQTT-3.2.2-9]. */
  maximumQoS: QoS;
  retainAvailable: boolean;
  wildcardSubscriptionAvailable: boolean;
  subscriptionIdentifiersAvailable: boolean;
  sharedSubscriptionAvailable: boolean;
  /** 1.5 x the keepalive in effect, in ms; 0 disables. */
  keepaliveMs: number;
  /** Session Expiry Interval of the CONNECT (5.0), to validate the one in DISCONNECT. */
  connectSessionExpiry: number;
}

/** Handles one inbound packet of a connected link. */
export function dispatch(conn: Connection, p: Packet): void {
  const L = conn.limits;
  if (L.maximumPacketSize !== Number.POSITIVE_INFINITY && L.maximumPacketSize < (conn.broker.options.maximumPacketSize ?? Number.POSITIVE_INFINITY)) {
    // Limit lowered by a CONNACK override: checked after decoding (the decoder enforces the configured one).
    if (encodedLength(p, { protocolVersion: conn.protocolVersion === 5 ? 5 : 4 }) > L.maximumPacketSize) {
      conn.protocolError(0x95); // [MQTT-3.2.2-15]
      return;
    }
  }
  switch (p.type) {
    case 'publish':
      onPublish(conn, p);
      return;
    case 'puback':
      onPuback(conn, p);
      return;
    case 'pubrec':
      onPubrec(conn, p);
      return;
    case 'pubrel':
      onPubrel(conn, p);
      return;
    case 'pubcomp':
      onPubcomp(conn, p);
      return;
    case 'subscribe':
      onSubscribe(conn, p);
      return;
    case 'unsubscribe':
      onUnsubscribe(conn, p);
      return;
    case 'pingreq':
      conn.emitPacket({ type: 'pingresp' }); // [MQTT-3.12.4-1]
      return;
    case 'disconnect':
      onDisconnect(conn, p);
      return;
    case 'connect':
      conn.protocolError(0x82); // a second CONNECT [MQTT-3.1.0-2]
      return;
    default:
      // AUTH without an Authentication Method in CONNECT, or a packet only a server sends.
      conn.protocolError(0x82);
  }
}

function ack<T extends 'puback' | 'pubrec' | 'pubrel' | 'pubcomp'>(
  conn: Connection,
  type: T,
  packetId: number,
  reasonCode: number,
): AckPacket<T> {
  return { type, packetId, reasonCode: conn.protocolVersion === 5 ? reasonCode : undefined, properties: undefined };
}

function onPublish(conn: Connection, p: PublishPacket): void {
  const s = conn.session!;
  const L = conn.limits;
  const broker = conn.broker;
  const v5 = conn.protocolVersion === 5;
  if (p.qos > L.maximumQoS) return conn.protocolError(0x9b); // [MQTT-3.2.2-11]
  if (p.retain && !L.retainAvailable) return conn.protocolError(0x9a); // [MQTT-3.2.2-14]
  let topic = p.topic;
  const props = p.properties;
  if (v5 && props !== undefined) {
    if (props.subscriptionIdentifier !== undefined) return conn.protocolError(0x82); // [MQTT-3.3.4-6]
    const alias = props.topicAlias;
    if (alias !== undefined) {
      // Aliases 1..our Topic Alias Maximum are accepted [MQTT-3.3.2-12]; anything else is 0x94.
      if (alias === 0 || alias > L.topicAliasMaximum) return conn.protocolError(0x94);
      if (topic.length > 0) conn.aliases.set(alias, topic);
      else {
        const mapped = conn.aliases.get(alias);
        if (mapped === undefined) return conn.protocolError(0x82); // alias never set on this link
        topic = mapped;
      }
    }
  }
  if (topic.length === 0) return conn.protocolError(0x82);
  const packetId = p.packetId ?? 0;
  if (p.qos === 2 && s.inboundQos2.has(packetId)) {
    // A resend before PUBREL: acknowledge again, deliver nothing new [MQTT-4.3.3-10].
    conn.emitPacket(ack(conn, 'pubrec', packetId, 0));
    return;
  }
  if (p.qos > 0 && !conn.inboundUnacked.has(packetId)) {
    conn.inboundUnacked.add(packetId);
    if (conn.inboundUnacked.size > L.receiveMaximum) return conn.protocolError(0x93); // Receive Maximum exceeded
  }
  const now = broker.clock.now();
  const expiry = v5 ? props?.messageExpiryInterval : undefined;
  const msg = new AppMessage(
    topic,
    p.payload,
    p.qos,
    p.retain,
    v5 ? forwardable(props) : undefined,
    expiry === undefined ? NEVER : now + expiry * 1000,
    s.clientId,
  );
  const matched = broker.route(msg); // ownership taken: added to matching sessions [MQTT-4.5.0-1]
  const rc = matched === 0 && broker.options.noMatchingSubscribersReasonCode ? 0x10 : 0;
  if (p.qos === 1) {
    conn.emitPacket(ack(conn, 'puback', packetId, rc)); // [MQTT-4.3.2-4]
  } else if (p.qos === 2) {
    s.inboundQos2.add(packetId);
    conn.emitPacket(ack(conn, 'pubrec', packetId, rc)); // [MQTT-4.3.3-8]
  }
}

function onPuback(conn: Connection, p: AckPacket<'puback'>): void {
  const s = conn.session!;
  const f = s.inflight.get(p.packetId);
  if (f === undefined || f.delivery.qos !== 1) return;
  s.inflight.delete(p.packetId);
  pump(conn);
}

function onPubrec(conn: Connection, p: AckPacket<'pubrec'>): void {
  const s = conn.session!;
  const f = s.inflight.get(p.packetId);
  if (f === undefined || f.delivery.qos !== 2) {
    conn.emitPacket(ack(conn, 'pubrel', p.packetId, 0x92)); // Packet Identifier not found
    return;
  }
  if ((p.reasonCode ?? 0) >= 0x80) {
    // Treated as acknowledged, not retransmitted [MQTT-4.4.0-2], not sent elsewhere [MQTT-4.8.2-6].
    s.inflight.delete(p.packetId);
    pump(conn);
    return;
  }
  f.state = 'pubrel';
  conn.emitPacket(ack(conn, 'pubrel', p.packetId, 0)); // [MQTT-4.3.3-4]
}

function onPubrel(conn: Connection, p: AckPacket<'pubrel'>): void {
  const known = conn.session!.inboundQos2.delete(p.packetId);
  conn.emitPacket(ack(conn, 'pubcomp', p.packetId, known ? 0 : 0x92)); // [MQTT-4.3.3-11]
}

function onPubcomp(conn: Connection, p: AckPacket<'pubcomp'>): void {
  const s = conn.session!;
  const f = s.inflight.get(p.packetId);
  if (f === undefined || f.state !== 'pubrel') return;
  s.inflight.delete(p.packetId);
  pump(conn);
}

function onSubscribe(conn: Connection, p: SubscribePacket): void {
  const s = conn.session!;
  const L = conn.limits;
  const broker = conn.broker;
  const v5 = conn.protocolVersion === 5;
  let subId: number | undefined;
  const idProp = v5 ? p.properties?.subscriptionIdentifier : undefined;
  if (idProp !== undefined) {
    if (!L.subscriptionIdentifiersAvailable) return conn.protocolError(0xa1);
    subId = Array.isArray(idProp) ? idProp[0] : idProp;
  }
  const now = broker.clock.now();
  const codes: number[] = [];
  const retained: Delivery[] = [];
  // Several filters are handled as a sequence of SUBSCRIBEs with one SUBACK [MQTT-3.8.4-5].
  for (const sub of p.subscriptions) {
    const parsed = parseFilter(sub.topicFilter);
    if (parsed === null) {
      codes.push(v5 ? 0x8f : 0x80); // Topic Filter invalid / Failure
      continue;
    }
    if (parsed.shareName !== null) {
      if (!L.sharedSubscriptionAvailable) {
        codes.push(v5 ? 0x9e : 0x80);
        continue;
      }
      if (v5 && sub.noLocal === true) return conn.protocolError(0x82); // No Local on a shared subscription
    }
    if (!L.wildcardSubscriptionAvailable && hasWildcard(parsed.topicFilter)) {
      codes.push(v5 ? 0xa2 : 0x80);
      continue;
    }
    // A server may grant less than requested [MQTT-3.2.2-10]; the code shows what was granted [MQTT-3.8.4-6].
    let qos = Math.min(sub.qos, L.maximumQoS) as QoS;
    const authorize = broker.options.authorizeSubscribe;
    if (authorize !== undefined) {
      const verdict = authorize({ clientId: s.clientId, topicFilter: sub.topicFilter, qos: sub.qos, connection: conn });
      if (verdict === false || (typeof verdict === 'number' && verdict >= 0x80)) {
        codes.push(v5 ? (verdict === false ? 0x87 : verdict) : 0x80);
        continue;
      }
      if (typeof verdict === 'number') qos = Math.min(qos, verdict) as QoS;
    }
    const previous = s.subscriptions.get(sub.topicFilter);
    const entry = new SubscriptionEntry(
      s,
      sub.topicFilter,
      parsed.topicFilter,
      parsed.shareName,
      qos,
      v5 && sub.noLocal === true,
      v5 && sub.retainAsPublished === true,
      v5 ? (sub.retainHandling ?? 0) : 0,
      subId,
    );
    if (previous !== undefined) broker.index.remove(previous); // replaced [MQTT-3.8.4-3]
    s.subscriptions.set(sub.topicFilter, entry);
    broker.index.add(entry);
    codes.push(qos);
    // Retained messages: never for shared subscriptions; per Retain Handling otherwise
    // [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] (3.1.1: always [MQTT-3.3.1-6]).
    if (parsed.shareName === null && (entry.retainHandling === 0 || (entry.retainHandling === 1 && previous === undefined))) {
      for (const m of broker.retained.match(parsed.topicFilter, now)) {
        const ids = subId === undefined ? undefined : [subId];
        retained.push(new Delivery(m, Math.min(m.qos, qos) as QoS, true, ids));
      }
    }
  }
  // [MQTT-3.8.4-1] [MQTT-3.8.4-2] [MQTT-3.9.3-1]
  conn.emitPacket({ type: 'suback', packetId: p.packetId, reasonCodes: codes, properties: undefined });
  for (const d of retained) broker.store.deliver(s, d);
}

function onUnsubscribe(conn: Connection, p: UnsubscribePacket): void {
  const s = conn.session!;
  const broker = conn.broker;
  const codes: number[] = [];
  for (const f of p.topicFilters) {
    // Compared character by character [MQTT-3.10.4-1]; in-flight messages still complete [MQTT-3.10.4-3].
    const entry = s.subscriptions.get(f);
    if (entry === undefined) codes.push(0x11); // No subscription existed
    else {
      s.subscriptions.delete(f);
      broker.index.remove(entry);
      codes.push(0x00);
    }
  }
  // Always answered, same packet id [MQTT-3.10.4-4] [MQTT-3.10.4-5]; one code per filter, in order [MQTT-3.11.3-1].
  conn.emitPacket({
    type: 'unsuback',
    packetId: p.packetId,
    reasonCodes: conn.protocolVersion === 5 ? codes : undefined,
    properties: undefined,
  });
}

function onDisconnect(conn: Connection, p: DisconnectPacket): void {
  const v5 = conn.protocolVersion === 5;
  const rc = v5 ? (p.reasonCode ?? 0) : 0;
  const sei = v5 ? p.properties?.sessionExpiryInterval : undefined;
  if (sei !== undefined) {
    // Setting a non-zero expiry in DISCONNECT after 0 in CONNECT is a Protocol Error.
    if (conn.limits.connectSessionExpiry === 0 && sei !== 0) return conn.protocolError(0x82);
    const max = conn.broker.options.maximumSessionExpiryInterval;
    conn.session!.expiryInterval = max === undefined ? sei : Math.min(sei, max);
  }
  // 0x00 (and every 3.1.1 DISCONNECT) discards the will [MQTT-3.14.4-3] [MQTT-3.1.2-10]; 0x04 and
  // error codes keep it.
  conn.close('graceful', rc !== 0);
}

/** The PUBLISH for one delivery, with the remaining expiry [MQTT-3.3.2-6] and subscription ids [MQTT-3.3.4-3]. */
export function buildPublish(conn: Connection, d: Delivery, packetId: number | undefined, dup: boolean, now: number): PublishPacket {
  const m = d.msg;
  let properties: Properties | undefined;
  if (conn.protocolVersion === 5) {
    properties = m.properties;
    const hasExpiry = m.expiresAt !== NEVER;
    if (hasExpiry || d.subscriptionIds !== undefined) {
      properties = { ...m.properties };
      if (hasExpiry) properties.messageExpiryInterval = Math.max(1, Math.ceil((m.expiresAt - now) / 1000));
      if (d.subscriptionIds !== undefined) {
        properties.subscriptionIdentifier = d.subscriptionIds.length === 1 ? d.subscriptionIds[0] : d.subscriptionIds;
      }
    }
  }
  return { type: 'publish', topic: m.topic, payload: m.payload, qos: d.qos, retain: d.retain, dup, packetId, properties };
}

/**
 * Writes queued deliveries while the client's window allows: at most Receive Maximum QoS 1/2 PUBLISHes
 * unacknowledged [MQTT-3.3.4-9]; expired messages are dropped [MQTT-3.3.2-5]; messages above the client's
 * Maximum Packet Size are dropped as if sent [MQTT-3.1.2-24] [MQTT-3.1.2-25].
 */
export function pump(conn: Connection): void {
  const s = conn.session;
  if (s === null || conn.state !== 'connected') return;
  const L = conn.limits;
  const now = conn.broker.clock.now();
  while (s.queue.length > 0) {
    const d = s.queue.peek()!;
    if (d.msg.expiresAt <= now) {
      s.queue.shift();
      s.dropped++;
      continue;
    }
    let packetId: number | undefined;
    if (d.qos > 0) {
      if (s.inflight.size >= L.clientReceiveMaximum) return;
      packetId = s.allocatePacketId();
      if (packetId === 0) return;
    }
    s.queue.shift();
    const p = buildPublish(conn, d, packetId, false, now);
    if (L.clientMaximumPacketSize !== Number.POSITIVE_INFINITY && encodedLength(p, { protocolVersion: 5 }) > L.clientMaximumPacketSize) {
      s.dropped++;
      continue;
    }
    if (packetId !== undefined) {
      const f = new Inflight(packetId, d);
      f.sent = true;
      s.inflight.set(packetId, f);
    }
    conn.emitPacket(p);
    if (conn.ended) return;
  }
}

/**
 * After a resumed session: resend unacknowledged PUBLISHes with DUP=1 and PUBRELs, in order, with their
 * original packet ids [MQTT-4.4.0-1] [MQTT-3.3.1-1], then pump the queue.
 */
export function resume(conn: Connection): void {
  const s = conn.session!;
  const now = conn.broker.clock.now();
  for (const f of s.inflight.values()) {
    if (conn.ended) return;
    if (f.state === 'publish') conn.emitPacket(buildPublish(conn, f.delivery, f.packetId, true, now));
    else conn.emitPacket(ack(conn, 'pubrel', f.packetId, 0));
  }
  pump(conn);
}
