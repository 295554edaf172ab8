/**
 * Connectors over real loopback servers: round robin across calls, failover within a call, redirects,
 * aggregate failures, and credentials that never show.
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AllTargetsFailedError,
  type Connection,
  TransportError,
  createConnector,
  isTemporary,
} from '@mqttx/transport';
import { type TestCerts, makeCerts } from '../../../test/helpers/certs.js';
import { trackResources } from './helpers/resources.js';
import { type TestServer, closedPort, tcpServer, tlsServer } from './helpers/servers.js';

trackResources();

let certs: TestCerts;
beforeAll(async () => {
  certs = await makeCerts();
});

let pool: TestServer[] = [];
const connections: Connection[] = [];
afterEach(() => {
  for (const c of connections.splice(0)) c.destroy();
});
beforeAll(async () => {
  pool = await Promise.all([tcpServer(), tcpServer(), tcpServer()]);
});
afterAll(async () => {
  await Promise.all(pool.map((s) => s.close()));
});

function track(c: Connection): Connection {
  connections.push(c);
  return c;
}

/** Index in `pool` of the server the connection reached. */
function which(c: Connection): number {
  return pool.findIndex((s) => s.port === c.remotePort);
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const err = await promise.then(
    (c) => {
      track(c as Connection);
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

describe('createConnector', () => {
  it('round robin: successive calls start at successive targets', async () => {
    const connector = createConnector(pool.map((s) => `mqtt://127.0.0.1:${s.port}`));
    expect(connector.current).toBeUndefined();
    const reached: number[] = [];
    for (let i = 0; i < 4; i++) {
      const c = track(await connector());
      reached.push(which(c));
      expect(connector.current).toBe(`mqtt://127.0.0.1:${pool[reached[i]!]!.port}`);
      c.destroy();
    }
    expect(reached).toEqual([0, 1, 2, 0]);
  });

  it('fails over within a call: a refused first target is skipped', async () => {
    const dead = await closedPort();
    const connector = createConnector([`127.0.0.1:${dead}`, `127.0.0.1:${pool[1]!.port}`]);
    const c = track(await connector());
    expect(which(c)).toBe(1);
    expect(connector.current).toBe(`mqtt://127.0.0.1:${pool[1]!.port}`);
  });

  it('all targets failing: ERR_ALL_TARGETS_FAILED carrying each attempt, temporary when they are', async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    const connector = createConnector([`127.0.0.1:${a}`, `127.0.0.1:${b}`]);
    const err = await failure(connector());
    expect(err).toBeInstanceOf(AllTargetsFailedError);
    expect(err.code).toBe('ERR_ALL_TARGETS_FAILED');
    const all = err as AllTargetsFailedError;
    expect(all.errors.map((e) => (e as TransportError).code)).toEqual(['ERR_CONNECT_REFUSED', 'ERR_CONNECT_REFUSED']);
    expect(all.context?.targets).toEqual([`mqtt://127.0.0.1:${a}`, `mqtt://127.0.0.1:${b}`]);
    expect(all.temporary).toBe(true);
    expect(isTemporary(all)).toBe(true);
    expect(all.cause).toBe(all.errors[1]);
  });

  it('credentials never appear in errors, JSON, inspect output, targets or current', async () => {
    const dead = await closedPort();
    const secret = 'pa55-w0rd-xyz';
    const user = 'user-name-abc';
    const connector = createConnector([
      `mqtt://${user}:${secret}@127.0.0.1:${dead}`,
      { host: '127.0.0.1', port: dead, username: user, password: secret },
      { url: `mqtt://${user}:${encodeURIComponent(secret)}@127.0.0.1:${pool[0]!.port}` },
    ]);
    const c = track(await connector()); // the first two fail, the third connects
    const failing = createConnector([
      `mqtt://${user}:${secret}@127.0.0.1:${dead}`,
      { host: '127.0.0.1', port: dead, username: user, password: secret },
    ]);
    const err = await failure(failing());
    const shown = [
      String(err),
      err.stack,
      JSON.stringify(err),
      inspect(err, { depth: Infinity, showHidden: true }),
      JSON.stringify(connector.targets),
      connector.current,
      c.target,
      String(c.endpoint),
      JSON.stringify({ endpoint: c.endpoint }),
      inspect(c.endpoint),
    ].join('\n');
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain(user);
    expect(connector.targets[0]).toBe(`mqtt://***@127.0.0.1:${dead}`);
    expect(c.endpoint?.username).toBe(user); // the MQTT layer can still read them
    expect(c.endpoint?.password).toBe(secret);
  });

  it('connectors naming the same credential-free target share one Target; one with credentials keeps its own', async () => {
    const port = pool[0]!.port;
    const a = track(await createConnector(`mqtt://127.0.0.1:${port}`)());
    const b = track(await createConnector({ host: '127.0.0.1', port })());
    const withCreds = track(await createConnector(`mqtt://u:p@127.0.0.1:${port}`)());
    expect(a.endpoint).toBeDefined();
    expect(b.endpoint).toBe(a.endpoint);
    expect(withCreds.endpoint).not.toBe(a.endpoint);
    expect([withCreds.endpoint?.host, withCreds.endpoint?.username, withCreds.endpoint?.password]).toEqual(['127.0.0.1', 'u', 'p']);
    expect(String(withCreds.endpoint)).toBe(`mqtt://***@127.0.0.1:${port}`);
  });

  it('redirect(): the server reference is tried first at the next call, once', async () => {
    const connector = createConnector(pool.slice(0, 2).map((s) => `127.0.0.1:${s.port}`));
    connector.redirect(`127.0.0.1:${pool[2]!.port}`);
    const first = track(await connector());
    expect(which(first)).toBe(2);
    const second = track(await connector());
    expect(which(second)).toBe(1); // the rotation advanced as usual
    const third = track(await connector());
    expect(which(third)).toBe(0);
  });

  it('a redirect that fails falls back to the usual order', async () => {
    const dead = await closedPort();
    const connector = createConnector([`127.0.0.1:${pool[0]!.port}`]);
    connector.redirect(`127.0.0.1:${dead}`);
    const c = track(await connector());
    expect(which(c)).toBe(0);
  });

  it('per-target options: a TLS target with its own CA next to a TCP target', async () => {
    const secure = await tlsServer({ cert: certs.serverCert, key: certs.serverKey });
    try {
      const connector = createConnector(
        [
          { url: `mqtts://localhost:${secure.port}`, options: { ca: certs.ca } },
          `mqtt://127.0.0.1:${pool[0]!.port}`,
        ],
        { connectTimeout: 5000 },
      );
      const tls = track(await connector());
      expect(tls.encrypted).toBe(true);
      expect(tls.authorized).toBe(true);
      const tcp = track(await connector());
      expect(tcp.encrypted).toBe(false);
      tls.destroy();
      await tls.closed;
    } finally {
      await secure.close();
    }
  });

  it('an aborted call stops at once with ERR_ABORTED and does not try the other targets', async () => {
    const connector = createConnector(pool.map((s) => `127.0.0.1:${s.port}`));
    const controller = new AbortController();
    controller.abort();
    const err = await failure(connector(controller.signal));
    expect(err.code).toBe('ERR_ABORTED');
    expect(connector.current).toBeUndefined();
  });

  it('rejects an empty list, invalid targets and invalid redirects with ERR_INVALID_TARGET', () => {
    expect(() => createConnector([])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TARGET' }));
    expect(() => createConnector(['ws://x'])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TARGET' }));
    const connector = createConnector('127.0.0.1:1');
    expect(() => connector.redirect('mqtt://h:0')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_TARGET' }));
    expect(connector.targets).toEqual(['mqtt://127.0.0.1:1']);
  });
});
