/**
 * The `/metrics` endpoint: `serveMetrics` on loopback port 0, fetched for real; `createMetricsHandler`
 * status codes, content type, HEAD, failing sources; listen failures as typed errors.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PROMETHEUS_CONTENT_TYPE,
  PrometheusExporter,
  createMetricsHandler,
  serveMetrics,
  type MetricsServer,
  type MetricsSnapshot,
} from 'mqttx';
import { fixtureSnapshot, parsePrometheus } from './metrics-fixture.js';

const open: MetricsServer[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
});

async function serve(
  source: () => MetricsSnapshot | Promise<MetricsSnapshot>,
  prefix?: string,
): Promise<MetricsServer> {
  const exporter = prefix === undefined ? undefined : new PrometheusExporter(prefix);
  const server = await serveMetrics({ port: 0, source, ...(exporter ? { exporter } : {}) });
  open.push(server);
  return server;
}

describe('serveMetrics and createMetricsHandler', () => {
  it('serves GET /metrics on 127.0.0.1 with the 0.0.4 content type and a parseable body', async () => {
    let calls = 0;
    const server = await serve(() => {
      calls++;
      return fixtureSnapshot();
    });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await res.text();
    expect(body).toBe(new PrometheusExporter().export(fixtureSnapshot()));
    expect(parsePrometheus(body).find((f) => f.name === 'mqtt_manager_sessions')!.metrics).toEqual([{ value: '2' }]);
    expect(calls).toBe(1); // one snapshot per scrape
  });

  it('ignores the query string, answers 404 elsewhere and 405 to other methods', async () => {
    const server = await serve(() => fixtureSnapshot());
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/metrics?name[]=x`)).status).toBe(200);
    const notFound = await fetch(`${base}/other`);
    expect(notFound.status).toBe(404);
    await notFound.arrayBuffer();
    expect((await fetch(`${base}/metrics/extra`)).status).toBe(404);
    const post = await fetch(server.url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.arrayBuffer();
  });

  it('answers HEAD with the headers and no body', async () => {
    const server = await serve(() => fixtureSnapshot());
    const res = await fetch(server.url, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    const length = Number(res.headers.get('content-length'));
    expect(length).toBe(Buffer.byteLength(new PrometheusExporter().export(fixtureSnapshot())));
    expect(await res.text()).toBe('');
  });

  it('accepts an async source and a custom exporter', async () => {
    const server = await serve(async () => fixtureSnapshot(), 'acme');
    const body = await (await fetch(server.url)).text();
    expect(parsePrometheus(body).some((f) => f.name === 'acme_session_status')).toBe(true);
  });

  it('answers 500 without details when the source throws or rejects, and keeps serving', async () => {
    let mode: 'throw' | 'reject' | 'ok' = 'throw';
    const server = await serve(() => {
      if (mode === 'throw') throw new Error('secret-detail');
      if (mode === 'reject') return Promise.reject(new Error('secret-detail'));
      return fixtureSnapshot();
    });
    let res = await fetch(server.url);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret-detail');
    mode = 'reject';
    res = await fetch(server.url);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret-detail');
    mode = 'ok';
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('answers 500 when the snapshot cannot be formatted', async () => {
    const server = await serve(() => ({}) as MetricsSnapshot);
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
    await res.arrayBuffer();
  });

  it('works as a plain handler on an application server, with a custom path', async () => {
    const server = createServer(createMetricsHandler(() => fixtureSnapshot(), undefined, { path: '/prom' }));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    expect((await fetch(`http://127.0.0.1:${port}/prom`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
  });

  it('rejects with ERR_CONFIGURATION (cause EADDRINUSE) when the port is taken', async () => {
    const first = await serve(() => fixtureSnapshot());
    const err = await serveMetrics({ port: first.port, source: () => fixtureSnapshot() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_CONFIGURATION', kind: 'configuration' });
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('EADDRINUSE');
  });

  it('rejects a bad port with ERR_CONFIGURATION', async () => {
    for (const port of [-1, 70_000, 1.5]) {
      const err = await serveMetrics({ port, source: () => fixtureSnapshot() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, String(port)).toMatchObject({ code: 'ERR_CONFIGURATION' });
    }
  });

  it('close() stops listening and is idempotent', async () => {
    const server = await serveMetrics({ port: 0, source: () => fixtureSnapshot() });
    await (await fetch(server.url)).text();
    const a = server.close();
    const b = server.close();
    expect(a).toBe(b);
    await a;
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
