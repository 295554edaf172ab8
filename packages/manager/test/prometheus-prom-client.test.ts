/**
 * The `mqttx/prom-client` bridge: registered into a fresh prom-client `Registry`, its `metrics()` text parsed
 * and compared sample by sample with the text exporter's output for the same snapshot.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PrometheusExporter, type MetricsSnapshot } from 'mqttx';
import { registerPromMetrics } from '../src/metrics/prom-client.js';
import {
  NASTY,
  fixtureSnapshot,
  parseHistogramSamples,
  parsePrometheus,
  type ParsedFamily,
  type ParsedSample,
} from './metrics-fixture.js';

/** Families by name, samples sorted by labels and values as numbers, so two outputs compare as data. */
function normalize(text: string): Map<string, { help: string; type: string; samples: string[] }> {
  const out = new Map<string, { help: string; type: string; samples: string[] }>();
  const families: ParsedFamily[] = parsePrometheus(text);
  for (const f of families) {
    const samples = f.metrics.map((m: ParsedSample) =>
      JSON.stringify([
        Object.entries(m.labels ?? {}).sort(),
        m.value === undefined ? null : Number(m.value),
        Object.entries(m.buckets ?? {}).map(([le, v]) => [le, Number(v)]).sort(),
      ]),
    );
    out.set(f.name, { help: f.help, type: f.type, samples: samples.sort() });
  }
  return out;
}

/** The latency histogram's labelled samples, normalized the same way. */
function histogram(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, f] of parseHistogramSamples(text, 'mqtt_forwarder_latency_seconds')) {
    out[name] = f.metrics.map((m) => JSON.stringify([Object.entries(m.labels ?? {}).sort(), Number(m.value)])).sort();
  }
  return out;
}

function withTwoForwarders(): MetricsSnapshot {
  const s = fixtureSnapshot();
  const other = structuredClone(s.forwarders[0]!);
  other.name = NASTY;
  other.received = 99;
  other.latency.count = 4;
  other.latency.sumMs = 2;
  s.forwarders.push(other);
  return s;
}

describe('registerPromMetrics (mqttx/prom-client)', () => {
  it('registers the same families as the text exporter, with the same help, type and samples', async () => {
    const snapshot = withTwoForwarders();
    const registry = new Registry();
    const reg = registerPromMetrics(registry, () => snapshot);
    const theirs = await registry.metrics();
    const ours = new PrometheusExporter().export(snapshot);

    const a = normalize(theirs);
    const b = normalize(ours);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect([...reg.names].sort()).toEqual([...b.keys()].sort());
    for (const [name, family] of b) {
      const other = a.get(name)!;
      expect(other.type, name).toBe(family.type);
      expect(other.help, name).toBe(family.help);
      if (family.type !== 'HISTOGRAM') expect(other.samples, name).toEqual(family.samples);
    }
    // a value checked directly, through prom-client's own escaping of the nasty label
    const received = a.get('mqtt_forwarder_received_total')!.samples;
    expect(received).toContain(JSON.stringify([[['forwarder', NASTY]], 99, []]));
    // the histogram, label by label
    expect(histogram(theirs)).toEqual(histogram(ours));
    expect(histogram(theirs)['mqtt_forwarder_latency_seconds_count']).toHaveLength(2);
  });

  it('reads the snapshot once per scrape and follows it between scrapes', async () => {
    let calls = 0;
    let snapshot = fixtureSnapshot();
    const registry = new Registry();
    registerPromMetrics(registry, () => {
      calls++;
      return snapshot;
    });
    await registry.metrics();
    expect(calls).toBe(1);
    snapshot = fixtureSnapshot();
    snapshot.sessions = snapshot.sessions.slice(0, 1);
    snapshot.sessions[0]!.messagesSent = 1234;
    const text = await registry.metrics();
    expect(calls).toBe(2);
    const sent = normalize(text).get('mqtt_session_messages_sent_total')!.samples;
    // the removed session is gone (collect resets), the changed value shows
    expect(sent).toEqual([JSON.stringify([[['session', 'plain']], 1234, []])]);
  });

  it('accepts an async source and a prefix', async () => {
    const registry = new Registry();
    registerPromMetrics(registry, async () => fixtureSnapshot(), { prefix: 'acme' });
    const families = normalize(await registry.metrics());
    expect(families.get('acme_manager_sessions')!.samples).toEqual([JSON.stringify([[], 2, []])]);
    expect([...families.keys()].every((n) => n.startsWith('acme_'))).toBe(true);
  });

  it('refuses a second registration and an invalid prefix with ERR_CONFIGURATION, and unregisters', async () => {
    const registry = new Registry();
    const reg = registerPromMetrics(registry, () => fixtureSnapshot());
    const count = registry.getMetricsAsArray().length;
    expect(() => registerPromMetrics(registry, () => fixtureSnapshot())).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
    expect(registry.getMetricsAsArray().length).toBe(count);
    expect(() => registerPromMetrics(new Registry(), () => fixtureSnapshot(), { prefix: 'no-dash' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
    reg.unregister();
    expect(registry.getMetricsAsArray()).toHaveLength(0);
    // registering again after unregister works
    registerPromMetrics(registry, () => fixtureSnapshot());
    expect(normalize(await registry.metrics()).has('mqtt_session_status')).toBe(true);
  });

  it('serves getMetricsAsJSON too', async () => {
    const registry = new Registry();
    registerPromMetrics(registry, () => fixtureSnapshot());
    const json = await registry.getMetricsAsJSON();
    const status = json.find((m) => m.name === 'mqtt_session_status')!;
    expect(status.values.map((v) => [v.labels.session, v.value]).sort()).toEqual([
      ['plain', 2],
      [NASTY, 3],
    ].sort());
  });
});
