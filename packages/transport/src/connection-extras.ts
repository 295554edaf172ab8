/**
 * The part of a `Connection` it creates only once needed (most connections never do): the waiters of
 * `flush()` and `waitForDrain()`, the `closed` promise, a chunk held back by `pause()`.
 * @module
 */

/** A pending `flush()` or `waitForDrain()` promise. */
export interface Waiter {
  /** Settles the promise with success. */
  resolve: () => void;
  /** Rejects the promise. */
  reject: (err: Error) => void;
}

/** The rarely needed state of a connection. */
export class Extras {
  /** The rest of a chunk split by `maxReadChunk` when `pause()` came in between (delivered first on resume). */
  pendingChunk: Buffer | undefined = undefined;
  /** `flush()` waiters, in write order. */
  flushWaiters: Waiter[] | undefined = undefined;
  /** `waitForDrain()` waiters. */
  drainWaiters: Waiter[] | undefined = undefined;
  /** The `closed` promise, once asked for. */
  closedPromise: Promise<Error | undefined> | undefined = undefined;
  /** Resolves {@link closedPromise} while the connection is still open. */
  resolveClosed: ((err: Error | undefined) => void) | undefined = undefined;
  /** Write callback marking a flush point (made by the first `flush()`). */
  flushWritten: ((err?: Error | null) => void) | undefined = undefined;

  /**
   * The `closed` promise (made on the first call).
   * @param isClosed - the connection has already closed
   * @param error - its close error, if closed
   */
  closed(isClosed: boolean, error: Error | undefined): Promise<Error | undefined> {
    let promise = this.closedPromise;
    if (promise === undefined) {
      promise = isClosed ? Promise.resolve(error) : new Promise<Error | undefined>((resolve) => (this.resolveClosed = resolve));
      this.closedPromise = promise;
    }
    return promise;
  }

  /**
   * Resolves the `closed` promise, if one is waiting.
   * @param error - the close error
   */
  settleClosed(error: Error | undefined): void {
    const resolveClosed = this.resolveClosed;
    if (resolveClosed !== undefined) {
      this.resolveClosed = undefined;
      resolveClosed(error);
    }
  }

  /**
   * The empty write that marks a flush point completed: its `flush()` resolves (on an error the
   * connection is failing, and its close rejects every waiter).
   * @param err - the write error, if any
   */
  flushPointWritten(err?: Error | null): void {
    if (!err) this.flushWaiters?.shift()?.resolve();
  }

  /** Resolves and forgets the `waitForDrain()` waiters (the stream drained). */
  drained(): void {
    const waiters = this.drainWaiters;
    if (waiters === undefined || waiters.length === 0) return;
    this.drainWaiters = undefined;
    for (const w of waiters) w.resolve();
  }

  /** Resolves and forgets the `flush()` waiters (the stream finished after `end()`). */
  finished(): void {
    const waiters = this.flushWaiters;
    if (waiters === undefined || waiters.length === 0) return;
    this.flushWaiters = undefined;
    for (const w of waiters) w.resolve();
  }

  /** True while a `flush()` or `waitForDrain()` promise may be waiting. */
  hasWaiters(): boolean {
    return this.flushWaiters !== undefined || this.drainWaiters !== undefined;
  }

  /**
   * Rejects and forgets every `flush()` waiter, then every `waitForDrain()` waiter.
   * @param error - the rejection (`ERR_CONNECTION_CLOSED`)
   */
  rejectWaiters(error: Error): void {
    const flushWaiters = this.flushWaiters;
    const drainWaiters = this.drainWaiters;
    this.flushWaiters = this.drainWaiters = undefined;
    if (flushWaiters !== undefined) for (const w of flushWaiters) w.reject(error);
    if (drainWaiters !== undefined) for (const w of drainWaiters) w.reject(error);
  }
}
