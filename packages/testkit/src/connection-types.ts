/**
 * The public view of a client link ({@link BrokerConnection}): identity, state and the per-link fault
 * controller.
 * @module
 */
import type { PeerCertificate } from 'node:tls';
import type { ConnectPacket, Packet, Properties } from '@mqttx/codec';

/** How a link reached the broker. */
export type TransportKind = 'tcp' | 'tls' | 'duplex';

/** Life stage of a link. */
export type ConnectionState = 'new' | 'connecting' | 'connected' | 'closing' | 'closed';

/**
 * A client link as seen by tests: identity, state and a fault controller. Obtained from
 * `broker.connections`, `broker.clients`, events and hook arguments.
 */
export interface BrokerConnection {
  /** Broker-unique connection id (1, 2, ...). */
  readonly id: number;
  /** How the link reached the broker: TCP listener, TLS listener or an in-memory duplex. */
  readonly transport: TransportKind;
  /** Peer IP address; `undefined` for in-memory links. */
  readonly remoteAddress: string | undefined;
  /** Peer port; `undefined` for in-memory links. */
  readonly remotePort: number | undefined;
  /** Client id once the CONNECT was accepted (the assigned one for an empty id). */
  readonly clientId: string | undefined;
  /** Protocol level from the CONNECT (3, 4 or 5). */
  readonly protocolVersion: 3 | 4 | 5 | undefined;
  /** The CONNECT packet, once received. */
  readonly connectPacket: ConnectPacket | undefined;
  /** The CONNACK sent, once sent. */
  readonly connackPacket: Packet | undefined;
  /** Life stage of the link. */
  readonly state: ConnectionState;
  /** Shorthand for `state === 'connected'`. */
  readonly connected: boolean;
  /** Resolves when the link is fully closed. */
  readonly whenClosed: Promise<void>;
  /** TLS peer certificate (TLS links with a client certificate). */
  readonly peerCertificate: PeerCertificate | undefined;
  /** Whether the TLS peer certificate verified (TLS links). */
  readonly authorized: boolean | undefined;
  /** Whether reading is paused by {@link BrokerConnection.pauseReading}. */
  readonly readingPaused: boolean;
  /** Stops reading from the client (it sees backpressure; keepalive keeps running). */
  pauseReading(): void;
  /** Resumes reading, first processing packets already read. */
  resumeReading(): void;
  /** Writes a packet as is (no fault rules, no state changes); recorded as `out`. */
  send(packet: Packet): void;
  /** Writes raw bytes (malformed packets, partial packets); recorded with `raw`. */
  sendRaw(bytes: Buffer): void;
  /**
   * Sends DISCONNECT (5.0 links after a successful CONNACK [MQTT-3.14.0-1]; other links are just closed)
   * and closes the link. The will is published (this is not a client DISCONNECT 0x00).
   * @returns resolves when the link is closed
   */
  disconnect(reasonCode?: number, properties?: Properties): Promise<void>;
  /** Closes the link abruptly (no DISCONNECT, nothing flushed). The will is published. */
  destroy(): void;
}
