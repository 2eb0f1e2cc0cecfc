// Shared command-line handling of the example programs, on the project's
// one argument parser (src/_util/args.ts): `--help` prints the usage and
// exits 0; an unknown flag or a bad value prints one line and the usage to
// stderr and exits 2; any other failure prints one line (no stack trace)
// and exits 1.
import {
  type FlagSpec,
  helpText,
  intFlag,
  type ParsedFlags,
  parseFlags,
  UsageError,
} from "../src/_util/args.ts";
import { LogLevel, type LogLevelName } from "../src/_util/logger.ts";

export { type FlagSpec, UsageError };

/** A program's command line. */
export interface Program {
  /** The usage line, e.g. `"deno run -A examples/x.ts [flags]"`. */
  usage: string;
  /** What it does and what to expect, printed under the usage. */
  about: string;
  /** Its flags (`--help` is added). */
  flags: Record<string, FlagSpec>;
}

const HELP: FlagSpec = {
  type: "boolean",
  short: "h",
  description: "show this help and exit",
};

function usageOf(p: Program): string {
  return `${
    helpText(p.usage, { ...p.flags, help: HELP })
  }\n\n${p.about.trim()}\n`;
}

/**
 * Parses `Deno.args` for `p`; handles `--help` and usage errors (exits).
 * @returns The flags, defaults applied.
 */
export function parse(p: Program): ParsedFlags {
  try {
    const f = parseFlags(Deno.args, { ...p.flags, help: HELP });
    if (f.help) {
      console.log(usageOf(p));
      Deno.exit(0);
    }
    return f;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}\n\n${usageOf(p)}`);
    Deno.exit(2);
  }
}

/**
 * Runs the program's body: a usage error exits 2 with the usage, any other
 * error exits 1 with one line.
 */
export async function run(p: Program, main: () => Promise<void>) {
  try {
    await main();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}\n\n${usageOf(p)}`);
      Deno.exit(2);
    }
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}

/** An integer flag within [min, max] (its default applies when absent). */
export function int(
  f: ParsedFlags,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const n = intFlag(f, name, min, max);
  if (n === undefined) throw new UsageError(`--${name} is required`);
  return n;
}

/** A string flag (its default applies when absent). */
export function str(f: ParsedFlags, name: string): string {
  const v = f[name];
  if (typeof v !== "string") throw new UsageError(`--${name} is required`);
  return v;
}

/** The `--log-level` flag. */
export function logLevel(f: ParsedFlags): LogLevelName {
  const v = str(f, "log-level");
  if (!(v in LogLevel)) {
    throw new UsageError(
      `--log-level must be one of ${Object.keys(LogLevel).join(", ")}, got ${
        JSON.stringify(v)
      }`,
    );
  }
  return v as LogLevelName;
}

/** The one JSON ready line that test harnesses and scripts wait for. */
export function ready(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event: "ready", ...fields }));
}

/**
 * A job argument in milliseconds (`sleep:<ms>` in the demos): a whole
 * number from 0 to 600000.
 * @throws {RangeError} Otherwise (the demo replies with an error).
 */
export function jobMs(text: string): number {
  if (!/^\d{1,6}$/.test(text) || Number(text) > 600_000) {
    throw new RangeError(
      `sleep:<ms> needs a whole number of ms from 0 to 600000, got ${
        JSON.stringify(text)
      }`,
    );
  }
  return Number(text);
}

/** Closes `resources` and exits 0 on SIGINT or SIGTERM. */
export function exitOnSignal(close: () => Promise<void>): void {
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    try {
      await close();
    } finally {
      Deno.exit(0);
    }
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
