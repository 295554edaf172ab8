/**
 * The manager's event bus: typed `{ type, session, data, timestamp }` events, handlers per type or for all
 * (`'*'`), safe against handlers that add, remove or throw, and a redaction step so no event carries a
 * password, key or URL credentials.
 * @module
 */
import { ManagerError, newConfigurationError } from './errors.js';
import type { SessionStatus } from './metrics/types.js';

/** Every event type, in lifecycle order. */
export const MANAGER_EVENT_TYPES = Object.freeze([
  'session_added',
  'session_removed',
  'session_connecting',
  'session_connected',
  'session_ready',
  'session_disconnected',
  'session_reconnecting',
  'session_state_changed',
  'error',
] as const);

/** One of {@link MANAGER_EVENT_TYPES}. */
export type ManagerEventType = (typeof MANAGER_EVENT_TYPES)[number];

/** The `data` of each event type. Known fields are typed; emitters may add more. */
export interface ManagerEventData {
  /** A session was added (before it connects). */
  session_added: { [field: string]: unknown };
  /** A session was removed (after its `session_disconnected`). */
  session_removed: { [field: string]: unknown };
  /** A connection attempt starts. */
  session_connecting: {
    /** Reconnect attempts so far: 0 for the first connect, then the attempt number (1, 2, ...). */
    attempt?: number;
    /** Broker URL, credentials redacted, when known. */
    broker?: string;
    [field: string]: unknown;
  };
  /** CONNACK accepted. */
  session_connected: {
    /** Broker URL, credentials redacted, when known. */
    broker?: string;
    /** CONNACK Session Present: the broker resumed the stored session. */
    sessionPresent?: boolean;
    [field: string]: unknown;
  };
  /** Subscriptions restored: the session is ready for work. */
  session_ready: {
    /** Number of subscriptions in place. */
    subscriptions?: number;
    [field: string]: unknown;
  };
  /** The link went down or the session was closed; `error` says why (absent for a requested close). */
  session_disconnected: {
    /** Why the link went down (usually an {@link MqttxError}); absent for a requested close. */
    error?: unknown;
    [field: string]: unknown;
  };
  /** A reconnect is scheduled. */
  session_reconnecting: {
    /** Consecutive attempt number since the last stable connection (1, 2, ...). */
    attempt: number;
    /** Milliseconds until the attempt (backoff with jitter). */
    delayMs: number;
    /** Why the previous connection or attempt ended; absent for a clean close. */
    error?: unknown;
    [field: string]: unknown;
  };
  /** Every state change, with the old and the new state. */
  session_state_changed: {
    /** State before the change. */
    old: SessionStatus;
    /** State after the change. */
    new: SessionStatus;
    [field: string]: unknown;
  };
  /** A failure not reported through a promise (or a handler that threw). */
  error: {
    /** The failure, usually a {@link ManagerError} (code `ERR_EVENT_HANDLER` for a handler that threw). */
    error: unknown;
    [field: string]: unknown;
  };
}

/**
 * An event. `ManagerEvent` alone is the union of all event types (narrow it on `type`); `session` is the
 * session name, or undefined for a manager-level `error`; `timestamp` is ms since the epoch.
 */
export type ManagerEvent<T extends ManagerEventType = ManagerEventType> = {
  [K in T]: {
    /** The event type (see {@link ManagerEventData} for each type's data). */
    type: K;
    /** Name of the session, or undefined for a manager-level `error`. */
    session: string | undefined;
    /** Type-specific details, already passed through {@link redact} (no secrets). */
    data: ManagerEventData[K];
    /** When the event was emitted, in ms since the epoch. */
    timestamp: number;
  };
}[T];

/** A handler; a returned promise is watched for rejection. */
export type ManagerEventHandler<T extends ManagerEventType = ManagerEventType> = (event: ManagerEvent<T>) => unknown;

