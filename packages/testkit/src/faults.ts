/**
 * Fault injection: rules that match packets (by direction, type, client, count or predicate) and act on
 * them: drop the link, withhold (hold until released), delay, replace (raw bytes for malformed packets),
 * send a DISCONNECT, pause reading. Also connection refusals.
 *
 * Rules are checked in the order they were added; every matching rule counts the packet, the first one due
 * acts. Packets a rule holds are kept on its {@link FaultHandle} until `release()`.
 * @module
 */
import type { Packet, PacketType, Properties } from '@mqttx/codec';
import { TestkitError } from './errors.js';
import type { BrokerConnection } from './connection-types.js';
import type { Direction } from './records.js';

/** What a fault rule or the `packet` hook sees. */
export interface PacketContext {
  /** `'in'`: received from the client; `'out'`: about to be written to it. */
  readonly direction: Direction;
  /** The decoded (in) or about-to-be-encoded (out) packet. */
  readonly packet: Packet;
  /** The link the packet travels on. */
  readonly connection: BrokerConnection;
  /** Client id once known. */
  readonly clientId: string | undefined;
}

/**
 * What to do with a matched packet.
 * - `drop`: close the link abruptly (no DISCONNECT). `when: 'after'` (default) first sends / processes the
 *   packet (an outbound one is flushed before the close), `'before'` loses it.
 * - `withhold`: do not send (out) / do not process (in); the packet is held on the rule's handle until
 *   `release()` (never, if not released).
 * - `delay`: send / process the packet `ms` later on the broker clock (later packets are not held back).
 * - `replace`: send / process something else instead; a Buffer is written raw (out) or fed to the decoder
 *   as if received (in).
 * - `disconnect`: send DISCONNECT with this reason code and properties (5.0 links; 3.1.1 links are just
 *   closed), then close. `when: 'before'` (default) drops the packet, `'after'` sends / processes it first.
 * - `pauseReading`: process / send the packet, then stop reading from this link until `resumeReading()`.
 */
export type FaultAction =
  | {
      /** Close the link abruptly, without DISCONNECT. */
      type: 'drop';
      /** `'after'` (default): send / process the packet first; `'before'`: lose it. */
      when?: 'before' | 'after';
    }
  | {
      /** Hold the packet on the rule's {@link FaultHandle} until `release()`. */
      type: 'withhold';
    }
  | {
      /** Send / process the packet later. */
      type: 'delay';
      /** Delay in milliseconds on the broker clock, >= 0 (`ERR_INVALID_OPTIONS` otherwise). */
      ms: number;
    }
  | {
      /** Send / process something else instead of the packet. */
      type: 'replace';
      /**
       * The replacement: a packet, raw bytes (written as is when outbound, decoded as if received when
       * inbound), or a function of the matched packet returning either.
       */
      with: Packet | Buffer | ((ctx: PacketContext) => Packet | Buffer);
    }
  | {
      /** Send DISCONNECT (5.0 links; 3.1.1 links are just closed), then close. */
      type: 'disconnect';
      /** DISCONNECT reason code. Default 0x80 (Unspecified error). */
      reasonCode?: number;
      /** DISCONNECT properties (for example `serverReference`, `reasonString`). */
      properties?: Properties;
      /** `'before'` (default): drop the packet; `'after'`: send / process it first. */
      when?: 'before' | 'after';
    }
  | {
      /** Send / process the packet, then stop reading from the link until `resumeReading()`. */
      type: 'pauseReading';
    };

/** Which packets a rule applies to. Every given field must match. */
export interface PacketMatch {
  /** Only packets received (`'in'`) or sent (`'out'`) by the broker. */
  direction?: Direction;
  /** Only these packet types (one or a list). */
  type?: PacketType | readonly PacketType[];
  /** Only packets of the connection with this client id (known once its CONNECT arrived). */
  clientId?: string;
  /** Only packets of this connection ({@link BrokerConnection.id}). */
  connId?: number;
  /** Extra predicate. */
  where?: (ctx: PacketContext) => boolean;
  /** Act from the `count`-th matching packet on (1 = the first). Default 1. */
  count?: number;
  /** How many matching packets to act on. Default 1; `Infinity` for all. */
  times?: number;
}

