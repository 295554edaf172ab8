/**
 * One network connection of the driver: the transport `Connection`, the stream decoder reading from it,
 * and the QoS 0 publishes waiting for the write queue to drain.
 * @module
 */
import { Decoder } from '@mqttx/codec';
import type { Connection } from '@mqttx/transport';
import { ConnectionClosedError } from './errors.js';
import { OpSlot } from './slots.js';

/** Callbacks of a {@link Link} into the driver (one bound function each per link, none per packet). */
export interface LinkOwner {
  /** Bytes arrived on `link`. */
  linkData(link: Link, chunk: Buffer): void;
  /** `link` closed (`error`: the transport's, if any). */
  linkClosed(link: Link, error: Error | undefined): void;
}

/** A connection in use by the driver. @internal */
export class Link {
  /** The transport connection. */
  readonly connection: Connection;
  /** Decoder of the server's bytes. */
  readonly decoder: Decoder;
  /** True once CONNACK Success arrived on it. */
  connected: boolean;
  /** When it connected (scheduler time). */
  connectedAt: number;
  /** True once the core asked to close it. */
  closing: boolean;
  /** The error the core closed it with (a protocol violation, a server DISCONNECT, a timeout). */
  closeError: Error | undefined;
  /** True once 'close' was handled. */
  closed: boolean;
  /** Resolver of {@link done}, once someone asked for it. */
  private markDone: (() => void) | undefined = undefined;
  private donePromise: Promise<void> | undefined = undefined;
  /** QoS 0 publish slots written while the write queue was above its high-water mark. */
  private drainWaiting: OpSlot[];
  private readonly owner: LinkOwner;

  /**
   * @param owner - the driver
   * @param connection - an open connection
   * @param protocolVersion - 4 or 5
   * @param maximumPacketSize - our Maximum Packet Size (the decoder refuses larger packets, 0x95)
   */
  constructor(owner: LinkOwner, connection: Connection, protocolVersion: 4 | 5, maximumPacketSize: number | undefined) {
    this.connection = connection;
    this.decoder = new Decoder({ protocolVersion, maximumPacketSize, role: 'client' });
    this.connected = false;
    this.connectedAt = 0;
    this.closing = false;
    this.closeError = undefined;
    this.closed = false;
    this.drainWaiting = [];
    this.owner = owner;
    connection.on('data', this.onData);
    connection.on('close', this.onClose);
    connection.on('drain', this.onDrain);
    // 'error' is always followed by 'close' (which carries the error); listening keeps it from throwing.
    connection.on('error', noop);
  }

  /**
   * Resolves once the driver handled the close (the core knows the link is down). Created on first use:
   * only a failed connection attempt waits for it, so an established link carries no promise.
   */
  get done(): Promise<void> {
    if (this.donePromise === undefined) {
      this.donePromise = this.closed && this.markDone === undefined ? RESOLVED : new Promise<void>((resolve) => (this.markDone = resolve));
    }
    return this.donePromise;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.owner.linkData(this, chunk);
  };

  private readonly onClose = (error: Error | undefined): void => {
    if (this.closed) return;
    this.closed = true;
    this.failDrainWaiting(error);
    try {
      this.owner.linkClosed(this, error);
    } finally {
      const markDone = this.markDone;
      this.markDone = undefined;
      if (markDone !== undefined) markDone();
      else this.donePromise ??= RESOLVED;
    }
  };

  private readonly onDrain = (): void => {
    const waiting = this.drainWaiting;
    if (waiting.length === 0) return;
    this.drainWaiting = [];
    for (let i = 0; i < waiting.length; i++) waiting[i]!.settle(undefined, undefined);
  };

  /**
   * Writes `bytes`; when `slot` is given (a QoS 0 publish) it resolves once the bytes are accepted below
   * the high-water mark, or at the next 'drain'.
   */
  write(bytes: Buffer, slot: OpSlot | undefined): void {
    const ok = this.connection.write(bytes);
    if (slot === undefined) return;
    if (ok) slot.settle(undefined, undefined);
    else if (this.closing || this.closed || this.connection.isClosing) slot.settle(new ConnectionClosedError(), undefined);
    else this.drainWaiting.push(slot);
  }

  /** Ends the connection: gracefully (flush, FIN) unless `hard`. */
  close(error: Error | undefined, hard: boolean): void {
    if (this.closing) return;
    this.closing = true;
    this.closeError = error;
    if (hard) this.connection.destroy(error);
    else void this.connection.end();
  }

  private failDrainWaiting(error: Error | undefined): void {
    const waiting = this.drainWaiting;
    this.drainWaiting = [];
    for (let i = 0; i < waiting.length; i++) waiting[i]!.settle(new ConnectionClosedError(error), undefined);
  }
}

function noop(): void {}

const RESOLVED: Promise<void> = Promise.resolve();
