/**
 * `mqttx sub`: subscribe and print every message (text or JSON lines) until Ctrl-C / SIGTERM (exit 0), or
 * until `-C` messages arrived. Reconnects by itself after a lost connection (and says so on stderr).
 * @module
 */
import { isValidTopicFilter } from '@mqttx/codec';
import type { MqttClient as MqttClientType } from '@mqttx/client';
import { parseCommandArgs, parseIntFlag, parseKeyValue, parseQosFlag } from '../args.js';
import { writeOut, type CliContext } from '../context.js';
import { CliError, EXIT, codeOf, messageOf, usageError, type ExitCode } from '../errors.js';
import { formatMessage, type MessageFormat } from '../render/message.js';
import { hex } from '../render/packet-log.js';
import { connectionSettings, userProperties, type ConnectionSettings } from './connection.js';
import { SUB_OPTIONS } from './options.js';

const OPTIONS = SUB_OPTIONS;

/** Validated settings of `mqttx sub`. */
export interface SubSettings {
  /** Connection. */
  connection: ConnectionSettings;
  /** Topic filters. */
  filters: string[];
  /** Requested maximum QoS. */
  qos: 0 | 1 | 2;
  /** Stop after this many messages (undefined: run until stopped). */
  count: number | undefined;
  /** Output format. */
  format: MessageFormat;
  /** MQTT 5 user properties of the SUBSCRIBE. */
  userProperties: Array<[string, string]> | undefined;
}

/**
 * Parses and checks the flags of `mqttx sub`.
 * @throws CliError `ERR_USAGE` / `ERR_FILE`
 */
export function parseSubArgs(args: readonly string[], ctx: Pick<CliContext, 'cwd' | 'env'>): SubSettings {
  const { values: v } = parseCommandArgs(args, OPTIONS);
  if (v.topic.length === 0) throw usageError('-t/--topic is required (repeat it for several filters)');
  for (const filter of v.topic) {
    if (!isValidTopicFilter(filter)) throw usageError('-t/--topic must be a valid topic filter (# last and alone in its level, + alone in its level)');
  }
  const format = v.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw usageError('--format must be text or json');
  const connection = connectionSettings(v, ctx, 'sub');
  return {
    connection,
    filters: v.topic,
    qos: v.qos === undefined ? 0 : parseQosFlag('--qos', v.qos),
    count: v.count === undefined ? undefined : parseIntFlag('--count', v.count, 1, Number.MAX_SAFE_INTEGER),
    format,
    userProperties: userProperties(v['user-property'], connection.protocolVersion, parseKeyValue),
  };
}

/** Runs `mqttx sub`. */
export async function run(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const settings = parseSubArgs(args, ctx);
  for (const w of settings.connection.warnings) ctx.stderr.write(`mqttx: warning: ${w}\n`);
  // The client loads only once the command line is known to be right (usage errors stay fast).
  const { MqttClient } = await import('@mqttx/client');
  const client: MqttClientType = new MqttClient({ ...settings.connection.client, reconnect: {} });
  let closeError: Error | undefined;
  client.on('close', (err) => {
    closeError = err;
  });
  client.on('reconnecting', (info) => {
    const why = info.error === undefined ? '' : ` (${codeOf(info.error)}: ${messageOf(info.error)})`;
    ctx.stderr.write(`mqttx: connection lost${why}; reconnecting in ${(info.delay / 1000).toFixed(1)} s, attempt ${info.attempt}\n`);
  });
  client.on('error', (err) => {
    if (ctx.verbose) ctx.stderr.write(`mqttx: ${codeOf(err)}: ${messageOf(err)}\n`);
  });
  // The iterator exists before the SUBSCRIBE goes out, so retained messages sent right after the SUBACK
  // are printed too; it ends when the signal aborts or the client closes.
  const messages = client.messages({ signal: ctx.signal });
  try {
    await client.connect({ signal: ctx.signal });
    const request: Record<string, 0 | 1 | 2> = {};
    for (const filter of settings.filters) request[filter] = settings.qos;
    const grants = await client.subscribe(
      request,
      settings.userProperties === undefined ? { signal: ctx.signal } : { signal: ctx.signal, properties: { userProperties: settings.userProperties } },
    );
    const refused = grants.filter((g) => g.reasonCode >= 0x80);
    if (refused.length > 0) {
      const list = refused.map((g) => `${g.topicFilter} (${hex(g.reasonCode)})`).join(', ');
      throw new CliError('ERR_SUBSCRIPTION', `the broker refused the subscription to ${list}`);
    }
    let received = 0;
    for await (const msg of messages) {
      await writeOut(ctx.stdout, formatMessage(msg, settings.format));
      if (settings.count !== undefined && ++received >= settings.count) break;
    }
  } catch (err) {
    client.destroy();
    if (ctx.signal.aborted) return EXIT.OK;
    throw err;
  }
  const lost = closeError;
  if (lost !== undefined && !ctx.signal.aborted) throw lost;
  await client.end();
  return EXIT.OK;
}
