/**
 * The subscription index: a trie over topic levels holding non-shared subscriptions per client and shared
 * subscription groups (`$share/{ShareName}/{filter}`) with round-robin member choice.
 * @module
 */
import { isValidTopicFilter, parseSharedSubscription } from '@mqttx/codec';
import type { QoS } from '@mqttx/codec';
import type { Session } from './session.js';

/** One subscription of one session. Created with all fields in one order. */
export class SubscriptionEntry {
  /**
   * @param session - owner
   * @param filter - the filter as subscribed (with the `$share/{name}/` prefix for shared ones)
   * @param topicFilter - the filter used for matching (without the share prefix)
   * @param shareName - share name, or null for a non-shared subscription
   * @param qos - granted maximum QoS
   * @param noLocal - 5.0 No Local [MQTT-3.8.3-3]
   * @param retainAsPublished - 5.0 Retain As Published [MQTT-3.3.1-12] [MQTT-3.3.1-13]
   * @param retainHandling - 5.0 Retain Handling
   * @param subscriptionIdentifier - 5.0 Subscription Identifier or undefined
   */
  constructor(
    readonly session: Session,
    readonly filter: string,
    readonly topicFilter: string,
    readonly shareName: string | null,
    readonly qos: QoS,
    readonly noLocal: boolean,
    readonly retainAsPublished: boolean,
    readonly retainHandling: 0 | 1 | 2,
    readonly subscriptionIdentifier: number | undefined,
  ) {}
}

/** Members of one shared subscription group on one topic filter. */
export class SharedGroup {
  /** Members in subscription order. */
  readonly members: SubscriptionEntry[] = [];
  private cursor = 0;

  /** @param shareName - the group's share name */
  constructor(readonly shareName: string) {}

  /**
   * Picks the next member round robin, preferring members whose session is connected; when none is, the
   * next member anyway (its persistent session queues the message).
   */
  pick(): SubscriptionEntry | undefined {
    const n = this.members.length;
    if (n === 0) return undefined;
    for (let k = 0; k < n; k++) {
      const i = (this.cursor + k) % n;
      const m = this.members[i]!;
      if (m.session.connection !== null) {
        this.cursor = (i + 1) % n;
        return m;
      }
    }
    const m = this.members[this.cursor % n]!;
    this.cursor = (this.cursor + 1) % n;
    return m;
  }
}

class Node {
  readonly children = new Map<string, Node>();
  /** Non-shared subscriptions ending here, by client id. */
  readonly subs = new Map<string, SubscriptionEntry>();
  /** Shared groups ending here, by share name. */
  readonly shared = new Map<string, SharedGroup>();

  get empty(): boolean {
    return this.children.size === 0 && this.subs.size === 0 && this.shared.size === 0;
  }
}

/** Result buffers of {@link SubscriptionIndex.match}, reused between calls. */
export interface MatchResult {
  /** Matching non-shared subscriptions (any number per client). */
  subs: SubscriptionEntry[];
  /** Matching shared groups (one delivery per group). */
  groups: SharedGroup[];
}

/** Trie of subscriptions. */
export class SubscriptionIndex {
  private readonly root = new Node();
  private count = 0;

  /** Number of subscriptions held. */
  get size(): number {
    return this.count;
  }

  /** Adds or replaces (same client, same filter) a subscription. */
  add(entry: SubscriptionEntry): void {
    let node = this.root;
    for (const level of entry.topicFilter.split('/')) {
      let next = node.children.get(level);
      if (next === undefined) {
        next = new Node();
        node.children.set(level, next);
      }
      node = next;
    }
    const clientId = entry.session.clientId;
    if (entry.shareName === null) {
      if (!node.subs.has(clientId)) this.count++;
      node.subs.set(clientId, entry);
      return;
    }
    let group = node.shared.get(entry.shareName);
    if (group === undefined) {
      group = new SharedGroup(entry.shareName);
      node.shared.set(entry.shareName, group);
    }
    const i = group.members.findIndex((m) => m.session.clientId === clientId);
    if (i >= 0) group.members[i] = entry;
    else {
      group.members.push(entry);
      this.count++;
    }
  }

  /** Removes a subscription (no-op when absent). */
  remove(entry: SubscriptionEntry): void {
    const path: Node[] = [this.root];
    const levels = entry.topicFilter.split('/');
    let node = this.root;
    for (const level of levels) {
      const next = node.children.get(level);
      if (next === undefined) return;
      path.push(next);
      node = next;
    }
    const clientId = entry.session.clientId;
    if (entry.shareName === null) {
      if (node.subs.get(clientId) !== entry) return;
      node.subs.delete(clientId);
      this.count--;
    } else {
      const group = node.shared.get(entry.shareName);
      if (group === undefined) return;
      const i = group.members.indexOf(entry);
      if (i < 0) return;
      group.members.splice(i, 1);
      this.count--;
      if (group.members.length === 0) node.shared.delete(entry.shareName);
    }
    for (let d = levels.length; d > 0 && path[d]!.empty; d--) path[d - 1]!.children.delete(levels[d - 1]!);
  }

  /**
   * Collects the subscriptions matching a topic name into `out` (cleared first). A topic name starting
   * with `$` is not matched by filters starting with a wildcard [MQTT-4.7.2-1].
   */
  match(topic: string, out: MatchResult): void {
    out.subs.length = 0;
    out.groups.length = 0;
    this.walk(this.root, topic.split('/'), 0, topic.charCodeAt(0) === 0x24 /* $ */, out);
  }

  private walk(node: Node, levels: string[], i: number, dollar: boolean, out: MatchResult): void {
    if (i === levels.length) {
      collect(node, out);
      // "a/#" also matches "a": the multi-level wildcard includes the parent level.
      const hash = node.children.get('#');
      if (hash !== undefined) collect(hash, out);
      return;
    }
    const wildcardsAllowed = !(i === 0 && dollar);
    if (wildcardsAllowed) {
      const hash = node.children.get('#');
      if (hash !== undefined) collect(hash, out);
      const plus = node.children.get('+');
      if (plus !== undefined) this.walk(plus, levels, i + 1, dollar, out);
    }
    const exact = node.children.get(levels[i]!);
    if (exact !== undefined) this.walk(exact, levels, i + 1, dollar, out);
  }
}

function collect(node: Node, out: MatchResult): void {
  for (const e of node.subs.values()) out.subs.push(e);
  for (const g of node.shared.values()) out.groups.push(g);
}

/** A parsed subscription filter. */
export interface ParsedFilter {
  /** Share name, or null for a non-shared filter. */
  shareName: string | null;
  /** The filter to match topics with. */
  topicFilter: string;
}

/**
 * Splits `$share/{ShareName}/{filter}` [MQTT-4.8.2-1] [MQTT-4.8.2-2] (3.1.1 clients may use it too).
 * Returns null for a filter the codec's rules reject (malformed wildcards, empty or malformed share name).
 */
export function parseFilter(filter: string): ParsedFilter | null {
  if (!isValidTopicFilter(filter)) return null;
  const shared = parseSharedSubscription(filter);
  return shared === undefined ? { shareName: null, topicFilter: filter } : { shareName: shared.group, topicFilter: shared.filter };
}
