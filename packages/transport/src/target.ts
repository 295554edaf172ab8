/**
 * Targets: where to connect. URLs (`mqtt://`, `tcp://`, `mqtts://`, `ssl://`, `tls://`), `host:port`,
 * `[ipv6]:port`, or a {@link TargetSpec} object. Credentials found in a URL are parsed (percent-decoded) but
 * never shown: a parsed {@link Target} prints, serializes and inspects as its redacted URL.
 *
 * TCP port 1883 and TLS port 8883 are the IANA-registered MQTT ports (MQTT 5.0 section 4.2).
 * @module
 */
import { isIP, isIPv6 } from 'node:net';
import { TransportError } from './errors.js';
import type { ConnectOptions } from './options.js';

/** The two transports: plain TCP and TLS over TCP. */
export type TransportProtocol = 'tcp' | 'tls';

/** Default port of each protocol. */
export const DEFAULT_PORTS: Readonly<Record<TransportProtocol, number>> = Object.freeze({ tcp: 1883, tls: 8883 });

const SCHEMES: Readonly<Record<string, TransportProtocol>> = Object.freeze({
  mqtt: 'tcp',
  tcp: 'tcp',
  mqtts: 'tls',
  ssl: 'tls',
  tls: 'tls',
});

/** A parsed target. `host` holds an IPv6 literal without brackets. */
export interface ParsedTarget {
  /** `'tcp'` or `'tls'` (`mqtts:`, `ssl:` and `tls:` URLs are TLS). */
  readonly protocol: TransportProtocol;
  /** Host name or IP literal (IPv6 without brackets). */
  readonly host: string;
  /** TCP port, 1..65535 (1883 / 8883 when the input gave none). */
  readonly port: number;
  /** User name from the URL, percent-decoded. */
  readonly username?: string;
  /** Password from the URL, percent-decoded. Never displayed. */
  readonly password?: string;
}

/**
 * A target given as an object: either `url` (any form {@link parseTarget} accepts) or `host` with optional
 * `protocol` (default `'tcp'`), `port` (default by protocol) and credentials. `options` override the
 * caller's connect options for this target only (TLS material, timeouts, ...).
 */
export interface TargetSpec {
  /**
   * A URL or `host:port` in any form {@link parseTarget} accepts. When set, `protocol`, `host` and `port` are
   * ignored; `username` / `password` override the URL's credentials.
   */
  url?: string;
  /** Transport used with `host`. Default `'tcp'`. */
  protocol?: TransportProtocol;
  /**
   * Host name or IP literal (IPv6 without brackets); required unless `url` is set (`ERR_INVALID_TARGET`
   * otherwise).
   */
  host?: string;
  /** TCP port 1..65535. Default 1883 for `'tcp'`, 8883 for `'tls'`. */
  port?: number;
  /** User name for the MQTT CONNECT (never displayed by {@link redactTarget}). */
  username?: string;
  /** Password for the MQTT CONNECT (never displayed). */
  password?: string;
  /** Connect options for this target only, overriding the caller's (TLS material, timeouts, ...). */
  options?: ConnectOptions;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A parsed target whose string, JSON and `util.inspect` forms are the redacted URL, so it can be logged
 * safely. `username` / `password` stay readable for the code that needs them (the MQTT CONNECT packet).
 */
export class Target implements ParsedTarget {
  readonly protocol: TransportProtocol;
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;

  /**
   * @param protocol - `tcp` or `tls`
   * @param host - host name or IP literal (IPv6 without brackets)
   * @param port - 1..65535
   * @param username - optional user name
   * @param password - optional password
   */
  constructor(protocol: TransportProtocol, host: string, port: number, username?: string, password?: string) {
    this.protocol = protocol;
    this.host = host;
    this.port = port;
    this.username = username;
    this.password = password;
  }

  /** The redacted URL, e.g. `mqtts://***@broker.example:8883`. */
  toString(): string {
    return formatTarget(this);
  }

  /** JSON form: the redacted URL. */
  toJSON(): string {
    return formatTarget(this);
  }

  /** `util.inspect` form. */
  [INSPECT](): string {
    return `Target<${formatTarget(this)}>`;
  }
}

function invalid(message: string, context: Record<string, unknown>): TransportError {
  return new TransportError('ERR_INVALID_TARGET', message, { kind: 'configuration', context });
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

function checkHost(host: string, shown: string): string {
  if (isIP(host) !== 0 || HOST_NAME.test(host)) return host;
  throw invalid(`invalid host in target ${shown}`, { target: shown });
}

function checkPort(port: unknown, shown: string): number {
  if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) return port;
  throw invalid(`invalid port in target ${shown}: expected 1..65535`, { target: shown });
}

function decode(part: string, shown: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`malformed percent-encoding in the credentials of target ${shown}`, { target: shown });
  }
}

/**
 * Parses a target string. Accepted forms:
 * - `mqtt://host[:port]`, `tcp://...` (TCP, default port 1883); `mqtts://`, `ssl://`, `tls://` (TLS, 8883);
 *   optional `user[:password]@` (percent-decoded); IPv6 literals in brackets; an optional trailing `/`.
 * - `host:port`, `host`, `[ipv6]:port`, `[ipv6]` or a bare IPv6 literal (TCP).
 *
 * @param input - the target
 * @returns a {@link Target} (displays redacted)
 * @throws TransportError `ERR_INVALID_TARGET` (kind `'configuration'`) on anything else, including other
 *   schemes (`ws://`), paths, queries and out-of-range ports. The error shows the target redacted.
 */
