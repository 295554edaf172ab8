/**
 * Prometheus text exposition format 0.0.4, written by a pure function of a {@link MetricsSnapshot}.
 * @module
 */
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
import type { ForwarderMetricsSnapshot, MetricsSnapshot, SessionMetricsSnapshot } from './types.js';

/** `Content-Type` of the text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Escapes a label value: backslash, double quote and line feed become `\\`, `\"` and `\n`. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** Escapes a `# HELP` text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

/** Formats a sample value: `NaN`, `+Inf`, `-Inf` or the shortest decimal form JavaScript gives. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/**
 * Formats metrics snapshots as Prometheus text (exposition format 0.0.4): every family with `# HELP` and
 * `# TYPE`, one sample per entity, label values escaped. Families with no entity (no forwarders, say) are
 * still announced with their HELP and TYPE lines, as prom-client does.
 *
 * Names are `<prefix>_session_messages_sent_total` and so on; the prefix defaults to `mqtt` and may be
 * empty. See the package README for the full list.
 */
export class PrometheusExporter {
  /** The prefix replacing the leading `mqtt` of every name. */
  readonly prefix: string;

  /**
   * @param prefix - name prefix (default `mqtt`); must itself be a valid metric name, or empty
   * @throws {@link ManagerError} `ERR_CONFIGURATION` for an invalid prefix
   */
  constructor(prefix = 'mqtt') {
    if (prefix !== '' && !METRIC_NAME_RE.test(prefix)) {
      throw newConfigurationError('invalid Prometheus metric prefix').withContext({ prefix });
    }
    this.prefix = prefix;
  }

  /**
   * Formats only the session families of `sessions` (what `session.prometheusMetrics()` returns), as
   * exposition text ending with a line feed.
   */
  exportSessions(sessions: readonly SessionMetricsSnapshot[]): string {
    const out: string[] = [];
    this.sessionFamilies(out, sessions);
    out.push('');
    return out.join('\n');
  }

  /** Formats `metrics` as exposition text ending with a line feed. */
  export(metrics: MetricsSnapshot): string {
    const out: string[] = [];
    const prefix = this.prefix;

    for (const family of MANAGER_FAMILIES) {
      const name = header(out, prefix, family);
      out.push(`${name} ${formatValue(family.value(metrics.manager))}`);
    }

    this.sessionFamilies(out, metrics.sessions);

    const forwarders = metrics.forwarders;
    const forwarderLabels = forwarders.map((f) => `forwarder="${escapeLabelValue(f.name)}"`);
    for (const family of FORWARDER_FAMILIES) {
      const name = header(out, prefix, family);
      for (let i = 0; i < forwarders.length; i++) {
        out.push(`${name}{${forwarderLabels[i]}} ${formatValue(family.value(forwarders[i]!))}`);
      }
    }
    latencyHistogram(out, metricName(prefix, FORWARDER_LATENCY_FAMILY.name), forwarders, forwarderLabels);

    const routes = metrics.routes ?? [];
    for (const family of ROUTE_FAMILIES) {
      const name = header(out, prefix, family);
      for (const r of routes) {
        const labels = `{route="${escapeLabelValue(r.name)}",filter="${escapeLabelValue(r.filter)}"}`;
        out.push(`${name}${labels} ${formatValue(family.value(r))}`);
      }
    }

    out.push('');
    return out.join('\n');
  }

  /** Pushes the session families. */
  private sessionFamilies(out: string[], sessions: readonly SessionMetricsSnapshot[]): void {
    const sessionLabels = sessions.map((s) => `{session="${escapeLabelValue(s.name)}"}`);
    for (const family of SESSION_FAMILIES) {
      const name = header(out, this.prefix, family);
      for (let i = 0; i < sessions.length; i++) {
        out.push(`${name}${sessionLabels[i]} ${formatValue(family.value(sessions[i]!))}`);
      }
    }
  }
}

/** Pushes the HELP and TYPE lines of a family and returns its full name. */
function header(out: string[], prefix: string, family: Family<never>): string {
  const name = metricName(prefix, family.name);
  out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`);
  return name;
}

/**
 * Writes the latency histogram in seconds: cumulative `_bucket` samples with `le`, a `+Inf` bucket (added
 * when a hand-made snapshot lacks it), `_sum` and `_count`.
 */
function latencyHistogram(
  out: string[],
  name: string,
  forwarders: readonly ForwarderMetricsSnapshot[],
  labels: readonly string[],
): void {
  out.push(`# HELP ${name} ${escapeHelp(FORWARDER_LATENCY_FAMILY.help)}`, `# TYPE ${name} histogram`);
  for (let i = 0; i < forwarders.length; i++) {
    const latency = forwarders[i]!.latency;
    const label = labels[i]!;
    let sawInf = false;
    for (const bucket of latency.buckets) {
      if (bucket.le === Infinity) sawInf = true;
      out.push(`${name}_bucket{${label},le="${formatValue(bucket.le / 1000)}"} ${formatValue(bucket.count)}`);
    }
    if (!sawInf) out.push(`${name}_bucket{${label},le="+Inf"} ${formatValue(latency.count)}`);
    out.push(`${name}_sum{${label}} ${formatValue(latency.sumMs / 1000)}`);
    out.push(`${name}_count{${label}} ${formatValue(latency.count)}`);
  }
}
