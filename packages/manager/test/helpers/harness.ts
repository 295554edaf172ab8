/**
 * Test harness of the manager suites: testkit brokers and managers registered for cleanup, an event
 * recorder, event waits (no sleeps), and the open-handle check (sockets, servers and timers back to their
 * count before the test).
 *
 * ```ts
 * const h = harness();
 * it('...', async () => {
 *   const broker = await h.broker();
 *   const m = h.manager();
 *   m.addSession({ name: 'a', brokers: broker.url });
 *   await m.waitForSession('a', 5000);
 * });
 * ```
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { startBroker, type Broker, type BrokerOptions } from '@mqttx/testkit';
import { SessionManager, type ManagerEvent, type ManagerEventType, type SessionManagerOptions, type SessionMessage } from 'mqttx';
import { resourceCounts, settleResources } from '../../../../test/helpers/resources.js';

/** Every event of a manager, in order. */
export interface EventLog {
  readonly events: ManagerEvent[];
  /** `type` of each event (optionally of one session), `session_state_changed` left out unless asked. */
  types(session?: string, withStates?: boolean): string[];
  /** `old->new` of each `session_state_changed` of `session`. */
  states(session: string): string[];
  /** Forget what was recorded. */
  clear(): void;
}

/** Collects messages; `next(n)` waits for the n-th. */
export interface Inbox {
  readonly got: SessionMessage[];
  /** The handler to pass to `subscribe` / `handle`. */
  readonly handler: (m: SessionMessage) => void;
  /** Resolves once `n` messages arrived (rejects after `ms`). */
  next(n: number, ms?: number): Promise<SessionMessage[]>;
}

/** The per-test harness. */
export interface Harness {
  broker(options?: BrokerOptions): Promise<Broker>;
  manager(options?: SessionManagerOptions): SessionManager;
  /** Starts recording every event of `manager`. */
  record(manager: SessionManager): EventLog;
  /** Resolves with the next event of `type` (for `session`, when given) matching `predicate`. */
  event<T extends ManagerEventType>(
    manager: SessionManager,
    type: T,
    session?: string,
    predicate?: (e: ManagerEvent<T>) => boolean,
    ms?: number,
  ): Promise<ManagerEvent<T>>;
  inbox(): Inbox;
  /** Registers a cleanup step run after the test (before the handle check). */
  defer(fn: () => unknown): void;
}

/** Resolves after `n` turns of the event loop. */
export async function turns(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Spins event-loop turns until `condition()` holds (effects with no event to await). */
export async function until(condition: () => boolean, maxTurns = 20_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await turns(1);
  }
  throw new Error('until: condition not met');
}

/** Registers the per-test hooks and returns the harness. */
export function harness(): Harness {
  let baseline: Record<string, number> = {};
  let brokers: Broker[] = [];
  let managers: SessionManager[] = [];
  let timers: Array<ReturnType<typeof setTimeout>> = [];
  let deferred: Array<() => unknown> = [];

  beforeEach(() => {
    baseline = resourceCounts();
  });

  afterEach(async (ctx) => {
    for (const t of timers) clearTimeout(t);
    timers = [];
    for (const fn of deferred.reverse()) await fn();
    deferred = [];
    await Promise.all(managers.map((m) => m.close()));
    await Promise.all(brokers.map((b) => b.close()));
    managers = [];
    brokers = [];
    const excess = await settleResources(baseline);
    if (ctx.task.result?.state === 'fail') return;
    expect(excess, 'handles left open').toEqual({});
  });

  const h: Harness = {
    async broker(options = {}) {
      const b = await startBroker(options);
      brokers.push(b);
      return b;
    },
    manager(options = {}) {
      const m = new SessionManager({ logger: { warn() {} }, ...options });
      managers.push(m);
      return m;
    },
    record(manager) {
      const events: ManagerEvent[] = [];
      manager.onEvent('*', (e) => {
        events.push(e);
      });
      return {
        events,
        types(session, withStates = false) {
          return events
            .filter((e) => (session === undefined || e.session === session) && (withStates || e.type !== 'session_state_changed'))
            .map((e) => e.type);
        },
        states(session) {
          return events
            .filter((e) => e.session === session && e.type === 'session_state_changed')
            .map((e) => {
              const d = (e as ManagerEvent<'session_state_changed'>).data;
              return `${d.old}->${d.new}`;
            });
        },
        clear() {
          events.length = 0;
        },
      };
    },
    event(manager, type, session, predicate, ms = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`timeout waiting for ${type}`));
        }, ms);
        timers.push(timer);
        const off = manager.onEvent(type, (e) => {
          if (session !== undefined && e.session !== session) return;
          if (predicate !== undefined && !predicate(e)) return;
          off();
          clearTimeout(timer);
          resolve(e);
        });
      });
    },
    inbox() {
      const got: SessionMessage[] = [];
      const waiters: Array<{ n: number; resolve: () => void }> = [];
      return {
        got,
        handler(m) {
          got.push(m);
          for (const w of waiters.filter((x) => got.length >= x.n)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        },
        async next(n, ms = 5000) {
          if (got.length < n) {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${n} messages`)), ms);
              timers.push(timer);
              waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
            });
          }
          return got.slice(0, n);
        },
      };
    },
    defer(fn) {
      deferred.push(fn);
    },
  };
  return h;
}

/** The `code` of an error (undefined for anything else). */
export function codeOf(err: unknown): string | undefined {
  return (err as { code?: string } | undefined)?.code;
}

/** Resolves with the rejection reason of `promise` (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
