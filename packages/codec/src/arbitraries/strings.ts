/**
 * Arbitraries for the MQTT data representations: UTF-8 strings, binary data, topic names and topic filters.
 * @module
 */
import fc from 'fast-check';

/** Largest UTF-8 string or binary field: a two-byte length prefix [MQTT-1.5.4-1]. */
export const MAX_STRING_BYTES = 65_535;

/** Options of {@link mqttStringArb}. */
export interface MqttStringOptions {
  /** Minimum number of code points (default 0). */
  minLength?: number;
  /** Maximum number of code points of a short string (default 24). */
  maxLength?: number;
  /**
   * Relative weight of very long strings (60,000..65,535 bytes, hitting the length limit) against 100 for
   * short strings. Default 1; 0 disables them.
   */
  longWeight?: number;
  /**
   * Code points a short string must not contain (for example `'/'`, `'+'`, `'#'` in a topic level). Long
   * strings are built from `a`, `é`, `€`, `😀` and `z` only.
   */
  exclude?: string;
}

const codePoint = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCodePoint(c));

/**
 * One code point that may appear in an MQTT UTF-8 string: anything but U+0000 [MQTT-1.5.4-2] and the
 * surrogate range [MQTT-1.5.4-1]. Mostly printable ASCII, with control characters (legal, though a receiver
 * may reject them), U+FEFF (which must not be stripped [MQTT-1.5.4-3]), non-characters, other BMP characters
 * and supplementary-plane characters (four UTF-8 bytes, a surrogate pair in JavaScript).
 */
export const mqttCharArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: codePoint(0x20, 0x7e), weight: 60 },
  { arbitrary: codePoint(0x01, 0x1f), weight: 2 },
  { arbitrary: codePoint(0x7f, 0x9f), weight: 2 },
  { arbitrary: codePoint(0xa0, 0x7ff), weight: 10 },
  { arbitrary: codePoint(0x800, 0xd7ff), weight: 10 },
  { arbitrary: codePoint(0xe000, 0xffff), weight: 6 },
  { arbitrary: fc.constantFrom('\ufeff', '\uffff', '\ufffe'), weight: 2 },
  { arbitrary: codePoint(0x10000, 0x10ffff), weight: 8 },
);

/** Characters repeated to build strings at the length limit, one per UTF-8 width (1, 2, 3, 4 bytes). */
const LONG_UNITS = ['a', '\u00e9', '\u20ac', '\u{1f600}'] as const;

/**
 * A string of about 60,000..65,535 UTF-8 bytes, sometimes exactly 65,535 (the longest legal string).
 * `exclude` is honoured because the repeated characters are letters and symbols with no MQTT meaning.
 */
function longStringArb(): fc.Arbitrary<string> {
  return fc
    .record({ unit: fc.constantFrom(...LONG_UNITS), slack: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5000 })) })
    .map(({ unit, slack }) => {
      const width = Buffer.byteLength(unit, 'utf8');
      const count = Math.floor((MAX_STRING_BYTES - slack) / width);
      // Pad with ASCII so that slack 0 reaches exactly 65,535 bytes whatever the unit width.
      const pad = MAX_STRING_BYTES - slack - count * width;
      return unit.repeat(count) + 'z'.repeat(pad);
    });
}

/**
 * A valid MQTT UTF-8 string (1.5.4): well-formed, no U+0000, no lone surrogates, at most 65,535 bytes;
 * mostly short, occasionally at the length limit.
 */
export function mqttStringArb(options: MqttStringOptions = {}): fc.Arbitrary<string> {
  const { minLength = 0, maxLength = 24, longWeight = 1, exclude } = options;
  const unit = exclude ? mqttCharArb.filter((c) => !exclude.includes(c)) : mqttCharArb;
  const short = fc.string({ unit, minLength, maxLength });
  if (longWeight <= 0) return short;
  return fc.oneof({ arbitrary: short, weight: 100 }, { arbitrary: longStringArb(), weight: longWeight });
}

/** Options of {@link binaryArb}. */
export interface BinaryOptions {
  /** Maximum length of a short value (default 32). */
  maxLength?: number;
  /** Relative weight (against 100) of values near the 65,535-byte limit. Default 1; 0 disables them. */
  longWeight?: number;
}

/** Deterministic filler so that large buffers cost one draw, not one per byte. */
function filled(length: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

/** A Buffer of `min..max` pseudo-random bytes drawn with one seed (cheap for large sizes). */
export function bulkBytesArb(min: number, max: number): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.integer({ min, max }), fc.integer()).map(([length, seed]) => filled(length, seed));
}

