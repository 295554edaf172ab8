/**
 * MQTT control packet type numbers (fixed header bits 7-4) and the flag bits each type requires.
 * @module
 */
import type { PacketType } from './types.js';

/** Packet type numbers by the `type` discriminant of {@link Packet}. */
export const PacketTypeCode = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  unsubscribe: 10,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
  auth: 15,
} as const satisfies Record<PacketType, number>;

const NAMES: readonly (PacketType | undefined)[] = [
  undefined,
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
  'auth',
];

/** The `type` discriminant for a packet type number, or `undefined` for 0 and out-of-range values. */
export function packetTypeName(code: number): PacketType | undefined {
  return NAMES[code];
}

/**
 * Pseudo packet kind of the will properties in a CONNECT (type number 0 is reserved, so it is free).
 * @internal
 */
export const WILL_KIND = 0;

/**
 * Fixed header flags (bits 3-0) every type except PUBLISH must carry: 0b0010 for PUBREL, SUBSCRIBE and
 * UNSUBSCRIBE, 0 for the rest [MQTT-2.1.3-1] [MQTT-2.2.2-1].
 * @internal
 */
export function requiredFlags(type: number): number {
  return type === 6 || type === 8 || type === 10 ? 0b0010 : 0;
}
