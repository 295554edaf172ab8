/**
 * Driver slots: the object each op carries in `op.slot` to settle the promise the API returned. One slot
 * per request; no closure per request: the promise executor is one shared function that hands the
 * resolvers over through module variables, and the slot itself is the `AbortSignal` listener
 * (`handleEvent`). The promise is made on first use: a request that settles while the API call is still
 * running (a QoS 0 publish written at once) may never need one (see `client.publish`).
 * @module
 */
import { AbortError } from './errors.js';
import type { Op, PublishOp } from './state/ops.js';

type Resolve = (value: unknown) => void;
type Reject = (error: unknown) => void;

let capturedResolve: Resolve | undefined;
let capturedReject: Reject | undefined;
function capture(resolve: Resolve, reject: Reject): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** A promise whose resolvers were captured without a closure; read them with {@link takeResolvers}. */
function newPromise<T>(): Promise<T> {
  return new Promise<T>(capture as (resolve: (value: T) => void, reject: Reject) => void);
}

/** A promise that has already resolved (the `stored` promise without persistence). */
export const RESOLVED: Promise<void> = Promise.resolve();

function noop(): void {}

/** Slot states. */
const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

/** What a slot needs from the client when its signal aborts. */
export interface SlotOwner {
  /** Withdraw `op` from the core; false when it is already on the wire. */
  cancelOp(op: Op, error: Error): boolean;
}

/**
 * Settles one API promise. `value` conversion (SUBACK -> grants, ...) is done by `map`, so the driver's
 * `settle` effect is one call for every kind of op.
 */
export class OpSlot {
  /** The caller's promise, once made (see {@link promise}). */
  private madePromise: Promise<unknown> | undefined;
  private resolve: Resolve | undefined;
  private reject: Reject | undefined;
  /** PENDING, FULFILLED or REJECTED. */
  private state: number;
  /** The value or error of a slot that settled before its promise was made. */
  private result: unknown;
  /** The op this slot belongs to (set once the op is built). */
  op: Op | undefined;
  private readonly owner: SlotOwner;
  private signal: AbortSignal | undefined;
  private readonly map: ((value: unknown, op: Op) => unknown) | undefined;
  /** Publish only: resolves when the record is stored (see `PublishHandle.stored`). */
  stored: Promise<void>;
  private storedResolve: Resolve | undefined;
  private storedReject: Reject | undefined;

  /**
   * @param owner - the client (for aborts)
   * @param signal - the caller's AbortSignal, if any
   * @param map - converts the core's settle value to the API value
   * @param durable - create a real `stored` promise (persistence on); else `stored` is already resolved
   */
  constructor(owner: SlotOwner, signal: AbortSignal | undefined, map?: (value: unknown, op: Op) => unknown, durable = false) {
    this.madePromise = undefined;
    this.resolve = undefined;
    this.reject = undefined;
    this.state = PENDING;
    this.result = undefined;
    this.op = undefined;
    this.owner = owner;
    this.signal = signal;
    this.map = map;
    if (durable) {
      this.stored = newPromise();
      this.storedResolve = capturedResolve;
      this.storedReject = capturedReject;
      // Nobody has to look at `stored`: a rejection of it is never unhandled.
      this.stored.catch(noop);
    } else {
      this.stored = RESOLVED;
      this.storedResolve = undefined;
      this.storedReject = undefined;
    }
    capturedResolve = capturedReject = undefined;
    if (signal !== undefined) signal.addEventListener('abort', this, { once: true });
  }

  /** The promise handed to the caller: made on first use, already settled when the slot is. */
  get promise(): Promise<unknown> {
    let promise = this.madePromise;
    if (promise !== undefined) return promise;
    if (this.state === PENDING) {
      promise = newPromise();
      this.resolve = capturedResolve;
      this.reject = capturedReject;
      capturedResolve = capturedReject = undefined;
    } else if (this.state === FULFILLED) {
      promise = Promise.resolve(this.result);
    } else {
      promise = Promise.reject(this.result);
    }
    this.result = undefined;
    this.madePromise = promise;
    return promise;
  }

  /** True once the slot settled. */
  get settled(): boolean {
    return this.state !== PENDING;
  }

  /** True once the slot settled with success. */
  get fulfilled(): boolean {
    return this.state === FULFILLED;
  }

  /** Settles the API promise (first call wins). */
  settle(error: Error | undefined, value: unknown): void {
    if (this.state !== PENDING) return;
    const resolve = this.resolve;
    const reject = this.reject;
    this.resolve = this.reject = undefined;
    if (this.signal !== undefined) {
      this.signal.removeEventListener('abort', this);
      this.signal = undefined;
    }
    if (error !== undefined) {
      this.state = REJECTED;
      this.storedFailed(error);
      if (reject !== undefined) reject(error);
      else this.result = error;
    } else {
      this.state = FULFILLED;
      // Acknowledged by the server: the message is safe whether or not its record was written yet.
      this.markStored();
      const mapped = this.map === undefined ? value : this.map(value, this.op!);
      if (resolve !== undefined) resolve(mapped);
      else this.result = mapped;
    }
  }

  /** The record of the publish was written. */
  markStored(): void {
    const resolve = this.storedResolve;
    if (resolve === undefined) return;
    this.storedResolve = this.storedReject = undefined;
    resolve(undefined);
  }

  /** The record could not be written, or the publish failed before it was. */
  storedFailed(error: Error): void {
    const reject = this.storedReject;
    if (reject === undefined) return;
    this.storedResolve = this.storedReject = undefined;
    reject(error);
  }

  /** `AbortSignal` listener: withdraw the op, or stop waiting for it when it is already on the wire. */
  handleEvent(): void {
    const signal = this.signal;
    if (signal === undefined || this.state !== PENDING) return;
    const op = this.op;
    const sent = op === undefined ? false : !this.owner.cancelOp(op, new AbortError(signal.reason, kindOf(op), { sent: false }));
    // cancelOp settled the slot through the core when the op was withdrawn; otherwise stop waiting here.
    if (this.state === PENDING) this.settle(new AbortError(signal.reason, op === undefined ? 'connection' : kindOf(op), { sent }), undefined);
  }
}

function kindOf(op: Op): 'publish' | 'subscription' | 'connection' | 'authentication' {
  switch (op.kind) {
    case 'publish':
      return 'publish';
    case 'subscribe':
    case 'unsubscribe':
      return 'subscription';
    case 'reauth':
      return 'authentication';
    default:
      return 'connection';
  }
}

/** The slot of a publish op, if the driver made one. */
export function publishSlot(op: PublishOp): OpSlot | undefined {
  return op.slot instanceof OpSlot ? op.slot : undefined;
}
