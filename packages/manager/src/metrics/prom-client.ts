/**
 * `mqttx/prom-client`: registers the manager's metric families in a prom-client `Registry`, for
 * applications that already expose one. This is the only module of the package that imports prom-client (an
 * optional peer dependency); the main entry never does.
 *
 * Every family is a prom-client `Counter` or `Gauge` whose `collect()` reads the current snapshot, so values
 * are computed at scrape time only. The forwarder latency histogram is a small custom collector (prom-client's
 * `Histogram` can only observe samples, not take precomputed buckets).
 * @module
 */
import { Counter, Gauge, type Metric, type Registry } from 'prom-client';
import { newConfigurationError } from '../errors.js';
import {
  FORWARDER_FAMILIES,
  FORWARDER_LATENCY_FAMILY,
  MANAGER_FAMILIES,
  METRIC_NAME_RE,
  ROUTE_FAMILIES,
  SESSION_FAMILIES,
  metricName,
  type Family,
} from './families.js';
import type { MetricsSnapshot } from './types.js';

/** Options of {@link registerPromMetrics}. */
export interface PromMetricsOptions {
  /** Name prefix replacing `mqtt` (default `mqtt`), as for `PrometheusExporter`. */
  prefix?: string;
}

/** What {@link registerPromMetrics} registered. */
export interface PromMetricsRegistration {
  /** Full names of the registered families. */
  readonly names: readonly string[];
  /** Removes every registered family from the registry. */
  unregister(): void;
}

/** Label values of one sample. */
type Labels = Record<string, string>;

/**
 * Registers the session, manager, forwarder and route families (the same names, types, help texts and
 * values as `PrometheusExporter`) in `registry`. `source` is called at most once per scrape: the first
 * collector of a scrape takes the snapshot and the others reuse it until the current microtask queue drains.
 * @param registry - a prom-client `Registry` (for example `new Registry()` or `register`)
 * @param source - returns the snapshot to export (or a promise of one)
 * @param options - name prefix
 * @throws {@link ManagerError} `ERR_CONFIGURATION` for an invalid prefix or when a family of the same name
 *   is already registered (nothing is registered then)
 */
export function registerPromMetrics(
  registry: Registry,
  source: () => MetricsSnapshot | Promise<MetricsSnapshot>,
  options: PromMetricsOptions = {},
): PromMetricsRegistration {
  const prefix = options.prefix ?? 'mqtt';
  if (prefix !== '' && !METRIC_NAME_RE.test(prefix)) {
    throw newConfigurationError('invalid Prometheus metric prefix').withContext({ prefix });
  }
  const names = [
    ...MANAGER_FAMILIES,
    ...SESSION_FAMILIES,
    ...FORWARDER_FAMILIES,
    FORWARDER_LATENCY_FAMILY,
    ...ROUTE_FAMILIES,
  ].map((f) => metricName(prefix, f.name));
  for (const name of names) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw newConfigurationError('metric already registered').withContext({ metric: name });
    }
  }

  let cached: MetricsSnapshot | Promise<MetricsSnapshot> | undefined;
  const current = (): MetricsSnapshot | Promise<MetricsSnapshot> => {
    if (cached === undefined) {
      cached = source();
      queueMicrotask(() => {
        cached = undefined;
      });
    }
    return cached;
  };

  for (const family of MANAGER_FAMILIES) {
    scalar(registry, metricName(prefix, family.name), family, [], current, (s) => [[{}, s.manager]]);
  }
  for (const family of SESSION_FAMILIES) {
    scalar(registry, metricName(prefix, family.name), family, ['session'], current, (s) =>
      s.sessions.map((x) => [{ session: x.name }, x]),
    );
  }
  for (const family of FORWARDER_FAMILIES) {
    scalar(registry, metricName(prefix, family.name), family, ['forwarder'], current, (s) =>
      s.forwarders.map((x) => [{ forwarder: x.name }, x]),
    );
  }
  registry.registerMetric(
    new LatencyCollector(metricName(prefix, FORWARDER_LATENCY_FAMILY.name), current) as unknown as Metric,
  );
  for (const family of ROUTE_FAMILIES) {
    scalar(registry, metricName(prefix, family.name), family, ['route', 'filter'], current, (s) =>
      (s.routes ?? []).map((x) => [{ route: x.name, filter: x.filter }, x]),
    );
  }

  return {
    names,
    unregister(): void {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}

/**
 * Registers one counter or gauge whose `collect()` resets it and writes one sample per entity. Counters are
 * refilled with `inc(labels, value)` after the reset, since prom-client counters have no `set`.
 */
function scalar<S>(
  registry: Registry,
  name: string,
  family: Family<S>,
  labelNames: string[],
  current: () => MetricsSnapshot | Promise<MetricsSnapshot>,
  entries: (s: MetricsSnapshot) => [Labels, S][],
): void {
  const config = { name, help: family.help, labelNames, registers: [registry] };
  if (family.type === 'counter') {
    new Counter({
      ...config,
      async collect(this: Counter) {
        const snapshot = await current();
        this.reset();
        for (const [labels, entity] of entries(snapshot)) this.inc(labels, family.value(entity));
      },
    });
  } else {
    new Gauge({
      ...config,
      async collect(this: Gauge) {
        const snapshot = await current();
        this.reset();
        for (const [labels, entity] of entries(snapshot)) this.set(labels, family.value(entity));
      },
    });
  }
}

/** One value of a custom collector, in the shape prom-client's registry formats. */
interface CollectedValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/**
 * The forwarder latency histogram as a collector object of the shape prom-client's `Registry` reads
 * (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`): seconds, cumulative `_bucket` samples, `_sum`
 * and `_count`, labelled `forwarder`.
 */
class LatencyCollector {
  readonly help: string = FORWARDER_LATENCY_FAMILY.help;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames: readonly string[] = ['forwarder'];

  constructor(
    readonly name: string,
    private readonly current: () => MetricsSnapshot | Promise<MetricsSnapshot>,
  ) {}

  /** Reads the snapshot and lists the samples. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: CollectedValue[] }> {
    const snapshot = await this.current();
    const values: CollectedValue[] = [];
    const name = this.name;
    for (const f of snapshot.forwarders) {
      const latency = f.latency;
      let sawInf = false;
      for (const bucket of latency.buckets) {
        if (bucket.le === Infinity) sawInf = true;
        const le = bucket.le === Infinity ? '+Inf' : bucket.le / 1000;
        values.push({ value: bucket.count, labels: { forwarder: f.name, le }, metricName: `${name}_bucket` });
      }
      if (!sawInf) {
        values.push({ value: latency.count, labels: { forwarder: f.name, le: '+Inf' }, metricName: `${name}_bucket` });
      }
      values.push({ value: latency.sumMs / 1000, labels: { forwarder: f.name }, metricName: `${name}_sum` });
      values.push({ value: latency.count, labels: { forwarder: f.name }, metricName: `${name}_count` });
    }
    return { name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Nothing to reset: values are read from the snapshot at every scrape. */
  reset(): void {}
}
