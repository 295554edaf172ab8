/**
 * One network connection of the driver: the transport `Connection`, the decoding of the server's bytes
 * (through a decoder shared by idle links), and the QoS 0 publishes waiting for the write queue to drain.
 * @module
 */
import { Decoder, type Packet } from '@mqttx/codec';
import type { Connection, ConnectionHandler } from '@mqttx/transport';
import { ConnectionClosedError } from './errors.js';
import { OpSlot } from './slots.js';

/** Callbacks of a {@link Link} into the driver (methods of the driver: nothing per link or per packet). */
export interface LinkOwner {
  /** Bytes arrived on `link`. */
  linkData(link: Link, chunk: Buffer): void;
  /** `link` closed (`error`: the transport's, if any). */
  linkClosed(link: Link, error: Error | undefined): void;
}

/** `Link.bits`: CONNACK Success arrived. */
const CONNECTED = 1;
/** `Link.bits`: the core asked to close it. */
const CLOSING = 2;
/** `Link.bits`: 'close' was handled. */
const CLOSED = 4;

/** A decoder shared by the links with the same settings (see `Link.decode`). */
interface SharedDecoder {
  readonly decoder: Decoder;
  readonly protocolVersion: 4 | 5;
  readonly maximumPacketSize: number | undefined;
}

/** Shared decoders by settings (a process uses one or two). */
const sharedDecoders: SharedDecoder[] = [];
const MAX_SHARED_DECODERS = 16;

function newDecoder(protocolVersion: 4 | 5, maximumPacketSize: number | undefined): Decoder {
  return new Decoder({ protocolVersion, maximumPacketSize, role: 'client' });
}

function sharedDecoder(protocolVersion: 4 | 5, maximumPacketSize: number | undefined): SharedDecoder {
  for (let i = 0; i < sharedDecoders.length; i++) {
    const s = sharedDecoders[i]!;
    if (s.protocolVersion === protocolVersion && s.maximumPacketSize === maximumPacketSize) return s;
  }
  const s: SharedDecoder = { decoder: newDecoder(protocolVersion, maximumPacketSize), protocolVersion, maximumPacketSize };
  // Settings beyond a handful (unusual): not kept, so the list stays small.
  if (sharedDecoders.length < MAX_SHARED_DECODERS) sharedDecoders.push(s);
  return s;
}

/** The rarely used part of a {@link Link} (see its accessors). */
class LinkExtras {
  closeError: Error | undefined = undefined;
  ownDecoder: Decoder | undefined = undefined;
  decodeError: unknown = undefined;
  markDone: (() => void) | undefined = undefined;
  donePromise: Promise<void> | undefined = undefined;
  drainWaiting: OpSlot[] | undefined = undefined;
}

/**
 * A connection in use by the driver. It is the connection's {@link ConnectionHandler} (methods, not one
 * listener closure per event), and carries nothing an idle link does not need: the drain list and the
 * `done` promise are made on first use.
 * @internal
 */
export class Link implements ConnectionHandler {
  /** The transport connection. */
  readonly connection: Connection;
  /**
   * The decoder every link with the same settings uses while it holds no partial packet (a client decoder
   * with nothing buffered carries no state), so an idle link owns no decoder.
   */
  private readonly shared: SharedDecoder;
  /** Bit set of CONNECTED, CLOSING, CLOSED (one number in place of three booleans). */
  private bits: number;
  /** When it connected (scheduler time, whole ms: kept unboxed). */
  connectedAt: number;
  private readonly owner: LinkOwner;
  /**
   * The close error, an own decoder, a decoding error, the `done` promise, drain waiters: made by the first
   * one needed.
   */
  private extras: LinkExtras | undefined;

  /**
   * @param owner - the driver
   * @param connection - an open connection
   * @param protocolVersion - 4 or 5
   * @param maximumPacketSize - our Maximum Packet Size (the decoder refuses larger packets, 0x95)
   */
  constructor(owner: LinkOwner, connection: Connection, protocolVersion: 4 | 5, maximumPacketSize: number | undefined) {
    this.connection = connection;
    this.shared = sharedDecoder(protocolVersion, maximumPacketSize);
    this.bits = 0;
    this.connectedAt = 0;
    this.owner = owner;
    this.extras = undefined;
    // 'error' is always followed by 'close' (which carries the error), and a connection emits 'error' only
    // to listeners, so the handler is all the link needs.
    connection.setHandler(this);
  }

  private more(): LinkExtras {
    return (this.extras ??= new LinkExtras());
  }

  /** True once CONNACK Success arrived on it. */
  get connected(): boolean {
    return (this.bits & CONNECTED) !== 0;
  }
  set connected(value: boolean) {
    this.bits = value ? this.bits | CONNECTED : this.bits & ~CONNECTED;
  }

  /** True once the core asked to close it. */
  get closing(): boolean {
    return (this.bits & CLOSING) !== 0;
  }

  /** True once 'close' was handled. */
  get closed(): boolean {
    return (this.bits & CLOSED) !== 0;
  }

