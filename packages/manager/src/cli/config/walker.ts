/**
 * A small hand-written schema walker for config files: checks compose into a typed result, every problem is
 * collected with its path (`sessions[2].brokers[0]`) instead of stopping at the first, unknown keys are
 * problems (with a "did you mean" for typos), and `${VAR}` references in string values are replaced from
 * the environment. Problem messages never echo values (they may be secrets).
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import type { Problem } from '../errors.js';

/** What a check needs: where problems go, the environment for `${VAR}`, and how to check files. */
export interface WalkContext {
  /** Problems found so far. */
  readonly problems: Problem[];
  /** Environment variables for `${VAR}` references. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative file paths are resolved against (see {@link filePath}). */
  readonly baseDir?: string;
  /** Checks that a file can be read: a problem message, or undefined. Without it files are not checked. */
  readonly checkFile?: (path: string) => string | undefined;
}

/**
 * A check: returns the typed value, or `undefined` after recording at least one problem. Absent keys are
 * handled by {@link object}; a check is only called with a present value.
 *
 * Containers keep going after a problem so that every problem is listed: an object returns the fields
 * that passed, a list keeps its positions (a failed item is `undefined`). So a result is only fully typed
 * when no problem was recorded; code that looks at results while problems exist must be defensive.
 */
export type Check<T> = (value: unknown, path: string, ctx: WalkContext) => T | undefined;

/** Records a problem at `path`; returns undefined so checks can `return fail(...)`. */
export function fail(ctx: WalkContext, path: string, message: string): undefined {
  ctx.problems.push({ path, message });
  return undefined;
}

