/**
 * Waiters for "session ready": kept in a set owned by the session (never as event listeners), each removed
 * when it settles, so waiting leaks nothing whatever happens first (ready, timeout, close).
 * @module
 */
import { ManagerError } from '../errors.js';
import type { TimerScheduler } from './session.js';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Builds the `ERR_TIMEOUT` error of a wait. */
export function waitTimeoutError(what: string, timeoutMs: number, context: Record<string, unknown>): ManagerError {
  return new ManagerError('ERR_TIMEOUT', `${what} not ready within ${timeoutMs} ms`, 'connection', undefined, {
    timeout: true,
    temporary: true,
    context: { ...context, timeoutMs },
  });
}

/** The ready waiters of one session. */
export class ReadyWaiters {
  private set: Set<Waiter> | undefined;
  private readonly scheduler: TimerScheduler;

  /** @param scheduler - timers for the timeouts */
  constructor(scheduler: TimerScheduler) {
    this.set = undefined;
    this.scheduler = scheduler;
  }

  /** Waiters registered now. */
  get size(): number {
    return this.set === undefined ? 0 : this.set.size;
  }

  /**
   * Waits up to `timeoutMs` (rejecting with `ERR_TIMEOUT`; `Infinity` waits without a timer) for
   * {@link ReadyWaiters.resolveAll}.
   */
  wait(timeoutMs: number, session: string): Promise<void> {
    if (timeoutMs === Infinity) return new Promise<void>((resolve, reject) => this.add(resolve, reject));
    return new Promise<void>((resolve, reject) => {
      let timer: unknown;
      const remove = this.add(
        () => {
          this.scheduler.clearTimeout(timer);
          resolve();
        },
        (err) => {
          this.scheduler.clearTimeout(timer);
          reject(err);
        },
      );
      timer = this.scheduler.setTimeout(() => {
        remove();
        const err = waitTimeoutError(`session ${session}`, timeoutMs, {});
        err.withSession(session);
        reject(err);
      }, timeoutMs);
    });
  }

  /** Registers a waiter; returns the function that removes it again. */
  add(resolve: () => void, reject: (err: Error) => void): () => void {
    const w: Waiter = { resolve, reject };
    (this.set ??= new Set()).add(w);
    return () => {
      this.set?.delete(w);
    };
  }

  /** Resolves and removes every waiter. */
  resolveAll(): void {
    const set = this.set;
    if (set === undefined) return;
    this.set = undefined;
    for (const w of set) w.resolve();
  }

  /** Rejects and removes every waiter. */
  rejectAll(err: Error): void {
    const set = this.set;
    if (set === undefined) return;
    this.set = undefined;
    for (const w of set) w.reject(err);
  }
}