/** MQTT binary data (1.5.6): up to 65,535 bytes, as a Buffer, mostly short. */
export function binaryArb(options: BinaryOptions = {}): fc.Arbitrary<Buffer> {
  const { maxLength = 32, longWeight = 1 } = options;
  const short = fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
  if (longWeight <= 0) return short;
  return fc.oneof(
    { arbitrary: short, weight: 100 },
    { arbitrary: bulkBytesArb(MAX_STRING_BYTES - 100, MAX_STRING_BYTES), weight: longWeight },
  );
}

/**
 * An application payload: mostly small, sometimes a few hundred bytes (two-byte remaining length), rarely
 * about 16 KiB (three-byte remaining length).
 */
export function payloadArb(): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)), weight: 70 },
    { arbitrary: bulkBytesArb(100, 400), weight: 25 },
    { arbitrary: bulkBytesArb(16_380, 16_500), weight: 5 },
  );
}

/** A payload that is well-formed UTF-8 (for Payload Format Indicator 1 [MQTT-3.3.2-4]). */
export function utf8PayloadArb(): fc.Arbitrary<Buffer> {
  return mqttStringArb({ maxLength: 32, longWeight: 0 }).map((s) => Buffer.from(s, 'utf8'));
}

/** One topic level: any MQTT string without `/`, `+`, `#` (may be empty). */
const levelArb = mqttStringArb({ maxLength: 8, longWeight: 0, exclude: '/+#' });

/** Common level names, so that filters and names often share levels. */
const commonLevelArb = fc.constantFrom('a', 'b', 'sensors', 'temp', '', '$SYS', 'x y', '\u00e9t\u00e9', '\u{1f600}');

const anyLevelArb = fc.oneof({ arbitrary: commonLevelArb, weight: 1 }, { arbitrary: levelArb, weight: 2 });

/** Joins levels; a long topic (> 65,535 bytes) cannot arise because levels are short and few. */
const joinLevels = (levels: string[]) => levels.join('/');

/** Options of {@link topicNameArb}. */
export interface TopicNameOptions {
  /** Relative weight (against 100) of topic names at the 65,535-byte limit. Default 1. */
  longWeight?: number;
}

/**
 * A valid topic name (4.7): non-empty [MQTT-4.7.3-1], no wildcard characters [MQTT-4.7.0-1]
 * [MQTT-3.3.2-2], no U+0000 [MQTT-4.7.3-2], at most 65,535 bytes. Levels may be empty (`a//b`, `/a`) and
 * may start with `$`.
 */
export function topicNameArb(options: TopicNameOptions = {}): fc.Arbitrary<string> {
  const { longWeight = 1 } = options;
  const short = fc
    .array(anyLevelArb, { minLength: 1, maxLength: 6 })
    .map(joinLevels)
    .filter((t) => t.length > 0);
  if (longWeight <= 0) return short;
  return fc.oneof({ arbitrary: short, weight: 100 }, { arbitrary: longStringArb(), weight: longWeight });
}

/** A share name: non-empty, no `/`, `+` or `#` [MQTT-4.8.2-1] [MQTT-4.8.2-2]. */
export const shareNameArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('g', 'group1', 'workers'),
  mqttStringArb({ minLength: 1, maxLength: 8, longWeight: 0, exclude: '/+#' }),
);

/** A non-shared topic filter: levels, `+` levels, optionally a final `#` (4.7.1). */
const plainFilterArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.oneof({ arbitrary: anyLevelArb, weight: 3 }, { arbitrary: fc.constant('+'), weight: 1 }), {
      minLength: 0,
      maxLength: 5,
    }),
    fc.boolean(),
  )
  .map(([levels, multi]) => joinLevels(multi ? [...levels, '#'] : levels))
  .filter((f) => f.length > 0);

/** Options of {@link topicFilterArb}. */
export interface TopicFilterOptions {
  /** Generate `$share/{name}/{filter}` shared subscriptions too (default true). */
  shared?: boolean;
}

/**
 * A valid topic filter (4.7): non-empty, `#` only as the whole last level [MQTT-4.7.1-1], `+` only as a
 * whole level [MQTT-4.7.1-2], no U+0000, and, when `shared`, `$share/{ShareName}/{filter}` with a valid share
 * name (4.8.2).
 */
export function topicFilterArb(options: TopicFilterOptions = {}): fc.Arbitrary<string> {
  const { shared = true } = options;
  if (!shared) return plainFilterArb;
  return fc.oneof(
    { arbitrary: plainFilterArb, weight: 8 },
    { arbitrary: fc.tuple(shareNameArb, plainFilterArb).map(([n, f]) => `$share/${n}/${f}`), weight: 1 },
  );
}

/** True when `filter` is a shared subscription (`$share/...`). */
export function isSharedFilter(filter: string): boolean {
  return filter.startsWith('$share/');
}
