/**
 * A Prometheus `/metrics` endpoint for the `mqttx` session manager: `serveMetrics` serves the manager's
 * snapshot in the text exposition format; the program publishes a few messages, scrapes its own endpoint
 * once, and prints a few samples.
 *
 *   node examples/dist/prometheus.js [broker-url] [metrics-port]
 *   MQTT_URL=mqtt://127.0.0.1:1883 METRICS_PORT=9464 node examples/dist/prometheus.js
 *
 * The port defaults to 0 (a free one; the URL is printed). Add `--serve` to keep serving until Ctrl-C.
 */
import { SessionManager, serveMetrics } from 'mqttx';

const args = process.argv.slice(2).filter((a) => a !== '--serve');
const keepServing = process.argv.includes('--serve');
const url = args[0] ?? process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const port = Number(args[1] ?? process.env.METRICS_PORT ?? 0);

const manager = new SessionManager({ metricsPrefix: 'mqtt' });
manager.addSession({ name: 'sensor', brokers: url, clientId: `mqttx-example-metrics-${process.pid}` });
// Binds to 127.0.0.1 unless `host` says otherwise.
const server = await serveMetrics({ port, source: () => manager.getMetrics() });

try {
  await manager.waitForSession('sensor', 10_000);
  for (let i = 0; i < 20; i++) await manager.publishTo('sensor', `mqttx-examples/metrics/${process.pid}`, String(i), 1);

  const res = await fetch(server.url);
  const text = await res.text();
  console.log(`GET ${server.url} -> ${res.status} ${res.headers.get('content-type')}`);
  const families = text.split('\n').filter((line) => line.startsWith('# TYPE ')).length;
  console.log(`${families} metric families`);
  for (const line of text.split('\n')) {
    if (/^mqtt_(session_messages_sent_total|session_connected|session_status|manager_sessions) /.test(line.replace(/\{.*\}/, ''))) {
      console.log(`  ${line}`);
    }
  }
  if (keepServing) {
    console.log('serving until Ctrl-C');
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
} catch (err) {
  console.error('prometheus example failed:', err);
  process.exitCode = 1;
} finally {
  await server.close();
  await manager.close();
}
