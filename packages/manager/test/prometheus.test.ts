/**
 * The Prometheus text exporter: its output parsed back with parse-prometheus-text-format and checked value
 * by value for every family, with a session name that needs every label escape.
 */
import { describe, expect, it } from 'vitest';
import {
  ForwarderMetrics,
  ManagerMetrics,
  PrometheusExporter,
  SessionMetrics,
  escapeHelp,
  escapeLabelValue,
  formatValue,
} from 'mqttx';
import {
  NASTY,
  fixtureSnapshot,
  parseHistogramSamples,
  parsePrometheus,
  type ParsedFamily,
} from './metrics-fixture.js';

const T = 1_700_000_000_000;

/** The expected families, written out independently of the exporter's own table. */
const SESSION_EXPECTED: Record<string, ['counter' | 'gauge', number, number]> = {
  // name: [type, value for 'plain', value for NASTY]
  mqtt_session_messages_sent_total: ['counter', 11, 21],
  mqtt_session_messages_received_total: ['counter', 12, 22],
  mqtt_session_bytes_sent_total: ['counter', 13, 23],
  mqtt_session_bytes_received_total: ['counter', 14, 24],
  mqtt_session_errors_total: ['counter', 15, 25],
  mqtt_session_reconnects_total: ['counter', 16, 26],
  mqtt_session_connected: ['gauge', 1, 0],
  mqtt_session_status: ['gauge', 2, 3], // connected = 2, reconnecting = 3
  mqtt_session_subscriptions: ['gauge', 17, 27],
  mqtt_session_message_rate: ['gauge', 0.5, 7],
  mqtt_session_avg_message_rate: ['gauge', 0.25, 8],
  mqtt_session_bytes_rate: ['gauge', 64.5, 9],
  mqtt_session_last_message_timestamp_seconds: ['gauge', 1_700_000_001.5, 0],
  mqtt_session_last_error_timestamp_seconds: ['gauge', 1_700_000_002.5, 1_700_000_003],
  mqtt_session_persistent: ['gauge', 1, 0],
  mqtt_session_clean_session: ['gauge', 0, 1],
  mqtt_session_auto_reconnect: ['gauge', 1, 0],
};

const MANAGER_EXPECTED: Record<string, ['counter' | 'gauge', number]> = {
  mqtt_manager_sessions: ['gauge', 2],
  mqtt_manager_sessions_connected: ['gauge', 1],
  mqtt_manager_forwarders: ['gauge', 1],
  mqtt_manager_routes: ['gauge', 1],
  mqtt_manager_messages_sent_total: ['counter', 101],
  mqtt_manager_messages_received_total: ['counter', 102],
  mqtt_manager_bytes_sent_total: ['counter', 103],
  mqtt_manager_bytes_received_total: ['counter', 104],
  mqtt_manager_errors_total: ['counter', 105],
  mqtt_manager_reconnects_total: ['counter', 106],
  mqtt_manager_subscriptions: ['gauge', 107],
  mqtt_manager_message_rate: ['gauge', 1.5],
  mqtt_manager_avg_message_rate: ['gauge', 2.25],
  mqtt_manager_bytes_rate: ['gauge', 3.125],
  mqtt_manager_start_time_seconds: ['gauge', 1_700_000_000],
};

const FORWARDER_EXPECTED: Record<string, ['counter' | 'gauge', number]> = {
  mqtt_forwarder_received_total: ['counter', 32],
  mqtt_forwarder_forwarded_total: ['counter', 33],
  mqtt_forwarder_filtered_total: ['counter', 34],
  mqtt_forwarder_dropped_total: ['counter', 35],
  mqtt_forwarder_failed_total: ['counter', 36],
  mqtt_forwarder_buffered: ['gauge', 31],
  mqtt_forwarder_running: ['gauge', 1],
  mqtt_forwarder_message_rate: ['gauge', 37.5],
};

const ROUTE_EXPECTED: Record<string, ['counter' | 'gauge', number]> = {
  mqtt_route_messages_total: ['counter', 41],
  mqtt_route_delivered_total: ['counter', 42],
  mqtt_route_filtered_total: ['counter', 43],
  mqtt_route_dropped_total: ['counter', 44],
  mqtt_route_errors_total: ['counter', 45],
  mqtt_route_message_rate: ['gauge', 47],
};

function byName(families: ParsedFamily[]): Map<string, ParsedFamily> {
  const map = new Map<string, ParsedFamily>();
  for (const f of families) {
    expect(map.has(f.name), `family ${f.name} appears once`).toBe(false);
    map.set(f.name, f);
  }
  return map;
}

