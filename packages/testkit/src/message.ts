/**
 * Application messages and their per-subscriber deliveries. Objects here are created with every field in
 * one order (stable hidden classes) and an {@link AppMessage} is shared, read-only, by all its deliveries.
 * @module
 */
import type { Properties, QoS } from '@mqttx/codec';

/** Sentinel for "no message expiry". */
export const NEVER = Number.POSITIVE_INFINITY;

/** One application message as accepted by the broker. */
export class AppMessage {
  /**
   * @param topic - topic name (aliases already resolved)
   * @param payload - payload bytes (shared, never mutated)
   * @param qos - QoS the message was published with
   * @param retain - RETAIN flag as published
   * @param properties - forwardable 5.0 properties (no topic alias, no subscription identifier) or undefined
   * @param expiresAt - clock time (ms) when the message expires, or {@link NEVER}
   * @param publisher - client id of the publisher, or null for broker-originated messages
   */
  constructor(
    readonly topic: string,
    readonly payload: Buffer,
    readonly qos: QoS,
    readonly retain: boolean,
    readonly properties: Properties | undefined,
    readonly expiresAt: number,
    readonly publisher: string | null,
  ) {}
}

/** A message on its way to one session. */
export class Delivery {
  /**
   * @param msg - the shared message
   * @param qos - delivery QoS: min(published, granted) [MQTT-3.8.4-8]
   * @param retain - RETAIN flag to send
   * @param subscriptionIds - identifiers of the matching subscriptions [MQTT-3.3.4-3]
   */
  constructor(
    readonly msg: AppMessage,
    readonly qos: QoS,
    readonly retain: boolean,
    readonly subscriptionIds: number[] | undefined,
  ) {}
}

/**
 * State of an outbound QoS 1/2 delivery holding a packet id: `'publish'` (PUBLISH sent or to be sent,
 * waiting for PUBACK / PUBREC) or `'pubrel'` (PUBREL sent, waiting for PUBCOMP).
 */
export type InflightState = 'publish' | 'pubrel';

/** An outbound QoS 1/2 delivery holding a packet id. */
export class Inflight {
  /** Whether the PUBLISH has been written at least once (a resend carries DUP=1 [MQTT-3.3.1-1]). */
  sent = false;
  /** Current state in the QoS flow. */
  state: InflightState = 'publish';

  /**
   * @param packetId - the packet id in use [MQTT-2.2.1-4]
   * @param delivery - what is being delivered
   */
  constructor(
    readonly packetId: number,
    readonly delivery: Delivery,
  ) {}
}

/** A FIFO queue with O(1) push and shift (array with a moving head, compacted when half empty). */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** Number of queued items. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends an item. */
  push(item: T): void {
    this.items.push(item);
  }

  /** The first item without removing it. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Removes and returns the first item. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes every item. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }

  /** Items in order (a copy). */
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }
}
