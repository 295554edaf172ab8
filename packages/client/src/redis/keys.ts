/**
 * The Redis store's key layout. One hash per keyspace:
 *
 * | key                               | hash field                         | value                         |
 * |-----------------------------------|------------------------------------|-------------------------------|
 * | `<prefix>{<id>}:outbound`         | `n<packet id>`                     | f64 LE seq + encoded packet   |
 * | `<prefix>{<id>}:inbound`          | `n<packet id>`                     | f64 LE seq (+ empty bytes)    |
 * | `<prefix>{<id>}:subscriptions`    | `s<topic filter>`                  | f64 LE seq + encoded SUBSCRIBE|
 * | `<prefix>{<id>}:meta`             | `s<name>`                          | f64 LE seq + UTF-8 JSON       |
 *
 * `<id>` is the client id with `%`, `{` and `}` percent-encoded, so the text between the first `{` and the
 * next `}` (the Redis Cluster hash tag) is exactly the encoded client id and keys of different client ids
 * never collide. Field prefixes keep number and string keys apart (`7` and `'7'` are different keys). The seq
 * travels in the value, so `list` is one `HGETALL` sorted locally: no sorted set to keep in step.
 * @module
 */
import type { StoreKey, StoreRecord } from '../store/types.js';

/** Encodes a client id for use inside a hash tag. */
export function encodeTag(clientId: string): string {
  return clientId.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The four hash keys of one session, in the order of `KEYSPACES`. */
export function sessionKeys(prefix: string, clientId: string): [string, string, string, string] {
  const base = `${prefix}{${encodeTag(clientId)}}:`;
  return [`${base}outbound`, `${base}inbound`, `${base}subscriptions`, `${base}meta`];
}

/** `String.prototype.isWellFormed` (Node >= 20; typed in a newer `lib` than ours). */
interface WellFormed {
  isWellFormed(): boolean;
}

/** The hash field of `key`, or undefined when the key cannot be stored (non-finite number, bad string). */
export function fieldOf(key: StoreKey): string | undefined {
  if (typeof key === 'number') return Number.isFinite(key) ? `n${key}` : undefined;
  if (typeof key === 'string' && (key as unknown as WellFormed).isWellFormed()) return `s${key}`;
  return undefined;
}

/** The key a hash field stands for. */
export function keyOf(field: string): StoreKey {
  return field.charCodeAt(0) === 0x6e /* n */ ? Number(field.slice(1)) : field.slice(1);
}

/** The stored value of a record: its seq then its bytes (exact size). */
export function encodeValue(seq: number, bytes: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(8 + bytes.length);
  buf.writeDoubleLE(seq, 0);
  bytes.copy(buf, 8);
  return buf;
}

/** Decodes a stored value (copying the bytes out of the reply), or undefined when it is not one of ours. */
export function decodeValue(key: StoreKey, value: Buffer | null | undefined): StoreRecord | undefined {
  if (value === null || value === undefined || value.length < 8) return undefined;
  return { key, seq: value.readDoubleLE(0), bytes: Buffer.from(value.subarray(8)) };
}

