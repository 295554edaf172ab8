/**
 * The shape of a subcommand.
 * @module
 */
import type { OptionSpecs } from './args.js';
import type { CliContext } from './context.js';
import type { ExitCode } from './errors.js';

/** A subcommand of `mqttx`. */
export interface Command {
  /** Name typed after `mqttx`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line of the help (`mqttx pub [options]`). */
  readonly usage: string;
  /** Help paragraph. */
  readonly description: string;
  /** Flags (the common `--help` and `--verbose` included). */
  readonly options: OptionSpecs;
  /** Positional arguments accepted. */
  readonly positionals?: { min: number; max: number };
  /** Example lines of the help. */
  readonly examples?: readonly string[];
  /** Left out of `mqttx --help` (not finished). */
  readonly hidden?: boolean;
  /**
   * Runs the command. Throws a `CliError` (or any error) on failure; the caller prints it and maps it to
   * an exit code.
   * @param args - the arguments after the command name
   * @param ctx - streams, environment and the stop signal
   */
  run(args: readonly string[], ctx: CliContext): Promise<ExitCode>;
}
