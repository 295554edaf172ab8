/**
 * `mqttx`: the MQTT session manager. This entry holds the foundations the manager is built on (structured
 * errors, the event bus, metrics and their Prometheus export); the session manager, routing and forwarders
 * join it as they land. The prom-client bridge is the separate entry `mqttx/prom-client`.
 * @packageDocumentation
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
