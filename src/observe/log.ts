/**
 * Events as log lines: one line per event, `msg` and `event` both the
 * event's `area:verb` name, then its fields. With the JSON console logger
 * a line is `{"time":…,"level":"info","name":"broker","msg":"request:queued","event":"request:queued","service":"echo",…}`.
 *
 * @module
 */
import type { Logger } from "../_util/logger.ts";
import type { PatternEvent } from "../patterns/_kit/events.ts";

/**
 * A listener that writes every event it gets to a logger, one line each.
 *
 * @param log Where to write.
 * @param level The level of the lines.
 * @returns The listener (pass it to `broker.on` or any `onEvent`).
 * @example
 * ```ts
 * import { eventLogger, type MajordomoBrokerEvent } from "@reliable/zmq/observe";
 * const lines: unknown[] = [];
 * const log = { debug() {}, warn() {}, error() {}, info: (m: string, f?: Record<string, unknown>) => lines.push([m, f]) };
 * const event: MajordomoBrokerEvent = { type: "worker:ready", service: "echo", worker: "00aa" };
 * eventLogger(log)(event);
 * console.log(lines); // [ [ "worker:ready", { event: "worker:ready", service: "echo", worker: "00aa" } ] ]
 * ```
 */
export function eventLogger(
  log: Logger,
  level: "debug" | "info" | "warn" = "info",
): (event: PatternEvent) => void {
  return (event) => {
    const { type, ...fields } = event as PatternEvent & Record<string, unknown>;
    log[level](type, { event: type, ...fields });
  };
}
