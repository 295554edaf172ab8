/**
 * A ready `/metrics` endpoint: a `node:http` request handler and a small server around it.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newConfigurationError } from '../errors.js';
import { PROMETHEUS_CONTENT_TYPE, PrometheusExporter } from './prometheus.js';
import type { MetricsSnapshot } from './types.js';

/** Where the metrics come from: a snapshot, or a promise of one, per scrape. */
export type MetricsSource = () => MetricsSnapshot | Promise<MetricsSnapshot>;

/** A `node:http` request listener. */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Options of {@link createMetricsHandler}. */
export interface MetricsHandlerOptions {
  /** Path served (default `/metrics`); the query string is ignored. */
  path?: string;
}

/**
 * Builds a request handler serving the exposition text at `GET /metrics` (and `HEAD`), with `Content-Type:
 * text/plain; version=0.0.4; charset=utf-8`. Other paths get 404, other methods 405 with `Allow: GET, HEAD`,
 * and a source that throws or rejects gets 500 (the error is not echoed, so nothing secret leaks). The
 * source is called once per scrape.
 * @param source - returns the snapshot to export
 * @param exporter - formatter (default `new PrometheusExporter()`)
 * @param options - path served
 */
export function createMetricsHandler(
  source: MetricsSource,
  exporter: PrometheusExporter = new PrometheusExporter(),
  options: MetricsHandlerOptions = {},
): MetricsHandler {
  const path = options.path ?? '/metrics';
  return function metricsHandler(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if ((q === -1 ? url : url.slice(0, q)) !== path) {
      plain(res, 404, 'not found\n');
      return;
    }
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      plain(res, 405, 'method not allowed\n');
      return;
    }
    const head = method === 'HEAD';
    let snapshot: MetricsSnapshot | Promise<MetricsSnapshot>;
    try {
      snapshot = source();
    } catch {
      plain(res, 500, 'metrics source failed\n');
      return;
    }
    if (isPromiseLike(snapshot)) {
      snapshot.then(
        (s) => respond(res, exporter, s, head),
        () => plain(res, 500, 'metrics source failed\n'),
      );
    } else {
      respond(res, exporter, snapshot, head);
    }
  };
}

/** True for a promise or any thenable. */
function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Formats and sends the snapshot; a formatter failure becomes a 500. */
function respond(res: ServerResponse, exporter: PrometheusExporter, snapshot: MetricsSnapshot, head: boolean): void {
  if (res.destroyed) return; // the scraper went away while an async source was pending
  let body: string;
  try {
    body = exporter.export(snapshot);
  } catch {
    plain(res, 500, 'metrics export failed\n');
    return;
  }
  res.writeHead(200, {
    'Content-Type': PROMETHEUS_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(head ? undefined : body);
}

/** Sends a short plain-text response (unless the response was already destroyed). */
function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions {
  /** TCP port; 0 picks a free one (read it back from the result). */
  port: number;
  /** Interface to bind (default `127.0.0.1`, loopback only). */
  host?: string;
  /** Returns the snapshot to export. */
  source: MetricsSource;
  /** Formatter (default `new PrometheusExporter()`). */
  exporter?: PrometheusExporter;
  /** Path served (default `/metrics`). */
  path?: string;
}

/** Listener for errors nobody can act on. */
function ignore(): void {}

/** A running metrics server. */
export interface MetricsServer {
  /** Full URL of the endpoint, such as `http://127.0.0.1:9464/metrics`. */
  url: string;
  /** The bound port. */
  port: number;
  /** Stops listening and closes open connections; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server serving {@link createMetricsHandler} on `host:port`.
 * @throws {@link ManagerError} `ERR_CONFIGURATION` (rejected) when the server cannot listen, with the
 *   underlying error (`EADDRINUSE`, `ERR_SOCKET_BAD_PORT`, ...) as `cause`
 */
export function serveMetrics(options: ServeMetricsOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/metrics';
  const server = createServer(createMetricsHandler(options.source, options.exporter, { path }));
  return new Promise<MetricsServer>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(newConfigurationError('metrics server cannot listen', err).withContext({ host, port: options.port }));
    };
    server.once('error', onError);
    const onListening = (): void => {
      server.off('error', onError);
      // Accept-time failures after listening (EMFILE, ...) must not crash the process: the endpoint simply
      // misses that scrape.
      server.on('error', ignore);
      const port = (server.address() as AddressInfo).port;
      const hostPart = host.includes(':') ? `[${host}]` : host;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${hostPart}:${port}${path}`,
        port,
        close(): Promise<void> {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
          return closing;
        },
      });
    };
    try {
      server.listen({ port: options.port, host }, onListening);
    } catch (err) {
      // a bad port or host is thrown synchronously (ERR_SOCKET_BAD_PORT, ...)
      server.off('error', onError);
      onError(err as Error);
    }
  });
}
