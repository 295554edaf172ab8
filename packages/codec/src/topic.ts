/**
 * Topic names, topic filters, wildcard matching and shared subscriptions (MQTT 5.0 sections 4.7 and 4.8,
 * 3.1.1 section 4.7).
 *
 * Statement IDs differ between the versions; comments cite the 5.0 ID first and the 3.1.1 ID second where
 * they differ.
 * @module
 */
import { CodecError, CodecReasonCode } from './errors.js';
import { FIELD_MAX } from './primitives/writer.js';
import { UTF8_LONE_SURROGATE, UTF8_NUL, utf8Length } from './primitives/utf8.js';

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;
const SHARE_PREFIX = '$share/';

function topicError(message: string, rule: string, topic: unknown): CodecError {
  return new CodecError('ERR_INVALID_TOPIC', message, CodecReasonCode.TopicNameInvalid, { rule, topic });
}

function filterError(message: string, rule: string, filter: unknown): CodecError {
  return new CodecError('ERR_INVALID_TOPIC_FILTER', message, CodecReasonCode.TopicFilterInvalid, { rule, filter });
}

/** Shared checks of section 1.5.4 and 4.7.3 on a topic name or filter; returns the failed rule or undefined. */
function stringProblem(value: string): string | undefined {
  // [MQTT-4.7.3-1] at least one character long.
  if (value.length === 0) return 'MQTT-4.7.3-1';
  const n = utf8Length(value, false);
  // [MQTT-4.7.3-2] no U+0000.
  if (n === UTF8_NUL) return 'MQTT-4.7.3-2';
  // [MQTT-1.5.4-1] no UTF-16 surrogates (a lone surrogate cannot be encoded as well-formed UTF-8).
  if (n === UTF8_LONE_SURROGATE) return 'MQTT-1.5.4-1';
  // [MQTT-4.7.3-3] at most 65,535 bytes.
  if (n > FIELD_MAX) return 'MQTT-4.7.3-3';
  return undefined;
}

/**
 * Throws unless `topic` is a valid Topic Name: a non-empty UTF-8 string [MQTT-4.7.3-1] of at most 65,535
 * bytes [MQTT-4.7.3-3], without U+0000 [MQTT-4.7.3-2] and without the wildcards `+` and `#`
 * [MQTT-4.7.0-1] / [MQTT-4.7.1-1] [MQTT-3.3.2-2].
 * @throws CodecError `ERR_INVALID_TOPIC` (reason code 0x90 Topic Name invalid)
 */
export function validateTopicName(topic: string): void {
  if (typeof topic !== 'string') throw topicError('topic name must be a string', 'type', topic);
  const problem = stringProblem(topic);
  if (problem !== undefined) throw topicError(`invalid topic name (${problem})`, problem, topic);
  if (hasWildcard(topic)) throw topicError('topic name must not contain wildcards', 'MQTT-3.3.2-2', topic);
}

/** Whether `topic` is a valid Topic Name (see {@link validateTopicName}). */
export function isValidTopicName(topic: string): boolean {
  return typeof topic === 'string' && stringProblem(topic) === undefined && !hasWildcard(topic);
}

/** Whether `s` contains `+` or `#`. */
export function hasWildcard(s: string): boolean {
  return s.indexOf('+') !== -1 || s.indexOf('#') !== -1;
}

/**
 * Structural wildcard rules of a (non-shared or inner) topic filter over `filter[start, end)`; returns the
 * failed rule or undefined.
 */
function wildcardProblem(filter: string, start: number): string | undefined {
  const end = filter.length;
  for (let i = start; i < end; i++) {
    const c = filter.charCodeAt(i);
    if (c === PLUS) {
      // [MQTT-4.7.1-2] / [MQTT-4.7.1-3]: `+` occupies an entire level.
      if ((i > start && filter.charCodeAt(i - 1) !== SLASH) || (i + 1 < end && filter.charCodeAt(i + 1) !== SLASH)) {
        return 'MQTT-4.7.1-2';
      }
    } else if (c === HASH) {
      // [MQTT-4.7.1-1] / [MQTT-4.7.1-2]: `#` alone or after `/`, and last.
      if (i + 1 !== end || (i > start && filter.charCodeAt(i - 1) !== SLASH)) return 'MQTT-4.7.1-1';
    }
  }
  return undefined;
}

