/**
 * The optional logger every long-running component accepts. Library code
 * never writes to the console by itself; the CLI and examples pass
 * {@linkcode consoleLogger}.
 * @module
 */

/** Log levels, most verbose first. */
export const LogLevel = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
} as const;
/** A log level name. */
export type LogLevelName = keyof typeof LogLevel;

/** Where a component writes its diagnostics. */
export interface Logger {
  /** Verbose tracing. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Normal operation worth noting. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something unexpected that was handled (a dropped message, a reconnect). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Something that needs attention. */
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that discards everything (pass it as `logger` for silence). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** How {@linkcode consoleLogger} writes a line. */
export type LogFormat = "text" | "json";

/**
 * A logger that writes one line per entry to stderr, at or above `level`.
 * Every component's default is `consoleLogger("warn", name)`: warnings and
 * errors, nothing else.
 *
 * In `"text"` format a line is `time LEVEL [name] message {fields}`; in
 * `"json"` format it is one JSON object per line with the stable keys
 * `time`, `level`, `name`, `msg`, then the fields.
 *
 * @param level The least severe level written.
 * @param name A prefix naming the component.
 * @param format `"text"` or `"json"`.
 * @returns The logger.
 * @example
 * ```ts
 * import { consoleLogger } from "@reliable/zmq";
 * const log = consoleLogger("warn", "broker");
 * log.info("not shown");
 * ```
 */
export function consoleLogger(
  level: LogLevelName = "info",
  name = "",
  format: LogFormat = "text",
): Logger {
  if (!(level in LogLevel)) {
    throw new RangeError(
      `Unknown log level "${level}" (expected ${
        Object.keys(LogLevel).join(", ")
      })`,
    );
  }
  const min = LogLevel[level];
  const encoder = new TextEncoder();
  const write = (
    lvl: LogLevelName,
    message: string,
    fields?: Record<string, unknown>,
  ) => {
    if (LogLevel[lvl] < min) return;
    if (format === "json") {
      const entry = JSON.stringify({
        time: new Date().toISOString(),
        level: lvl,
        name,
        msg: message,
        ...fields,
      });
      Deno.stderr.writeSync(encoder.encode(entry + "\n"));
      return;
    }
    const extra = fields && Object.keys(fields).length
      ? " " + JSON.stringify(fields)
      : "";
    const line = `${new Date().toISOString()} ${lvl.toUpperCase()}${
      name ? ` [${name}]` : ""
    } ${message}${extra}\n`;
    Deno.stderr.writeSync(encoder.encode(line));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}
