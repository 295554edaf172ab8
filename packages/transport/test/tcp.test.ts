/**
 * TCP connections over real loopback sockets (127.0.0.1 / ::1, port 0).
 */
import { randomBytes } from 'node:crypto';
import { type LookupFunction, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Connection, TransportError, connect, isTemporary, isTimeout } from '@mqttx/transport';
import { trackResources } from './helpers/resources.js';
import { type TestServer, closedPort, collect, echo, hasIpv6Loopback, tcpServer } from './helpers/servers.js';

trackResources();

const servers: TestServer[] = [];
const connections: Connection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  vi.restoreAllMocks();
});

async function server(onSocket?: Parameters<typeof tcpServer>[0], host?: string): Promise<TestServer> {
  const s = await tcpServer(onSocket, host);
  servers.push(s);
  return s;
}

async function open(target: string, options?: Parameters<typeof connect>[1]): Promise<Connection> {
  const c = await connect(target, options);
  connections.push(c);
  return c;
}

async function rejection(promise: Promise<unknown>): Promise<TransportError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

/** A lookup that never answers: the connect attempt stays pending until a timeout or abort. */
const neverResolves: LookupFunction = () => {};

describe('connect and exchange bytes', () => {
  it('[MQTT-4.2.0-1] carries an ordered, lossless byte stream both ways (1 MiB echo)', async () => {
    const s = await server(echo);
    const conn = await open(`mqtt://127.0.0.1:${s.port}`);
    const sent = randomBytes(1 << 20);
    const received: Buffer[] = [];
    let total = 0;
    const done = new Promise<void>((resolve) => {
      conn.on('data', (chunk) => {
        received.push(chunk);
        total += chunk.length;
        if (total === sent.length) resolve();
      });
    });
    for (let off = 0; off < sent.length; off += 4096) {
      if (!conn.write(sent.subarray(off, off + 4096))) await conn.waitForDrain();
    }
    await done;
    expect(Buffer.concat(received).equals(sent)).toBe(true);
    expect(conn.bytesWritten).toBe(sent.length);
    expect(conn.bytesRead).toBe(sent.length);
  });

  it('describes the connection; the target is redacted', async () => {
    const s = await server();
    const conn = await open(`mqtt://alice:s3cret@127.0.0.1:${s.port}`);
    expect(conn.target).toBe(`mqtt://***@127.0.0.1:${s.port}`);
    expect(conn.remoteAddress).toBe('127.0.0.1');
    expect(conn.remotePort).toBe(s.port);
    const peer = await s.nextSocket();
    expect(conn.localPort).toBe(peer.remotePort);
    expect(conn.encrypted).toBe(false);
    expect(conn.alpnProtocol).toBeUndefined();
    expect(String(conn.endpoint)).not.toContain('s3cret');
    expect(conn.endpoint?.password).toBe('s3cret'); // still available to the MQTT layer
  });

  it('accepts host:port, tcp:// and (when available) IPv6 literals', async () => {
    const s = await server(echo);
    for (const target of [`127.0.0.1:${s.port}`, `tcp://127.0.0.1:${s.port}`, { host: '127.0.0.1', port: s.port }]) {
      const conn = await open(target as string);
      expect(conn.remotePort).toBe(s.port);
    }
    if (await hasIpv6Loopback()) {
      const s6 = await server(echo, '::1');
      const conn = await open(`mqtt://[::1]:${s6.port}`);
      expect(conn.remoteAddress).toBe('::1');
    }
  });

  it('coalesces the writes of one tick into one writev system call and one segment', async () => {
    const s = await server();
    const conn = await open(`127.0.0.1:${s.port}`);
    const peer = await s.nextSocket();
    const chunks = collect(peer);
    const writev = vi.spyOn(Socket.prototype, '_writev');
    const write = vi.spyOn(Socket.prototype, '_write');
    const mine = (mock: { mock: { contexts: unknown[] } }) =>
      mock.mock.contexts.filter((ctx) => (ctx as Socket).remotePort === s.port).length;
    for (let i = 0; i < 100; i++) conn.write(Buffer.alloc(10, i));
    await conn.flush();
    expect(mine(writev)).toBe(1);
    expect(mine(write)).toBe(0);
    await new Promise<void>((resolve) => {
      const check = () => (chunks.reduce((n, c) => n + c.length, 0) >= 1000 ? resolve() : peer.once('data', check));
      check();
    });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.length).toBe(1000);
  });

  it('applies noDelay (default on) and keepAlive', async () => {
    const s = await server();
    const noDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    const keepAlive = vi.spyOn(Socket.prototype, 'setKeepAlive');
    await open(`127.0.0.1:${s.port}`, { keepAlive: 15_000 });
    expect(noDelay).toHaveBeenCalledWith(true);
    expect(keepAlive).toHaveBeenCalledWith(true, 15_000);
  });

  it('honours highWaterMark for the writable side', async () => {
    const s = await server();
    const conn = await open(`127.0.0.1:${s.port}`, { highWaterMark: 1234 });
    expect(conn.highWaterMark).toBe(1234);
  });
});

