/**
 * Packet identifier allocation over the full 1..65535 range.
 *
 * Ids are handed out in increasing order from 1, wrapping after 65535 and skipping ids still in use, so an id
 * is never reused while its flow is in flight [MQTT-2.2.1-3]. Exhaustion is reported (the caller queues or
 * raises a typed error), never a hang.
 * @module
 */

/** Highest packet identifier. */
export const MAX_PACKET_ID = 65535;

/** Whether `id` is an integer in 1..65535. */
function isPacketId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= MAX_PACKET_ID;
}

/** Allocator of packet identifiers with O(1) amortised allocate and release. */
export class PacketIdAllocator {
  /** 1 where the id is in use; index 0 unused. */
  private readonly used = new Uint8Array(MAX_PACKET_ID + 1);
  private inUse = 0;
  /** Candidate for the next allocation. */
  private next = 1;

  /** Number of ids currently in use. */
  get size(): number {
    return this.inUse;
  }

  /** True when every id is in use. */
  get exhausted(): boolean {
    return this.inUse === MAX_PACKET_ID;
  }

  /** The id the next {@link allocate} starts looking from (persisted as session metadata). */
  get cursor(): number {
    return this.next;
  }

  set cursor(value: number) {
    this.next = isPacketId(value) ? value : 1;
  }

  /** Returns a free id, or 0 when all 65,535 are in use. */
  allocate(): number {
    if (this.inUse === MAX_PACKET_ID) return 0;
    let id = this.next;
    while (this.used[id] === 1) id = id === MAX_PACKET_ID ? 1 : id + 1;
    this.used[id] = 1;
    this.inUse++;
    this.next = id === MAX_PACKET_ID ? 1 : id + 1;
    return id;
  }

  /** Marks `id` as in use (restoring a session); returns false when it already was. */
  claim(id: number): boolean {
    if (!isPacketId(id) || this.used[id] === 1) return false;
    this.used[id] = 1;
    this.inUse++;
    return true;
  }

  /** Frees `id`; returns false when it was not in use. */
  release(id: number): boolean {
    if (!isPacketId(id) || this.used[id] === 0) return false;
    this.used[id] = 0;
    this.inUse--;
    return true;
  }

  /** True when `id` is in use. */
  has(id: number): boolean {
    return isPacketId(id) && this.used[id] === 1;
  }

  /** Frees every id and restarts from 1. */
  reset(): void {
    this.used.fill(0);
    this.inUse = 0;
    this.next = 1;
  }
}
