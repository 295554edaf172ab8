/**
 * The dev dependency `parse-prometheus-text-format` ships no types; `metrics-fixture.ts` gives its result a
 * type of its own.
 */
declare module 'parse-prometheus-text-format' {
  /** Parses Prometheus text exposition format into metric families. */
  export default function parsePrometheusTextFormat(text: string): unknown;
}