/** Options of {@link EventBus}. */
export interface EventBusOptions {
  /** Clock for {@link EventBus.emitEvent} timestamps (default `Date.now`). */
  now?: () => number;
  /**
   * Called when a handler of an `error` event throws or rejects. Such failures are never re-emitted (that
   * could recurse); by default they are ignored.
   */
  onHandlerError?: (error: unknown, event: ManagerEvent) => void;
}

type AnyHandler = (event: ManagerEvent) => unknown;

const KNOWN_TYPES: ReadonlySet<string> = new Set<string>(MANAGER_EVENT_TYPES);

/**
 * Dispatches manager events.
 *
 * - Handlers of a type run in the order added, then the `'*'` handlers.
 * - Handler lists are copy-on-write: a dispatch runs the handlers registered when it began, so a handler
 *   may add or remove handlers (itself included) safely; a removal takes effect from the next dispatch.
 * - An `error` event with no handler is dropped, never thrown.
 * - A handler that throws (or rejects) does not stop the others; the failure is emitted once as an `error`
 *   event with code `ERR_EVENT_HANDLER` and the failure as `cause`. A failing `error` handler is not
 *   re-reported (see {@link EventBusOptions.onHandlerError}), so there is no recursion.
 * - Event data goes through {@link redact} before any handler sees it.
 */
export class EventBus {
  private readonly lists = new Map<string, readonly AnyHandler[]>();
  private readonly now: () => number;
  private readonly onHandlerError: ((error: unknown, event: ManagerEvent) => void) | undefined;

  /** @param options - clock and the sink for failures of `error` handlers */
  constructor(options: EventBusOptions = {}) {
    this.now = options.now ?? Date.now;
    this.onHandlerError = options.onHandlerError;
  }

  /**
   * Adds `handler` for `type` (or `'*'` for every type). Adding the same function twice makes it run twice.
   * @returns a function that removes this registration
   * @throws {@link ManagerError} `ERR_CONFIGURATION` for an unknown type or a handler that is not a function
   */
  onEvent<T extends ManagerEventType>(type: T, handler: ManagerEventHandler<T>): () => void;
  onEvent(type: '*', handler: ManagerEventHandler): () => void;
  onEvent(type: ManagerEventType | '*', handler: AnyHandler): () => void {
    checkType(type);
    if (typeof handler !== 'function') {
      throw newConfigurationError('event handler must be a function').withContext({ event: type });
    }
    const list = this.lists.get(type);
    this.lists.set(type, list === undefined ? [handler] : [...list, handler]);
    let registered = true;
    return () => {
      if (registered) {
        registered = false;
        this.offEvent(type as ManagerEventType, handler);
      }
    };
  }

  /**
   * Removes the most recently added registration of `handler` for `type`.
   * @returns whether one was found
   */
  offEvent<T extends ManagerEventType>(type: T | '*', handler: ManagerEventHandler<T>): boolean {
    const list = this.lists.get(type);
    if (list === undefined) return false;
    const index = list.lastIndexOf(handler as AnyHandler);
    if (index === -1) return false;
    if (list.length === 1) this.lists.delete(type);
    else this.lists.set(type, [...list.slice(0, index), ...list.slice(index + 1)]);
    return true;
  }

  /** Number of handlers for `type` (`'*'` counts the wildcard handlers), or all handlers with no argument. */
  listenerCount(type?: ManagerEventType | '*'): number {
    if (type !== undefined) return this.lists.get(type)?.length ?? 0;
    let n = 0;
    for (const list of this.lists.values()) n += list.length;
    return n;
  }

  /** Removes every handler of `type`, or every handler. */
  removeAllListeners(type?: ManagerEventType | '*'): void {
    if (type === undefined) this.lists.clear();
    else this.lists.delete(type);
  }

  /**
   * Dispatches `event` (its data redacted) to the handlers of its type, then to the `'*'` handlers.
   * Never throws because of a handler.
   * @throws {@link ManagerError} `ERR_CONFIGURATION` for an event of unknown type
   */
  emit(event: ManagerEvent): void {
    checkType(event.type);
    const typed = this.lists.get(event.type);
    const wildcard = this.lists.get('*');
    if (typed === undefined && wildcard === undefined) return;
    const data = redact(event.data);
    const safe = (data === event.data ? event : { ...event, data }) as ManagerEvent;
    if (typed !== undefined) this.run(typed, safe);
    if (wildcard !== undefined) this.run(wildcard, safe);
  }

