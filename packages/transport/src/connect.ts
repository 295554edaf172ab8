/**
 * `connect()`: opens a TCP or TLS connection with a connect timeout and abort support, and `fromDuplex()`:
 * wraps any open Duplex into a {@link Connection}.
 * @module
 */
import { isIP, connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions as NodeTlsOptions, TLSSocket } from 'node:tls';
import type { MqttxError } from '@mqttx/codec/errors';
import { Connection } from './connection.js';
import type { ConnectionInfo } from './connection-types.js';
import { TlsError, TransportError, abortError, toTransportError } from './errors.js';
import { type ConnectOptions, type ConnectionOptions, validateConnectOptions } from './options.js';
import { type ParsedTarget, type Target, type TargetSpec, resolveTarget } from './target.js';

const DEFAULT_CONNECT_TIMEOUT = 30_000;

type NodeTls = typeof import('node:tls');

let tlsModule: Promise<NodeTls> | undefined;

/**
 * `node:tls` (which loads `node:crypto`) is imported on the first TLS connection, not when the package is
 * imported: a plain `mqtt://` user never pays for it.
 */
function loadTls(): Promise<NodeTls> {
  return (tlsModule ??= import('node:tls'));
}

/**
 * Opens a connection to `target` and resolves once it can carry data (TCP connected; for TLS, handshake done
 * and the server certificate verified).
 *
 * The promise always settles: on failure it rejects with a {@link TransportError} (`ERR_CONNECT_REFUSED`,
 * `ERR_CONNECT_TIMEOUT`, `ERR_DNS`, `ERR_ABORTED`, `ERR_INVALID_TARGET`, a {@link TlsError}, ...) only after
 * the socket has been fully closed, so a rejected attempt leaves nothing open.
 *
 * @param target - URL (`mqtt://`, `tcp://`, `mqtts://`, `ssl://`, `tls://`), `host:port`, or a {@link TargetSpec}
 *   (whose `options` override `options`)
 * @param options - timeouts, abort signal, socket and TLS options
 */
export async function connect(target: string | TargetSpec | ParsedTarget, options: ConnectOptions = {}): Promise<Connection> {
  const resolved = resolveTarget(target);
  const merged = resolved.options === undefined ? options : { ...options, ...resolved.options };
  return openConnection(resolved.target, merged);
}

/**
 * Wraps an open Duplex (an in-memory pair, a WebSocket stream, a proxy tunnel, ...) in a {@link Connection}
 * with the same semantics as a socket connection. The stream must emit `'close'` when it is done (streams
 * with the default `autoDestroy` / `emitClose` do).
 * @param stream - the open stream
 * @param info - descriptive details (target, addresses, ...)
 * @param options - timeouts, read chunk limit and scheduler
 */
export function fromDuplex(stream: Duplex, info: ConnectionInfo = {}, options: ConnectionOptions = {}): Connection {
  return new Connection(stream, info, options);
}

/**
 * Opens a connection to an already-resolved target (used by `connect` and connectors).
 * @internal
 */
