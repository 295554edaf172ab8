/**
 * Connectors: a stateful `(signal?) => Promise<Connection>` over a list of targets, with round robin across
 * calls, failover within a call, and one-shot server redirects. The client takes a connector by injection.
 * @module
 */
import { MqttxError } from '@mqttx/codec/errors';
import { openConnection } from './connect.js';
import type { Connection } from './connection.js';
import { AllTargetsFailedError, TransportError, abortError } from './errors.js';
import { type ConnectOptions, validateConnectOptions } from './options.js';
import { type ParsedTarget, Target, type TargetSpec, resolveTarget } from './target.js';

/**
 * Opens a connection to the next target. Call `n` starts at target `n mod targets.length` (round robin);
 * when an attempt fails the call moves on to the following targets (wrapping) until each was tried once,
 * then rejects with `ERR_ALL_TARGETS_FAILED` ({@link AllTargetsFailedError}, one error per attempt). An abort
 * stops at once with `ERR_ABORTED`.
 */
export interface Connector {
  (signal?: AbortSignal): Promise<Connection>;
  /**
   * Records a server reference (e.g. from an MQTT 5 CONNACK or DISCONNECT): the next call tries it first,
   * once, before its usual order. A later `redirect` replaces an unused one.
   * @throws TransportError `ERR_INVALID_TARGET` when the target does not parse
   */
  redirect(target: string | TargetSpec | ParsedTarget): void;
  /** The target of the last successful call, redacted; `undefined` before the first success. */
  readonly current: string | undefined;
  /** The configured targets, redacted, in order. */
  readonly targets: readonly string[];
}

/** Options of {@link createConnector}: connect options applied to every target (a target's own `options` win). */
export type ConnectorOptions = ConnectOptions;

/**
 * A target with connect options of its own, or just the target when it uses the connector's options (the
 * common case: nothing more to keep).
 */
type Entry = Target | { readonly target: Target; readonly options: ConnectOptions };

function targetOf(entry: Entry): Target {
  return entry instanceof Target ? entry : entry.target;
}

/*
 * Where a connector keeps its state: symbol-keyed properties of the function itself. A function has no
 * in-object fields, so a separate state object would cost its own header and a pointer to it; its methods
 * and getters live on a shared prototype.
 */
/** The targets in order: one entry alone (no list), or the list. */
const ENTRIES = Symbol('mqttx.connector.entries');
/** The connector's connect options. */
const OPTIONS = Symbol('mqttx.connector.options');
/** Index of the target the next call starts with. */
const NEXT = Symbol('mqttx.connector.next');
/** A server reference to try first, once. */
const REDIRECTED = Symbol('mqttx.connector.redirected');
/** Target of the last successful call. */
const LAST = Symbol('mqttx.connector.last');
/** The redacted targets, made on first read of `targets`. */
const SHOWN = Symbol('mqttx.connector.shown');

/** A connector function as built here: its targets, the round-robin position, a pending redirect, the last success. */
interface ConnectorFunction extends Connector {
  [ENTRIES]: Entry | readonly Entry[];
  [OPTIONS]: ConnectorOptions;
  [NEXT]: number;
  [REDIRECTED]: Entry | undefined;
  [LAST]: Entry | undefined;
  [SHOWN]: readonly string[] | undefined;
}

/** The targets of `c` in order, as a list. */
function list(c: ConnectorFunction): readonly Entry[] {
  const entries = c[ENTRIES];
  return Array.isArray(entries) ? (entries as readonly Entry[]) : [entries as Entry];
}

