/**
 * Small option checkers shared by the session options, the builders, routes and forwarders. Every failure
 * is a {@link ManagerError} `ERR_CONFIGURATION` whose message and `context.field` name the bad field.
 * @module
 */
import { ManagerError, newConfigurationError } from './errors.js';

/** A configuration error naming `field`. */
export function badField(field: string, problem: string): ManagerError {
  return newConfigurationError(`${field} ${problem}`, undefined, { context: { field } });
}

/** True for a non-null object that is not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws when `value` has a key outside `allowed`, so a misspelt option is an error rather than silently
 * ignored.
 * @param value - the options object
 * @param allowed - the known keys
 * @param prefix - field path of `value` (`connectProps`, ...), empty at the top level
 */
export function checkKeys(value: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw badField(prefix === '' ? key : `${prefix}.${key}`, 'is not a known option');
  }
}

/** An optional object: undefined stays undefined, anything else must be a plain object. */
export function optRecord(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw badField(field, 'must be an object');
  return value;
}

/** A required non-empty string. */
export function reqString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw badField(field, 'must be a non-empty string');
  return value;
}

/** An optional string (may be empty). */
export function optString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badField(field, 'must be a string');
  return value;
}

/** An optional boolean. */
export function optBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw badField(field, 'must be a boolean');
  return value;
}

/** An optional finite number in `[min, max]`. */
export function optNumber(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw badField(field, `must be a number from ${min} to ${max}`);
  }
  return value;
}

/** An optional integer in `[min, max]`. */
export function optInt(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badField(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** An optional QoS (0, 1 or 2). */
export function optQos(value: unknown, field: string): 0 | 1 | 2 | undefined {
  if (value === undefined) return undefined;
  if (value !== 0 && value !== 1 && value !== 2) throw badField(field, 'must be 0, 1 or 2');
  return value;
}

/** An optional function. */
export function optFunction<F>(value: unknown, field: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw badField(field, 'must be a function');
  return value as F;
}
