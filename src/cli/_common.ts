/**
 * What every CLI of the project shares: the usage exit and the lines it
 * prints on stdout (`ready`, `stats`, `state`) in the `--log-format` chosen.
 *
 * @module
 */
import { type FlagSpec, helpText } from "../_util/args.ts";
import type { LogFormat } from "../_util/logger.ts";

/**
 * Prints `name: message`, then the help text, on stderr and exits with 2
 * (a usage error, as the other Unix tools do).
 */
export function usageExit(
  name: string,
  usage: string,
  spec: Record<string, FlagSpec>,
  message: string,
): never {
  console.error(`${name}: ${message}\n\n${helpText(usage, spec)}`);
  Deno.exit(2);
}

/**
 * Prints one info line on stdout whatever the log level: a JSON object
 * (`time`, `level`, `name`, `msg` and `fields`) or a text line
 * `TIME INFO [name] msg k=v ...`.
 */
export function printLine(
  name: string,
  format: LogFormat,
  msg: string,
  fields: Record<string, unknown>,
): void {
  if (format === "json") {
    console.log(JSON.stringify({
      time: new Date().toISOString(),
      level: "info",
      name,
      msg,
      ...fields,
    }));
    return;
  }
  const kv = Object.entries(fields).map(([k, v]) =>
    `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`
  ).join(" ");
  console.log(`${new Date().toISOString()} INFO [${name}] ${msg} ${kv}`);
}

/** `--spin-us`, `--stats-ms`, `--log-level` and `--log-format`, as every long-running CLI takes them. */
export const PROCESS_FLAGS: Record<string, FlagSpec> = {
  "spin-us": {
    type: "string",
    description:
      "reactor spin before napping, µs (0 saves CPU on busy shared hosts)",
  },
  "stats-ms": {
    type: "string",
    description:
      "stats line interval, printed when something changed; 0 disables",
    default: "10000",
  },
  "log-level": {
    type: "string",
    description: "debug, info, warn, error or silent",
    default: "info",
  },
  "log-format": {
    type: "string",
    description: "json or text, for every line (ready and stats included)",
    default: "json",
  },
};

/** `--version` and `-h`/`--help`. */
export const VERSION_HELP_FLAGS: Record<string, FlagSpec> = {
  version: { type: "boolean", description: "print the version and exit" },
  help: { type: "boolean", short: "h", description: "show this help" },
};
