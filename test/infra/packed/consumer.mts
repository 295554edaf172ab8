/**
 * Type-checked (never run) by test/infra/packed-install.test.ts in a temp app holding only the PACKED
 * @mqttx/codec, @mqttx/transport, @mqttx/client and `bl` (no optional peers), with `skipLibCheck: false`:
 * every declaration file the main entry points reach must be packed and consistent. The `@ts-expect-error`
 * lines fail the check if a type silently degraded to `any`.
 */
import {
  ClientClosedError,
  ConfigError,
  MqttClient,
  MqttxError,
  PublishState,
  connect,
  createStore,
  isTemporary,
  isTimeout,
  type ClientOptions,
  type FrameProblem,
  type Message,
  type SessionStore,
  type SubscriptionGrant,
} from '@mqttx/client';
import { Decoder, decode, encode, type Packet, type PublishPacket } from '@mqttx/codec';
import { CodecError, MqttxError as CodecMqttxError, type CodecErrorCode } from '@mqttx/codec/errors';
import type { RedisStoreSpec } from '@mqttx/client';

const options: ClientOptions = { brokers: 'mqtt://127.0.0.1:1883', clientId: 'consumer', protocolVersion: 5, reconnect: false };
// @ts-expect-error protocolVersion is 4 or 5
const badOptions: ClientOptions = { protocolVersion: 6 };

export async function run(): Promise<string[]> {
  const client: MqttClient = await connect(options);
  const topics: string[] = [];
  client.on('message', (msg: Message) => {
    const payload: Buffer = msg.payload;
    topics.push(`${msg.topic}:${msg.qos}:${payload.length}`);
  });
  // @ts-expect-error no such event
  client.on('no-such-event', () => undefined);
  const grants: SubscriptionGrant[] = await client.subscribe({ 'a/#': { qos: 2 } });
  const ack = await client.publish('a/b', 'hello', { qos: 2 });
  if (ack !== undefined && ack.type === 'pubcomp') topics.push(String(grants[0]?.qos));
  // @ts-expect-error the payload is a string, Buffer or Uint8Array
  void client.publish('a/b', 42);
  await client.end();
  return topics;
}

export function classify(err: unknown): string {
  if (err instanceof ClientClosedError || err instanceof ConfigError) return err.code;
  if (err instanceof CodecError) {
    const code: CodecErrorCode = err.code;
    return `${code}:${err.reasonCode ?? ''}`;
  }
  if (err instanceof MqttxError) return `${err.code}:${isTemporary(err)}:${isTimeout(err)}`;
  return 'other';
}

export const sameBase: boolean = (MqttxError as unknown) === (CodecMqttxError as unknown);
export const sent: number = PublishState.Sent;
export const problem: FrameProblem = 'torn';
// @ts-expect-error not a frame problem
export const notAProblem: FrameProblem = 'fine';
export const redisSpec: RedisStoreSpec | undefined = undefined;

export async function memoryStore(): Promise<SessionStore> {
  return createStore('memory', { clientId: 'consumer' });
}

export function roundTrip(p: PublishPacket): Packet[] {
  const bytes: Buffer = encode(p, { protocolVersion: 5 });
  const decoder = new Decoder({ protocolVersion: 5, role: 'client' });
  return [decode(bytes, { protocolVersion: 5 }), ...decoder.push(bytes)];
}

void badOptions;
