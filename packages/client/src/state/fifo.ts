/**
 * A first-in first-out queue over a growable ring buffer: `push`, `shift`, `unshift` and `peek` are O(1)
 * (amortised for growth) and never call `Array.prototype.shift` (O(n) on large arrays) or change the
 * array's length on the hot path. Consumed slots are cleared so the garbage collector can free their items.
 * A queue that never held an item owns no array (a session has several queues, most of them stay empty),
 * and an owner may use the shared {@link EMPTY_FIFO} until its first push (see {@link writable}), so an
 * idle session carries no queue object at all.
 * @module
 */

const INITIAL_CAPACITY = 16;

/** The storage of every queue that never held an item (never written: the first push grows first). */
const NONE: never[] = [];

/** First-in first-out queue. */
export class Fifo<T> {
  private items: Array<T | undefined> = NONE;
  /** Capacity - 1 (capacity is a power of two); -1 before the first push. */
  private mask = -1;
  private head = 0;
  private size = 0;

  /** Number of queued items. */
  get length(): number {
    return this.size;
  }

  /** Appends `item` at the tail. */
  push(item: T): void {
    if (this.size > this.mask) this.grow();
    this.items[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  /** Inserts `item` at the head (it becomes the next `shift()`). */
  unshift(item: T): void {
    if (this.size > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.size++;
  }

  /** The head item without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.head];
  }

  /** The item `i` places after the head (0 is the head), or undefined past the tail. */
  at(i: number): T | undefined {
    return i >= 0 && i < this.size ? this.items[(this.head + i) & this.mask] : undefined;
  }

  /** Removes and returns the head item, or undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  /** Removes every item and returns them in order. */
  drain(): T[] {
    const out: T[] = [];
    if (this.size === 0) return out;
    while (this.size > 0) out.push(this.shift() as T);
    this.head = 0;
    return out;
  }

  /** Keeps only the items for which `keep` returns true (order kept). O(n); not for hot paths. */
  filter(keep: (item: T) => boolean): void {
    for (const item of this.drain()) if (keep(item)) this.push(item);
  }

  /** Doubles the capacity (or allocates the first array), unrolling the ring so the head is at index 0. */
  private grow(): void {
    // Every first push grows: the shared empty queue is never written.
    if (this === (EMPTY_FIFO as Fifo<unknown>)) throw new Error('internal error: push to the shared empty queue');
    const capacity = this.mask < 0 ? INITIAL_CAPACITY : (this.mask + 1) * 2;
    const items = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.size; i++) items[i] = this.items[(this.head + i) & this.mask];
    this.items = items;
    this.mask = capacity - 1;
    this.head = 0;
  }
}

/**
 * The empty queue shared by every owner until its first push: reading it (`length`, `peek`, `shift`,
 * `drain`, ...) is fine; push through {@link writable}. A push to it throws (an internal error).
 */
export const EMPTY_FIFO: Fifo<never> = new Fifo<never>();

/** `queue` itself, or a new queue in place of the shared {@link EMPTY_FIFO} (assign it back, then push). */
export function writable<T>(queue: Fifo<T>): Fifo<T> {
  return queue === (EMPTY_FIFO as Fifo<unknown>) ? new Fifo<T>() : queue;
}
