/**
 * `mqttx`: the MQTT session manager: named sessions over `@mqttx/client` with background connects,
 * lifecycle events, routing, forwarders, structured errors and metrics with a Prometheus export. The
 * prom-client bridge is the separate entry `mqttx/prom-client`.
 * @packageDocumentation
 * @mergeModuleWith <project>
 */
export {
  MANAGER_ERROR_CODES,
  ManagerError,
  MqttxError,
  isTemporary,
  isTimeout,
  newAuthenticationError,
  newConfigurationError,
  newConnectionError,
  newForwarderError,
  newInternalError,
  newPublishError,
  newStorageError,
  newSubscriptionError,
  toMqttxError,
  type ErrorKind,
  type ManagerErrorCode,
  type ManagerErrorKind,
  type ManagerErrorOptions,
  type MqttxErrorOptions,
} from './errors.js';
export {
  EventBus,
  MANAGER_EVENT_TYPES,
  REDACT_MAX_DEPTH,
  SENSITIVE_FIELDS,
  isSensitiveField,
  redact,
  redactUrlCredentials,
  type EventBusOptions,
  type ManagerEvent,
  type ManagerEventData,
  type ManagerEventHandler,
  type ManagerEventType,
} from './events.js';
export * from './metrics/index.js';
export { SessionManager, type ManagerLogger, type SessionManagerOptions } from './manager.js';
export {
  Session,
  type SessionPublishOptions,
  type SessionStatusInfo,
  type TimerScheduler,
} from './session/session.js';
export {
  SessionBuilder,
  quickConnect,
  secureConnect,
  sessionBuilder,
  type ReconnectPolicy,
  type SessionTimeouts,
} from './session/builder.js';
export { SessionMessage, type MessageChanges, type MessageHandler, type QoS } from './session/message.js';
export type { Consumer } from './session/subscriptions.js';
export { resolveSessionOptions } from './session/resolve.js';
export {
  SESSION_NEVER_EXPIRES,
  type ConnectProps,
  type FileStorageOptions,
  type MemoryStorageOptions,
  type PerformanceOptions,
  type RedisStorageOptions,
  type ResolvedSessionOptions,
  type SessionOptions,
  type SessionTlsOptions,
  type SessionWillOptions,
  type StorageOptions,
  type TopicOptions,
} from './session/options.js';
export { DEFAULT_BUFFER_SIZE, OVERFLOW_POLICIES, type MailboxSink, type OverflowPolicy } from './routing/mailbox.js';
export {
  Listener,
  Route,
  resolveRouteOptions,
  type ResolvedRouteOptions,
  type RouteFilter,
  type RouteOptions,
  type RouteTransform,
} from './routing/route.js';
export {
  DEFAULT_FORWARDER_BUFFER,
  DEFAULT_MAX_HOPS,
  resolveForwarderConfig,
  type DropPolicy,
  type ForwardFilter,
  type ForwardTransform,
  type ForwarderConfig,
  type ResolvedForwarderConfig,
} from './forward/config.js';
export { Forwarder, type ForwarderHost } from './forward/forwarder.js';
export { ForwarderBuilder, ForwarderManager, forwarderBuilder } from './forward/manager.js';
export { TopicMapper } from './forward/mapping.js';
export { HOPS_PROPERTY, parseEnvelope, type Envelope } from './forward/metadata.js';
// What users need from the client, so `mqttx` alone is enough.
export {
  MqttClient,
  type ClientOptions,
  type Message,
  type PublishOptions,
  type PublishPromise,
  type SubscriptionGrant,
} from '@mqttx/client';
