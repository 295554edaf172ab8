/**
 * Loopback test servers on port 0: TCP and TLS, recording accepted sockets so `close()` can release them.
 */
import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { type TLSSocket, type TlsOptions, createServer as createTlsServer } from 'node:tls';

/** A listening test server. */
export interface TestServer<S extends Socket = Socket> {
  readonly port: number;
  readonly host: string;
  /** Every accepted socket (TLS servers: after the handshake). */
  readonly sockets: S[];
  /** Errors of TLS clients that failed the handshake (`tlsClientError`). */
  readonly clientErrors: Error[];
  /** Resolves with the next accepted socket (or the latest one already accepted and not yet taken). */
  nextSocket(): Promise<S>;
  /** Destroys every socket and closes the server. */
  close(): Promise<void>;
}

function wrap<S extends Socket>(server: Server, event: string, host: string, onSocket?: (s: S) => void): Promise<TestServer<S>> {
  const sockets: S[] = [];
  const clientErrors: Error[] = [];
  const queue: S[] = [];
  const waiting: Array<(s: S) => void> = [];
  const raw = new Set<Socket>(); // every TCP connection, including TLS ones still in their handshake
  let closing = false;
  server.on('connection', (socket: Socket) => {
    raw.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => raw.delete(socket));
    if (closing) socket.destroy();
  });
  server.on(event, (socket: S) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.push(socket);
    socket.on('error', () => {}); // a reset from the client under test is expected in some tests
    onSocket?.(socket);
    const w = waiting.shift();
    if (w) w(socket);
    else queue.push(socket);
  });
  server.on('tlsClientError', (err: Error) => clientErrors.push(err));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        host,
        sockets,
        clientErrors,
        nextSocket: () => {
          const s = queue.shift();
          return s ? Promise.resolve(s) : new Promise<S>((r) => waiting.push(r));
        },
        close: async () => {
          closing = true;
          for (const s of sockets) s.destroy();
          for (const s of raw) s.destroy();
          const closed = once(server, 'close');
          server.close();
          await closed;
        },
      });
    });
  });
}

/** A TCP server on `host` (default 127.0.0.1), port 0. `onSocket` runs for each accepted socket. */
export function tcpServer(onSocket?: (s: Socket) => void, host = '127.0.0.1'): Promise<TestServer> {
  return wrap(createServer(), 'connection', host, onSocket);
}

/** A TLS server on 127.0.0.1, port 0. `onSocket` runs for each socket that completed the handshake. */
export function tlsServer(options: TlsOptions, onSocket?: (s: TLSSocket) => void): Promise<TestServer<TLSSocket>> {
  return wrap<TLSSocket>(createTlsServer(options), 'secureConnection', '127.0.0.1', onSocket);
}

/** Echoes everything back. */
export function echo(socket: Socket): void {
  socket.pipe(socket);
}

/** A loopback port with nothing listening: bound on port 0, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Collects a socket's inbound chunks. */
export function collect(socket: Socket): Buffer[] {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  return chunks;
}

/** Whether IPv6 loopback can be bound on this machine. */
export async function hasIpv6Loopback(): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '::1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return true;
  } catch {
    return false;
  }
}
