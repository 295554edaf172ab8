/**
 * The broker's log of every packet exchanged, and `waitFor`, an event-driven way to wait for a packet.
 * @module
 */
import type { Packet, PacketType } from '@mqttx/codec';
import { TestkitError } from './errors.js';

/** Direction of a packet as seen from the broker: `'in'` from a client, `'out'` to a client. */
export type Direction = 'in' | 'out';

/** One packet received or sent by the broker. */
export interface PacketRecord {
  /** Position in {@link Broker.records} (0-based, never reused until {@link Broker.clearRecords}). */
  readonly seq: number;
  /** Broker clock time (ms) when the packet was received (decoded) or written. */
  readonly t: number;
  /** `'in'`: received from the client; `'out'`: written by the broker. */
  readonly direction: Direction;
  /** Connection id (see {@link BrokerConnection.id}). */
  readonly connId: number;
  /** Client id once known (after CONNECT), else undefined. */
  readonly clientId: string | undefined;
  /** The packet; null for raw bytes written by a fault (see `raw`). */
  readonly packet: Packet | null;
  /** Raw bytes written by `sendRaw` or a `replace` fault; null for ordinary packets. */
  readonly raw: Buffer | null;
}

/** Selects records: a predicate or a partial description (every given field must match). */
export type RecordMatcher =
  | ((record: PacketRecord) => boolean)
  | {
      /** Only packets received (`'in'`) or written (`'out'`) by the broker. */
      direction?: Direction;
      /** Only these packet types (one or a list); never matches raw-byte records. */
      type?: PacketType | readonly PacketType[];
      /** Only records of the connection with this client id. */
      clientId?: string;
      /** Only records of this connection ({@link BrokerConnection.id}). */
      connId?: number;
      /** Extra test on the packet (called only for records that carry a packet). */
      where?: (packet: Packet, record: PacketRecord) => boolean;
    };

/** Options of {@link Broker.waitFor}. */
export interface WaitForOptions {
  /** Milliseconds (wall clock) before the promise rejects with `ERR_WAIT_TIMEOUT`. Default 5000. */
  timeout?: number;
  /**
   * Only consider records with `seq >= since`. Default 0: a matching record already in the log resolves at
   * once. Pass `broker.records.length` taken before an action to wait only for what follows it.
   */
  since?: number;
}

/** Turns a {@link RecordMatcher} into a predicate. */
export function toPredicate(matcher: RecordMatcher): (record: PacketRecord) => boolean {
  if (typeof matcher === 'function') return matcher;
  const { direction, type, clientId, connId, where } = matcher;
  const types = type === undefined ? undefined : typeof type === 'string' ? [type] : type;
  return (r) => {
    if (direction !== undefined && r.direction !== direction) return false;
    if (clientId !== undefined && r.clientId !== clientId) return false;
    if (connId !== undefined && r.connId !== connId) return false;
    if (types !== undefined && (r.packet === null || !types.includes(r.packet.type))) return false;
    if (where !== undefined && (r.packet === null || !where(r.packet, r))) return false;
    return true;
  };
}

interface Waiter {
  test: (r: PacketRecord) => boolean;
  since: number;
  resolve: (r: PacketRecord) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The packet log. Appending is O(1); waiters are checked on every append (there are rarely more than a few). */
export class RecordLog {
  /** Records in order. */
  readonly records: PacketRecord[] = [];
  private waiters: Waiter[] = [];
  private seqBase = 0;
  private closedError: Error | undefined;

  /**
   * @param enabled - when false nothing is stored (waiters still see every record)
   * @param onRecord - called for every record (the broker's `packet` event)
   */
  constructor(
    private readonly enabled: boolean,
    private readonly onRecord: (r: PacketRecord) => void,
  ) {}

  /** Appends a record and wakes matching waiters. */
  add(t: number, direction: Direction, connId: number, clientId: string | undefined, packet: Packet | null, raw: Buffer | null): void {
    const record: PacketRecord = { seq: this.seqBase + this.records.length, t, direction, connId, clientId, packet, raw };
    if (this.enabled) this.records.push(record);
    else this.seqBase++;
    if (this.waiters.length > 0) this.wake(record);
    this.onRecord(record);
  }

  private wake(record: PacketRecord): void {
    const waiters = this.waiters;
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (record.seq < w.since || !w.test(record)) continue;
      waiters.splice(i--, 1);
      clearTimeout(w.timer);
      w.resolve(record);
    }
  }

  /**
   * Resolves with the first record matching `matcher` (already logged, from `since`, or yet to come).
   * Rejects with `ERR_WAIT_TIMEOUT` after `timeout` ms and with `ERR_BROKER_CLOSED` when the broker closes.
   */
  waitFor(matcher: RecordMatcher, opts: WaitForOptions = {}): Promise<PacketRecord> {
    const test = toPredicate(matcher);
    const since = opts.since ?? 0;
    for (let i = Math.max(0, since - this.seqBase); i < this.records.length; i++) {
      const r = this.records[i]!;
      if (test(r)) return Promise.resolve(r);
    }
    if (this.closedError) return Promise.reject(this.closedError);
    const timeout = opts.timeout ?? 5000;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        test,
        since,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new TestkitError('ERR_WAIT_TIMEOUT', `no matching packet within ${timeout} ms`, { timeout: true }));
        }, timeout),
      };
      this.waiters.push(waiter);
    });
  }

  /** Forgets stored records (sequence numbers keep increasing). */
  clear(): void {
    this.seqBase += this.records.length;
    this.records.length = 0;
  }

  /** Rejects every pending waiter (broker closed); later waits reject at once unless already satisfied. */
  close(): void {
    this.closedError = new TestkitError('ERR_BROKER_CLOSED', 'the broker was closed');
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(this.closedError);
    }
  }
}
