/**
 * `@mqttx/testkit`: a small, real MQTT 3.1.1 / 5.0 broker for tests and demos, with scripting and fault
 * injection (drop the link at packet N, withhold / delay acks, raw malformed bytes, server DISCONNECT with
 * any reason code, CONNACK overrides, refusals, paused reading) and a record of every packet.
 *
 * ```ts
 * const broker = await startBroker();
 * broker.dropAfter({ direction: 'out', type: 'puback', count: 3 });
 * // ... connect a client to broker.url ...
 * await broker.waitFor({ direction: 'in', type: 'disconnect' });
 * await broker.close();
 * ```
 * @packageDocumentation
 */
export { MqttxError, isTemporary, isTimeout } from '@mqttx/codec/errors';
export { Broker, startBroker } from './broker.js';
export type { BrokerEvents, BrokerPublishOptions, RetainedInfo } from './broker.js';
export { ManualClock, systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export type { BrokerConnection, ConnectionState, TransportKind } from './connection-types.js';
export { connackCodeFor } from './connect.js';
export { TestkitError } from './errors.js';
export type { TestkitErrorCode } from './errors.js';
export { FaultHandle, RefusalHandle } from './faults.js';
export type { FaultAction, FaultRule, PacketContext, PacketMatch, RefuseOptions } from './faults.js';
export type {
  AuthContext,
  AuthResult,
  BrokerHooks,
  BrokerOptions,
  BrokerTlsOptions,
  ConnackOverride,
  ResolvedBrokerOptions,
  SubscribeContext,
} from './options.js';
export type { Direction, PacketRecord, RecordMatcher, WaitForOptions } from './records.js';
export type { SessionInfo, SubscriptionInfo } from './session.js';
