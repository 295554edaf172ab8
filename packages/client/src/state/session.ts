/**
 * Session-scoped protocol state: what survives reconnects (and, through the store, restarts). Encoding and
 * decoding of the store records lives here too.
 * @module
 */
import { decode, encode, type Packet, type Properties, type SubscribePacket, type Subscription } from '@mqttx/codec';
import { StoreError } from '../errors.js';
import type { StoreRecord } from '../store/types.js';
import { PublishOp, PublishState } from './ops.js';
import { PacketIdAllocator } from './packet-ids.js';

/** Flags of a held inbound QoS 2 packet id. */
export const Held = {
  /** The application acknowledged it: PUBREC may be (re)sent. */
  Acked: 1,
  /** Counted against our Receive Maximum on the current connection. */
  Counted: 2,
} as const;

/** A subscription the user made and the server accepted, kept to resubscribe after a session loss. */
export class SubscriptionEntry {
  /** Filter and options as requested. */
  readonly subscription: Subscription;
  /** Properties of the SUBSCRIBE that made it (subscription identifier, user properties). */
  readonly properties: Properties | undefined;
  /** Insertion sequence. */
  readonly seq: number;

  /**
   * @param subscription - filter and options
   * @param properties - SUBSCRIBE properties
   * @param seq - insertion sequence
   */
  constructor(subscription: Subscription, properties: Properties | undefined, seq: number) {
    this.subscription = subscription;
    this.properties = properties;
    this.seq = seq;
  }
}

/** Records read from a store, as given to `core.restore()`. */
export interface SessionSnapshot {
  /** Unacknowledged outbound QoS 1 and 2 messages (PUBLISH or PUBREL bytes), in `seq` order. */
  outbound?: StoreRecord[];
  /** Inbound QoS 2 packet ids received and not yet released (PUBREL not yet seen). */
  inbound?: StoreRecord[];
  /** Subscriptions to restore on reconnect. */
  subscriptions?: StoreRecord[];
  /** Session metadata (the session identity record, ...). */
  meta?: StoreRecord[];
}

/** Meta record key holding the session identity. */
export const META_SESSION = 'session';

const EMPTY = Buffer.alloc(0);

/**
 * Stands in for each keyspace map of every session until its first entry (an idle session then carries no
 * Map at all). Only read: the maps are typed `ReadonlyMap` and written through the session's methods,
 * which swap in a real Map first.
 */
const NO_ENTRIES: ReadonlyMap<never, never> = new Map<never, never>();

/** State that belongs to the MQTT session. */
export class SessionState {
  /** See {@link ids}. */
  private madeIds: PacketIdAllocator | undefined = undefined;
  /** Next insertion sequence. */
  seq = 1;
  /**
   * Outbound QoS 1/2 publishes holding a packet id, by id, in insertion order (Map order): queued ones,
   * sent ones awaiting PUBACK / PUBREC, and released ones awaiting PUBCOMP. A state change keeps the
   * entry in place, so the original order survives [MQTT-4.6.0-1]. Write with {@link setOutbound},
   * {@link deleteOutbound}, {@link clearOutbound}.
   */
  outbound: ReadonlyMap<number, PublishOp> = NO_ENTRIES;
  /**
   * Inbound QoS 2 packet ids held from PUBLISH until PUBREL, with {@link Held} flags [MQTT-4.3.3-10].
   * Write with {@link setInbound}, {@link deleteInbound}, {@link clearInbound}.
   */
  inbound: ReadonlyMap<number, number> = NO_ENTRIES;
  /**
   * Subscriptions the user made and the server accepted, by filter. Write with {@link setSubscription},
   * {@link deleteSubscription}.
   */
  subscriptions: ReadonlyMap<string, SubscriptionEntry> = NO_ENTRIES;
  /** Client id in use (the server-assigned one after an assignment). */
  clientId: string;

  /** @param clientId - the configured client id */
  constructor(clientId: string) {
    this.clientId = clientId;
  }

  /**
   * Packet identifiers in use (outbound publishes, and SUBSCRIBE / UNSUBSCRIBE in flight). Made on first
   * use: a session that never needed a packet id carries no allocator.
   */
  get ids(): PacketIdAllocator {
    return (this.madeIds ??= new PacketIdAllocator());
  }

  /** Adds or replaces the outbound entry of `id`. */
  setOutbound(id: number, op: PublishOp): void {
    let map = this.outbound as Map<number, PublishOp>;
    if (map === (NO_ENTRIES as unknown)) this.outbound = map = new Map();
    map.set(id, op);
  }

  /** Removes the outbound entry of `id`; false when there was none. */
  deleteOutbound(id: number): boolean {
    return (this.outbound as Map<number, PublishOp>).delete(id);
  }

  /** Removes every outbound entry. */
  clearOutbound(): void {
    (this.outbound as Map<number, PublishOp>).clear();
  }

  /** Sets the {@link Held} flags of inbound id `id`. */
  setInbound(id: number, flags: number): void {
    let map = this.inbound as Map<number, number>;
    if (map === (NO_ENTRIES as unknown)) this.inbound = map = new Map();
    map.set(id, flags);
  }

  /** Forgets inbound id `id`; false when it was not held. */
  deleteInbound(id: number): boolean {
    return (this.inbound as Map<number, number>).delete(id);
  }

  /** Forgets every inbound id. */
  clearInbound(): void {
    (this.inbound as Map<number, number>).clear();
  }