export async function openConnection(target: Target, options: ConnectOptions): Promise<Connection> {
  const shown = String(target);
  validateConnectOptions(options);
  const signal = options.signal;
  if (signal?.aborted) throw abortError(signal.reason, shown);
  const tls = target.protocol === 'tls';
  // TCP stays synchronous up to the socket; only TLS waits for its module and certificate files.
  const secure = tls ? await loadTlsSetup(options, shown) : undefined;
  if (signal?.aborted) throw abortError(signal.reason, shown);

  let socket: Socket | TLSSocket;
  try {
    socket =
      secure !== undefined
        ? secure.api.connect(tlsOptions(target, options, secure.material, secure.api))
        : netConnect(tcpOptions(target, options));
  } catch (err) {
    throw optionError(err, shown, tls);
  }
  return new Promise<Connection>((resolve, reject) => {
    let failure: MqttxError | undefined;
    let timer: NodeJS.Timeout | undefined;
    const readyEvent = tls ? 'secureConnect' : 'connect';
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const fail = (err: MqttxError) => {
      if (failure !== undefined) return;
      failure = err;
      socket.destroy(); // 'close' (after the handle is released) rejects
    };
    const onError = (err: Error) => fail(toTransportError(err, shown, 'connect'));
    const onAbort = () => fail(abortError(signal?.reason, shown));
    const onClose = () => {
      cleanup();
      reject(failure ?? new TransportError('ERR_CONNECTION_RESET', `connection to ${shown} closed while connecting`, {
        temporary: true,
        context: { target: shown },
      }));
    };
    const onReady = () => {
      if (failure !== undefined) return;
      cleanup();
      try {
        applySocketOptions(socket, options);
        resolve(new Connection(socket, describe(socket, target, tls), options));
      } catch (err) {
        socket.destroy();
        reject(err);
      }
    };
    const timeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    if (timeout > 0) {
      timer = setTimeout(() => {
        fail(new TransportError('ERR_CONNECT_TIMEOUT', `connecting to ${shown} timed out after ${timeout} ms`, {
          temporary: true,
          timeout: true,
          context: { target: shown, timeoutMs: timeout },
        }));
      }, timeout);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once(readyEvent, onReady);
    socket.on('error', onError);
    socket.once('close', onClose);
  });
}

/** A synchronous throw from `net.connect` / `tls.connect` means unusable options (bad PEM, wrong passphrase, ...). */
function optionError(err: unknown, shown: string, tls: boolean): TransportError {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? code : undefined;
  const context = { target: shown, reason };
  return tls
    ? new TlsError('ERR_TLS_CONFIG', `unusable TLS options for ${shown}${reason ? `: ${reason}` : ''}`, {
        cause: err,
        kind: 'configuration',
        context,
      })
    : new TransportError('ERR_INVALID_OPTION', `unusable socket options for ${shown}${reason ? `: ${reason}` : ''}`, {
        cause: err,
        kind: 'configuration',
        context,
      });
}

function applySocketOptions(socket: Socket, options: ConnectOptions): void {
  socket.setNoDelay(options.noDelay ?? true);
  const keepAlive = options.keepAlive;
  if (keepAlive !== undefined && keepAlive !== false) {
    socket.setKeepAlive(true, typeof keepAlive === 'number' ? keepAlive : 0);
  }
}

/**
 * The last address strings seen: connections to one broker (and from one interface) report equal strings,
 * and each connection keeps the first one instead of a copy of its own.
 */
let lastRemote: string | undefined;
let lastLocal: string | undefined;

function describe(socket: Socket | TLSSocket, target: Target, tls: boolean): ConnectionInfo {
  const tlsSocket = tls ? (socket as TLSSocket) : undefined;
  const alpn = tlsSocket?.alpnProtocol;
  const authError = tlsSocket?.authorizationError as unknown;
  let remoteAddress = socket.remoteAddress;
  if (remoteAddress === lastRemote) remoteAddress = lastRemote;
  else lastRemote = remoteAddress;
  let localAddress = socket.localAddress;
  if (localAddress === lastLocal) localAddress = lastLocal;
  else lastLocal = localAddress;
  const info: ConnectionInfo = {
    target,
    remoteAddress,
    remotePort: socket.remotePort,
    localAddress,
    localPort: socket.localPort,
    encrypted: tls,
    alpnProtocol: typeof alpn === 'string' ? alpn : undefined,
    authorized: tlsSocket?.authorized,
    authorizationError: authError == null ? undefined : String((authError as { code?: unknown }).code ?? authError),
  };
  dropAddressCache(socket);
  return info;
}

/**
 * Node keeps the objects behind `remoteAddress` / `localAddress` on the socket once read (`_peername`,
 * `_sockname`: about 110 bytes per connection). The connection keeps the values it needs, so the socket's
 * copies are dropped; Node reads them from the handle again if anyone asks.
 */
function dropAddressCache(socket: Socket): void {
  const cached = socket as unknown as { _peername?: unknown; _sockname?: unknown };
  if (cached._peername !== undefined) cached._peername = undefined;
  if (cached._sockname !== undefined) cached._sockname = undefined;
}

function tcpOptions(target: Target, options: ConnectOptions): NetConnectOpts {
  // Duplex stream options (writableHighWaterMark) reach net.Socket's constructor; @types/node omits them.
  const net: NetConnectOpts & { writableHighWaterMark?: number } = { host: target.host, port: target.port };
  if (options.highWaterMark !== undefined) net.writableHighWaterMark = options.highWaterMark;
  if (options.localAddress !== undefined) net.localAddress = options.localAddress;
  if (options.family !== undefined) net.family = options.family;
  if (options.lookup !== undefined) net.lookup = options.lookup;
  return net;
}

interface TlsMaterial {
  ca: ConnectOptions['ca'];
  cert: ConnectOptions['cert'];
  key: ConnectOptions['key'];
}

/** `node:tls` and the TLS material, loaded together before a TLS connect. */
interface TlsSetup {
  api: NodeTls;
  material: TlsMaterial;
}

async function loadTlsSetup(options: ConnectOptions, shown: string): Promise<TlsSetup> {
  const [api, material] = await Promise.all([loadTls(), loadTlsFiles(options, shown)]);
  return { api, material };
}

async function loadTlsFiles(options: ConnectOptions, shown: string): Promise<TlsMaterial> {
  if (options.caFile === undefined && options.certFile === undefined && options.keyFile === undefined) {
    return { ca: options.ca, cert: options.cert, key: options.key };
  }
  // Only TLS with certificate files needs `node:fs/promises`.
  const { readFile } = await import('node:fs/promises');
  const read = async (path: string | undefined, name: string) => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path);
    } catch (err) {
      throw new TlsError('ERR_TLS_CONFIG', `cannot read ${name} for ${shown}`, {
        cause: err,
        kind: 'configuration',
        context: { target: shown, option: name, file: path },
      });
    }
  };
  const [ca, cert, key] = await Promise.all([
    read(options.caFile, 'caFile'),
    read(options.certFile, 'certFile'),
    read(options.keyFile, 'keyFile'),
  ]);
  return { ca: ca ?? options.ca, cert: cert ?? options.cert, key: key ?? options.key };
}

