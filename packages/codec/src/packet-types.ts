/**
 * MQTT control packet type numbers (fixed header bits 7-4) and the flag bits each type requires.
 * @module
 */
import type { PacketType } from './types.js';

/** Packet type numbers by the `type` discriminant of {@link Packet}. */
export const PacketTypeCode = {
  /** 1: client request to connect (client to server). */
  connect: 1,
  /** 2: connect acknowledgment (server to client). */
  connack: 2,
  /** 3: application message (both directions). */
  publish: 3,
  /** 4: QoS 1 publish acknowledgment. */
  puback: 4,
  /** 5: QoS 2 publish received (first step of the QoS 2 exchange). */
  pubrec: 5,
  /** 6: QoS 2 publish release (second step); fixed header flags 0b0010. */
  pubrel: 6,
  /** 7: QoS 2 publish complete (third step). */
  pubcomp: 7,
  /** 8: subscribe request (client to server); fixed header flags 0b0010. */
  subscribe: 8,
  /** 9: subscribe acknowledgment (server to client). */
  suback: 9,
  /** 10: unsubscribe request (client to server); fixed header flags 0b0010. */
  unsubscribe: 10,
  /** 11: unsubscribe acknowledgment (server to client). */
  unsuback: 11,
  /** 12: keepalive ping request (client to server). */
  pingreq: 12,
  /** 13: keepalive ping response (server to client). */
  pingresp: 13,
  /** 14: disconnect notification (client to server; 5.0 also server to client). */
  disconnect: 14,
  /** 15: enhanced authentication exchange (5.0 only, both directions). */
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