/** `parent.key`, or `parent["odd key"]` when the key is not an identifier. */
export function joinPath(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** `parent[i]` */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

// ---- ${VAR} interpolation ------------------------------------------------------------------------------

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${NAME}` with the variable's value and `${NAME:-fallback}` with the value or, when unset or
 * empty, the fallback; `$${` stands for a literal `${`. Any other `$` is kept as is. A variable that is not
 * set (and has no fallback) or a malformed reference is a problem.
 */
export function interpolate(text: string, path: string, ctx: WalkContext): string | undefined {
  if (!text.includes('${')) return text;
  let ok = true;
  const out = text.replace(REFERENCE, (match: string, body: string | undefined) => {
    if (match === '$${') return '${';
    if (body === undefined) {
      fail(ctx, path, 'has a ${ without its closing }');
      ok = false;
      return match;
    }
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!VAR_NAME.test(name)) {
      fail(ctx, path, 'has a malformed ${...} reference (expected ${NAME} or ${NAME:-default})');
      ok = false;
      return match;
    }
    const value = ctx.env[name];
    if (value !== undefined && (value !== '' || sep === -1)) return value;
    if (sep !== -1) return body.slice(sep + 2);
    fail(ctx, path, `environment variable ${name} is not set`);
    ok = false;
    return match;
  });
  return ok ? out : undefined;
}

// ---- scalar checks ---------------------------------------------------------------------------------------

/** Options of {@link string}. */
export interface StringOptions {
  /** Refuse the empty string. */
  nonEmpty?: boolean;
  /** Extra test on the (interpolated) value: a problem message, or undefined when fine. */
  test?: (value: string) => string | undefined;
}

/** A string (after `${VAR}` interpolation). */
export function string(options: StringOptions = {}): Check<string> {
  return (value, path, ctx) => {
    if (typeof value !== 'string') return fail(ctx, path, 'must be a string');
    const text = interpolate(value, path, ctx);
    if (text === undefined) return undefined;
    if (options.nonEmpty === true && text.trim() === '') return fail(ctx, path, 'must not be empty');
    const problem = options.test?.(text);
    return problem === undefined ? text : fail(ctx, path, problem);
  };
}

/**
 * A file path (after interpolation), resolved against the context's `baseDir` and, when the context can,
 * checked to be readable.
 */
export function filePath(options: { mustExist: boolean }): Check<string> {
  const text = string({ nonEmpty: true });
  return (value, path, ctx) => {
    const p = text(value, path, ctx);
    if (p === undefined) return undefined;
    const full = ctx.baseDir === undefined || isAbsolute(p) ? p : resolve(ctx.baseDir, p);
    const problem = options.mustExist ? ctx.checkFile?.(full) : undefined;
    return problem === undefined ? full : fail(ctx, path, problem);
  };
}

/** A number given as a number, or as a string made of `${VAR}` references (`port: ${METRICS_PORT}`). */
function numeric(value: unknown, path: string, ctx: WalkContext): number | undefined | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.includes('${')) {
    const text = interpolate(value, path, ctx);
    if (text === undefined) return undefined;
    return text.trim() === '' ? null : Number(text);
  }
  return null;
}

/** An integer in `[min, max]`. */
export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER): Check<number> {
  return (value, path, ctx) => {
    const n = numeric(value, path, ctx);
    if (n === undefined) return undefined;
    if (n === null || !Number.isInteger(n) || n < min || n > max) {
      return fail(ctx, path, max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

/** A finite number `>= min`. */
export function number(min: number): Check<number> {
  return (value, path, ctx) => {
    const n = numeric(value, path, ctx);
    if (n === undefined) return undefined;
    if (n === null || !Number.isFinite(n) || n < min) return fail(ctx, path, `must be a number >= ${min}`);
    return n;
  };
}

/** A boolean (or `${VAR}` giving `true` / `false`). */
export function boolean(): Check<boolean> {
  return (value, path, ctx) => {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && value.includes('${')) {
      const text = interpolate(value, path, ctx);
      if (text === undefined) return undefined;
      if (text === 'true') return true;
      if (text === 'false') return false;
    }
    return fail(ctx, path, 'must be true or false');
  };
}

/** One of a few literal values (strings compared after interpolation). */
export function oneOf<const T extends string | number>(choices: readonly T[]): Check<T> {
  const shown = choices.map((c) => (typeof c === 'string' ? `'${c}'` : String(c))).join(', ');
  return (value, path, ctx) => {
    let v = value;
    if (typeof v === 'string') {
      const text = interpolate(v, path, ctx);
      if (text === undefined) return undefined;
      v = text;
    }
    return choices.includes(v as T) ? (v as T) : fail(ctx, path, `must be one of ${shown}`);
  };
}

/** Maps a valid value through `fn` (normalization: `'3.1.1'` to `4`). */
export function map<A, B>(check: Check<A>, fn: (value: A) => B): Check<B> {
  return (value, path, ctx) => {
    const a = check(value, path, ctx);
    return a === undefined ? undefined : fn(a);
  };
}

/**
 * Adds checks to a value that passed `check` (pairs of fields, ranges between fields). `extra` records its
 * own problems; it sees a partial value when problems were found inside, so it must be defensive.
 */
export function refine<T>(check: Check<T>, extra: (value: T, path: string, ctx: WalkContext) => void): Check<T> {
  return (value, path, ctx) => {
    const v = check(value, path, ctx);
    if (v !== undefined) extra(v, path, ctx);
    return v;
  };
}

// ---- containers ------------------------------------------------------------------------------------------

/** Whether `value` is a plain object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An array of items checked one by one (every bad item reported). */
export function arrayOf<T>(item: Check<T>, options: { min?: number } = {}): Check<T[]> {
  return (value, path, ctx) => {
    if (!Array.isArray(value)) return fail(ctx, path, 'must be a list');
    const min = options.min ?? 0;
    if (value.length < min) fail(ctx, path, min === 1 ? 'must not be empty' : `must have at least ${min} items`);
    const out: T[] = new Array<T>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = item(value[i], indexPath(path, i), ctx) as T;
    return out;
  };
}

/** One item or a list of them, always returned as a list (`brokers: mqtt://a` or `brokers: [...]`). */
export function oneOrMany<T>(item: Check<T>): Check<T[]> {
  const list = arrayOf(item, { min: 1 });
  return (value, path, ctx) => (Array.isArray(value) ? list(value, path, ctx) : map(item, (v) => [v])(value, path, ctx));
}

/** A map with free keys (checked by `key`) and checked values. */
export function record<T>(item: Check<T>, key?: (k: string) => string | undefined): Check<Record<string, T>> {
  return (value, path, ctx) => {
    if (!isPlainObject(value)) return fail(ctx, path, 'must be a map of keys to values');
    const out: Record<string, T> = {};
    for (const [k, raw] of Object.entries(value)) {
      const at = joinPath(path, k);
      const problem = key?.(k);
      if (problem !== undefined) {
        fail(ctx, at, problem);
        continue;
      }
      const v = item(raw, at, ctx);
      if (v !== undefined) out[k] = v;
    }
    return out;
  };
}

/** A field of an {@link object}: its check and whether it must be present. */
export interface Field<T, R extends boolean> {
  readonly check: Check<T>;
  readonly required: R;
}

/** A field that must be present. */
export function required<T>(check: Check<T>): Field<T, true> {
  return { check, required: true };
}

/** A field that may be absent (then absent from the result too). */
export function optional<T>(check: Check<T>): Field<T, false> {
  return { check, required: false };
}

/** Fields of an {@link object}. */
export type Fields = Record<string, Field<unknown, boolean>>;

type FieldType<F> = F extends Field<infer T, boolean> ? T : never;

/** The typed result of an {@link object} with fields `F`. */
export type ObjectOf<F extends Fields> = {
  -readonly [K in keyof F as F[K]['required'] extends true ? K : never]: FieldType<F[K]>;
} & {
  -readonly [K in keyof F as F[K]['required'] extends true ? never : K]?: FieldType<F[K]>;
};

/**
 * The fields of an {@link object} check whose result is `T`: exactly the keys of `T`, each required or
 * optional as in `T`, each checking a value of its type. Written `object({...} satisfies FieldsOf<T>)`, it
 * makes a key added to `T` and missing here (or the other way round) a compile error.
 */
export type FieldsOf<T> = {
  [K in keyof T]-?: Field<Exclude<T[K], undefined>, {} extends Pick<T, K> ? false : true>;
};

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest known key to a misspelt one, if close enough. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * An object with known fields: each present field checked, each missing required field and each unknown
 * key (with a "did you mean") reported. Every field is checked even after a problem, so all are listed;
 * the result then holds the fields that passed.
 */
export function object<F extends Fields>(fields: F): Check<ObjectOf<F>> {
  const known = Object.keys(fields);
  return (value, path, ctx) => {
    if (!isPlainObject(value)) return fail(ctx, path, 'must be an object');
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(fields, key)) continue;
      const hint = suggest(key, known);
      fail(ctx, joinPath(path, key), hint === undefined ? 'unknown key' : `unknown key (did you mean '${hint}'?)`);
    }
    for (const [key, field] of Object.entries(fields)) {
      const at = joinPath(path, key);
      if (!Object.hasOwn(value, key) || value[key] === undefined) {
        if (field.required) fail(ctx, at, 'is required');
        continue;
      }
      const v = field.check(value[key], at, ctx);
      if (v !== undefined) out[key] = v;
    }
    return out as ObjectOf<F>;
  };
}

/**
 * A union of objects told apart by a string field (`storage: { type: file, dir }`): the variant named by
 * `value[tag]` checks the whole object (its own fields include `tag`).
 */
export function tagged<const V extends Record<string, Check<unknown>>>(
  tag: string,
  variants: V,
): Check<{ [K in keyof V]: V[K] extends Check<infer T> ? T : never }[keyof V]> {
  const names = Object.keys(variants);
  return (value, path, ctx) => {
    if (!isPlainObject(value)) return fail(ctx, path, 'must be an object');
    const name = value[tag];
    const at = joinPath(path, tag);
    if (name === undefined) return fail(ctx, at, `is required (one of ${names.map((n) => `'${n}'`).join(', ')})`);
    if (typeof name !== 'string' || !Object.hasOwn(variants, name)) {
      return fail(ctx, at, `must be one of ${names.map((n) => `'${n}'`).join(', ')}`);
    }
    return variants[name]!(value, path, ctx) as never;
  };
}