/** Node passes these to the TLS socket and its `net` connect; @types/node does not list them. */
type TlsConnectArgs = NodeTlsOptions & { highWaterMark?: number; localAddress?: string; family?: number };

function tlsOptions(target: Target, options: ConnectOptions, material: TlsMaterial, api: NodeTls): TlsConnectArgs {
  const host = target.host;
  const requested = options.servername;
  // SNI carries host names only, never IP literals (RFC 6066 section 3).
  const sni = requested ?? host;
  const tls: TlsConnectArgs = {
    host,
    port: target.port,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
  };
  if (isIP(sni) === 0) tls.servername = sni;
  const check = options.checkServerIdentity ?? api.checkServerIdentity;
  if (requested !== undefined && isIP(requested) !== 0) {
    // An IP servername is not sent, but the certificate must still match it.
    tls.checkServerIdentity = (_host, cert) => check(requested, cert);
  } else if (options.checkServerIdentity !== undefined) {
    tls.checkServerIdentity = options.checkServerIdentity;
  }
  if (material.ca !== undefined) tls.ca = material.ca;
  if (material.cert !== undefined) tls.cert = material.cert;
  if (material.key !== undefined) tls.key = material.key;
  if (options.passphrase !== undefined) tls.passphrase = options.passphrase;
  if (options.alpnProtocols !== undefined) tls.ALPNProtocols = options.alpnProtocols;
  if (options.minVersion !== undefined) tls.minVersion = options.minVersion;
  if (options.maxVersion !== undefined) tls.maxVersion = options.maxVersion;
  if (options.ciphers !== undefined) tls.ciphers = options.ciphers;
  if (options.highWaterMark !== undefined) tls.highWaterMark = options.highWaterMark;
  if (options.localAddress !== undefined) tls.localAddress = options.localAddress;
  if (options.family !== undefined) tls.family = options.family;
  if (options.lookup !== undefined) tls.lookup = options.lookup;
  return tls;
}

