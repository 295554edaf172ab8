/**
 * A TLS session with the `mqttx` session manager: the broker's certificate is checked against a CA file
 * and, when a client certificate and key are given, the client authenticates with them (mutual TLS).
 * Then one message makes a round trip over the encrypted link.
 *
 *   node examples/dist/secure-connect.js [mqtts://host:8883] --ca ca.pem [--cert client.pem --key client.key]
 *   MQTT_URL=mqtts://... MQTT_CA=ca.pem MQTT_CERT=client.pem MQTT_KEY=client.key node examples/dist/secure-connect.js
 *
 * Prints `round trip over TLS: ...` and exits 0; a refused certificate prints its error code and exits 1.
 */
import { parseArgs } from 'node:util';
import { MqttxError, SessionManager, secureConnect, type SessionMessage } from 'mqttx';

const { values, positionals } = parseArgs({
  options: { ca: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' } },
  allowPositionals: true,
});
const url = positionals[0] ?? process.env.MQTT_URL ?? 'mqtts://127.0.0.1:8883';
const ca = values.ca ?? process.env.MQTT_CA;
const cert = values.cert ?? process.env.MQTT_CERT;
const key = values.key ?? process.env.MQTT_KEY;
if (ca === undefined || (cert === undefined) !== (key === undefined)) {
  console.error('usage: secure-connect.js [mqtts://host:port] --ca ca.pem [--cert client.pem --key client.key]');
  process.exit(2);
}

const manager = new SessionManager();
const builder = secureConnect('secure', url, ca) // trusts the CA in ca.pem (files are read at connect time)
  .clientId(`mqttx-example-tls-${process.pid}`)
  .keepAlive(30)
  .disableReconnect()
  .autoConnect(false); // we connect below, to see the first failure at once
if (cert !== undefined && key !== undefined) builder.tls({ certFile: cert, keyFile: key }); // merged with caFile
const session = manager.addSession(builder);

try {
  await session.connect(); // rejects when the handshake fails (cause: ERR_TLS_CERT_REJECTED, ...)
  await manager.waitForSession('secure', 10_000);
  const topic = `mqttx-examples/tls/${process.pid}`;
  let echo!: (msg: SessionMessage) => void;
  const received = new Promise<SessionMessage>((resolve) => (echo = resolve));
  await session.subscribe(topic, 1, echo);
  await session.publish(topic, 'hello over TLS', 1);
  const msg = await within(10_000, received);
  console.log(`connected to ${url} (${cert === undefined ? 'server authenticated' : 'mutual TLS'})`);
  console.log(`round trip over TLS: ${msg.topic} ${msg.payloadString()}`);
} catch (err) {
  // Codes along the cause chain, e.g. ERR_ALL_TARGETS_FAILED <- ERR_TLS_CERT_REJECTED.
  const codes: string[] = [];
  for (let e: unknown = err; e instanceof MqttxError && codes.length < 8; e = e.cause) codes.push(e.code);
  console.error(`TLS session failed: ${codes.join(' <- ') || 'ERROR'}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await manager.close();
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
