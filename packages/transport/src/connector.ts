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
import { type ParsedTarget, type Target, type TargetSpec, resolveTarget } from './target.js';

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

interface Entry {
  target: Target;
  options: ConnectOptions;
}

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
  const entries = list.map((t) => toEntry(t, options));
  const shown = Object.freeze(entries.map((e) => String(e.target)));
  let next = 0;
  let redirected: Entry | undefined;
  let current: string | undefined;

  const run = async (callSignal?: AbortSignal): Promise<Connection> => {
    const signal = callSignal ?? options.signal;
    const order: Entry[] = [];
    if (redirected !== undefined) {
      order.push(redirected);
      redirected = undefined;
    }
    const start = next;
    next = (next + 1) % entries.length;
    for (let i = 0; i < entries.length; i++) order.push(entries[(start + i) % entries.length]!);

    const errors: Error[] = [];
    for (const entry of order) {
      if (signal?.aborted) throw abortError(signal.reason, String(entry.target));
      try {
        const connection = await openConnection(entry.target, { ...entry.options, signal });
        current = String(entry.target);
        return connection;
      } catch (err) {
        if (err instanceof MqttxError && err.code === 'ERR_ABORTED') throw err;
        errors.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    throw new AllTargetsFailedError(errors, order.map((e) => String(e.target)));
  };

  const connector = run as Connector;
  Object.defineProperties(connector, {
    redirect: {
      value: (target: string | TargetSpec | ParsedTarget) => {
        redirected = toEntry(target, options);
      },
      enumerable: true,
    },
    current: { get: () => current, enumerable: true },
    targets: { value: shown, enumerable: true },
  });
  return connector;
}

function toEntry(input: string | TargetSpec | ParsedTarget, options: ConnectOptions): Entry {
  const { target, options: own } = resolveTarget(input);
  if (own !== undefined) validateConnectOptions(own);
  return { target, options: own === undefined ? options : { ...options, ...own } };
}
