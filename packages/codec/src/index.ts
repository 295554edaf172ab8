/**
 * `@mqttx/codec`: MQTT 3.1.1 and 5.0 packet codec.
 * @packageDocumentation
 */
export * from './errors.js';
export type * from './types.js';
