/**
 * TLS connections against loopback TLS servers, with certificates generated at test time
 * (`test/helpers/certs.ts` at the repository root).
 */
import { Socket } from 'node:net';
import type { TLSSocket, TlsOptions } from 'node:tls';
import { inspect } from 'node:util';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ConnectOptions, type Connection, TlsError, TransportError, connect } from '@mqttx/transport';
import { type TestCerts, makeCerts } from '../../../test/helpers/certs.js';
import { trackResources } from './helpers/resources.js';
import { type TestServer, collect, tcpServer, tlsServer } from './helpers/servers.js';

trackResources();

let certs: TestCerts;
beforeAll(async () => {
  certs = await makeCerts();
});

const servers: TestServer<Socket>[] = [];
const connections: Connection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  vi.restoreAllMocks();
});

async function server(options: TlsOptions = {}, onSocket?: (s: TLSSocket) => void): Promise<TestServer<TLSSocket>> {
  const s = await tlsServer({ cert: certs.serverCert, key: certs.serverKey, ...options }, onSocket);
  servers.push(s);
  return s;
}

async function open(target: string, options: ConnectOptions): Promise<Connection> {
  const c = await connect(target, options);
  connections.push(c);
  return c;
}

async function refused(target: string, options: ConnectOptions): Promise<TransportError> {
  const err = await connect(target, options).then(
    (c) => {
      connections.push(c);
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

describe('TLS handshake and data', () => {
  it('verifies the server with a CA; SNI is the host name', async () => {
    let sni: string | undefined;
    const s = await server({
      SNICallback: (name, cb) => {
        sni = name;
        cb(null);
      },
    });
    const conn = await open(`mqtts://localhost:${s.port}`, { ca: certs.ca });
    expect(conn.encrypted).toBe(true);
    expect(conn.authorized).toBe(true);
    expect(conn.target).toBe(`mqtts://localhost:${s.port}`);
    expect(sni).toBe('localhost');
    const peer = await s.nextSocket();
    const got = collect(peer);
    await conn.writeAsync(Buffer.from('over tls'));
    await new Promise<void>((resolve) => peer.once('data', () => resolve()));
    expect(Buffer.concat(got).toString()).toBe('over tls');
  });

  it('never sends an IP literal as SNI; the IP is checked against the certificate IP SAN', async () => {
    const s = await server();
    const conn = await open(`tls://127.0.0.1:${s.port}`, { ca: certs.ca });
    const peer = await s.nextSocket();
    expect(peer.servername).toBeFalsy();
    expect(conn.authorized).toBe(true);
  });

  it('coalesces the writes of one tick into one writev on the TLS socket', async () => {
    const s = await server();
    const conn = await open(`mqtts://localhost:${s.port}`, { ca: certs.ca });
    const writev = vi.spyOn(Socket.prototype, '_writev');
    const write = vi.spyOn(Socket.prototype, '_write');
    const mine = (m: { mock: { contexts: unknown[] } }) =>
      m.mock.contexts.filter((ctx) => (ctx as Socket).remotePort === s.port).length;
    for (let i = 0; i < 20; i++) conn.write(Buffer.alloc(20, i));
    await conn.flush();
    expect(mine(writev)).toBe(1);
    expect(mine(write)).toBe(0);
  });

  it('mutual TLS: the server verifies our certificate (inline PEM, encrypted key with passphrase)', async () => {
    const s = await server({ ca: certs.ca, requestCert: true, rejectUnauthorized: true });
    const conn = await open(`mqtts://localhost:${s.port}`, {
      ca: certs.ca,
      cert: certs.clientCert,
      key: certs.clientKeyEncrypted,
      passphrase: certs.passphrase,
    });
    const peer = await s.nextSocket();
    expect(peer.authorized).toBe(true);
    expect(peer.getPeerCertificate().subject.CN).toBe('mqttx-client');
    expect(conn.authorized).toBe(true);
  });

  it('mutual TLS with caFile / certFile / keyFile paths', async () => {
    const s = await server({ ca: certs.ca, requestCert: true, rejectUnauthorized: true });
    const { files } = certs;
    await open(`mqtts://localhost:${s.port}`, { caFile: files.ca, certFile: files.clientCert, keyFile: files.clientKey });
    expect((await s.nextSocket()).authorized).toBe(true);
  });

  it('mutual TLS without a client certificate: refused during (TLS 1.2) or right after (TLS 1.3) the handshake', async () => {
    const s = await server({ ca: certs.ca, requestCert: true, rejectUnauthorized: true });
    // TLS 1.2: the server's generic handshake_failure alert; connect() rejects.
    const during = await refused(`mqtts://localhost:${s.port}`, { ca: certs.ca, maxVersion: 'TLSv1.2' });
    expect(during).toBeInstanceOf(TlsError);
    expect(during.code).toBe('ERR_TLS_HANDSHAKE');
    expect(during.context?.reason).toMatch(/ALERT_HANDSHAKE_FAILURE/);
    // TLS 1.3: our side of the handshake completes first; the certificate_required alert then closes the
    // established connection, and that alert names the cause.
    const conn = await open(`mqtts://localhost:${s.port}`, { ca: certs.ca, minVersion: 'TLSv1.3' });
    conn.on('data', () => {});
    const err = (await conn.closed) as TlsError;
    expect(err).toBeInstanceOf(TlsError);
    expect(err.code).toBe('ERR_TLS_CLIENT_CERT_REJECTED');
    expect(err.context?.reason).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  });

  it('negotiates ALPN', async () => {
    const s = await server({ ALPNProtocols: ['mqtt'] });
    const conn = await open(`mqtts://localhost:${s.port}`, { ca: certs.ca, alpnProtocols: ['x-other', 'mqtt'] });
    expect(conn.alpnProtocol).toBe('mqtt');
  });

  it('rejectUnauthorized: false accepts an unverifiable server and says why', async () => {
    const s = await server({ cert: certs.selfSignedCert, key: certs.selfSignedKey });
    const conn = await open(`mqtts://localhost:${s.port}`, { ca: certs.ca, rejectUnauthorized: false });
    expect(conn.authorized).toBe(false);
    expect(conn.authorizationError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });
});

describe('certificates we refuse: ERR_TLS_CERT_REJECTED with the reason code', () => {
  const cases: Array<[string, () => TlsOptions, ConnectOptions | undefined, string]> = [
    ['a certificate from another CA', () => ({ cert: certs.otherServerCert, key: certs.otherServerKey }), undefined, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['a self-signed certificate', () => ({ cert: certs.selfSignedCert, key: certs.selfSignedKey }), undefined, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['an expired certificate', () => ({ cert: certs.expiredCert, key: certs.expiredKey }), undefined, 'CERT_HAS_EXPIRED'],
    ['a certificate for another host name', () => ({}), { servername: 'wrong.example' }, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ];
  for (const [name, serverOptions, clientOptions, reason] of cases) {
    it(name, async () => {
      const s = await server(serverOptions());
      const err = await refused(`mqtts://127.0.0.1:${s.port}`, { ca: certs.ca, ...clientOptions });
      expect(err).toBeInstanceOf(TlsError);
      expect(err.code).toBe('ERR_TLS_CERT_REJECTED');
      expect(err.context?.reason).toBe(reason);
      expect(err.kind).toBe('connection');
      expect(err.temporary).toBe(false);
      expect(s.sockets).toHaveLength(0);
    });
  }
});

describe('other TLS failures', () => {
  it('no common ALPN protocol: ERR_TLS_HANDSHAKE', async () => {
    const s = await server({ ALPNProtocols: ['mqtt'] });
    const err = await refused(`mqtts://localhost:${s.port}`, { ca: certs.ca, alpnProtocols: ['x-other'] });
    expect(err.code).toBe('ERR_TLS_HANDSHAKE');
    expect(String(err.context?.reason)).toMatch(/NO_APPLICATION_PROTOCOL/);
  });

  it('no common protocol version (minVersion): ERR_TLS_HANDSHAKE', async () => {
    const s = await server({ maxVersion: 'TLSv1.2' });
    const err = await refused(`mqtts://localhost:${s.port}`, { ca: certs.ca, minVersion: 'TLSv1.3' });
    expect(err.code).toBe('ERR_TLS_HANDSHAKE');
  });

  it('a server that never completes the handshake: ERR_CONNECT_TIMEOUT', async () => {
    const silent = await tcpServer(); // accepts TCP, never speaks TLS
    servers.push(silent);
    const err = await refused(`mqtts://localhost:${silent.port}`, { ca: certs.ca, connectTimeout: 100 });
    expect(err.code).toBe('ERR_CONNECT_TIMEOUT');
    expect(err.timeout).toBe(true);
  });

  it('a wrong passphrase is ERR_TLS_CONFIG (configuration) and the passphrase is not in the error', async () => {
    const passphrase = 'not-the-passphrase-4711';
    const err = await refused('mqtts://localhost:1', {
      cert: certs.clientCert,
      key: certs.clientKeyEncrypted,
      passphrase,
    });
    expect(err.code).toBe('ERR_TLS_CONFIG');
    expect(err.kind).toBe('configuration');
    expect([String(err), JSON.stringify(err), inspect(err, { depth: Infinity })].join()).not.toContain(passphrase);
  });

  it('an unreadable caFile is ERR_TLS_CONFIG naming the option', async () => {
    const err = await refused('mqtts://localhost:1', { caFile: `${certs.dir}/does-not-exist.pem` });
    expect(err.code).toBe('ERR_TLS_CONFIG');
    expect(err.context?.option).toBe('caFile');
  });
});