/** A fault rule: a match and an action. */
export interface FaultRule extends PacketMatch {
  /** What to do with a matched packet. */
  action: FaultAction;
}

/** A packet held by a `withhold` rule. */
interface HeldPacket {
  ctx: PacketContext;
  release: (ctx: PacketContext) => void;
}

/** Handle of an installed fault rule. */
export class FaultHandle {
  /** Packets that matched so far. */
  matched = 0;
  /** Packets acted on so far. */
  hits = 0;
  /** Resolves with the first packet acted on; rejects with `ERR_BROKER_CLOSED` if the broker closes first. */
  readonly triggered: Promise<PacketContext>;
  private removed = false;
  private readonly heldPackets: HeldPacket[] = [];
  private resolveTriggered!: (ctx: PacketContext) => void;
  private rejectTriggered!: (err: Error) => void;
  private readonly types: readonly PacketType[] | undefined;
  /** @internal */
  readonly count: number;
  /** @internal */
  readonly times: number;

  /**
   * @param rule - the rule
   * @param detach - removes the handle from its set
   */
  constructor(
    readonly rule: FaultRule,
    private readonly detach: (h: FaultHandle) => void,
  ) {
    this.count = rule.count ?? 1;
    this.times = rule.times ?? 1;
    if (!(this.count >= 1) || !(this.times >= 1)) {
      throw new TestkitError('ERR_INVALID_OPTIONS', 'fault count and times must be >= 1', {
        context: { count: rule.count, times: rule.times },
      });
    }
    if (rule.action.type === 'delay' && !(rule.action.ms >= 0)) {
      throw new TestkitError('ERR_INVALID_OPTIONS', 'delay ms must be >= 0', { context: { ms: rule.action.ms } });
    }
    this.types = rule.type === undefined ? undefined : typeof rule.type === 'string' ? [rule.type] : rule.type;
    this.triggered = new Promise<PacketContext>((resolve, reject) => {
      this.resolveTriggered = resolve;
      this.rejectTriggered = reject;
    });
    this.triggered.catch(() => undefined); // nobody has to await it
  }

  /** True while the rule can still act. */
  get active(): boolean {
    return !this.removed && this.hits < this.times;
  }

  /** Number of packets currently held by this rule. */
  get held(): number {
    return this.heldPackets.length;
  }

  /** @internal Whether `ctx` matches this rule (counting is done by the caller). */
  matches(ctx: PacketContext): boolean {
    const r = this.rule;
    if (r.direction !== undefined && r.direction !== ctx.direction) return false;
    if (this.types !== undefined && !this.types.includes(ctx.packet.type)) return false;
    if (r.clientId !== undefined && r.clientId !== ctx.clientId) return false;
    if (r.connId !== undefined && r.connId !== ctx.connection.id) return false;
    if (r.where !== undefined && !r.where(ctx)) return false;
    return true;
  }

  /** @internal Records that the rule acted on `ctx`. */
  fire(ctx: PacketContext): void {
    this.hits++;
    if (this.hits === 1) this.resolveTriggered(ctx);
  }

  /** @internal Keeps a withheld packet until {@link FaultHandle.release}. */
  hold(ctx: PacketContext, release: (ctx: PacketContext) => void): void {
    this.heldPackets.push({ ctx, release });
  }

  /**
   * Sends (out) or processes (in) every held packet, in order, on links that are still open, and removes
   * the rule so later packets flow normally.
   */
  release(): void {
    this.remove();
    const held = this.heldPackets.splice(0);
    for (const h of held) h.release(h.ctx);
  }

  /** Removes the rule; held packets stay held (never delivered) unless {@link FaultHandle.release} is called. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.detach(this);
  }

  /** @internal The broker closed. */
  close(err: Error): void {
    this.removed = true;
    this.heldPackets.length = 0;
    this.rejectTriggered(err);
  }
}

