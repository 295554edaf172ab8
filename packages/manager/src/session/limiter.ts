/**
 * The bound on connection attempts in flight across the sessions of one manager (connect storms, such as
 * every session reconnecting after a broker restart, go through it a few at a time).
 * @module
 */

interface Waiter {
  owner: object;
  resolve: (granted: boolean) => void;
}

/**
 * A FIFO counting semaphore. `acquire(owner)` resolves `true` once a slot is free (the owner then holds it
 * until `release()`), or `false` when `cancel(owner)` withdrew the request first.
 */
export class ConnectLimiter {
  /** Most slots held at once. */
  readonly max: number;
  private held: number;
  private queue: Waiter[];
  private head: number;

  /** @param max - most attempts in flight (>= 1) */
  constructor(max: number) {
    this.max = max;
    this.held = 0;
    this.queue = [];
    this.head = 0;
  }

  /** Slots held now. */
  get active(): number {
    return this.held;
  }

  /** Requests waiting for a slot. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Resolves `true` when `owner` holds a slot, `false` when the request was cancelled. */
  acquire(owner: object): Promise<boolean> {
    if (this.held < this.max && this.pending === 0) {
      this.held++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.queue.push({ owner, resolve }));
  }

  /** Gives a slot back; the oldest waiter gets it. */
  release(): void {
    if (this.held > 0) this.held--;
    while (this.held < this.max && this.pending > 0) {
      const w = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Waiter;
      this.compact();
      this.held++;
      w.resolve(true);
    }
  }

  /** Withdraws the waiting requests of `owner` (they resolve `false`). */
  cancel(owner: object): void {
    let found = false;
    for (let i = this.head; i < this.queue.length; i++) {
      const w = this.queue[i];
      if (w !== undefined && w.owner === owner) {
        found = true;
        w.resolve(false);
      }
    }
    if (found) {
      this.queue = this.queue.slice(this.head).filter((w) => w.owner !== owner);
      this.head = 0;
    }
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