describe('closing', () => {
  it('end() flushes, sends FIN, resolves when closed; close is emitted once without error', async () => {
    const s = await server((sock) => sock.resume());
    const conn = await open(`127.0.0.1:${s.port}`);
    const peer = await s.nextSocket();
    const got = collect(peer);
    const peerEnded = new Promise<void>((resolve) => peer.once('end', () => resolve()));
    const closes: unknown[] = [];
    conn.on('close', (e) => closes.push(e));
    conn.write(Buffer.from('last words'));
    const ending = conn.end();
    expect(conn.end()).toBeInstanceOf(Promise); // idempotent
    await peerEnded;
    expect(Buffer.concat(got).toString()).toBe('last words');
    await ending;
    expect(closes).toEqual([undefined]);
    conn.destroy();
    await conn.end();
    expect(closes).toEqual([undefined]);
  });

  it('destroy(err) is immediate and idempotent; close carries the first error', async () => {
    const s = await server();
    const conn = await open(`127.0.0.1:${s.port}`);
    const closes: unknown[] = [];
    conn.on('close', (e) => closes.push(e));
    const reason = new Error('reason');
    conn.destroy(reason);
    conn.destroy(new Error('ignored'));
    await conn.closed;
    expect(closes).toEqual([reason]);
    expect(conn.write(Buffer.from('x'))).toBe(false);
    await expect(conn.flush()).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
  });

  it('a peer that closes cleanly gives close(undefined) and endedByPeer', async () => {
    const s = await server((sock) => sock.end());
    const conn = await open(`127.0.0.1:${s.port}`);
    conn.on('data', () => {});
    expect(await conn.closed).toBeUndefined();
    expect(conn.endedByPeer).toBe(true);
  });

  it("a socket keeps one 'end' listener standing for Node's own and ours; Node's runs and is put back on close", async () => {
    const s = await server((sock) => sock.end());
    const conn = await open(`127.0.0.1:${s.port}`);
    const socket = (conn as unknown as { stream: Socket }).stream;
    const nodeOwn = new Socket().listeners('end');
    expect(nodeOwn).toHaveLength(1);
    expect(socket.listenerCount('end')).toBe(1); // one function, not an array of two
    expect(socket.listeners('end')).not.toEqual(nodeOwn);
    conn.on('data', () => {});
    expect(await conn.closed).toBeUndefined();
    expect(conn.endedByPeer).toBe(true); // ours ran
    expect(Object.hasOwn(socket, 'write')).toBe(true); // Node's ran: no write after the peer's FIN
    expect(socket.listeners('end')).toEqual(nodeOwn);
  });

  it('a peer reset gives ERR_CONNECTION_RESET (temporary), also as an error event when listened to', async () => {
    const s = await server((sock) => sock.once('data', () => sock.resetAndDestroy()));
    const conn = await open(`127.0.0.1:${s.port}`);
    const errors: unknown[] = [];
    conn.on('error', (e) => errors.push(e));
    conn.on('data', () => {});
    conn.write(Buffer.from('x')); // the server answers with RST
    const err = (await conn.closed) as TransportError;
    expect(err.code).toBe('ERR_CONNECTION_RESET');
    expect(err.temporary).toBe(true);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(errors).toEqual([err]);
  });
});