/** Options of `broker.refuse(...)`. */
export interface RefuseOptions {
  /**
   * CONNACK reason code to refuse with (5.0 code; mapped for 3.1.1 clients). Omitted: the link is closed as
   * soon as it is accepted, before any byte is read.
   */
  reasonCode?: number;
  /** CONNACK properties (5.0), e.g. `{ serverReference: 'other:1883' }` with reason 0x9C. */
  properties?: Properties;
  /** Only refuse this client id (needs `reasonCode`, since the id is known only from CONNECT). */
  clientId?: string;
  /** How many connections to refuse. Default 1; `Infinity` for all. */
  times?: number;
}

/** Handle of an installed refusal. */
export class RefusalHandle {
  /** Connections refused so far. */
  hits = 0;
  private removed = false;

  /**
   * @param options - the refusal
   * @param detach - removes the handle from its set
   */
  constructor(
    readonly options: RefuseOptions,
    private readonly detach: (h: RefusalHandle) => void,
  ) {
    if (options.clientId !== undefined && options.reasonCode === undefined) {
      throw new TestkitError('ERR_INVALID_OPTIONS', 'refuse({ clientId }) needs a reasonCode');
    }
  }

  /** True while the refusal still applies. */
  get active(): boolean {
    return !this.removed && this.hits < (this.options.times ?? 1);
  }

  /** Stops refusing. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.detach(this);
  }
}

/** The decision for one packet. */
export interface FaultDecision {
  action: FaultAction;
  /** The rule that acted, or undefined for the `packet` hook. */
  handle: FaultHandle | undefined;
}

/** All installed rules and refusals of a broker. */
export class FaultSet {
  /** Installed packet rules in order. */
  readonly rules: FaultHandle[] = [];
  /** Installed refusals in order. */
  readonly refusals: RefusalHandle[] = [];
  private closedError: Error | undefined;

  /** Installs a rule. */
  add(rule: FaultRule): FaultHandle {
    const handle = new FaultHandle(rule, (h) => {
      const i = this.rules.indexOf(h);
      if (i >= 0) this.rules.splice(i, 1);
    });
    if (this.closedError) handle.close(this.closedError);
    else this.rules.push(handle);
    return handle;
  }

  /** Installs a refusal. */
  refuse(options: RefuseOptions): RefusalHandle {
    const handle = new RefusalHandle(options, (h) => {
      const i = this.refusals.indexOf(h);
      if (i >= 0) this.refusals.splice(i, 1);
    });
    this.refusals.push(handle);
    return handle;
  }

  /** Consumes a refusal that closes links at accept time, if one is due. */
  takeAcceptRefusal(): boolean {
    for (const h of this.refusals) {
      if (h.active && h.options.reasonCode === undefined) {
        h.hits++;
        if (!h.active) h.remove();
        return true;
      }
    }
    return false;
  }

  /** Consumes a CONNACK refusal for `clientId`, if one is due. */
  takeConnackRefusal(clientId: string): RefuseOptions | undefined {
    for (const h of this.refusals) {
      const o = h.options;
      if (h.active && o.reasonCode !== undefined && (o.clientId === undefined || o.clientId === clientId)) {
        h.hits++;
        if (!h.active) h.remove();
        return o;
      }
    }
    return undefined;
  }

  /**
   * Counts `ctx` on every matching rule and returns the action of the first rule due, else the hook's.
   * Exhausted rules leave the list (their handles keep any held packets).
   */
  evaluate(ctx: PacketContext, hook: ((ctx: PacketContext) => FaultAction | undefined | void) | undefined): FaultDecision | undefined {
    let decision: FaultDecision | undefined;
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const h = rules[i]!;
      if (!h.matches(ctx)) continue;
      h.matched++;
      if (decision === undefined && h.matched >= h.count && h.active) {
        h.fire(ctx);
        decision = { action: h.rule.action, handle: h };
        if (!h.active) {
          rules.splice(i--, 1);
        }
      }
    }
    if (decision === undefined && hook !== undefined) {
      const action = hook(ctx);
      if (action) decision = { action, handle: undefined };
    }
    return decision;
  }

  /** Broker closed: rejects pending `triggered` promises and forgets every rule. */
  close(err: Error): void {
    this.closedError = err;
    for (const h of this.rules.splice(0)) h.close(err);
    this.refusals.length = 0;
  }
}
