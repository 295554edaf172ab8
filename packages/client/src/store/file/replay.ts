/**
 * Reading a log back: the magic, the header frame, then every frame in order, applied to one map per
 * keyspace. Replay stops at the first frame that does not read back intact; everything before it is the
 * recovered state (a prefix of the history that was written), everything from it on is dropped.
 * @module
 */
import type { StoreKey, StoreRecord } from '../types.js';
import { StoreForeignError } from './errors.js';
import { FORMAT_VERSION, MAGIC, OP_DELETE, OP_HEADER, OP_PUT, OP_RESET, readFrame, type FrameProblem } from './frame.js';

/** What was found and dropped at the end of a log when it was opened. */
export interface RecoveryReport {
  /**
   * `torn`: the last frame was cut short or never fully reached the disk (a crash during a write; expected
   * after a crash with `fsync: 'none'` or a torn tail under any policy). `checksum`: a complete frame fails its
   * checksum with more data after it (the disk or someone corrupted the file). `malformed`: a checksummed
   * frame that does not parse (a bug or deliberate tampering).
   */
  reason: FrameProblem;
  /** Byte offset where the intact data ends; the log was truncated there. */
  offset: number;
  /** Bytes dropped from `offset` to the old end of the file. */
  droppedBytes: number;
  /** Frames read intact before the problem. */
  framesRead: number;
  /** For `checksum` / `malformed`: the file the dropped bytes were copied to, for inspection. */
  savedTo: string | undefined;
}

/** Result of {@link replayLog}. */
export interface ReplayResult {
  /** One map per keyspace (the order of `KEYSPACES`), with records that own their bytes. */
  spaces: Map<StoreKey, StoreRecord>[];
  /** Frames after the header that were applied. */
  frames: number;
  /** Offset after the last intact frame. */
  end: number;
  /** The problem that stopped the replay, if any (`savedTo` still unset). */
  problem: RecoveryReport | undefined;
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Replays `data` (a whole log file) for `clientId`.
 * @throws {@link StoreForeignError} when the file is not a session log of this format and client id.
 */
export function replayLog(data: Buffer, clientId: string, path: string): ReplayResult {
  if (data.length < MAGIC.length || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new StoreForeignError(`${path} is not an mqttx session log`, { path });
  }
  const head = readFrame(data, MAGIC.length);
  if (!head.ok || head.frame.op !== OP_HEADER) {
    throw new StoreForeignError(`${path} has no readable header`, { path });
  }
  if (head.frame.version > FORMAT_VERSION) {
    throw new StoreForeignError(`${path} was written by a newer format (${head.frame.version})`, { path, version: head.frame.version });
  }
  const owner = head.frame.bytes.toString('utf8');
  if (owner !== clientId) {
    throw new StoreForeignError(`${path} belongs to another client id`, { path });
  }
  let spaces: Map<StoreKey, StoreRecord>[] = [new Map(), new Map(), new Map(), new Map()];
  let offset = head.end;
  let frames = 0;
  let problem: RecoveryReport | undefined;
  while (offset < data.length) {
    const r = readFrame(data, offset);
    if (!r.ok) {
      let reason = r.problem;
      // A bad frame with nothing after it (or only zeros: the file grew but the data never landed) is the
      // torn tail of an interrupted write, not corruption of committed data.
      if (reason === 'checksum' && lastFrameOrZeros(data, offset)) reason = 'torn';
      problem = { reason, offset, droppedBytes: data.length - offset, framesRead: frames, savedTo: undefined };
      break;
    }
    const f = r.frame;
    if (f.op === OP_PUT) {
      spaces[f.ks]!.set(f.key, { key: f.key, seq: f.seq, bytes: f.bytes });
    } else if (f.op === OP_DELETE) {
      spaces[f.ks]!.delete(f.key);
    } else if (f.op === OP_RESET) {
      spaces = [new Map(), new Map(), new Map(), new Map()];
    } else {
      problem = { reason: 'malformed', offset, droppedBytes: data.length - offset, framesRead: frames, savedTo: undefined };
      break;
    }
    offset = r.end;
    frames++;
  }
  // Copy the live records' bytes out of the file buffer, so they do not pin all of it.
  for (const space of spaces) for (const rec of space.values()) rec.bytes = Buffer.from(rec.bytes);
  return { spaces, frames, end: problem === undefined ? data.length : offset, problem };
}

function lastFrameOrZeros(data: Buffer, offset: number): boolean {
  if (allZero(data, offset)) return true;
  if (data.length - offset < 8) return true;
  const len = data.readUInt32LE(offset + 4);
  return offset + 8 + len === data.length;
}