  /** Builds an event stamped with the bus clock and emits it. */
  emitEvent<T extends ManagerEventType>(type: T, session: string | undefined, data: ManagerEventData[T]): void {
    this.emit({ type, session, data, timestamp: this.now() } as ManagerEvent);
  }

  /** Runs one handler list, isolating each handler. */
  private run(list: readonly AnyHandler[], event: ManagerEvent): void {
    for (let i = 0; i < list.length; i++) {
      try {
        const result = list[i]!(event);
        if (typeof (result as { then?: unknown } | null | undefined)?.then === 'function') {
          (result as PromiseLike<unknown>).then(undefined, (err: unknown) => this.handlerFailed(err, event));
        }
      } catch (err) {
        this.handlerFailed(err, event);
      }
    }
  }

  /** Reports a failed handler as one `error` event, unless it was handling an `error` event. */
  private handlerFailed(err: unknown, event: ManagerEvent): void {
    if (event.type === 'error') {
      if (this.onHandlerError !== undefined) {
        try {
          this.onHandlerError(err, event);
        } catch {
          // the last resort sink failed too: nothing left to report to
        }
      }
      return;
    }
    const error = new ManagerError('ERR_EVENT_HANDLER', `a ${event.type} event handler failed`, 'internal', err);
    error.withContext({ event: event.type });
    if (event.session !== undefined) error.withSession(event.session);
    const data = { error, event: event.type };
    this.emit({ type: 'error', session: event.session, data, timestamp: event.timestamp });
  }
}

