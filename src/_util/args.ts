/**
 * The project's one argument-parsing module: a thin, typed layer over
 * `node:util` `parseArgs` for the CLIs, examples and benchmarks.
 *
 * @module
 */
import { parseArgs as nodeParseArgs } from "node:util";

/** One flag of a command line. */
export interface FlagSpec {
  /** `"string"` takes a value; `"boolean"` does not. */
  type: "string" | "boolean";
  /** One-letter alias. */
  short?: string;
  /** Whether it may be given several times (values collect in an array). */
  multiple?: boolean;
  /** Help text. */
  description: string;
  /** Default shown in the help (string flags). */
  default?: string;
}

/** A command-line usage error: print the message and exit 2. */
export class UsageError extends Error {
  /** @param message What is wrong with the command line. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parsed flags: strings, string arrays (multiple) or booleans. */
export type ParsedFlags = Record<
  string,
  string | string[] | boolean | undefined
>;

/**
 * Parses `args` against `spec`; unknown flags and positionals are errors.
 *
 * @param args The arguments (e.g. `Deno.args`).
 * @param spec The flags, by long name.
 * @returns The flags given, defaults applied.
 * @throws {UsageError} On an unknown flag, a missing value or a positional.
 */
export function parseFlags(
  args: readonly string[],
  spec: Record<string, FlagSpec>,
): ParsedFlags {
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {};
  for (const [name, f] of Object.entries(spec)) {
    options[name] = { type: f.type };
    if (f.short) options[name].short = f.short;
    if (f.multiple) options[name].multiple = true;
  }
  let values: ParsedFlags;
  try {
    const r = nodeParseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: false,
    });
    values = r.values as ParsedFlags;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  for (const [name, f] of Object.entries(spec)) {
    if (values[name] === undefined && f.default !== undefined) {
      values[name] = f.multiple ? [f.default] : f.default;
    }
  }
  return values;
}

/**
 * Reads a flag as an integer in a range.
 *
 * @param values Parsed flags.
 * @param name Flag name.
 * @param min Smallest value.
 * @param max Largest value.
 * @returns The number, or undefined when absent.
 * @throws {UsageError} When it is not an integer in range.
 */
export function intFlag(
  values: ParsedFlags,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^-?\d+$/.test(v)) {
    throw new UsageError(
      `--${name} must be an integer, got ${JSON.stringify(v)}`,
    );
  }
  const n = Number(v);
  if (n < min || n > max) {
    throw new UsageError(
      `--${name} must be between ${min} and ${max}, got ${n}`,
    );
  }
  return n;
}

/**
 * The value of string flag `name`, which must be one of `allowed`.
 *
 * @throws {UsageError} When it is not, naming the choices.
 */
export function choiceFlag<T extends string>(
  values: ParsedFlags,
  name: string,
  allowed: readonly T[],
): T {
  const v = values[name];
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new UsageError(
      `--${name} must be one of ${allowed.join(", ")}, got ${
        JSON.stringify(v)
      }`,
    );
  }
  return v as T;
}

/**
 * Formats a help text for `spec`.
 *
 * @param usage The first line, e.g. `"deno task broker [flags]"`.
 * @param spec The flags.
 * @returns The help text.
 */
export function helpText(
  usage: string,
  spec: Record<string, FlagSpec>,
): string {
  const lines = [`Usage: ${usage}`, "", "Flags:"];
  for (const [name, f] of Object.entries(spec)) {
    const left = `  ${f.short ? `-${f.short}, ` : ""}--${name}${
      f.type === "string" ? " <value>" : ""
    }`;
    const def = f.default !== undefined ? ` (default ${f.default})` : "";
    lines.push(`${left.padEnd(30)} ${f.description}${def}`);
  }
  return lines.join("\n");
}