/**
 * The rule a topic filter breaks, or undefined when valid. Used by the SUBSCRIBE / UNSUBSCRIBE codecs on
 * filters that are already known to be well-formed strings. With `shared` false (MQTT 3.1.1, which has no
 * shared subscriptions) `$share/...` is an ordinary filter.
 * @internal
 */
export function filterStructureProblem(filter: string, shared = true): string | undefined {
  if (filter.length === 0) return 'MQTT-4.7.3-1';
  if (shared && filter.startsWith(SHARE_PREFIX)) {
    const slash = filter.indexOf('/', SHARE_PREFIX.length);
    // [MQTT-4.8.2-1] a ShareName of at least one character; [MQTT-4.8.2-2] followed by `/` and a filter.
    if (slash === -1 || slash === SHARE_PREFIX.length || slash + 1 === filter.length) return 'MQTT-4.8.2-1';
    for (let i = SHARE_PREFIX.length; i < slash; i++) {
      const c = filter.charCodeAt(i);
      // [MQTT-4.8.2-2] no `+` or `#` in the ShareName.
      if (c === PLUS || c === HASH) return 'MQTT-4.8.2-2';
    }
    return wildcardProblem(filter, slash + 1);
  }
  return wildcardProblem(filter, 0);
}

/**
 * Fast path for the common topic filter: checks `filter` in one pass and returns its UTF-8 byte length when
 * it is pure ASCII (so its byte length is its string length), not empty, without U+0000, not starting with
 * `$` (so never a shared subscription) and with `+` and `#` only as whole levels, `#` last [MQTT-4.7.1-1]
 * [MQTT-4.7.1-2]. Returns -1 for anything else: the caller then runs the full checks, which report the exact
 * rule in their usual order. Never returns a length for an invalid filter.
 * @internal
 */
export function asciiFilterLength(filter: string): number {
  const len = filter.length;
  if (len === 0 || len > FIELD_MAX || filter.charCodeAt(0) === DOLLAR) return -1;
  for (let i = 0; i < len; i++) {
    const c = filter.charCodeAt(i);
    // Letters, digits and `/` are above `+` (0x2B): one comparison for most characters.
    if (c > PLUS) {
      if (c > 0x7f) return -1;
    } else if (c === PLUS) {
      if (i !== 0 && filter.charCodeAt(i - 1) !== SLASH) return -1;
      if (i + 1 !== len && filter.charCodeAt(i + 1) !== SLASH) return -1;
    } else if (c === HASH) {
      if ((i !== 0 && filter.charCodeAt(i - 1) !== SLASH) || i + 1 !== len) return -1;
    } else if (c === 0) {
      return -1;
    }
  }
  return len;
}

/**
 * Whether the received bytes `buf[start, end)` are a pure-ASCII Topic Name: every byte 0x01..0x7F and
 * neither `+` nor `#` [MQTT-3.3.2-2] (so `latin1` decoding gives the string). False means "run the full
 * checks", which report the exact rule.
 * @internal
 */
export function isAsciiTopicBytes(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    // Letters, digits and `/` are above `+` (0x2B): one comparison for most bytes.
    if (c > PLUS ? c > 0x7f : c === 0 || c === PLUS || c === HASH) return false;
  }
  return true;
}

/**
 * Byte form of {@link asciiFilterLength} for a received filter `buf[start, end)`: true when the bytes are a
 * valid pure-ASCII topic filter under the same conditions (so `latin1` decoding gives the string); false
 * means "run the full checks".
 * @internal
 */
export function isAsciiFilterBytes(buf: Uint8Array, start: number, end: number): boolean {
  if (start >= end || buf[start] === DOLLAR) return false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    // Letters, digits and `/` are above `+` (0x2B): one comparison for most bytes.
    if (c > PLUS) {
      if (c > 0x7f) return false;
    } else if (c === PLUS) {
      if ((i !== start && buf[i - 1] !== SLASH) || (i + 1 !== end && buf[i + 1] !== SLASH)) return false;
    } else if (c === HASH) {
      if ((i !== start && buf[i - 1] !== SLASH) || i + 1 !== end) return false;
    } else if (c === 0) {
      return false;
    }
  }
  return true;
}

