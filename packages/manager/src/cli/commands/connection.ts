/**
 * The connection flags shared by `pub`, `sub` and `bench` (mosquitto-style: `-h` is the broker, so help is
 * `--help` only), and their translation into `@mqttx/client` options. Everything is checked before anything
 * connects; problems are `ERR_USAGE` (exit 2).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { isValidTopicName } from '@mqttx/codec';
import type { ClientOptions, WillOptions } from '@mqttx/client';
import { parseIntFlag, parseQosFlag, parseVersionFlag, type OptionValues } from '../args.js';
import { resolveBrokerFlag, type BrokerUrl } from '../broker-url.js';
import type { CliContext } from '../context.js';
import { usageError } from '../errors.js';
import { readFlagFile } from '../files.js';
import { CONNECTION_OPTIONS } from './options.js';



/** Parsed values of {@link CONNECTION_OPTIONS}. */
export type ConnectionValues = OptionValues<typeof CONNECTION_OPTIONS>;

/** The client options built from the connection flags, and what may be shown of them. */
export interface ConnectionSettings {
  /** Options for `connect()` / `new MqttClient()` (reconnect and the like are added by the command). */
  client: ClientOptions;
  /** The broker (print `broker.shown`, never `broker.url`). */
  broker: BrokerUrl;
  /** Protocol version. */
  protocolVersion: 4 | 5;
  /** Warnings to print to stderr before connecting. */
  warnings: string[];
}

/** `mqttx-pub-1a2b3c4d` */
export function randomClientId(role: string): string {
  return `mqttx-${role}-${randomBytes(4).toString('hex')}`;
}

/**
 * Checks the connection flags and builds the client options.
 * @param v - parsed flags
 * @param ctx - cwd (certificate paths) and env (`MQTTX_PASSWORD`)
 * @param role - used in the default client id
 * @throws CliError `ERR_USAGE` / `ERR_FILE` (exit 2)
 */
export function connectionSettings(v: ConnectionValues, ctx: Pick<CliContext, 'cwd' | 'env'>, role: string): ConnectionSettings {
  const version = v['protocol-version'] === undefined ? 5 : parseVersionFlag('--protocol-version', v['protocol-version']);
  const port = v.port === undefined ? undefined : parseIntFlag('--port', v.port, 1, 65535);
  const wantTls = v.ca !== undefined || v.cert !== undefined || v.key !== undefined || v.insecure;
  const resolved = resolveBrokerFlag(v.broker, port, wantTls);
  if ('problem' in resolved) throw usageError(resolved.problem);
  const warnings: string[] = [];

  const clean = !v['disable-clean-session'];
  if (!clean && v.id === undefined) throw usageError('-c/--disable-clean-session needs -i/--id (a random id cannot resume a session)');
  if (v.id !== undefined && v.id === '' && version === 4 && !clean) throw usageError('an empty client id needs a clean session in MQTT 3.1.1');

  const password = v.password ?? nonEmpty(ctx.env.MQTTX_PASSWORD);
  // MQTT 3.1.1: "If the User Name Flag is set to 0, the Password Flag MUST be set to 0" [MQTT-3.1.2-22].
  if (version === 4 && password !== undefined && v.username === undefined) {
    throw usageError('MQTT 3.1.1 sends a password only with a user name: add -u/--username');
  }

  const client: ClientOptions = {
    brokers: resolved.url.url,
    clientId: v.id ?? randomClientId(role),
    protocolVersion: version,
    clean,
    keepalive: v.keepalive === undefined ? 60 : parseIntFlag('--keepalive', v.keepalive, 0, 65535),
  };
  if (v.username !== undefined) client.username = v.username;
  if (password !== undefined) client.password = password;

  let expiry: number | undefined;
  if (v['session-expiry'] !== undefined) {
    if (version !== 5) throw usageError('--session-expiry needs MQTT 5 (-V 5)');
    expiry = v['session-expiry'].trim() === '-1' ? 0xffffffff : parseIntFlag('--session-expiry', v['session-expiry'], 0, 0xffffffff);
  } else if (!clean && version === 5) {
    // Clean Start 0 alone keeps nothing in 5.0: the session ends with the connection when the Session Expiry
    // Interval is absent or 0, so -c asks for a session that does not expire (as mosquitto's clients do).
    expiry = 0xffffffff;
  }
  if (expiry !== undefined) client.properties = { sessionExpiryInterval: expiry };

  if (wantTls) {
    if ((v.cert === undefined) !== (v.key === undefined)) throw usageError('--cert and --key go together');
    const tls: NonNullable<ClientOptions['tls']> = { rejectUnauthorized: !v.insecure };
    if (v.ca !== undefined) tls.ca = readFlagFile('--ca', v.ca, ctx.cwd);
    if (v.cert !== undefined) tls.cert = readFlagFile('--cert', v.cert, ctx.cwd);
    if (v.key !== undefined) tls.key = readFlagFile('--key', v.key, ctx.cwd);
    if (v.insecure) warnings.push("--insecure: the broker's certificate is not verified");
    client.tls = tls;
  }

  const will = willOptions(v);
  if (will !== undefined) client.will = will;
  return { client, broker: resolved.url, protocolVersion: version, warnings };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function willOptions(v: ConnectionValues): WillOptions | undefined {
  const topic = v['will-topic'];
  if (topic === undefined) {
    // No will: nothing else of it may be set (the CONNECT's Will QoS and Will Retain must then be 0).
    if (v['will-payload'] !== undefined || v['will-qos'] !== undefined || v['will-retain']) {
      throw usageError('--will-payload, --will-qos and --will-retain need --will-topic');
    }
    return undefined;
  }
  if (!isValidTopicName(topic)) throw usageError('--will-topic must be a topic name without wildcards');
  return {
    topic,
    payload: v['will-payload'] ?? '',
    qos: v['will-qos'] === undefined ? 0 : parseQosFlag('--will-qos', v['will-qos']),
    retain: v['will-retain'],
  };
}

/**
 * Parses `--user-property k=v` values (MQTT 5 only).
 * @throws CliError `ERR_USAGE`
 */
export function userProperties(values: readonly string[], version: 4 | 5, parse: (flag: string, value: string) => [string, string]): Array<[string, string]> | undefined {
  if (values.length === 0) return undefined;
  if (version !== 5) throw usageError('--user-property needs MQTT 5 (-V 5)');
  return values.map((value) => parse('--user-property', value));
}
