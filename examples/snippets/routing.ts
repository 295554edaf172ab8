/**
 * README snippets: routing, forwarders and events (`mqttx`). Compiled by `tsc -b examples`, never run; the
 * regions are checked against README.md by test/examples/readme-snippets.test.ts.
 */
import type { SessionManager } from 'mqttx';

declare function store(session: string, topic: string, reading: unknown): Promise<void>;
declare function notify(text: string): void;
declare const audit: { write(line: string): void };
declare const manager: SessionManager;

export async function routing(): Promise<void> {
  // #region routing
  // Every session (sessions added later too); one message at a time: an async handler is awaited.
  const readings = manager.handle('sensors/+/temp', (msg) => store(msg.session, msg.topic, msg.payloadJSON()), {
    qos: 1,
    filters: [/^sensors\/(kitchen|garage)\//, (msg) => msg.payload.length > 0], // all must accept
  });

  // One session, as an async iterable with a bounded buffer.
  const alerts = manager.listenTo('edge', 'alerts/#', { qos: 1, bufferSize: 100, overflow: 'drop-oldest' });
  await alerts.ready; // SUBSCRIBE granted
  for await (const msg of alerts) {
    notify(`${msg.session} ${msg.topic}: ${msg.payloadString()}`);
    if (msg.topic === 'alerts/stop') break; // ends the route (as alerts.stop() does)
  }
  await readings.stop(); // the last user of a filter on a session sends the UNSUBSCRIBE
  // #endregion
}

// #region forwarder
import { ForwarderManager, forwarderBuilder } from 'mqttx';

const forwarders = new ForwarderManager(manager);
const forwarder = await forwarders.addForwarder(
  forwarderBuilder('to-cloud')
    .source('edge-1', 'sensors/+/temperature')
    .source('edge-2', 'sensors/+/temperature')
    .target('cloud')
    .qos(1)
    .mapTopic('sensors/+/temperature', 'storage/{1}/temp') // {1}: what the first wildcard matched
    .filter((msg) => Number(msg.payloadString()) > -50) // sync or async
    .transform((msg) => msg.with({ payload: JSON.stringify({ c: Number(msg.payloadString()) }) })) // null drops
    .metadata({ site: 'lyon', line: '3' }) // MQTT 5 user properties on every forwarded message
    .bufferSize(1000)
    .dropPolicy('backpressure'), // nothing lost: the source's ack waits for the target's
);
const m = forwarder.getMetrics();
console.log(m.received, m.forwarded, m.filtered, m.dropped, m.failed, m.latency.p99Ms);
// #endregion

export function events(): void {
  // #region events
  const off = manager.onEvent('session_state_changed', (e) => {
    console.log(`${e.session}: ${e.data.old} -> ${e.data.new}`); // disconnected -> connecting -> connected ...
  });
  manager.onEvent('session_reconnecting', (e) => console.warn(`${e.session}: attempt ${e.data.attempt} in ${e.data.delayMs} ms`));
  manager.onEvent('error', (e) => console.error(e.session, e.data.error)); // an unheard error never throws
  manager.onEvent('*', (e) => audit.write(JSON.stringify({ type: e.type, session: e.session, at: e.timestamp })));
  off(); // or manager.offEvent(type, handler)
  // #endregion
}