/**
 * Throws unless `filter` is a valid Topic Filter: non-empty [MQTT-4.7.3-1], at most 65,535 bytes
 * [MQTT-4.7.3-3], no U+0000 [MQTT-4.7.3-2], `#` only as the whole last level [MQTT-4.7.1-1], `+` only as a
 * whole level [MQTT-4.7.1-2], and for `$share/{ShareName}/{filter}` a ShareName of at least one character
 * without `+`, `#` or `/`, followed by a valid filter [MQTT-4.8.2-1] [MQTT-4.8.2-2].
 * @throws CodecError `ERR_INVALID_TOPIC_FILTER` (reason code 0x8F Topic Filter invalid)
 */
export function validateTopicFilter(filter: string): void {
  if (typeof filter !== 'string') throw filterError('topic filter must be a string', 'type', filter);
  const problem = stringProblem(filter) ?? filterStructureProblem(filter);
  if (problem !== undefined) throw filterError(`invalid topic filter (${problem})`, problem, filter);
}

/** Whether `filter` is a valid Topic Filter (see {@link validateTopicFilter}). */
export function isValidTopicFilter(filter: string): boolean {
  return typeof filter === 'string' && stringProblem(filter) === undefined && filterStructureProblem(filter) === undefined;
}

/** A parsed shared subscription `$share/{group}/{filter}`. */
export interface SharedSubscription {
  /** The ShareName. */
  group: string;
  /** The topic filter inside the shared subscription. */
  filter: string;
}

/**
 * Splits `$share/{group}/{filter}` into its parts; returns undefined when `filter` is not a shared
 * subscription (does not start with `$share/`).
 * @throws CodecError `ERR_INVALID_TOPIC_FILTER` when it starts with `$share/` but the ShareName or inner
 * filter is missing or malformed [MQTT-4.8.2-1] [MQTT-4.8.2-2]
 */
export function parseSharedSubscription(filter: string): SharedSubscription | undefined {
  if (typeof filter !== 'string' || !filter.startsWith(SHARE_PREFIX)) return undefined;
  validateTopicFilter(filter);
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  return { group: filter.slice(SHARE_PREFIX.length, slash), filter: filter.slice(slash + 1) };
}

/** Whether `filter` names a shared subscription (starts with `$share/`). */
export function isSharedSubscription(filter: string): boolean {
  return filter.startsWith(SHARE_PREFIX);
}

/**
 * Whether the (valid) topic filter `filter` matches the topic name `topic` (section 4.7):
 * - `+` matches exactly one level, which may be empty;
 * - `#` matches any number of levels including the parent level (`a/#` matches `a`) [MQTT-4.7.1-1];
 * - a filter starting with a wildcard does not match a topic starting with `$` [MQTT-4.7.2-1];
 * - `$share/{group}/{filter}` matches like its inner filter.
 * No normalization is applied: levels compare code unit by code unit [MQTT-4.7.3-4].
 */
export function matchTopic(filter: string, topic: string): boolean {
  let fi = 0;
  if (filter.startsWith(SHARE_PREFIX)) {
    const slash = filter.indexOf('/', SHARE_PREFIX.length);
    if (slash === -1) return false;
    fi = slash + 1;
  }
  const fl = filter.length;
  const tl = topic.length;
  if (fi >= fl) return false;
  if (tl > 0 && topic.charCodeAt(0) === DOLLAR) {
    const first = filter.charCodeAt(fi);
    if (first === PLUS || first === HASH) return false;
  }
  let ti = 0;
  while (fi < fl) {
    const c = filter.charCodeAt(fi);
    if (c === HASH) return true;
    if (c === PLUS) {
      while (ti < tl && topic.charCodeAt(ti) !== SLASH) ti++;
      fi++;
    } else {
      while (fi < fl) {
        const fc = filter.charCodeAt(fi);
        if (fc === SLASH) break;
        if (ti >= tl || topic.charCodeAt(ti) !== fc) return false;
        fi++;
        ti++;
      }
      if (ti < tl && topic.charCodeAt(ti) !== SLASH) return false;
    }
    // Both sit at the end of a level.
    if (fi >= fl) return ti >= tl;
    if (ti >= tl) {
      // The topic has no more levels: only a trailing "/#" still matches (the parent level).
      return fi + 2 === fl && filter.charCodeAt(fi + 1) === HASH;
    }
    fi++;
    ti++;
  }
  // The filter ended with "/": its last level is empty, so the topic must end with an empty level too.
  return ti >= tl;
}