describe('PrometheusExporter', () => {
  const text = new PrometheusExporter().export(fixtureSnapshot());
  const families = byName(parsePrometheus(text));

  it('writes every family with HELP and TYPE, and nothing else', () => {
    const expected = [
      ...Object.keys(MANAGER_EXPECTED),
      ...Object.keys(SESSION_EXPECTED),
      ...Object.keys(FORWARDER_EXPECTED),
      'mqtt_forwarder_latency_seconds',
      ...Object.keys(ROUTE_EXPECTED),
    ];
    expect([...families.keys()].sort()).toEqual(expected.sort());
    for (const f of families.values()) expect(f.help.length, f.name).toBeGreaterThan(0);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('# HELP ')).length).toBe(expected.length);
    expect(lines.filter((l) => l.startsWith('# TYPE ')).length).toBe(expected.length);
  });

  it('writes each session family value by value, labelled session="..." with the name escaped', () => {
    for (const [name, [type, plain, nasty]] of Object.entries(SESSION_EXPECTED)) {
      const f = families.get(name)!;
      expect(f.type, name).toBe(type.toUpperCase());
      expect(f.metrics, name).toHaveLength(2);
      const get = (session: string): number => Number(f.metrics.find((m) => m.labels?.session === session)!.value);
      expect(get('plain'), name).toBe(plain);
      expect(get(NASTY), name).toBe(nasty);
    }
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    const line = text.split('\n').find((l) => l.startsWith('mqtt_session_errors_total{') && l.endsWith(' 25'));
    expect(line).toBe('mqtt_session_errors_total{session="we\\"ird\\\\name\\nline2 {x=\\"y\\"},é ✓"} 25');
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('a\\b\nc"')).toBe('a\\\\b\\nc"');
  });

  it('writes the manager families without labels', () => {
    for (const [name, [type, value]] of Object.entries(MANAGER_EXPECTED)) {
      const f = families.get(name)!;
      expect(f.type, name).toBe(type.toUpperCase());
      expect(f.metrics, name).toEqual([{ value: String(value) }]);
    }
  });

  it('writes the forwarder families labelled forwarder="..."', () => {
    for (const [name, [type, value]] of Object.entries(FORWARDER_EXPECTED)) {
      const f = families.get(name)!;
      expect(f.type, name).toBe(type.toUpperCase());
      expect(f.metrics, name).toEqual([{ value: String(value), labels: { forwarder: 'fwd "1"' } }]);
    }
  });

  it('writes the forwarder latency as a histogram in seconds with cumulative buckets', () => {
    const f = families.get('mqtt_forwarder_latency_seconds')!;
    expect(f.type).toBe('HISTOGRAM');
    // the parser keeps the buckets of a histogram (not its labels, _sum or _count: see parseHistogramSamples)
    expect(f.metrics[0]!.buckets).toEqual({
      '0.0005': '1',
      '0.001': '2',
      '0.002': '4',
      '0.005': '7',
      '0.01': '7',
      '0.025': '7',
      '0.05': '8',
      '0.1': '8',
      '0.25': '8',
      '0.5': '9',
      '1': '9',
      '2.5': '9',
      '5': '9',
      '10': '9',
      '+Inf': '10',
    });
    const samples = parseHistogramSamples(text, 'mqtt_forwarder_latency_seconds');
    expect(samples.get('mqtt_forwarder_latency_seconds_sum')!.metrics).toEqual([
      { value: '12.345', labels: { forwarder: 'fwd "1"' } },
    ]);
    expect(samples.get('mqtt_forwarder_latency_seconds_count')!.metrics).toEqual([
      { value: '10', labels: { forwarder: 'fwd "1"' } },
    ]);
    const buckets = samples.get('mqtt_forwarder_latency_seconds_bucket')!.metrics;
    expect(buckets).toHaveLength(15);
    expect(buckets.every((b) => b.labels?.forwarder === 'fwd "1"')).toBe(true);
    expect(buckets.map((b) => [b.labels!.le, b.value])).toEqual([
      ['0.0005', '1'],
      ['0.001', '2'],
      ['0.002', '4'],
      ['0.005', '7'],
      ['0.01', '7'],
      ['0.025', '7'],
      ['0.05', '8'],
      ['0.1', '8'],
      ['0.25', '8'],
      ['0.5', '9'],
      ['1', '9'],
      ['2.5', '9'],
      ['5', '9'],
      ['10', '9'],
      ['+Inf', '10'],
    ]);
  });

  it('keeps the latency samples of several forwarders apart', () => {
    const s = fixtureSnapshot();
    const second = structuredClone(s.forwarders[0]!);
    second.name = 'other';
    const otherBuckets = second.latency.buckets.map((b) => ({ ...b, count: b.le >= 1 ? 3 : 0 }));
    second.latency = { ...second.latency, count: 3, sumMs: 1.5, buckets: otherBuckets };
    s.forwarders.push(second);
    const samples = parseHistogramSamples(new PrometheusExporter().export(s), 'mqtt_forwarder_latency_seconds');
    const count = samples.get('mqtt_forwarder_latency_seconds_count')!.metrics;
    expect(count).toEqual([
      { value: '10', labels: { forwarder: 'fwd "1"' } },
      { value: '3', labels: { forwarder: 'other' } },
    ]);
    const sum = samples.get('mqtt_forwarder_latency_seconds_sum')!.metrics;
    expect(sum.find((m) => m.labels!.forwarder === 'other')!.value).toBe('0.0015');
    const buckets = samples.get('mqtt_forwarder_latency_seconds_bucket')!.metrics;
    const other = buckets.filter((b) => b.labels!.forwarder === 'other').map((b) => [b.labels!.le, b.value]);
    expect(other.slice(0, 3)).toEqual([
      ['0.0005', '0'],
      ['0.001', '3'],
      ['0.002', '3'],
    ]);
  });

  it('adds the +Inf bucket when a hand-made snapshot lacks it', () => {
    const s = fixtureSnapshot();
    s.forwarders[0]!.latency.buckets = [{ le: 1, count: 3 }];
    const samples = parseHistogramSamples(new PrometheusExporter().export(s), 'mqtt_forwarder_latency_seconds');
    expect(samples.get('mqtt_forwarder_latency_seconds_bucket')!.metrics.map((b) => [b.labels!.le, b.value])).toEqual([
      ['0.001', '3'],
      ['+Inf', '10'],
    ]);
  });

  it('writes the route families labelled route and filter', () => {
    for (const [name, [type, value]] of Object.entries(ROUTE_EXPECTED)) {
      const f = families.get(name)!;
      expect(f.type, name).toBe(type.toUpperCase());
      const labels = { route: 'route-1', filter: 'sensors/+/temp' };
      expect(f.metrics, name).toEqual([{ value: String(value), labels }]);
    }
  });

  it('announces families with no entity and treats absent routes as none', () => {
    const s = fixtureSnapshot();
    s.sessions = [];
    s.forwarders = [];
    delete s.routes;
    const parsed = byName(parsePrometheus(new PrometheusExporter().export(s)));
    expect(parsed.get('mqtt_session_status')!.metrics).toEqual([]);
    expect(parsed.get('mqtt_forwarder_latency_seconds')!.metrics).toEqual([]);
    expect(parsed.get('mqtt_route_messages_total')!.metrics).toEqual([]);
    expect(parsed.get('mqtt_manager_sessions')!.metrics).toEqual([{ value: '2' }]);
  });

  it('replaces the leading mqtt with the prefix (or drops it when empty)', () => {
    const acme = byName(parsePrometheus(new PrometheusExporter('acme').export(fixtureSnapshot())));
    expect(acme.has('acme_session_messages_sent_total')).toBe(true);
    expect(acme.has('acme_forwarder_latency_seconds')).toBe(true);
    expect([...acme.keys()].every((n) => n.startsWith('acme_'))).toBe(true);
    const bare = byName(parsePrometheus(new PrometheusExporter('').export(fixtureSnapshot())));
    expect(bare.has('session_auto_reconnect')).toBe(true);
    expect(bare.has('manager_sessions')).toBe(true);
  });

  it('refuses an invalid prefix with ERR_CONFIGURATION', () => {
    for (const prefix of ['bad-prefix', '1abc', 'a b']) {
      expect(() => new PrometheusExporter(prefix)).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
    }
  });

  it('formats special values the way Prometheus reads them', () => {
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(Infinity)).toBe('+Inf');
    expect(formatValue(-Infinity)).toBe('-Inf');
    expect(formatValue(1e21)).toBe('1e+21');
    expect(formatValue(0.1)).toBe('0.1');
  });

  it('exports a snapshot collected from live metrics objects', () => {
    const mm = new ManagerMetrics(T);
    const s = new SessionMetrics('live', T, { persistent: true });
    mm.addSession(s);
    s.setStatus('connecting');
    s.recordSent(10, T + 500);
    const f = new ForwarderMetrics('fw', T);
    mm.addForwarder(f);
    f.recordReceived();
    f.recordForwarded(3, T + 600);
    const parsed = byName(parsePrometheus(new PrometheusExporter().export(mm.collect(T + 2000))));
    expect(parsed.get('mqtt_session_status')!.metrics).toEqual([{ value: '1', labels: { session: 'live' } }]);
    expect(parsed.get('mqtt_session_message_rate')!.metrics[0]!.value).toBe('0.5');
    expect(parsed.get('mqtt_manager_messages_sent_total')!.metrics).toEqual([{ value: '1' }]);
    const latency = parsed.get('mqtt_forwarder_latency_seconds')!.metrics[0]!;
    expect(latency.buckets!['0.005']).toBe('1');
    expect(latency.buckets!['0.002']).toBe('0');
    const text = new PrometheusExporter().export(mm.collect(T + 2000));
    const samples = parseHistogramSamples(text, 'mqtt_forwarder_latency_seconds');
    const sum = samples.get('mqtt_forwarder_latency_seconds_sum')!.metrics;
    expect(sum).toEqual([{ value: '0.003', labels: { forwarder: 'fw' } }]);
  });
});
