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

/** Where a connector keeps its state (one property: its methods and getters live on a shared prototype). */
const STATE = Symbol('mqttx.connector');

/** A connector function as built here. */
type ConnectorFunction = Connector & { [STATE]: ConnectorState };

/** The state of one connector: its targets, the round-robin position, a pending redirect, the last success. */
class ConnectorState {
  /** The targets in order: one entry alone (no list), or the list. */
  readonly entries: Entry | readonly Entry[];
  readonly options: ConnectorOptions;
  /** Index of the target the next call starts with. */
  next: number;
  redirected: Entry | undefined;
  /** Target of the last successful call. */
  last: Entry | undefined;
  /** The redacted targets, made on first read of `targets`. */
  shown: readonly string[] | undefined;

  constructor(entries: readonly Entry[], options: ConnectorOptions) {
    this.entries = entries.length === 1 ? entries[0]! : entries;
    this.options = options;
    this.next = 0;
    this.redirected = undefined;
    this.last = undefined;
    this.shown = undefined;
  }

  /** The targets in order, as a list. */
  list(): readonly Entry[] {
    const entries = this.entries;
    return Array.isArray(entries) ? (entries as readonly Entry[]) : [entries as Entry];
  }

  async open(callSignal: AbortSignal | undefined): Promise<Connection> {
    const entries = this.list();
    const signal = callSignal ?? this.options.signal;
    const order: Entry[] = [];
    if (this.redirected !== undefined) {
      order.push(this.redirected);
      this.redirected = undefined;
    }
    const start = this.next;
    this.next = (start + 1) % entries.length;
    for (let i = 0; i < entries.length; i++) order.push(entries[(start + i) % entries.length]!);

    const errors: Error[] = [];
    for (const entry of order) {
      const target = targetOf(entry);
      if (signal?.aborted) throw abortError(signal.reason, String(target));
      try {
        const options = entry instanceof Target ? this.options : entry.options;
        const connection = await openConnection(target, { ...options, signal });
        this.last = entry;
        return connection;
      } catch (err) {
        if (err instanceof MqttxError && err.code === 'ERR_ABORTED') throw err;
        errors.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    throw new AllTargetsFailedError(errors, order.map((e) => String(targetOf(e))));
  }
}

/**
 * The prototype of every connector function (it inherits `Function.prototype`): `redirect`, `current` and
 * `targets` read the connector's state, so a connector is one small function object with one property, not
 * a function with closures and accessors of its own (thousands of clients keep one each).
 */
const CONNECTOR_PROTOTYPE: object = Object.create(Function.prototype, {
  redirect: {
    value: function redirect(this: ConnectorFunction, target: string | TargetSpec | ParsedTarget): void {
      const state = this[STATE];
      state.redirected = toEntry(target, state.options);
    },
  },
  current: {
    get(this: ConnectorFunction): string | undefined {
      const last = this[STATE].last;
      return last === undefined ? undefined : String(targetOf(last));
    },
  },
  targets: {
    get(this: ConnectorFunction): readonly string[] {
      const state = this[STATE];
      return (state.shown ??= Object.freeze(state.list().map((e) => String(targetOf(e)))));
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
  const state = new ConnectorState(
    list.map((t) => toEntry(t, options)),
    options,
  );
  return connectorFunction(state);
}

/** The callable of `state`: a function with no closure context (it finds its state on itself). */
function connectorFunction(state: ConnectorState): Connector {
  const connector = function connector(signal?: AbortSignal): Promise<Connection> {
    return (connector as ConnectorFunction)[STATE].open(signal);
  } as ConnectorFunction;
  Object.setPrototypeOf(connector, CONNECTOR_PROTOTYPE);
  connector[STATE] = state;
  return connector;
}

function toEntry(input: string | TargetSpec | ParsedTarget, options: ConnectOptions): Entry {
  const { target, options: own } = resolveTarget(input);
  if (own !== undefined) validateConnectOptions(own);
  return own === undefined ? target : { target, options: { ...options, ...own } };
}
