/**
 * Command-line flags: declarative option specs, parsing on top of `node:util` `parseArgs` (its tokens, with
 * our own checks so every mistake is a one-line `ERR_USAGE` that never echoes a value), help text, and the
 * value parsers shared by the commands (integers, QoS, protocol version, `k=v`).
 * @module
 */
import { parseArgs } from 'node:util';
import { usageError } from './errors.js';

/** One flag of a command. */
export interface OptionSpec {
  /** `string` takes a value, `boolean` does not. */
  readonly type: 'string' | 'boolean';
  /** One-letter alias (`-t`). */
  readonly short?: string;
  /** May be given several times (values collected in order). */
  readonly multiple?: boolean;
  /** Placeholder of the value in the help (`<url>`). */
  readonly value?: string;
  /** One line of help. */
  readonly description: string;
  /** Default shown in the help. */
  readonly default?: string;
  /** Help section (default `Options`). */
  readonly group?: string;
}

/** The flags of a command, by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The parsed value type of one {@link OptionSpec}. */
export type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['multiple'] extends true
    ? string[]
    : string | undefined;

/** Parsed values of a set of {@link OptionSpecs}: booleans default to false, lists to `[]`. */
export type OptionValues<S extends OptionSpecs> = { -readonly [K in keyof S]: OptionValue<S[K]> };

/** Result of {@link parseCommandArgs}. */
export interface ParsedArgs<S extends OptionSpecs> {
  /** Flag values by long name. */
  values: OptionValues<S>;
  /** Arguments that are not flags, in order. */
  positionals: string[];
}

/** Flags every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', description: 'Show this help and exit', group: 'General' },
  verbose: {
    type: 'boolean',
    description: 'On errors, print the stack and the cause chain too',
    group: 'General',
  },
} as const satisfies OptionSpecs;

/**
 * Parses `args` against `specs`. Unknown flags, a missing value, a value given to a boolean flag, a
 * single-valued flag given twice, and too many or too few positionals are `ERR_USAGE` errors whose message
 * names the flag but never echoes its value (which may be a password).
 * @param args - the command's arguments (after the command name)
 * @param specs - its flags
 * @param positionals - how many positionals it takes
 */
export function parseCommandArgs<S extends OptionSpecs>(
  args: readonly string[],
  specs: S,
  positionals: { min: number; max: number } = { min: 0, max: 0 },
): ParsedArgs<S> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  }
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    values[name] = spec.type === 'boolean' ? false : spec.multiple === true ? [] : undefined;
  }
  const seen = new Set<string>();
  const rest: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      rest.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
    if (spec === undefined) throw usageError(`unknown option '${token.rawName}'`);
    const label = flagLabel(token.name, spec);
    if (spec.type === 'boolean') {
      if (token.inlineValue === true) throw usageError(`option ${label} takes no value`);
      values[token.name] = true;
      continue;
    }
    if (token.value === undefined) throw usageError(`option ${label} needs a value`);
    if (spec.multiple === true) {
      (values[token.name] as string[]).push(token.value);
      continue;
    }
    if (seen.has(token.name)) throw usageError(`option ${label} given more than once`);
    seen.add(token.name);
    values[token.name] = token.value;
  }
  if (values.help !== true) {
    if (rest.length > positionals.max) {
      throw usageError(positionals.max === 0 ? 'this command takes no arguments' : `too many arguments (at most ${positionals.max})`);
    }
    if (rest.length < positionals.min) throw usageError(`missing argument (expected ${positionals.min})`);
  }
  return { values: values as OptionValues<S>, positionals: rest };
}

/** `-t/--topic` or `--topic`: how a flag is named in messages. */
export function flagLabel(name: string, spec?: OptionSpec): string {
  return spec?.short === undefined ? `--${name}` : `-${spec.short}/--${name}`;
}

// ---- help ----------------------------------------------------------------------------------------------

/** What the help of a command is made of. */
export interface HelpSpec {
  /** `mqttx pub [options]` */
  usage: string;
  /** A paragraph (line breaks kept). */
  description: string;
  /** The command's flags. */
  options: OptionSpecs;
  /** Example lines. */
  examples?: readonly string[];
}

/** Width the help text is wrapped to. */
const HELP_WIDTH = 100;

/** Splits `text` into lines of at most `width` characters at spaces (a longer word stays whole). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

/** Renders the `--help` text of a command: usage, description, flags grouped by section, examples. */
export function renderHelp(help: HelpSpec): string {
  const out: string[] = [`Usage: ${help.usage}`, '', help.description, ''];
  const groups = new Map<string, [string, string][]>();
  for (const [name, spec] of Object.entries(help.options)) {
    const left = `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : ''}`;
    let right = spec.description;
    if (spec.default !== undefined) right += ` (default: ${spec.default})`;
    if (spec.multiple === true) right += ' (repeatable)';
    const group = spec.group ?? 'Options';
    const list = groups.get(group) ?? [];
    list.push([left, right]);
    groups.set(group, list);
  }
  const width = Math.min(34, Math.max(...[...groups.values()].flat().map(([l]) => l.length)) + 2);
  const indent = ' '.repeat(width + 2);
  for (const [group, rows] of groups) {
    out.push(`${group}:`);
    for (const [left, right] of rows) {
      const text = wrap(right, HELP_WIDTH - width - 2).join(`\n${indent}`);
      out.push(left.length + 2 > width ? `  ${left}\n${indent}${text}` : `  ${left.padEnd(width)}${text}`);
    }
    out.push('');
  }
  if (help.examples !== undefined && help.examples.length > 0) {
    out.push('Examples:', ...help.examples.map((e) => `  ${e}`), '');
  }
  return out.join('\n');
}

// ---- value parsers ---------------------------------------------------------------------------------------

/**
 * Parses a decimal integer flag value within `[min, max]`.
 * @throws CliError `ERR_USAGE` naming the flag (not the value)
 */
export function parseIntFlag(flag: string, value: string, min: number, max: number): number {
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`${flag} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/**
 * Parses a finite number flag value `>= min` (rates, seconds with fractions).
 * @throws CliError `ERR_USAGE`
 */
export function parseNumberFlag(flag: string, value: string, min: number): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < min) throw usageError(`${flag} must be a number >= ${min}`);
  return n;
}

/** A QoS level. */
export type QoSLevel = 0 | 1 | 2;

/** Parses a QoS flag value: 0, 1 or 2. */
export function parseQosFlag(flag: string, value: string): QoSLevel {
  return parseIntFlag(flag, value, 0, 2) as QoSLevel;
}

/**
 * Parses a protocol version: `5`, `5.0`, `mqttv5` give 5; `3.1.1`, `311`, `4`, `mqttv311` give 4.
 * @throws CliError `ERR_USAGE`
 */
export function parseVersionFlag(flag: string, value: string): 4 | 5 {
  const v = value.trim().toLowerCase();
  if (v === '5' || v === '5.0' || v === 'mqttv5' || v === 'v5') return 5;
  if (v === '3.1.1' || v === '311' || v === '4' || v === 'mqttv311' || v === 'v311') return 4;
  throw usageError(`${flag} must be 3.1.1 or 5`);
}

/**
 * Parses `key=value` (the first `=` splits; the value may be empty, the key may not).
 * @throws CliError `ERR_USAGE`
 */
export function parseKeyValue(flag: string, value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw usageError(`${flag} must look like key=value`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}
