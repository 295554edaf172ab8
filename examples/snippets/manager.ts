/**
 * README snippets: sessions, builders and the manager (`mqttx`). Compiled by `tsc -b examples`, never run;
 * the regions are checked against README.md by test/examples/readme-snippets.test.ts.
 */
import type { SessionMessage } from 'mqttx';

declare function save(msg: SessionMessage): void;

// #region builder
import { SessionManager, secureConnect, sessionBuilder } from 'mqttx';

const edge = sessionBuilder('edge')
  .brokers('mqtt://10.0.0.5:1883', 'mqtt://10.0.0.6:1883') // failover, in order
  .clientId('gateway-7')
  .auth('gateway', process.env.MQTT_PASSWORD)
  .keepAlive(30) // seconds
  .reconnect({ initial: 500, factor: 2, max: 30_000 }) // ms; delays use full jitter
  .persistent() // clean start 0; in 5.0 the session never expires
  .fileStorage('/var/lib/gateway/mqtt')
  .will('gateways/7/status', 'offline', 1, true)
  .subscribe('commands/gateway-7/#', 1, (msg) => save(msg));
// #endregion

// #region manager
const manager = new SessionManager({ maxConcurrentConnects: 16 });
manager.addSession(edge); // returns the Session at once and connects in the background
manager.addSession(secureConnect('cloud', 'mqtts://cloud.example.com:8883', 'ca.pem').clientId('gw-7'));
await manager.waitForAllSessions(10_000); // connected with subscriptions in place, or ERR_TIMEOUT

await manager.publishTo('cloud', 'gateways/7/status', 'online', { qos: 1, retain: true });
await manager.publishToAll('broadcast/hello', 'hi'); // QoS 0 on every session

const cloud = manager.getSession('cloud')!;
console.log(cloud.getStatus()); // { name, status: 'connected', code: 2, ready: true, clientId, ... }
console.log(cloud.getSubscribedTopics(), manager.getAllSessionsStatus());

await manager.removeSession('cloud'); // graceful DISCONNECT, then session_removed
await manager.close(); // every forwarder, route and session
// #endregion

export function optionsObject(manager: SessionManager): void {
  // #region options-object
  manager.addSession({
    name: 'edge',
    brokers: ['mqtt://10.0.0.5:1883', 'mqtt://10.0.0.6:1883'],
    clientId: 'gateway-7',
    username: 'gateway',
    password: process.env.MQTT_PASSWORD,
    connectProps: { keepAlive: 30, initialReconnectInterval: 500, backoffFactor: 2, maxReconnectInterval: 30_000, persistentSession: true },
    storage: { type: 'file', dir: '/var/lib/gateway/mqtt' },
    will: { topic: 'gateways/7/status', payload: 'offline', qos: 1, retain: true },
    topics: [{ topic: 'commands/gateway-7/#', qos: 1, handler: save }],
  });
  // #endregion
}