  // The rarely used state below lives in `extras` (undefined until set).

  /** The error the core closed it with (a protocol violation, a server DISCONNECT, a timeout). */
  get closeError(): Error | undefined {
    return this.extras?.closeError;
  }
  private set closeError(value: Error | undefined) {
    if (value !== undefined || this.extras !== undefined) this.more().closeError = value;
  }

  /** This link's own decoder, made the first time a read ended inside a packet, then kept. */
  private get ownDecoder(): Decoder | undefined {
    return this.extras?.ownDecoder;
  }
  private set ownDecoder(value: Decoder | undefined) {
    this.more().ownDecoder = value;
  }

  /** The decoding error, once the server's bytes failed to decode (every later read fails with it). */
  private get decodeError(): unknown {
    return this.extras?.decodeError;
  }
  private set decodeError(value: unknown) {
    this.more().decodeError = value;
  }

  /** Resolver of {@link done}, once someone asked for it. */
  private get markDone(): (() => void) | undefined {
    return this.extras?.markDone;
  }
  private set markDone(value: (() => void) | undefined) {
    if (value !== undefined || this.extras !== undefined) this.more().markDone = value;
  }

  private get donePromise(): Promise<void> | undefined {
    return this.extras?.donePromise;
  }
  private set donePromise(value: Promise<void> | undefined) {
    this.more().donePromise = value;
  }

  /** QoS 0 publish slots written while the write queue was above its high-water mark (none: undefined). */
  private get drainWaiting(): OpSlot[] | undefined {
    return this.extras?.drainWaiting;
  }
  private set drainWaiting(value: OpSlot[] | undefined) {
    if (value !== undefined || this.extras !== undefined) this.more().drainWaiting = value;
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

  /** Bytes arrived: to the driver. */
  connectionData(chunk: Buffer): void {
    this.owner.linkData(this, chunk);
  }

  /** The connection closed: the driver learns it once, then whoever awaits {@link done}. */
  connectionClose(error: Error | undefined): void {
    if (this.closed) return;
    this.bits |= CLOSED;
    this.failDrainWaiting(error);
    try {
      this.owner.linkClosed(this, error);
    } finally {
      const markDone = this.markDone;
      this.markDone = undefined;
      // Nobody asked for `done` yet: it resolves at once from now on (see the getter).
      if (markDone !== undefined) markDone();
    }
  }

  /** The write queue drained: QoS 0 publishes written above the high-water mark resolve. */
  connectionDrain(): void {
    const waiting = this.drainWaiting;
    if (waiting === undefined) return;
    this.drainWaiting = undefined;
    for (let i = 0; i < waiting.length; i++) waiting[i]!.settle(undefined, undefined);
  }

  /**
   * Decodes `chunk`: the packets it completes, in order (like `Decoder.push`, whose errors it throws; after
   * an error every call throws it again).
   */
  decode(chunk: Buffer): Packet[] {
    if (this.decodeError !== undefined) throw this.decodeError;
    const own = this.ownDecoder;
    if (own !== undefined) return this.decodeWith(own, chunk);
    const shared = this.shared.decoder;
    const packets = this.decodeWith(shared, chunk);
    const tail = shared.buffered;
    if (tail > 0) {
      // The read ended inside a packet: its first bytes (the end of `chunk`) move to a decoder of our own.
      shared.reset();
      const decoder = newDecoder(this.shared.protocolVersion, this.shared.maximumPacketSize);
      decoder.push(chunk.subarray(chunk.length - tail));
      this.ownDecoder = decoder;
    }
    return packets;
  }

  private decodeWith(decoder: Decoder, chunk: Buffer): Packet[] {
    try {
      return decoder.push(chunk);
    } catch (err) {
      this.decodeError = err;
      if (decoder === this.shared.decoder) decoder.reset();
      throw err;
    }
  }

  /**
   * Writes `bytes`; when `slot` is given (a QoS 0 publish) it resolves once the bytes are accepted below
   * the high-water mark, or at the next 'drain'.
   */
  write(bytes: Buffer, slot: OpSlot | undefined): void {
    const ok = this.connection.write(bytes);
    if (slot === undefined) return;
    if (ok) slot.settle(undefined, undefined);
    else if (this.closing || this.closed || this.connection.isClosing) slot.settle(new ConnectionClosedError(), undefined);
    else (this.drainWaiting ??= []).push(slot);
  }

  /** Ends the connection: gracefully (flush, FIN) unless `hard`. */
  close(error: Error | undefined, hard: boolean): void {
    if (this.closing) return;
    this.bits |= CLOSING;
    this.closeError = error;
    if (hard) this.connection.destroy(error);
    else void this.connection.end();
  }

  private failDrainWaiting(error: Error | undefined): void {
    const waiting = this.drainWaiting;
    if (waiting === undefined) return;
    this.drainWaiting = undefined;
    for (let i = 0; i < waiting.length; i++) waiting[i]!.settle(new ConnectionClosedError(error), undefined);
  }
}

const RESOLVED: Promise<void> = Promise.resolve();
