/**
 * The small command-line frame every Majordomo example uses: `--help`
 * prints the usage (exit 0); an unknown flag or a bad value prints one line
 * and the usage (exit 2); an error at run time prints one line, never a
 * stack trace (exit 1).
 *
 * @module
 */
import {
  type FlagSpec,
  helpText,
  intFlag,
  type ParsedFlags,
  parseFlags,
  UsageError,
} from "../../src/_util/args.ts";

/** What a program says about itself. */
export interface Program {
  /** The usage line, e.g. `"echo_worker.ts [flags]"`. */
  usage: string;
  /** One or two sentences: what it does, what it prints, how it exits. */
  about: string;
  /** Its flags (`--help` is added). */
  flags: Record<string, FlagSpec>;
}

function usage(p: Program): string {
  return `${p.about}\n\n${
    helpText(p.usage, {
      ...p.flags,
      help: { type: "boolean", description: "show this help" },
    })
  }`;
}

/**
 * Parses `Deno.args`, or exits: 0 after `--help`, 2 on a usage error.
 * @param p The program.
 * @param check Further checks of the values (throw `UsageError`).
 * @returns The flags.
 */
export function parseOrExit<T>(
  p: Program,
  check: (f: ParsedFlags) => T,
): T {
  try {
    const f = parseFlags(Deno.args, {
      ...p.flags,
      help: { type: "boolean", description: "show this help" },
    });
    if (f.help) {
      console.log(usage(p));
      Deno.exit(0);
    }
    return check(f);
  } catch (e) {
    if (
      e instanceof UsageError || e instanceof RangeError ||
      e instanceof TypeError
    ) {
      console.error(`error: ${(e as Error).message}\n\n${usage(p)}`);
      Deno.exit(2);
    }
    throw e;
  }
}

/**
 * Runs the program's body; an error ends it with one line on stderr and
 * exit code 1.
 * @param body The program.
 */
export async function run(body: () => Promise<number | void>): Promise<never> {
  let code = 0;
  try {
    code = (await body()) ?? 0;
  } catch (e) {
    console.error(
      `error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    );
    code = 1;
  }
  Deno.exit(code);
}

/** An integer flag in a range (a `UsageError` otherwise). */
export const int = (
  f: ParsedFlags,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number => intFlag(f, name, min, max)!;

/** A string flag that must be a ZeroMQ endpoint. */
export function endpoint(f: ParsedFlags, name = "endpoint"): string {
  const v = f[name];
  if (typeof v !== "string" || !/^(tcp|ipc|inproc):\/\/\S+$/.test(v)) {
    throw new UsageError(
      `--${name} must be an endpoint such as tcp://127.0.0.1:5555, got ${
        JSON.stringify(v)
      }`,
    );
  }
  return v;
}

export { UsageError };