/** Throws a configuration error unless `type` is an event type or `'*'`. */
function checkType(type: unknown): void {
  if (type !== '*' && !(typeof type === 'string' && KNOWN_TYPES.has(type))) {
    throw newConfigurationError('unknown event type').withContext({ event: String(type) });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Redaction

/** Field names (case, `-` and `_` ignored) removed by {@link redact}, also as suffixes (`apiKey`, ...). */
export const SENSITIVE_FIELDS: readonly string[] = Object.freeze([
  'password',
  'passphrase',
  'passwd',
  'key',
  'token',
  'secret',
  'authorization',
  'credentials',
  'pfx',
]);

/** `scheme://userinfo@` (greedy up to the last `@` of the authority). */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;
const URL_USERINFO_TEST = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#]*@/i;

/** Deeper values are replaced by this marker. */
export const REDACT_MAX_DEPTH = 32;
const TRUNCATED = '[truncated]';

/**
 * True when a field of this name is removed by {@link redact}: its name, lower-cased without `-` and `_`,
 * is or ends with one of {@link SENSITIVE_FIELDS} (`password`, `apiKey`, `access_token`, `privateKey`...;
 * not `keyFile`, which is a path).
 */
export function isSensitiveField(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  for (const s of SENSITIVE_FIELDS) if (n.endsWith(s)) return true;
  return false;
}

/** Replaces the user information of every URL in `text` with `***`: `mqtt://***@host:1883`. */
export function redactUrlCredentials(text: string): string {
  return URL_USERINFO_TEST.test(text) ? text.replace(URL_USERINFO, '$1***@') : text;
}

/**
 * Returns `data` without secrets: fields named like {@link SENSITIVE_FIELDS} removed, URL credentials
 * replaced by `***` (in strings and `URL` objects), deeply through plain objects, arrays and errors (own
 * properties, `message`, `stack` and `cause` included), cycle-safe.
 *
 * When nothing needs redacting, `data` itself is returned (no copy). Otherwise the result is a copy: errors
 * keep their prototype (so `instanceof` and `code` still work), cycles are preserved, accessor properties
 * and symbol keys are dropped, and values nested deeper than {@link REDACT_MAX_DEPTH} become `'[truncated]'`.
 * Objects other than plain objects, arrays, errors and URLs (class instances, Buffers, Maps, Dates) are
 * kept by reference, unvisited.
 */
export function redact<T>(data: T): T {
  return needsRedaction(data, new Set(), 0) ? (copy(data, new Map(), 0) as T) : data;
}

/** Kinds of value the redaction walks into. */
const WALK_SKIP = 0;
const WALK_ARRAY = 1;
const WALK_RECORD = 2;
const WALK_URL = 3;
type Walk = typeof WALK_SKIP | typeof WALK_ARRAY | typeof WALK_RECORD | typeof WALK_URL;

/** How {@link redact} treats `value`. */
function walkKind(value: object): Walk {
  if (Array.isArray(value)) return WALK_ARRAY;
  if (value instanceof Error) return WALK_RECORD;
  if (value instanceof URL) return WALK_URL;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? WALK_RECORD : WALK_SKIP;
}

/** Marks a property {@link ownValue} does not read. */
const NO_VALUE: unique symbol = Symbol('no value');

/**
 * The value of an own property: data properties as they are; accessors are not invoked, except an error's
 * `stack` (an own accessor in some V8 versions), read defensively.
 */
function ownValue(obj: object, name: string): unknown {
  const desc = Object.getOwnPropertyDescriptor(obj, name);
  if (desc === undefined) return NO_VALUE;
  if ('value' in desc) return desc.value;
  if (name !== 'stack' || !(obj instanceof Error)) return NO_VALUE;
  try {
    return (obj as { stack?: unknown }).stack;
  } catch {
    return NO_VALUE;
  }
}

/** First pass: does anything reachable need redacting? */
function needsRedaction(value: unknown, seen: Set<object>, depth: number): boolean {
  if (typeof value === 'string') return URL_USERINFO_TEST.test(value);
  if (typeof value !== 'object' || value === null) return false;
  const kind = walkKind(value);
  if (kind === WALK_SKIP || seen.has(value)) return false;
  if (depth >= REDACT_MAX_DEPTH) return true;
  seen.add(value);
  if (kind === WALK_URL) return (value as URL).username !== '' || (value as URL).password !== '';
  if (kind === WALK_ARRAY) {
    for (const item of value as unknown[]) if (needsRedaction(item, seen, depth + 1)) return true;
    return false;
  }
  for (const name of Object.getOwnPropertyNames(value)) {
    if (isSensitiveField(name)) return true;
    const own = ownValue(value, name);
    if (own !== NO_VALUE && needsRedaction(own, seen, depth + 1)) return true;
  }
  return false;
}

/** Second pass: the redacted copy (`memo` maps originals to copies, keeping cycles). */
function copy(value: unknown, memo: Map<object, unknown>, depth: number): unknown {
  if (typeof value === 'string') return redactUrlCredentials(value);
  if (typeof value !== 'object' || value === null) return value;
  const kind = walkKind(value);
  if (kind === WALK_SKIP) return value;
  const done = memo.get(value);
  if (done !== undefined) return done;
  if (depth >= REDACT_MAX_DEPTH) return TRUNCATED;
  if (kind === WALK_URL) {
    const url = new URL((value as URL).href);
    if (url.username !== '' || url.password !== '') {
      url.password = '';
      url.username = '***';
    }
    memo.set(value, url);
    return url;
  }
  if (kind === WALK_ARRAY) {
    const out: unknown[] = [];
    memo.set(value, out);
    for (const item of value as unknown[]) out.push(copy(item, memo, depth + 1));
    return out;
  }
  const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  memo.set(value, out);
  for (const name of Object.getOwnPropertyNames(value)) {
    if (isSensitiveField(name)) continue;
    const own = ownValue(value, name);
    if (own === NO_VALUE) continue;
    const desc = Object.getOwnPropertyDescriptor(value, name)!;
    Object.defineProperty(out, name, {
      value: copy(own, memo, depth + 1),
      writable: desc.writable ?? true,
      enumerable: desc.enumerable ?? true,
      configurable: true,
    });
  }
  return out;
}
