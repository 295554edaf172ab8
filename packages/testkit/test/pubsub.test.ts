/**
 * Two raw clients exchange messages through the testkit broker at every QoS, in 3.1.1 and 5.0, over TCP,
 * TLS and the in-memory duplex.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '@mqttx/testkit';
import { makeCerts, type TestCerts } from '../../../test/helpers/certs.js';
import { checkLeaks } from './helpers/leaks.js';
import { RawClient } from './helpers/raw-client.js';

type Transport = 'tcp' | 'tls' | 'duplex';

let certs: TestCerts;
let broker: Broker;
const clients: RawClient[] = [];

checkLeaks();

beforeAll(async () => {
  certs = await makeCerts();
  broker = await startBroker({ tls: { key: certs.serverKey, cert: certs.serverCert } });
});
afterAll(() => broker.close());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

async function client(transport: Transport, protocolVersion: 4 | 5): Promise<RawClient> {
  let c: RawClient;
  if (transport === 'tcp') c = await RawClient.tcp(broker.port, { protocolVersion });
  else if (transport === 'tls') c = await RawClient.tls(broker.tlsPort!, { ca: certs.ca }, { protocolVersion });
  else c = new RawClient(broker.connectDuplex(), { protocolVersion });
  clients.push(c);
  return c;
}

describe.each(['tcp', 'tls', 'duplex'] as const)('over %s', (transport) => {
  describe.each([4, 5] as const)('protocol level %i', (version) => {
    it.each([0, 1, 2] as const)('QoS %i: both clients publish, both receive, acks flow', async (qos) => {
      const tag = `${transport}-${version}-${qos}`;
      const a = await client(transport, version);
      const b = await client(transport, version);
      expect((await a.connect({ clientId: `a-${tag}` })).reasonCode).toBe(0);
      expect((await b.connect({ clientId: `b-${tag}` })).reasonCode).toBe(0);
      // [MQTT-3.8.4-1] SUBACK with the same packet id [MQTT-3.8.4-2], granted QoS [MQTT-3.8.4-6]
      expect((await a.subscribe(`t/${tag}/+`, qos)).reasonCodes).toEqual([qos]);
      expect((await b.subscribe(`t/${tag}/+`, qos)).reasonCodes).toEqual([qos]);

      const ackA = await a.publish(`t/${tag}/from-a`, 'hello from a', { qos });
      const ackB = await b.publish(`t/${tag}/from-b`, 'hello from b', { qos });
      if (qos === 0) expect(ackA).toBeUndefined();
      else {
        expect(ackA?.type).toBe(qos === 1 ? 'puback' : 'pubrec'); // [MQTT-4.3.2-4] [MQTT-4.3.3-8]
        expect(ackB?.reasonCode ?? 0).toBeLessThan(0x80);
      }
      for (const [c, from] of [
        [a, 'a'],
        [b, 'a'],
        [a, 'b'],
        [b, 'b'],
      ] as const) {
        const p = await c.next('publish', (m) => m.topic === `t/${tag}/from-${from}`);
        expect(p.payload.toString()).toBe(`hello from ${from}`);
        expect(p.qos).toBe(qos);
        expect(p.dup).toBe(false);
        expect(p.packetId === undefined).toBe(qos === 0);
      }
      if (qos === 2) {
        // the subscribers' PUBREC got a PUBREL from the broker and their PUBCOMP closed the flow
        await a.next('pubrel');
        await b.next('pubrel');
        await broker.waitFor({ direction: 'in', type: 'pubcomp', clientId: `a-${tag}` });
      }
      if (qos > 0) {
        const s = await broker.waitFor((r) => r.direction === 'in' && r.clientId === `b-${tag}` && r.packet?.type === (qos === 1 ? 'puback' : 'pubcomp'));
        expect(s.connId).toBeGreaterThan(0);
      }
    });
  });
});

describe('TLS client certificates', () => {
  it('the peer certificate is visible to authenticate; clients without one are refused by TLS', async () => {
    const seen: Array<string | undefined> = [];
    const mtls = await startBroker({
      listen: false,
      tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true },
      authenticate: ({ connection }) => {
        const cn = connection.peerCertificate?.subject.CN;
        seen.push(Array.isArray(cn) ? cn[0] : cn);
        return connection.authorized === true;
      },
    });
    try {
      const c = await RawClient.tls(mtls.tlsPort!, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
      clients.push(c);
      expect((await c.connect({ clientId: 'cert' })).reasonCode).toBe(0);
      expect(mtls.clients.get('cert')).toMatchObject({ transport: 'tls', authorized: true });
      expect(seen).toEqual(['mqttx-client']);
      const anonymous = await RawClient.tls(mtls.tlsPort!, { ca: certs.ca }).then(
        (x) => {
          clients.push(x);
          return x.waitClosed();
        },
        (err: NodeJS.ErrnoException) => err,
      );
      // TLS 1.3 reports the refusal after the handshake (the link just closes); TLS 1.2 fails the handshake.
      if (anonymous instanceof Error) expect(anonymous.code).toMatch(/^ERR_SSL|ECONNRESET/);
      expect(mtls.clients.size).toBe(1);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.destroy()));
      await mtls.close();
    }
  });
});
