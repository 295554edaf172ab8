/**
 * A group of log frames written (and, under `fsync: 'batch'`, fsynced) together, with one promise shared by
 * every operation in it and an undo list that restores the in-memory index if the write fails.
 * @module
 */
import type { StoreKey, StoreRecord } from '../types.js';

/** Keyspace marker of a reset in the undo list (its "previous value" is the array of old maps). */
export const RESET_KS = -1;

function yes(): boolean {
  return true;
}

function no(): boolean {
  return false;
}

/** One write batch. Fixed shape; one promise (and one pair of resolvers) per batch, not per operation. */
export class Batch {
  /** Encoded frames, in operation order. */
  frames: Buffer[] = [];
  /** Total bytes of `frames`. */
  bytes = 0;
  /** Undo list, one entry per operation: keyspace index (or {@link RESET_KS}) ... */
  readonly undoKs: number[] = [];
  /** ... key ... */
  readonly undoKey: StoreKey[] = [];
  /** ... and the record the key held before (undefined: absent), or the old maps for a reset. */
  readonly undoPrev: (StoreRecord | Map<StoreKey, StoreRecord>[] | undefined)[] = [];
  /** The batch queued after this one. */
  next: Batch | null = null;
  /** Settles when the batch is durable (under the store's policy) or failed. */
  readonly promise: Promise<void>;
  private resolveFn!: () => void;
  private rejectFn!: (err: unknown) => void;
  private trueP: Promise<boolean> | undefined = undefined;
  private falseP: Promise<boolean> | undefined = undefined;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
  }

  /** Adds one operation's frame and undo entry. */
  add(frame: Buffer | undefined, ks: number, key: StoreKey, prev: StoreRecord | Map<StoreKey, StoreRecord>[] | undefined): void {
    if (frame !== undefined) {
      this.frames.push(frame);
      this.bytes += frame.length;
    }
    this.undoKs.push(ks);
    this.undoKey.push(key);
    this.undoPrev.push(prev);
  }

  /** The batch's promise mapped to `true` (shared by every delete that found its key). */
  whenTrue(): Promise<boolean> {
    return (this.trueP ??= this.promise.then(yes));
  }

  /** The batch's promise mapped to `false`. */
  whenFalse(): Promise<boolean> {
    return (this.falseP ??= this.promise.then(no));
  }

  /** Marks the batch durable. Frames are dropped (the index keeps views of what it needs). */
  resolve(): void {
    this.frames = EMPTY;
    this.resolveFn();
  }

  /** Fails the batch. */
  reject(err: unknown): void {
    this.frames = EMPTY;
    this.rejectFn(err);
  }

  /**
   * Reverts this batch's effects on `spaces`, newest operation first; returns the maps to use afterwards
   * (a reset's undo brings the old maps back).
   */
  undo(spaces: Map<StoreKey, StoreRecord>[]): Map<StoreKey, StoreRecord>[] {
    let current = spaces;
    for (let i = this.undoKs.length - 1; i >= 0; i--) {
      const ks = this.undoKs[i]!;
      const prev = this.undoPrev[i];
      if (ks === RESET_KS) current = prev as Map<StoreKey, StoreRecord>[];
      else if (prev === undefined) current[ks]!.delete(this.undoKey[i]!);
      else current[ks]!.set(this.undoKey[i]!, prev as StoreRecord);
    }
    return current;
  }
}

const EMPTY: Buffer[] = [];

/** Resolves the batches from `head` through `last` (inclusive); returns the batch after `last`. */
export function resolveThrough(head: Batch | null, last: Batch): Batch | null {
  let b = head;
  while (b !== null) {
    const next = b.next;
    b.resolve();
    if (b === last) return next;
    b = next;
  }
  return null;
}

/**
 * Fails every batch from `head` on with `error`, after undoing their effects on `spaces` newest first;
 * returns the maps to use afterwards.
 */
export function failAll(head: Batch | null, spaces: Map<StoreKey, StoreRecord>[], error: unknown): Map<StoreKey, StoreRecord>[] {
  const batches: Batch[] = [];
  for (let b = head; b !== null; b = b.next) batches.push(b);
  let current = spaces;
  for (let i = batches.length - 1; i >= 0; i--) current = batches[i]!.undo(current);
  for (const b of batches) b.reject(error);
  return current;
}
