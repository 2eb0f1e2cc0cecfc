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

/** A logger that discards everything (the default). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * A logger that writes one line per entry to stderr, at or above `level`.
 *
 * @param level The least severe level written.
 * @param name A prefix naming the component.
 * @returns The logger.
 * @example
 * ```ts
 * import { consoleLogger } from "@reliable/zmq";
 * const log = consoleLogger("warn", "broker");
 * log.info("not shown");
 * ```
 */
export function consoleLogger(level: LogLevelName = "info", name = ""): Logger {
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
