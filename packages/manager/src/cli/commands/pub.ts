/**
 * `mqttx pub`: publish one message (`-m`, `-f`, `-s`, `-n`) or one message per line of standard input
 * (`-l`), then disconnect gracefully. Exit 0 once every message is acknowledged as its QoS requires.
 * @module
 */
import { createInterface } from 'node:readline';
import { isValidTopicName } from '@mqttx/codec';
import type { MqttClient, PublishOptions } from '@mqttx/client';
import { parseCommandArgs, parseKeyValue, parseQosFlag } from '../args.js';
import { interruptedExit, type CliContext } from '../context.js';
import { EXIT, usageError, type ExitCode } from '../errors.js';
import { readFlagFile } from '../files.js';
import { connectionSettings, userProperties, type ConnectionSettings } from './connection.js';
import { PUB_OPTIONS } from './options.js';

const OPTIONS = PUB_OPTIONS;

/** Where the payload comes from. */
export type PubSource =
  | { kind: 'message'; payload: Buffer }
  | { kind: 'stdin-lines' }
  | { kind: 'stdin-file' };

/** Validated settings of `mqttx pub`. */
export interface PubSettings {
  /** Connection. */
  connection: ConnectionSettings;
  /** Topic name. */
  topic: string;
  /** Payload source. */
  source: PubSource;
  /** Options of every publish. */
  publish: { qos: 0 | 1 | 2; retain: boolean; properties?: { userProperties: Array<[string, string]> } };
}

/**
 * Parses and checks the flags of `mqttx pub` (files are read here, so a missing one is exit 2).
 * @throws CliError `ERR_USAGE` / `ERR_FILE`
 */
export function parsePubArgs(args: readonly string[], ctx: Pick<CliContext, 'cwd' | 'env'>): PubSettings {
  const { values: v } = parseCommandArgs(args, OPTIONS);
  if (v.topic === undefined) throw usageError('-t/--topic is required');
  // A PUBLISH topic name carries no wildcards [MQTT-3.3.2-2] and is not empty.
  if (!isValidTopicName(v.topic)) throw usageError('-t/--topic must be a topic name: not empty, no + or # wildcards');
  const given = [v.message !== undefined, v.file !== undefined, v['stdin-lines'], v['stdin-file'], v['null-message']].filter(Boolean).length;
  if (given !== 1) throw usageError('give exactly one of -m/--message, -f/--file, -l/--stdin-lines, -s/--stdin-file, -n/--null-message');
  const connection = connectionSettings(v, ctx, 'pub');
  let source: PubSource;
  if (v.message !== undefined) source = { kind: 'message', payload: Buffer.from(v.message, 'utf8') };
  else if (v.file !== undefined) source = { kind: 'message', payload: readFlagFile('--file', v.file, ctx.cwd) };
  else if (v['null-message']) source = { kind: 'message', payload: Buffer.alloc(0) };
  else source = { kind: v['stdin-lines'] ? 'stdin-lines' : 'stdin-file' };
  const props = userProperties(v['user-property'], connection.protocolVersion, parseKeyValue);
  const publish: PubSettings['publish'] = {
    qos: v.qos === undefined ? 0 : parseQosFlag('--qos', v.qos),
    retain: v.retain,
  };
  if (props !== undefined) publish.properties = { userProperties: props };
  return { connection, topic: v.topic, source, publish };
}

/** Most publishes in flight at once while reading lines (the client queues the rest in order anyway). */
const WINDOW = 64;

async function publishLines(client: MqttClient, settings: PubSettings, ctx: CliContext, options: PublishOptions): Promise<void> {
  const lines = createInterface({ input: ctx.stdin(), crlfDelay: Infinity, signal: ctx.signal });
  const pending = new Set<Promise<unknown>>();
  let failure: unknown;
  try {
    for await (const line of lines) {
      if (line === '') continue;
      const p: Promise<void> = client.publish(settings.topic, line, options).then(
        (): void => {
          pending.delete(p);
        },
        (err: unknown): void => {
          pending.delete(p);
          failure ??= err;
        },
      );
      pending.add(p);
      if (pending.size >= WINDOW) await Promise.race(pending);
      if (failure !== undefined) break;
    }
  } finally {
    lines.close();
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
}

async function readAll(ctx: CliContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin()) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Runs `mqttx pub`. */
export async function run(args: readonly string[], ctx: CliContext): Promise<ExitCode> {
  const settings = parsePubArgs(args, ctx);
  for (const w of settings.connection.warnings) ctx.stderr.write(`mqttx: warning: ${w}\n`);
  let payload: Buffer | undefined;
  if (settings.source.kind === 'message') payload = settings.source.payload;
  else if (settings.source.kind === 'stdin-file') payload = await readAll(ctx);
  if (ctx.signal.aborted) return interruptedExit(ctx.signal);

  // The client loads only once the command line is known to be right (usage errors stay fast).
  const { connect } = await import('@mqttx/client');
  let client: MqttClient;
  try {
    client = await connect({ ...settings.connection.client, reconnect: false, signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) return interruptedExit(ctx.signal);
    throw err;
  }
  const options: PublishOptions = { ...settings.publish, signal: ctx.signal };
  try {
    if (payload !== undefined) await client.publish(settings.topic, payload, options);
    else await publishLines(client, settings, ctx, options);
  } catch (err) {
    client.destroy();
    if (ctx.signal.aborted) return interruptedExit(ctx.signal);
    throw err;
  }
  if (ctx.signal.aborted) {
    client.destroy();
    return interruptedExit(ctx.signal);
  }
  await client.end();
  return EXIT.OK;
}
