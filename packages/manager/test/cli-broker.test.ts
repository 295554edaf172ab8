/**
 * `mqttx broker` as a child process: prints its bound address for `--port 0`, serves raw codec clients
 * (publish and receive, MQTT 3.1.1 and 5.0), logs one line per packet with `-v` (never a password),
 * listens on TLS too, refuses a busy port (exit 1), and stops cleanly on SIGTERM / SIGINT with exit 0.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, type TestCerts } from '../../../test/helpers/certs.js';
import { ensureCliBuilt } from './cli-helpers/build.js';
import { RawMqtt } from './cli-helpers/raw-client.js';
import { killAll, runCli, startCli, type CliProcess } from './cli-helpers/spawn.js';

let certs: TestCerts;
beforeAll(async () => {
  await ensureCliBuilt();
  certs = await makeCerts();
}, 180_000);

const clients: RawMqtt[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.conn.destroy();
  await killAll();
});

async function startBrokerProcess(args: string[] = []): Promise<{ cli: CliProcess; url: string }> {
  const cli = startCli(['broker', '--port', '0', ...args]);
  const [, url] = await cli.waitFor(/^listening on (mqtt:\/\/127\.0\.0\.1:\d+)$/m);
  return { cli, url: url! };
}

async function open(url: string, clientId: string, version: 4 | 5, extra?: { username?: string; password?: Buffer }, options = {}): Promise<RawMqtt> {
  const c = await RawMqtt.open(url, clientId, version, options, extra);
  clients.push(c);
  return c;
}

describe('mqttx broker', () => {
  it.each([4, 5] as const)('--port 0: prints the address, routes a QoS 1 message (MQTT version %i), SIGTERM ends it with exit 0', async (version) => {
    const { cli, url } = await startBrokerProcess();
    const sub = await open(url, 'sub', version);
    sub.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a/#', qos: 1 }] });
    expect(await sub.next()).toMatchObject({ type: 'suback', packetId: 1, reasonCodes: [1] });

    const pub = await open(url, 'pub', version);
    pub.send({ type: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos: 1, retain: false, dup: false, packetId: 7 });
    expect(await pub.next()).toMatchObject({ type: 'puback', packetId: 7 });
    const delivered = await sub.next();
    expect(delivered).toMatchObject({ type: 'publish', topic: 'a/b', qos: 1 });
    expect(delivered.type === 'publish' && delivered.payload.toString()).toBe('hello');

    const gone = Promise.all([sub.closed(), pub.closed()]);
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toEqual({ code: 0, signal: null });
    await gone; // the broker closed every link on its way out
    expect(cli.stderr()).toBe('');
  });

  it('SIGINT (Ctrl-C) also stops it with exit 0', async () => {
    const { cli } = await startBrokerProcess();
    cli.child.kill('SIGINT');
    expect(await cli.exit).toEqual({ code: 0, signal: null });
  });

  it('-v logs one line per packet with direction, client and key fields, and no password', async () => {
    const { cli, url } = await startBrokerProcess(['-v']);
    const c = await open(url, 'logger', 5, { username: 'alice', password: Buffer.from('hunter2') });
    c.send({ type: 'publish', topic: 'x/y', payload: Buffer.from('12345'), qos: 1, retain: true, dup: false, packetId: 3 });
    await c.next(); // PUBACK
    await cli.waitFor(/out #\d+ logger puback id=3 rc=0x10$/m); // 0x10: no matching subscribers
    const log = cli.stdout();
    expect(log).toMatch(/^\d\d:\d\d:\d\d\.\d{3} in  #\d+ - connect client-id=logger v=5 clean=1 keepalive=30 user=alice password=\(set\)$/m);
    expect(log).toMatch(/^\d\d:\d\d:\d\d\.\d{3} out #\d+ logger connack rc=0x00 session-present=0$/m);
    expect(log).toMatch(/^\d\d:\d\d:\d\d\.\d{3} in  #\d+ logger publish topic=x\/y qos=1 retain=1 dup=0 id=3 bytes=5$/m);
    expect(log).not.toContain('hunter2');
    cli.child.kill('SIGTERM');
    expect((await cli.exit).code).toBe(0);
  });

  it('--tls-cert/--tls-key: a second, TLS listener whose address is printed too', async () => {
    const cli = startCli(['broker', '--port', '0', '--tls-cert', certs.files.serverCert, '--tls-key', certs.files.serverKey, '--tls-port', '0']);
    const [, tlsUrl] = await cli.waitFor(/^listening on (mqtts:\/\/127\.0\.0\.1:\d+)$/m);
    expect(cli.stdout()).toMatch(/^listening on mqtt:\/\/127\.0\.0\.1:\d+$/m);
    const c = await open(tlsUrl!, 'secure', 5, undefined, { ca: certs.ca });
    c.send({ type: 'pingreq' });
    expect(await c.next()).toEqual({ type: 'pingresp' });
    cli.child.kill('SIGTERM');
    expect((await cli.exit).code).toBe(0);
  });

  it('a port already in use: one error line, exit 1', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await runCli(['broker', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^mqttx: ERR_LISTEN: [^\n]+\n$/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
