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

/** 32-bit words of the in-use bitmap (65,536 bits: index 0 unused). */
const WORDS = (MAX_PACKET_ID + 1) >>> 5;

/**
 * Allocator of packet identifiers with O(1) amortised allocate and release.
 *
 * Ids in use are bits of an 8 KiB bitmap that is created by the first allocation: an idle session (or one
 * that only ever uses QoS 0) carries no bitmap at all, which matters with thousands of sessions per process.
 * Scanning for a free id skips a full word (32 ids) at a time.
 */
export class PacketIdAllocator {
  /** Bit `id & 31` of word `id >>> 5` is set while `id` is in use; undefined until first needed. */
  private used: Int32Array | undefined = undefined;
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

  private bits(): Int32Array {
    return (this.used ??= new Int32Array(WORDS));
  }

  /** Returns a free id, or 0 when all 65,535 are in use. */
  allocate(): number {
    if (this.inUse === MAX_PACKET_ID) return 0;
    const used = this.bits();
    let id = this.next;
    for (;;) {
      const word = used[id >>> 5]!;
      if (word === -1) {
        // 32 ids in use: jump to the next word (wrapping to id 1 after the last one).
        id = (id | 31) + 1;
        if (id > MAX_PACKET_ID) id = 1;
        continue;
      }
      if ((word & (1 << (id & 31))) === 0) break;
      id = id === MAX_PACKET_ID ? 1 : id + 1;
    }
    used[id >>> 5]! |= 1 << (id & 31);
    this.inUse++;
    this.next = id === MAX_PACKET_ID ? 1 : id + 1;
    return id;
  }

  /** Marks `id` as in use (restoring a session); returns false when it already was. */
  claim(id: number): boolean {
    if (!isPacketId(id)) return false;
    const used = this.bits();
    const mask = 1 << (id & 31);
    if ((used[id >>> 5]! & mask) !== 0) return false;
    used[id >>> 5]! |= mask;
    this.inUse++;
    return true;
  }

  /** Frees `id`; returns false when it was not in use. */
  release(id: number): boolean {
    const used = this.used;
    if (used === undefined || !isPacketId(id)) return false;
    const mask = 1 << (id & 31);
    if ((used[id >>> 5]! & mask) === 0) return false;
    used[id >>> 5]! &= ~mask;
    this.inUse--;
    return true;
  }

  /** True when `id` is in use. */
  has(id: number): boolean {
    const used = this.used;
    return used !== undefined && isPacketId(id) && (used[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  /** Frees every id and restarts from 1. */
  reset(): void {
    if (this.inUse !== 0) this.used?.fill(0);
    this.inUse = 0;
    this.next = 1;
  }
}
