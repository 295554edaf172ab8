/**
 * Metrics: counters fed by the manager, snapshots, the Prometheus text exporter and the `/metrics`
 * endpoint. The prom-client bridge lives apart, in `mqttx/prom-client`.
 * @module
 */
export { RATE_WINDOW_SECONDS, RateTracker } from './rate.js';
export { LATENCY_BUCKETS_MS, LatencyHistogram } from './latency.js';
export { SessionMetrics, type SessionMetricsOptions } from './session.js';
export { RouteMetrics } from './route.js';
export { ForwarderMetrics } from './forwarder.js';
export { ManagerMetrics } from './manager.js';
export {
  PROMETHEUS_CONTENT_TYPE,
  PrometheusExporter,
  escapeHelp,
  escapeLabelValue,
  formatValue,
} from './prometheus.js';
export {
  createMetricsHandler,
  serveMetrics,
  type MetricsHandler,
  type MetricsHandlerOptions,
  type MetricsServer,
  type MetricsSource,
  type ServeMetricsOptions,
} from './http.js';
export {
  SESSION_STATUS_CODES,
  type ForwarderMetricsSnapshot,
  type LatencySnapshot,
  type ManagerMetricsSnapshot,
  type MetricsSnapshot,
  type RouteMetricsSnapshot,
  type SessionMetricsSnapshot,
  type SessionStatus,
} from './types.js';
