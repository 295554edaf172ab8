/**
 * The subscriptions of one session, shared and reference counted: any number of consumers (session
 * handlers, routes, forwarders) may use one topic filter; the first one subscribes, the last one to leave
 * unsubscribes. Incoming messages are dispatched to the consumers of every filter that matches.
 * @module
 */
import { matchTopic } from '@mqttx/codec';
import type { SubscriptionGrant } from '@mqttx/client';
import type { QoS, SessionMessage } from './message.js';

/**
 * Something that takes the messages of a session's subscription: a {@link Route}, a {@link Forwarder} or a
 * session's own topic handler. A session dispatches each incoming message to the consumers of every filter
 * that matches; a type to name routes and forwarders alike.
 */
export interface Consumer {
  /**
   * Takes a message matching the filter. A returned promise withholds the broker's acknowledgement of the
   * message (QoS 1/2) until it settles.
   */
  accept(message: SessionMessage): Promise<void> | undefined;
}

/** How the table reaches the broker (the session's client). */
export interface SubscriptionPort {
  /** SUBSCRIBE `filter` at `qos`; resolves with the grant, rejects for a refusal or failure. */
  subscribeFilter(filter: string, qos: QoS): Promise<SubscriptionGrant>;
  /** UNSUBSCRIBE `filter`. */
  unsubscribeFilter(filter: string): Promise<void>;
}

/** One topic filter in use. */
interface Entry {
  readonly filter: string;
  /** Highest QoS any consumer asked for (the subscription is made at that QoS). */
  qos: QoS;
  /** Copy-on-write: a dispatch runs over the list it started with. */
  consumers: readonly Consumer[];
  /** The latest SUBSCRIBE of this filter. */
  granted: Promise<SubscriptionGrant>;
}

/** The subscription table of a session. */
export class SubscriptionTable {
  /** Created with the first subscription (most idle sessions of a big manager have few). */
  private map: Map<string, Entry> | undefined;
  private list: readonly Entry[];
  private readonly port: SubscriptionPort;

  /** @param port - subscribe / unsubscribe on the broker */
  constructor(port: SubscriptionPort) {
    this.map = undefined;
    this.list = EMPTY;
    this.port = port;
  }

  /** Number of distinct filters subscribed. */
  get size(): number {
    return this.list.length;
  }

  /** The filters in use. */
  filters(): string[] {
    return this.list.map((e) => e.filter);
  }

  /** Consumers of `filter` (0 when unused). */
  consumerCount(filter: string): number {
    return this.map?.get(filter)?.consumers.length ?? 0;
  }

  /**
   * Adds `consumer` to `filter`. The first consumer subscribes; a consumer asking for a higher QoS than
   * the subscription has subscribes again at that QoS. Resolves with the grant of the subscription the
   * consumer joined; a refusal rejects and takes the consumer out again.
   */
  add(filter: string, qos: QoS, consumer: Consumer): Promise<SubscriptionGrant> {
    const map = (this.map ??= new Map());
    let entry = map.get(filter);
    if (entry === undefined) {
      entry = { filter, qos, consumers: [consumer], granted: undefined as unknown as Promise<SubscriptionGrant> };
      map.set(filter, entry);
      this.list = [...this.list, entry];
      entry.granted = this.port.subscribeFilter(filter, qos);
    } else {
      entry.consumers = [...entry.consumers, consumer];
      if (qos > entry.qos) {
        entry.qos = qos;
        entry.granted = this.port.subscribeFilter(filter, qos);
      }
    }
    const joined = entry;
    return joined.granted.then(undefined, (err: unknown) => {
      this.detach(joined, consumer);
      throw err;
    });
  }

  /**
   * Takes `consumer` off `filter`; the last one unsubscribes. Resolves once the UNSUBSCRIBE is answered
   * (at once when other consumers remain or the consumer was not there).
   */
  remove(filter: string, consumer: Consumer): Promise<void> {
    const entry = this.map?.get(filter);
    if (entry === undefined) return Promise.resolve();
    return this.detach(entry, consumer) ? this.port.unsubscribeFilter(filter) : Promise.resolve();
  }

  /**
   * Takes every consumer matching `predicate` off every filter; filters left without consumers are
   * unsubscribed. Returns those filters.
   */
  removeWhere(predicate: (consumer: Consumer) => boolean): string[] {
    const emptied: string[] = [];
    for (const entry of this.list) {
      const keep = entry.consumers.filter((c) => !predicate(c));
      if (keep.length === entry.consumers.length) continue;
      entry.consumers = keep;
      if (keep.length === 0) {
        this.drop(entry);
        emptied.push(entry.filter);
      }
    }
    return emptied;
  }

  /** Forgets everything without unsubscribing (the session is closing). */
  clear(): void {
    this.map = undefined;
    this.list = EMPTY;
  }

  /**
   * Hands `message` to the consumers of every matching filter. Returns a promise when some consumer
   * withholds the acknowledgement.
   */
  dispatch(message: SessionMessage): Promise<unknown> | undefined {
    const list = this.list;
    const topic = message.topic;
    let one: Promise<void> | undefined;
    let more: Array<Promise<void>> | undefined;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      if (!matchTopic(entry.filter, topic)) continue;
      const consumers = entry.consumers;
      for (let j = 0; j < consumers.length; j++) {
        const p = consumers[j]!.accept(message);
        if (p === undefined) continue;
        if (one === undefined) one = p;
        else (more ??= [one]).push(p);
      }
    }
    return more === undefined ? one : Promise.all(more);
  }

  /** Removes `consumer` from `entry`; returns true when that emptied (and dropped) the entry. */
  private detach(entry: Entry, consumer: Consumer): boolean {
    const index = entry.consumers.indexOf(consumer);
    if (index === -1) return false;
    entry.consumers = [...entry.consumers.slice(0, index), ...entry.consumers.slice(index + 1)];
    if (entry.consumers.length > 0 || this.map?.get(entry.filter) !== entry) return false;
    this.drop(entry);
    return true;
  }

  private drop(entry: Entry): void {
    this.map?.delete(entry.filter);
    this.list = this.list.filter((e) => e !== entry);
  }
}

const EMPTY: readonly Entry[] = Object.freeze([]);