export function parseTarget(input: string): Target {
  if (typeof input !== 'string' || input.length === 0) throw invalid('empty target', {});
  const shown = maskCredentials(input);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(input);
  if (scheme === null) return parseHostPort(input, shown);
  const name = scheme[1]!.toLowerCase();
  const protocol = SCHEMES[name];
  if (protocol === undefined) {
    throw invalid(`unsupported scheme ${name}: in target ${shown}`, { target: shown, scheme: name });
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    // The URL parser's error carries the raw input (credentials included): never attach it.
    throw invalid(`malformed target URL ${shown}`, { target: shown });
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw invalid(`a TCP/TLS target takes no path, query or fragment: ${shown}`, { target: shown });
  }
  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') throw invalid(`missing host in target ${shown}`, { target: shown });
  checkHost(host, shown);
  const port = url.port === '' ? DEFAULT_PORTS[protocol] : checkPort(Number(url.port), shown);
  const username = url.username === '' ? undefined : decode(url.username, shown);
  const password = url.password === '' ? undefined : decode(url.password, shown);
  return new Target(protocol, host, port, username, password);
}

function parseHostPort(input: string, shown: string): Target {
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(input);
  if (bracketed !== null) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (!isIPv6(host)) throw invalid(`invalid IPv6 literal in target ${shown}`, { target: shown });
  } else if (isIPv6(input)) {
    host = input;
  } else {
    const plain = /^([^:/?#@[\]\s]+)(?::(\d{1,5}))?$/.exec(input);
    if (plain === null) throw invalid(`invalid target ${shown}`, { target: shown });
    host = checkHost(plain[1]!, shown);
    portText = plain[2];
  }
  const port = portText === undefined ? DEFAULT_PORTS.tcp : checkPort(Number(portText), shown);
  return new Target('tcp', host, port);
}

/**
 * Turns a target string or {@link TargetSpec} into a {@link Target} plus the spec's own options.
 * @throws TransportError `ERR_INVALID_TARGET`
 */
export function resolveTarget(input: string | TargetSpec | ParsedTarget): { target: Target; options: ConnectOptions | undefined } {
  if (typeof input === 'string') return { target: parseTarget(input), options: undefined };
  if (input instanceof Target) return { target: input, options: undefined };
  if (typeof input !== 'object' || input === null) throw invalid('a target must be a string or an object', {});
  const spec = input as TargetSpec;
  if (spec.url !== undefined) {
    const parsed = parseTarget(spec.url);
    const username = spec.username ?? parsed.username;
    const password = spec.password ?? parsed.password;
    return {
      target: new Target(parsed.protocol, parsed.host, parsed.port, username, password),
      options: spec.options,
    };
  }
  const protocol = spec.protocol ?? 'tcp';
  if (protocol !== 'tcp' && protocol !== 'tls') {
    throw invalid(`unsupported protocol ${String(protocol)}`, { protocol: String(protocol) });
  }
  let host = spec.host;
  if (typeof host !== 'string' || host === '') throw invalid('a target object needs a url or a host', {});
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const hasCredentials = spec.username !== undefined || spec.password !== undefined;
  const shown = formatTarget({ protocol, host, port: spec.port ?? DEFAULT_PORTS[protocol], username: hasCredentials ? '' : undefined });
  checkHost(host, shown);
  const port = spec.port === undefined ? DEFAULT_PORTS[protocol] : checkPort(spec.port, shown);
  return { target: new Target(protocol, host, port, spec.username, spec.password), options: spec.options };
}

/** Canonical redacted URL of a parsed target: `scheme://[***@]host:port`. */
function formatTarget(t: { protocol: string; host: string; port: number | unknown; username?: string | undefined; password?: string | undefined }): string {
  const scheme = t.protocol === 'tls' ? 'mqtts' : 'mqtt';
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  const credentials = t.username !== undefined || t.password !== undefined ? '***@' : '';
  return `${scheme}://${credentials}${host}:${String(t.port)}`;
}

/**
 * Best-effort redaction of a string that may not parse: hides everything between `://` (or the start) and
 * the last `@`. Strings without `@` are returned unchanged.
 * @internal
 */
export function maskCredentials(input: string): string {
  const at = input.lastIndexOf('@');
  if (at < 0) return input;
  const start = input.indexOf('://');
  const from = start >= 0 && start < at ? start + 3 : 0;
  return `${input.slice(0, from)}***${input.slice(at)}`;
}

/**
 * A display form of a target with credentials hidden: the canonical `mqtt[s]://[***@]host:port` when it
 * parses, otherwise the input with everything before its last `@` (after the scheme) masked.
 * @param target - a target string, {@link TargetSpec} or parsed target
 */
export function redactTarget(target: string | TargetSpec | ParsedTarget): string {
  try {
    return formatTarget(resolveTarget(target).target);
  } catch {
    if (typeof target === 'string') return maskCredentials(target);
    const spec = target as TargetSpec;
    return typeof spec.url === 'string' ? maskCredentials(spec.url) : '(invalid target)';
  }
}
