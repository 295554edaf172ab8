/**
 * README snippets: metrics, Prometheus and tuning with the manager (`mqttx`). Compiled by
 * `tsc -b examples`, never run; the regions are checked against README.md by
 * test/examples/readme-snippets.test.ts.
 */
import type { SessionManager } from 'mqttx';

declare const manager: SessionManager;

// #region metrics
import { serveMetrics } from 'mqttx';

const snapshot = manager.getMetrics(); // { timestamp, manager, sessions[], forwarders[], routes[] }
console.log(snapshot.manager.sessionsConnected, snapshot.manager.messageRate); // messages/s, last 10 s
console.log(manager.getSession('edge')?.getMetrics().messagesReceived);

const server = await serveMetrics({ port: 9464, source: () => manager.getMetrics() }); // on 127.0.0.1
console.log(server.url); // http://127.0.0.1:9464/metrics
// #endregion
await server.close();

// #region metrics-handler
import { createServer } from 'node:http';
import { PrometheusExporter, createMetricsHandler } from 'mqttx';

const exporter = new PrometheusExporter('gateway'); // gateway_session_messages_sent_total, ...
createServer(createMetricsHandler(() => manager.getMetrics(), exporter)).listen(9464, '127.0.0.1');
// #endregion

// #region prom-client
import { Registry } from 'prom-client';
import { registerPromMetrics } from 'mqttx/prom-client';

const registry = new Registry();
const registration = registerPromMetrics(registry, () => manager.getMetrics(), { prefix: 'mqtt' });
console.log(await registry.metrics()); // every mqtt_* family, next to your own; registration.unregister() undoes
// #endregion
registration.unregister();

export function tuning(): void {
  // #region tuning
  manager.addSession({
    name: 'firehose',
    brokers: 'mqtt://127.0.0.1:1883',
    performance: {
      writeBufferSize: 256 * 1024, // bytes: the socket's writable high-water mark
      readBufferSize: 64 * 1024, // bytes handed to the decoder at once
      messageChanSize: 10_000, // messages buffered per handler / route of this session
      maxMessageSize: 1024 * 1024, // our Maximum Packet Size (MQTT 5)
      maxPendingMessages: 50_000, // offline queue bound
      writeTimeout: 10_000, // ms without write progress kills the link
      readTimeout: 90_000, // ms without an inbound byte kills the link
    },
    clientOptions: { maxInflight: 1000, topicAliases: 'auto' }, // any other client option
  });
  // #endregion
}