/** One call of connector `c` (see {@link Connector}). */
async function open(c: ConnectorFunction, callSignal: AbortSignal | undefined): Promise<Connection> {
  const entries = list(c);
  const signal = callSignal ?? c[OPTIONS].signal;
  const order: Entry[] = [];
  const redirected = c[REDIRECTED];
  if (redirected !== undefined) {
    order.push(redirected);
    c[REDIRECTED] = undefined;
  }
  const start = c[NEXT];
  c[NEXT] = (start + 1) % entries.length;
  for (let i = 0; i < entries.length; i++) order.push(entries[(start + i) % entries.length]!);

  const errors: Error[] = [];
  for (const entry of order) {
    const target = targetOf(entry);
    if (signal?.aborted) throw abortError(signal.reason, String(target));
    try {
      const options = entry instanceof Target ? c[OPTIONS] : entry.options;
      const connection = await openConnection(target, { ...options, signal });
      c[LAST] = entry;
      return connection;
    } catch (err) {
      if (err instanceof MqttxError && err.code === 'ERR_ABORTED') throw err;
      errors.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  throw new AllTargetsFailedError(errors, order.map((e) => String(targetOf(e))));
}

/**
 * The prototype of every connector function (it inherits `Function.prototype`): `redirect`, `current` and
 * `targets` read the connector's state, so a connector is one small function object with its state, not a
 * function with closures and accessors of its own (thousands of clients keep one each).
 */
const CONNECTOR_PROTOTYPE: object = Object.create(Function.prototype, {
  redirect: {
    value: function redirect(this: ConnectorFunction, target: string | TargetSpec | ParsedTarget): void {
      this[REDIRECTED] = toEntry(target, this[OPTIONS]);
    },
  },
  current: {
    get(this: ConnectorFunction): string | undefined {
      const last = this[LAST];
      return last === undefined ? undefined : String(targetOf(last));
    },
  },
  targets: {
    get(this: ConnectorFunction): readonly string[] {
      return (this[SHOWN] ??= Object.freeze(list(this).map((e) => String(targetOf(e)))));
    },
  },
});

/**
 * Creates a {@link Connector}. Targets are parsed now: an invalid one throws `ERR_INVALID_TARGET`.
 * @param targets - one target or a list: URLs, `host:port`, or {@link TargetSpec}s with per-target options
 * @param options - connect options for every target; `signal` here applies to calls made without one
 */
export function createConnector(
  targets: string | TargetSpec | ReadonlyArray<string | TargetSpec | ParsedTarget>,
  options: ConnectorOptions = {},
): Connector {
  const list = Array.isArray(targets) ? (targets as ReadonlyArray<string | TargetSpec | ParsedTarget>) : [targets as string | TargetSpec];
  if (list.length === 0) {
    throw new TransportError('ERR_INVALID_TARGET', 'a connector needs at least one target', { kind: 'configuration' });
  }
  validateConnectOptions(options);
  return connectorFunction(
    list.map((t) => toEntry(t, options)),
    options,
  );
}

/** The callable of a connector: a function with no closure context (it finds its state on itself). */
function connectorFunction(entries: readonly Entry[], options: ConnectorOptions): Connector {
  const connector = function connector(signal?: AbortSignal): Promise<Connection> {
    return open(connector as ConnectorFunction, signal);
  } as ConnectorFunction;
  Object.setPrototypeOf(connector, CONNECTOR_PROTOTYPE);
  // Every connector adds the same properties in the same order: one shared shape.
  connector[ENTRIES] = entries.length === 1 ? entries[0]! : entries;
  connector[OPTIONS] = options;
  connector[NEXT] = 0;
  connector[REDIRECTED] = undefined;
  connector[LAST] = undefined;
  connector[SHOWN] = undefined;
  return connector;
}

/** Most targets {@link shareTarget} remembers (then it starts over): a process talks to a few brokers. */
const SHARED_TARGETS_MAX = 64;
/** Credential-free targets by `protocol host port`, shared by every connector that names them. */
const sharedTargets = new Map<string, Target>();

/**
 * An equal target made before, if any: thousands of clients of one broker then keep one `Target` (and one
 * host string) between them. A `Target` is immutable. One with credentials is never kept here (no secret
 * outlives its connectors), but shares the host string.
 */
function shareTarget(target: Target): Target {
  const key = `${target.protocol} ${target.host} ${target.port}`;
  const known = sharedTargets.get(key);
  const plain = target.username === undefined && target.password === undefined;
  if (known !== undefined) {
    // Equal keys mean equal hosts: only the string is shared with a target that has credentials.
    return plain ? known : new Target(target.protocol, known.host, target.port, target.username, target.password);
  }
  if (plain) {
    if (sharedTargets.size >= SHARED_TARGETS_MAX) sharedTargets.clear();
    sharedTargets.set(key, target);
  }
  return target;
}

function toEntry(input: string | TargetSpec | ParsedTarget, options: ConnectOptions): Entry {
  const resolved = resolveTarget(input);
  const target = input instanceof Target ? resolved.target : shareTarget(resolved.target); // a caller's own is kept
  const own = resolved.options;
  if (own !== undefined) validateConnectOptions(own);
  return own === undefined ? target : { target, options: { ...options, ...own } };
}