  /** Adds or replaces the subscription of `filter`. */
  setSubscription(filter: string, entry: SubscriptionEntry): void {
    let map = this.subscriptions as Map<string, SubscriptionEntry>;
    if (map === (NO_ENTRIES as unknown)) this.subscriptions = map = new Map();
    map.set(filter, entry);
  }

  /** Removes the subscription of `filter`; false when there was none. */
  deleteSubscription(filter: string): boolean {
    return (this.subscriptions as Map<string, SubscriptionEntry>).delete(filter);
  }

  /** Takes the next insertion sequence. */
  nextSeq(): number {
    return this.seq++;
  }
}

/** Bytes of an outbound PUBLISH record: the packet as first sent (DUP 0, no topic alias). */
export function publishRecordBytes(op: PublishOp, protocolVersion: 4 | 5): Buffer {
  return encode(
    {
      type: 'publish',
      topic: op.topic,
      payload: op.payload,
      qos: op.qos,
      retain: op.retain,
      dup: false,
      packetId: op.packetId,
      properties: op.properties,
    },
    { protocolVersion },
  );
}

/** Bytes of an outbound PUBREL record. */
export function pubrelRecordBytes(packetId: number, protocolVersion: 4 | 5): Buffer {
  return encode({ type: 'pubrel', packetId, reasonCode: undefined, properties: undefined }, { protocolVersion });
}

/** Bytes of a subscription record: a one-filter SUBSCRIBE. */
export function subscriptionRecordBytes(entry: SubscriptionEntry, protocolVersion: 4 | 5): Buffer {
  return encode(
    { type: 'subscribe', packetId: 1, subscriptions: [entry.subscription], properties: entry.properties },
    { protocolVersion },
  );
}

/** Bytes of an inbound record (the key is the packet id; nothing else is needed). */
export function inboundRecordBytes(): Buffer {
  return EMPTY;
}

/** Bytes of the session meta record. */
export function metaRecordBytes(clientId: string, protocolVersion: 4 | 5): Buffer {
  return Buffer.from(JSON.stringify({ clientId, protocolVersion }), 'utf8');
}

function decodeRecord(record: StoreRecord, protocolVersion: 4 | 5, keyspace: string): Packet {
  try {
    return decode(record.bytes, { protocolVersion, role: 'server' });
  } catch (err) {
    throw new StoreError('a session record does not decode', err, { keyspace, key: record.key });
  }
}

/**
 * Loads `snapshot` into `session` (which must be empty). Outbound PUBLISH records become publish ops in
 * state Sent (their send status is unknown, so a resume resends them with DUP 1), PUBREL records become ops
 * in state Released with an empty topic (the message itself is gone).
 * @throws StoreError when a record does not decode or does not fit its keyspace
 */
export function restoreSession(session: SessionState, snapshot: SessionSnapshot, protocolVersion: 4 | 5): PublishOp[] {
  const ops: PublishOp[] = [];
  let maxSeq = 0;
  let lastId = 0;
  for (const record of sortBySeq(snapshot.outbound)) {
    const p = decodeRecord(record, protocolVersion, 'outbound');
    let op: PublishOp;
    let id: number;
    if (p.type === 'publish' && p.qos > 0) {
      op = new PublishOp(p.topic, p.payload, p.qos, p.retain, p.properties);
      op.state = PublishState.Sent;
      id = p.packetId!;
    } else if (p.type === 'pubrel') {
      op = new PublishOp('', EMPTY, 2, false, undefined);
      op.state = PublishState.Released;
      id = p.packetId;
    } else {
      throw new StoreError('unexpected outbound record', undefined, { key: record.key, type: p.type });
    }
    if (id !== record.key || !session.ids.claim(id)) {
      throw new StoreError('outbound record key does not match its packet id', undefined, { key: record.key });
    }
    op.packetId = id;
    op.seq = record.seq;
    op.stored = true;
    session.setOutbound(id, op);
    ops.push(op);
    if (record.seq > maxSeq) maxSeq = record.seq;
    lastId = id;
  }
  for (const record of sortBySeq(snapshot.inbound)) {
    if (typeof record.key !== 'number' || record.key < 1 || record.key > 65535) {
      throw new StoreError('inbound record key is not a packet id', undefined, { key: record.key });
    }
    session.setInbound(record.key, Held.Acked);
    if (record.seq > maxSeq) maxSeq = record.seq;
  }
  for (const record of sortBySeq(snapshot.subscriptions)) {
    const p = decodeRecord(record, protocolVersion, 'subscriptions') as SubscribePacket;
    if (p.type !== 'subscribe' || p.subscriptions.length !== 1) {
      throw new StoreError('unexpected subscription record', undefined, { key: record.key });
    }
    const sub = p.subscriptions[0]!;
    session.setSubscription(sub.topicFilter, new SubscriptionEntry(sub, p.properties, record.seq));
    if (record.seq > maxSeq) maxSeq = record.seq;
  }
  for (const record of snapshot.meta ?? []) {
    if (record.key !== META_SESSION) continue;
    try {
      const meta = JSON.parse(record.bytes.toString('utf8')) as { clientId?: unknown };
      if (typeof meta.clientId === 'string' && session.clientId === '') session.clientId = meta.clientId;
    } catch (err) {
      throw new StoreError('the session meta record does not parse', err, { key: record.key });
    }
  }
  session.seq = Math.max(session.seq, maxSeq + 1);
  if (lastId !== 0) session.ids.cursor = lastId === 65535 ? 1 : lastId + 1;
  return ops;
}

function sortBySeq(records: StoreRecord[] | undefined): StoreRecord[] {
  return records === undefined ? [] : [...records].sort((a, b) => a.seq - b.seq);
}
