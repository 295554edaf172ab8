/**
 * `@mqttx/client`: a complete MQTT 3.1.1 and 5.0 client for Node.js.
 *
 * ```ts
 * import { connect } from '@mqttx/client';
 *
 * const client = await connect({ brokers: 'mqtt://127.0.0.1:1883', clientId: 'sensor-1' });
 * client.on('message', (msg) => console.log(msg.topic, msg.payload.toString()));
 * await client.subscribe('sensors/#', { qos: 1 });
 * await client.publish('sensors/1/temp', '21.5', { qos: 1 });
 * await client.end();
 * ```
 *
 * The protocol itself lives in a pure state machine ({@link ClientCore}), exported as an advanced API
 * for drivers of your own (one timer wheel for thousands of sessions, custom I/O).
 * @packageDocumentation
 * @mergeModuleWith <project>
 */
export { MqttxError, isTemporary, isTimeout } from '@mqttx/codec/errors';
export { MqttClient, connect, type SubscribeRequest } from './client.js';
export type {
  ClientEvents,
  ClientStats,
  ClientStatus,
  EndOptions,
  PublishOptions,
  PublishPromise,
  ReconnectingInfo,
  SubscribeOptions,
  SubscriptionGrant,
  SubscriptionOptions,
  UnsubscribeOptions,
  UnsubscribeResult,
} from './events.js';
export type { Message, MessageIterator, MessagesOptions } from './messages.js';
export type { ClientConnector, ClientOptions, ReconnectOptions, Refreshable, WillOptions } from './options.js';
export {
  AbortError,
  AuthenticationError,
  ClientClosedError,
  ConfigError,
  ConnackError,
  ConnectionClosedError,
  ConnectTimeoutError,
  FeatureNotSupportedError,
  InvalidRequestError,
  KeepaliveTimeoutError,
  MessageDroppedError,
  NotConnectedError,
  OfflineQueueFullError,
  PacketIdsExhaustedError,
  PacketTooLargeError,
  ProtocolViolationError,
  PubackError,
  PubrecError,
  QosNotSupportedError,
  RetainNotSupportedError,
  ServerDisconnectError,
  StoreError,
  SubackError,
  connackReturnCodeToReasonCode,
  isTemporaryReasonCode,
  type ServerFeature,
} from './errors.js';
// Session stores: the contract, the memory and file stores, `createStore` (the `store` option's specs).
export * from './store/index.js';
export type { Authenticator, ConnectedInfo, CoreEffects, PersistRecord, ServerLimits } from './state/effects.js';
export type { PersistenceMode, QueueLimits, QueuePolicy, CoreOptions } from './state/options.js';
export {
  ClientCore,
  ConnectOp,
  DisconnectOp,
  PublishOp,
  PublishState,
  ReauthOp,
  RecordingEffects,
  RequestState,
  SubscribeOp,
  UnsubscribeOp,
  type Action,
  type CoreStatus,
  type Credentials,
  type Op,
  type SessionSnapshot,
} from './state/index.js';
export { observeClient, OBSERVER, type ClientObserver, type ObservedEvent } from './observer.js';