describe('connect failures', () => {
  it('a closed port is ERR_CONNECT_REFUSED, temporary, with the system error as cause', async () => {
    const port = await closedPort();
    const err = await rejection(connect(`mqtt://127.0.0.1:${port}`));
    expect(err.code).toBe('ERR_CONNECT_REFUSED');
    expect(err.kind).toBe('connection');
    expect(err.temporary).toBe(true);
    expect(isTemporary(err)).toBe(true);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('connectTimeout: an attempt that never completes is ERR_CONNECT_TIMEOUT (timeout, temporary)', async () => {
    const err = await rejection(connect('mqtt://never.invalid:1883', { lookup: neverResolves, connectTimeout: 50 }));
    expect(err.code).toBe('ERR_CONNECT_TIMEOUT');
    expect(err.timeout).toBe(true);
    expect(err.temporary).toBe(true);
    expect(isTimeout(err)).toBe(true);
    expect(err.context).toMatchObject({ timeoutMs: 50 });
  });

  it('DNS failures are ERR_DNS; EAI_AGAIN is temporary, ENOTFOUND is not', async () => {
    const failing = (code: string): LookupFunction => (hostname, _options, callback) => {
      const err = Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code });
      process.nextTick(() => callback(err as NodeJS.ErrnoException, '', 4));
    };
    const notFound = await rejection(connect('mqtt://a.invalid', { lookup: failing('ENOTFOUND') }));
    expect(notFound.code).toBe('ERR_DNS');
    expect(notFound.temporary).toBe(false);
    const again = await rejection(connect('mqtt://a.invalid', { lookup: failing('EAI_AGAIN') }));
    expect(again.code).toBe('ERR_DNS');
    expect(again.temporary).toBe(true);
  });

  it('abort before connecting: ERR_ABORTED, no socket opened, the reason kept as cause', async () => {
    const s = await server();
    const controller = new AbortController();
    const reason = new Error('user gave up');
    controller.abort(reason);
    const connectSpy = vi.spyOn(Socket.prototype, 'connect');
    const err = await rejection(connect(`127.0.0.1:${s.port}`, { signal: controller.signal }));
    expect(err.code).toBe('ERR_ABORTED');
    expect(err.cause).toBe(reason);
    expect(connectSpy).not.toHaveBeenCalled();
    expect(s.sockets).toHaveLength(0);
  });

  it('abort while connecting: ERR_ABORTED and the socket is already released when the promise rejects', async () => {
    const controller = new AbortController();
    const destroy = vi.spyOn(Socket.prototype, 'destroy');
    const attempt = connect('mqtt://pending.invalid', { lookup: neverResolves, signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const err = await rejection(attempt);
    expect(err.code).toBe('ERR_ABORTED');
    expect(destroy).toHaveBeenCalled();
    const socket = destroy.mock.contexts[0] as Socket;
    expect(socket.destroyed).toBe(true);
    expect(socket.closed).toBe(true); // 'close' (handle released) came before the rejection
  });

  it('bad targets and options reject with configuration errors', async () => {
    const badTarget = await rejection(connect('ws://127.0.0.1:1'));
    expect(badTarget.code).toBe('ERR_INVALID_TARGET');
    expect(badTarget.kind).toBe('configuration');
    const badOption = await rejection(connect('127.0.0.1:1', { connectTimeout: -1 }));
    expect(badOption.code).toBe('ERR_INVALID_OPTION');
    expect(badOption.kind).toBe('configuration');
  });
});
