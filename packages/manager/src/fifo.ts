/**
 * A FIFO queue with O(1) push and shift (an array and a head index, compacted as it drains), for the
 * queues that can grow long: messages waiting for room under backpressure.
 * @module
 */

/** A first-in first-out queue. */
export class Fifo<T> {
  private items: Array<T | undefined>;
  private head: number;

  constructor() {
    this.items = [];
    this.head = 0;
  }

  /** Number of queued items. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends `item`. */
  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}
