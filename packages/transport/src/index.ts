/**
 * `@mqttx/transport`: TCP and TLS connections for MQTT clients. It moves bytes and knows nothing of MQTT:
 * connect timeouts and abort, coalesced writes, an explicit backpressure contract, read / write deadlines,
 * typed errors with stable codes, in-memory duplex pairs, and failover connectors.
 * @packageDocumentation
 */
export { MqttxError, isTemporary, isTimeout } from '@mqttx/codec/errors';
export {
  AllTargetsFailedError,
  TlsError,
  TransportError,
  type TlsErrorCode,
  type TransportErrorCode,
} from './errors.js';
export {
  DEFAULT_PORTS,
  Target,
  parseTarget,
  redactTarget,
  type ParsedTarget,
  type TargetSpec,
  type TransportProtocol,
} from './target.js';
export {
  systemScheduler,
  type ConnectOptions,
  type ConnectionOptions,
  type TimerScheduler,
  type TlsConnectOptions,
} from './options.js';
export { Connection } from './connection.js';
export type { ConnectionEvents, ConnectionHandler, ConnectionInfo } from './connection-types.js';
export { connect, fromDuplex } from './connect.js';
export { createConnector, type Connector, type ConnectorOptions } from './connector.js';
export { createDuplexPair, type DuplexPairOptions } from './duplex-pair.js';
