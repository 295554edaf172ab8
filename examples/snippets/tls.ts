/**
 * README snippets: TLS with the manager (`mqttx`) and with the client (`@mqttx/client`). Compiled by
 * `tsc -b examples`, never run; the regions are checked against README.md by
 * test/examples/readme-snippets.test.ts.
 */
import { sessionBuilder, type SessionManager } from 'mqttx';

declare const manager: SessionManager;

// #region tls-manager
manager.addSession(
  sessionBuilder('secure')
    .brokers('mqtts://broker.example.com:8883')
    .tls({ caFile: 'ca.pem', certFile: 'client.pem', keyFile: 'client.key' }), // read at every connect
);
// #endregion

// #region tls-client
import { readFileSync } from 'node:fs';
import { connect } from '@mqttx/client';

const client = await connect({
  brokers: 'mqtts://broker.example.com:8883',
  clientId: 'sensor-1',
  tls: {
    ca: readFileSync('ca.pem'), // trust anchor (default: the system CAs)
    cert: readFileSync('client.pem'), // mutual TLS
    key: readFileSync('client.key'),
  },
});
// #endregion
await client.end();
