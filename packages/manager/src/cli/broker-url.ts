/**
 * Broker addresses as the CLI and the config accept them: `mqtt://`, `tcp://` (TCP) and `mqtts://`,
 * `ssl://`, `tls://` (TLS) URLs, or `host[:port]` / `[ipv6][:port]` for the command line's `-h`.
 * @module
 */

/** URL schemes accepted for a broker, and whether each is TLS. */
export const BROKER_SCHEMES: Readonly<Record<string, boolean>> = Object.freeze({
  mqtt: false,
  tcp: false,
  mqtts: true,
  ssl: true,
  tls: true,
});

/** The problem message for a broker that is not an accepted URL. */
export const BROKER_URL_MESSAGE = 'must be an mqtt://, mqtts://, tcp://, ssl:// or tls:// URL';

/** A checked broker URL. */
export interface BrokerUrl {
  /** The URL as given (credentials included: never print it, print `shown`). */
  url: string;
  /** The URL with its credentials replaced by `***`. */
  shown: string;
  /** Whether the scheme is a TLS one. */
  tls: boolean;
  /** Whether the URL carries a port. */
  hasPort: boolean;
}

/**
 * Checks a broker URL: an accepted scheme, a host, a port in 1..65535 if any, and no path, query or
 * fragment. Returns undefined when it is not one.
 */
export function parseBrokerUrl(text: string): BrokerUrl | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (m === null) return undefined;
  const tls = BROKER_SCHEMES[m[1]!.toLowerCase()];
  if (tls === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') return undefined;
  if (url.port !== '' && Number(url.port) === 0) return undefined;
  const shown = url.username === '' && url.password === '' ? text : text.replace(/^([^:]+:\/\/)[^@/]*@/, '$1***@');
  return { url: text, shown, tls, hasPort: url.port !== '' };
}

/**
 * Turns the command line's `-h` value (URL or `host[:port]`) and `-p` into a broker URL.
 * @returns the URL, or a problem message
 */
export function resolveBrokerFlag(
  broker: string | undefined,
  port: number | undefined,
  wantTls: boolean,
): { url: BrokerUrl } | { problem: string } {
  const value = broker ?? '127.0.0.1';
  if (value.includes('://')) {
    const url = parseBrokerUrl(value);
    if (url === undefined) return { problem: `--broker ${BROKER_URL_MESSAGE}, or host[:port]` };
    if (port !== undefined) return { problem: '--port cannot be combined with a URL in --broker (put the port in the URL)' };
    if (wantTls && !url.tls) return { problem: '--ca, --cert, --key and --insecure need a TLS broker (mqtts://)' };
    return { url };
  }
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(value);
  const plain = /^([A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(value);
  const bareV6 = /^[0-9A-Fa-f]*:[0-9A-Fa-f:.]*$/.test(value) && value.split(':').length > 2;
  let host: string;
  let portText: string | undefined;
  if (bracketed !== null) {
    host = `[${bracketed[1]!}]`;
    portText = bracketed[2];
  } else if (bareV6) {
    host = `[${value}]`;
  } else if (plain !== null) {
    host = plain[1]!;
    portText = plain[2];
  } else {
    return { problem: `--broker ${BROKER_URL_MESSAGE}, or host[:port]` };
  }
  if (portText !== undefined && port !== undefined) return { problem: '--port given twice (in --broker and --port)' };
  const p = port ?? (portText === undefined ? (wantTls ? 8883 : 1883) : Number(portText));
  if (!Number.isInteger(p) || p < 1 || p > 65535) return { problem: '--broker port must be from 1 to 65535' };
  const url = parseBrokerUrl(`${wantTls ? 'mqtts' : 'mqtt'}://${host}:${p}`);
  return url === undefined ? { problem: `--broker ${BROKER_URL_MESSAGE}, or host[:port]` } : { url };
}
