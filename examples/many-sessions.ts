/**
 * Many sessions in one process with the `mqttx` session manager: N device sessions and one collector are
 * added at once (connect storms are bounded: at most 16 connection attempts in flight), every device
 * publishes one QoS 1 status message, and a route on the collector counts them.
 *
 *   node examples/dist/many-sessions.js [broker-url] [sessions]
 *   MQTT_URL=mqtt://127.0.0.1:1883 SESSIONS=200 node examples/dist/many-sessions.js
 *
 * Prints `collector received N/N status messages` and the manager's totals, then exits 0.
 */
import { SessionManager, quickConnect } from 'mqttx';

const url = process.argv[2] ?? process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const count = Number(process.argv[3] ?? process.env.SESSIONS ?? 50);
const base = `mqttx-examples/many/${process.pid}`;

const manager = new SessionManager({ maxConcurrentConnects: 16 });
manager.onEvent('error', (e) => console.error(`error on ${e.session ?? 'manager'}:`, e.data.error));

const started = performance.now();
// addSession returns at once: every session connects in the background.
manager.addSession(quickConnect('collector', url).clientId(`mqttx-example-collector-${process.pid}`));
for (let i = 1; i <= count; i++) {
  manager.addSession({
    name: `device-${i}`,
    brokers: url,
    clientId: `mqttx-example-device-${process.pid}-${i}`,
    connectProps: { keepAlive: 60 },
  });
}

try {
  await manager.waitForAllSessions(30_000); // connected, subscriptions in place
  const readyMs = performance.now() - started;

  let received = 0;
  let allIn!: () => void;
  const all = new Promise<void>((resolve) => (allIn = resolve));
  const route = manager.handleTo('collector', `${base}/+/status`, () => {
    if (++received === count) allIn();
  }, { qos: 1 });
  await route.ready; // the collector's SUBSCRIBE is granted

  const devices = manager.listSessions().filter((name) => name !== 'collector');
  await Promise.all(devices.map((name) => manager.publishTo(name, `${base}/${name}/status`, 'online', 1)));
  await within(10_000, all);

  const { manager: totals } = manager.getMetrics();
  console.log(`${count} device sessions and a collector ready in ${readyMs.toFixed(0)} ms`);
  console.log(`collector received ${received}/${count} status messages`);
  console.log(`manager: ${totals.sessionsConnected}/${totals.sessions} connected, ${totals.messagesSent} sent, ${totals.messagesReceived} received, ${totals.errors} errors`);
} catch (err) {
  console.error('many-sessions failed:', err);
  process.exitCode = 1;
} finally {
  await manager.close(); // every session ends gracefully, in parallel
}

/** `promise`, or a rejection after `ms` milliseconds (the timer never outlives it). */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
