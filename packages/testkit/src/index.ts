/**
 * This package is being built; see the repository's open issues. Until then it only re-exports the project's
 * error base.
 * @packageDocumentation
 */
export { MqttxError, isTemporary, isTimeout } from '@mqttx/codec/errors';
