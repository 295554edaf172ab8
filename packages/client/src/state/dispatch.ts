/**
 * Inbound-packet dispatch of the core: which part handles a packet from the server, before CONNACK
 * (handshake) and after it (inbound publishes, the sender's acks, SUBACK / UNSUBACK, DISCONNECT, AUTH).
 * Unexpected packet types are protocol violations. Called by {@link ClientCore.receive}, one plain call
 * per packet.
 * @module
 */
import type { Packet } from '@mqttx/codec';
import type { ConnectionState } from './connection.js';
import type { ClientCore } from './core.js';
import { HANDSHAKE } from './handshake.js';
import { INBOUND } from './inbound.js';
import { violate } from './lifecycle.js';
import { onPuback, onPubcomp, onPubrec } from './outbound-acks.js';

/** A packet read while waiting for CONNACK. @internal */
export function receiveConnecting(core: ClientCore, conn: ConnectionState, packet: Packet): void {
  switch (packet.type) {
    case 'connack':
      HANDSHAKE.onConnack(core, conn, packet);
      return;
    case 'auth':
      HANDSHAKE.onAuth(core, packet);
      return;
    case 'disconnect':
      HANDSHAKE.onServerDisconnect(core, packet);
      return;
    case 'publish':
      // The server must send CONNACK first [MQTT-3.2.0-1]; a PUBLISH read before it is processed after it.
      (conn.early ??= []).push(packet);
      return;
    default:
      violate(core, 0x82, `unexpected ${packet.type} before CONNACK`, { type: packet.type });
  }
}

/** A packet read on an established connection. @internal */
export function receiveConnected(core: ClientCore, packet: Packet): void {
  switch (packet.type) {
    case 'publish':
      INBOUND.onPublish(core, packet);
      return;
    case 'puback':
      onPuback(core.outbound, packet);
      return;
    case 'pubrec':
      onPubrec(core.outbound, packet);
      return;
    case 'pubcomp':
      onPubcomp(core.outbound, packet);
      return;
    case 'pubrel':
      INBOUND.onPubrel(core, packet);
      return;
    case 'suback':
      core.control.onSuback(packet);
      return;
    case 'unsuback':
      core.control.onUnsuback(packet);
      return;
    case 'pingresp':
      return;
    case 'disconnect':
      HANDSHAKE.onServerDisconnect(core, packet);
      return;
    case 'auth':
      HANDSHAKE.onAuth(core, packet);
      return;
    default:
      // CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, or a second CONNACK [MQTT-3.2.0-2].
      violate(core, 0x82, `unexpected ${packet.type} from the server`, { type: packet.type });
  }
}
