/**
 * Titanic's stand-ins for the shared reliability kit (option checks, clock,
 * rate-limited log, event callback). They follow the kit's public shape
 * (`readOptions`, `durationMs`, `Clock`, `RateLimitedLog`) so that moving to
 * `src/_util/` and `src/patterns/_kit/` is a change of imports. Private.
 *
 * @module
 */
import { consoleLogger, type Logger } from "../../_util/logger.ts";

/** Largest delay a timer takes (2^31 - 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Time and timers, injectable so that tests can drive time.
 *
 * @example
 * ```ts
 * import { realClock } from "./_kit.ts";
 * const t = realClock.setTimeout(() => {}, 10);
 * realClock.clearTimeout(t);
 * ```
 */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /**
   * Calls `fn` after `ms`.
   * @param fn What to call.
   * @param ms Delay.
   * @returns A handle for {@linkcode Clock.clearTimeout}.
   */
  setTimeout(fn: () => void, ms: number): unknown;
  /**
   * Cancels a timer.
   * @param handle What `setTimeout` returned.
   */
  clearTimeout(handle: unknown): void;
}

/** The real clock: `performance.now()` and the global timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Checks an options argument: an object (or undefined) whose keys are all
 * known.
 * @param where Class or method, for messages.
 * @param options The argument.
 * @param known The option names.
 * @returns The options, or `{}`.
 */
export function readOptions<T extends object>(
  where: string,
  options: T | undefined,
  known: readonly string[],
): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${where}: options must be an object, got ${
        options === null ? "null" : typeof options
      }`,
    );
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) {
      throw new TypeError(
        `${where}: unknown option "${k}" (known: ${known.join(", ")})`,
      );
    }
  }
  return options;
}

/**
 * Reads a time option in ms: finite, 0 (or `min`) up to 2^31 - 1, or
 * `Infinity` when `allowInfinity`.
 * @param where Class or method.
 * @param name Option name.
 * @param value The value given.
 * @param fallback The default.
 * @param min Smallest value.
 * @param allowInfinity Whether `Infinity` ("never") is allowed.
 * @returns The value.
 */
export function durationMs(
  where: string,
  name: string,
  value: unknown,
  fallback: number,
  min = 0,
  allowInfinity = false,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(
      `${where}: ${name} must be a number of milliseconds, got ${
        JSON.stringify(value) ?? typeof value
      }`,
    );
  }
  if (value === Infinity && allowInfinity) return value;
  if (!Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    throw new RangeError(
      `${where}: ${name} must be between ${min} and ${MAX_TIMER_MS} ms${
        allowInfinity ? " or Infinity" : ""
      }, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads a count option: an integer at least `min` (and at most `max`).
 * @param where Class or method.
 * @param name Option name.
 * @param value The value given.
 * @param fallback The default.
 * @param min Smallest value.
 * @param max Largest value.
 * @returns The value.
 */
export function count(
  where: string,
  name: string,
  value: unknown,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < min ||
    value > max
  ) {
    throw new RangeError(
      `${where}: ${name} must be an integer between ${min} and ${max}, got ${
        JSON.stringify(value) ?? typeof value
      }`,
    );
  }
  return value;
}

/**
 * Reads a boolean option.
 * @param where Class or method.
 * @param name Option name.
 * @param value The value given.
 * @param fallback The default.
 * @returns The value.
 */
export function bool(
  where: string,
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(
      `${where}: ${name} must be a boolean, got ${typeof value}`,
    );
  }
  return value;
}

/**
 * Reads the `logger` option (default: warnings and errors to stderr).
 * @param where Class name.
 * @param value The value given.
 * @param name Prefix of the default logger's lines.
 * @returns The logger.
 */
export function loggerOption(
  where: string,
  value: unknown,
  name: string,
): Logger {
  if (value === undefined) return consoleLogger("warn", name);
  const l = value as Logger;
  if (
    l === null || typeof l !== "object" || typeof l.debug !== "function" ||
    typeof l.info !== "function" || typeof l.warn !== "function" ||
    typeof l.error !== "function"
  ) {
    throw new TypeError(
      `${where}: logger must have debug, info, warn and error methods`,
    );
  }
  return l;
}

/**
 * Reads a callback option.
 * @param where Class name.
 * @param name Option name.
 * @param value The value given.
 * @returns The function, or undefined.
 */
export function fnOption<F>(
  where: string,
  name: string,
  value: unknown,
): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") {
    throw new TypeError(`${where}: ${name} must be a function`);
  }
  return value as F;
}

/**
 * Reads the `clock` option.
 * @param where Class name.
 * @param value The value given.
 * @returns The clock.
 */
export function clockOption(where: string, value: unknown): Clock {
  if (value === undefined) return realClock;
  const c = value as Clock;
  if (
    c === null || typeof c !== "object" || typeof c.now !== "function" ||
    typeof c.setTimeout !== "function" || typeof c.clearTimeout !== "function"
  ) {
    throw new TypeError(
      `${where}: clock must have now, setTimeout and clearTimeout`,
    );
  }
  return c;
}

/**
 * Calls an event listener without letting it break the caller.
 * @param listener The `onEvent` option.
 * @param event The event.
 * @param log Where a throwing listener is reported.
 */
export function emit<E>(
  listener: ((e: E) => void) | undefined,
  event: E,
  log: Logger,
): void {
  if (!listener) return;
  try {
    listener(event);
  } catch (e) {
    log.warn("onEvent listener threw", { error: String(e) });
  }
}

/**
 * A log that writes at most one line per kind per interval and reports how
 * many were held back.
 */
export class RateLimitedLog {
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #last = new Map<string, { at: number; held: number }>();

  /**
   * @param log The logger.
   * @param clock Time source.
   * @param intervalMs Least time between two lines of one kind.
   */
  constructor(log: Logger, clock: Clock = realClock, intervalMs = 5000) {
    this.#log = log;
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  /**
   * Logs a warning unless one of this kind was logged recently.
   * @param kind What happened (the rate limit is per kind).
   * @param message The line.
   * @param fields Details.
   */
  warn(kind: string, message: string, fields?: Record<string, unknown>): void {
    const now = this.#clock.now();
    const last = this.#last.get(kind);
    if (last && now - last.at < this.#intervalMs) {
      last.held++;
      return;
    }
    const held = last?.held ?? 0;
    this.#last.set(kind, { at: now, held: 0 });
    if (this.#last.size > 1000) this.#last.clear();
    this.#log.warn(
      message,
      held ? { ...fields, suppressed: held } : fields,
    );
  }
}
