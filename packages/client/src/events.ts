/**
 * Event map, counters and result types of {@link MqttClient}.
 * @module
 */
import type { DisconnectPacket, Properties, PubackPacket, PubcompPacket, QoS } from '@mqttx/codec';
import type { Message } from './messages.js';
import type { ConnectedInfo } from './state/effects.js';

/** Payload of the `reconnecting` event. */
export interface ReconnectingInfo {
  /** Consecutive attempt number since the last stable connection (1, 2, ...). */
  attempt: number;
  /** Milliseconds until the attempt. */
  delay: number;
  /** Why the previous connection or attempt ended (undefined for a clean close). */
  error: Error | undefined;
}

/**
 * Events of {@link MqttClient}. No event carries a secret (passwords, tokens, authentication data of
 * CONNECT are never included).
 */
export interface ClientEvents {
  /** An application message arrived (see {@link Message}). */
  message: [message: Message];
  /** CONNACK Success: session present, client id, keepalive, server limits and the CONNACK's properties. */
  connect: [info: ConnectedInfo];
  /** A reconnect attempt is scheduled. */
  reconnecting: [info: ReconnectingInfo];
  /** The subscriptions the session needs are in place (after a connect; after resubscribing when the session was lost). */
  ready: [];
  /** The server sent DISCONNECT (MQTT 5): its reason code and properties (reason string, server reference). */
  disconnect: [packet: DisconnectPacket];
  /** An established connection was lost or closed (with its error, if any). */
  offline: [error: Error | undefined];
  /** The client closed for good (`end()`, `destroy()`, or reconnect gave up), with the error, if any. Once. */
  close: [error: Error | undefined];
  /**
   * Errors worth reporting that settle no promise: connection errors, store write failures, throwing
   * message handlers. Emitted only when a listener exists, so an unheard error never throws.
   */
  error: [error: Error];
}

/** Counters of a client (plain numbers, updated as things happen). */
export interface ClientStats {
  /** PUBLISH packets written (resends included). */
  messagesSent: number;
  /** PUBLISH packets received and delivered (duplicates of a QoS 2 exchange are not delivered again). */
  messagesReceived: number;
  /** Bytes written to the network. */
  bytesSent: number;
  /** Bytes read from the network. */
  bytesReceived: number;
  /** Reconnect attempts scheduled (`reconnecting` events). */
  reconnects: number;
  /** Incoming messages dropped from the hold queue because nobody listened (`maxHeldMessages`). */
  messagesDropped: number;
}

/** Options of {@link MqttClient.publish}. */
export interface PublishOptions {
  /** QoS 0, 1 or 2. Default 0. */
  qos?: QoS;
  /** RETAIN flag. Default false. */
  retain?: boolean;
  /** MQTT 5 PUBLISH properties (no topic alias or subscription identifier: the client manages those). */
  properties?: Properties;
  /** Stop waiting; an unsent publish is withdrawn. */
  signal?: AbortSignal;
}

/**
 * The promise of {@link MqttClient.publish}: resolves with `undefined` (QoS 0, once written), the PUBACK
 * (QoS 1) or the PUBCOMP (QoS 2). `stored` is the durable moment: it resolves once the message's session
 * record is written to the store (with persistence `durable` the PUBLISH is sent only after that), or at
 * once without persistence and for QoS 0. It also resolves when the server acknowledged the message first,
 * and rejects (without ever being an unhandled rejection) when the publish failed before it was stored.
 */
export type PublishPromise = Promise<PubackPacket | PubcompPacket | undefined> & {
  /**
   * Resolves once the message's session record is in the store (at once without persistence and for QoS 0,
   * or when the server acknowledged first); rejects when the publish failed before it was stored.
   */
  readonly stored: Promise<void>;
};

/** Per-filter options of a subscription. */
export interface SubscriptionOptions {
  /** Maximum QoS. Default 0. */
  qos?: QoS;
  /** MQTT 5: do not receive our own publications. */
  noLocal?: boolean;
  /** MQTT 5: keep the RETAIN flag as published. */
  retainAsPublished?: boolean;
  /** MQTT 5: 0 send retained messages, 1 only for a new subscription, 2 never. */
  retainHandling?: 0 | 1 | 2;
}

/** Options of {@link MqttClient.subscribe} (defaults for every filter, and the SUBSCRIBE properties). */
export interface SubscribeOptions extends SubscriptionOptions {
  /** MQTT 5 Subscription Identifier (1..268,435,455). */
  subscriptionIdentifier?: number;
  /** MQTT 5 SUBSCRIBE properties (user properties). */
  properties?: Properties;
  /** Stop waiting; an unsent subscribe is withdrawn. */
  signal?: AbortSignal;
}

/** The server's answer for one filter of a SUBSCRIBE. */
export interface SubscriptionGrant {
  /** The filter. */
  topicFilter: string;
  /** SUBACK reason code: the granted QoS (0, 1, 2) or a failure code (>= 0x80). */
  reasonCode: number;
  /** Granted QoS, or undefined when refused. */
  qos: QoS | undefined;
}

/** Options of {@link MqttClient.unsubscribe}. */
export interface UnsubscribeOptions {
  /** MQTT 5 UNSUBSCRIBE properties (user properties). */
  properties?: Properties;
  /** Stop waiting; an unsent unsubscribe is withdrawn. */
  signal?: AbortSignal;
}

/** The server's answer for one filter of an UNSUBSCRIBE. */
export interface UnsubscribeResult {
  /** The filter. */
  topicFilter: string;
  /** UNSUBACK reason code (MQTT 5: 0x00 success, 0x11 no subscription existed, >= 0x80 refused; 3.1.1: 0). */
  reasonCode: number;
}

/** Options of {@link MqttClient.end}. */
export interface EndOptions {
  /** MQTT 5 DISCONNECT reason code (0x00 normal, 0x04 disconnect with will message). Default 0. */
  reasonCode?: number;
  /** MQTT 5 DISCONNECT properties (session expiry interval, reason string, user properties). */
  properties?: Properties;
  /** Milliseconds to wait for in-flight messages and requests before disconnecting. Default 10000. */
  timeout?: number;
}

/** Where the client stands. */
export type ClientStatus = 'new' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closing' | 'closed';
