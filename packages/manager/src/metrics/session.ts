/**
 * Per-session counters. The manager calls the `record*` methods from its message paths (a few integer
 * additions each) and {@link SessionMetrics.snapshot} when someone asks.
 * @module
 */
import { RateTracker } from './rate.js';
import type { SessionMetricsSnapshot, SessionStatus } from './types.js';

/** Configuration flags shown by `mqtt_session_persistent`, `_clean_session` and `_auto_reconnect`. */
export interface SessionMetricsOptions {
  /** Session state kept in a persistent store. Default false. */
  persistent?: boolean;
  /** Connects with Clean Session / Clean Start. Default true. */
  cleanSession?: boolean;
  /** Reconnects by itself. Default true. */
  autoReconnect?: boolean;
  /** Initial status. Default `disconnected`. */
  status?: SessionStatus;
}

/**
 * Counters, gauges and rates of one session. Fields are plain numbers written in place; every `record*`
 * method takes the caller's `now` (ms) instead of reading a clock. It keeps every field of its
 * {@link SessionMetricsSnapshot} but those computed when the snapshot is taken.
 */
export class SessionMetrics implements Omit<SessionMetricsSnapshot, 'connected' | 'messageRate' | 'avgMessageRate' | 'bytesRate'> {
  /** Session name. */
  readonly name: string;
  /** Current lifecycle state. */
  status: SessionStatus;
  /** See {@link SessionMetricsOptions.persistent}. */
  persistent: boolean;
  /** See {@link SessionMetricsOptions.cleanSession}. */
  cleanSession: boolean;
  /** See {@link SessionMetricsOptions.autoReconnect}. */
  autoReconnect: boolean;
  /** Messages published. */
  messagesSent: number;
  /** Messages received. */
  messagesReceived: number;
  /** Bytes of the messages published. */
  bytesSent: number;
  /** Bytes of the messages received. */
  bytesReceived: number;
  /** Errors counted. */
  errors: number;
  /** Reconnect attempts. */
  reconnects: number;
  /** Current subscriptions. */
  subscriptions: number;
  /** Time of the last message either way, 0 if none. */
  lastMessageAt: number;
  /** Time of the last error, 0 if none. */
  lastErrorAt: number;
  /** Rates over both directions. */
  readonly rate: RateTracker;

  /**
   * @param name - session name
   * @param now - the caller's clock at creation, ms (becomes `startedAt`)
   * @param options - configuration flags and initial status
   */
  constructor(name: string, now: number, options: SessionMetricsOptions = {}) {
    this.name = name;
    this.status = options.status ?? 'disconnected';
    this.persistent = options.persistent ?? false;
    this.cleanSession = options.cleanSession ?? true;
    this.autoReconnect = options.autoReconnect ?? true;
    this.messagesSent = 0;
    this.messagesReceived = 0;
    this.bytesSent = 0;
    this.bytesReceived = 0;
    this.errors = 0;
    this.reconnects = 0;
    this.subscriptions = 0;
    this.lastMessageAt = 0;
    this.lastErrorAt = 0;
    this.rate = new RateTracker(now);
  }

  /** Time the metrics were created, ms. */
  get startedAt(): number {
    return this.rate.startedAt;
  }

  /** Counts one message published, carrying `bytes` bytes, at `now`. */
  recordSent(bytes: number, now: number): void {
    this.messagesSent++;
    this.bytesSent += bytes;
    this.lastMessageAt = now;
    this.rate.record(now, 1, bytes);
  }

  /** Counts one message received, carrying `bytes` bytes, at `now`. */
  recordReceived(bytes: number, now: number): void {
    this.messagesReceived++;
    this.bytesReceived += bytes;
    this.lastMessageAt = now;
    this.rate.record(now, 1, bytes);
  }

  /** Counts one error at `now`. */
  recordError(now: number): void {
    this.errors++;
    this.lastErrorAt = now;
  }

  /** Counts one reconnect attempt. */
  recordReconnect(): void {
    this.reconnects++;
  }

  /** Sets the subscription gauge. */
  setSubscriptions(count: number): void {
    this.subscriptions = count;
  }

  /** Sets the lifecycle state. */
  setStatus(status: SessionStatus): void {
    this.status = status;
  }

  /** A plain copy of everything, with rates computed at `now`. */
  snapshot(now: number): SessionMetricsSnapshot {
    const rate = this.rate;
    return {
      name: this.name,
      status: this.status,
      connected: this.status === 'connected',
      persistent: this.persistent,
      cleanSession: this.cleanSession,
      autoReconnect: this.autoReconnect,
      messagesSent: this.messagesSent,
      messagesReceived: this.messagesReceived,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      errors: this.errors,
      reconnects: this.reconnects,
      subscriptions: this.subscriptions,
      messageRate: rate.messageRate(now),
      avgMessageRate: rate.avgMessageRate(now),
      bytesRate: rate.bytesRate(now),
      lastMessageAt: this.lastMessageAt,
      lastErrorAt: this.lastErrorAt,
      startedAt: rate.startedAt,
    };
  }
}
