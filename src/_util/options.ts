/**
 * The one option checker of the library. Every class reads its options
 * through these functions, so that every class refuses the same mistakes in
 * the same words: an unknown key, a wrong type, a time that is not a finite
 * number of milliseconds within timer range.
 *
 * Wrong types raise `TypeError`; values out of range raise `RangeError`.
 * Messages name the owner (class or method), the option and the value
 * received.
 *
 * @module
 */
import { type Clock, MAX_TIMER_MS, realClock } from "./clock.ts";
import { consoleLogger, type Logger } from "./logger.ts";
import type { Frame } from "../types.ts";

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "a Uint8Array";
  return `a value of type ${typeof value}`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length];
}

/** The known key closest to `key`, when one is close enough to suggest. */
function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.toLowerCase().includes(key.toLowerCase()) && key.length >= 3
      ? 1
      : distance(key, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * Checks an options argument: `undefined` (no options) or a plain object
 * whose keys are all known.
 *
 * @param owner The class or method, for messages (`"MajordomoClient.connect()"`).
 * @param options The argument as given.
 * @param known Every key the owner understands.
 * @returns The options (an empty object for `undefined`).
 * @throws {TypeError} If it is not an object, or has an unknown key (the
 * message lists the known keys and suggests the nearest).
 */
export function readOptions<T extends object>(
  owner: string,
  options: T | undefined,
  known: readonly (keyof T & string)[],
): Partial<T> {
  if (options === undefined) return {};
  if (
    options === null || typeof options !== "object" || Array.isArray(options)
  ) {
    throw new TypeError(
      `${owner}: options must be an object, got ${show(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!(known as readonly string[]).includes(key)) {
      const near = suggest(key, known);
      throw new TypeError(
        `${owner}: unknown option "${key}"${
          near ? ` (did you mean "${near}"?)` : ""
        }; known options: ${known.join(", ")}`,
      );
    }
  }
  return options;
}

/** How {@linkcode durationMs} treats `Infinity`. */
export interface DurationRule {
  /** Smallest value, in ms. @default 0 */
  min?: number;
  /**
   * Whether `Infinity` is allowed (it then means "never"; say so in the
   * option's documentation).
   * @default false
   */
  infinity?: boolean;
}

/**
 * Checks a time option in milliseconds: a number, not NaN, at least
 * `min`, at most 2^31-1 ms (the timer limit, about 24.8 days) or, where
 * the owner allows it, `Infinity` for "never".
 *
 * @param owner The class or method, for messages.
 * @param name The option's name.
 * @param value The value given.
 * @param fallback The default, returned when `value` is undefined.
 * @param rule Minimum and whether `Infinity` is allowed.
 * @returns The duration.
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is NaN, below `min`, above the timer limit, or
 * `Infinity` where not allowed.
 */
export function durationMs(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  rule: DurationRule = {},
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(
      `${owner}: ${name} must be a number of milliseconds, got ${show(value)}`,
    );
  }
  const min = rule.min ?? 0;
  if (value === Infinity && rule.infinity) return value;
  if (!(value >= min && value <= MAX_TIMER_MS)) {
    throw new RangeError(
      `${owner}: ${name} must be between ${min} and ${MAX_TIMER_MS} ms${
        rule.infinity ? " (or Infinity for never)" : ""
      }, got ${value}`,
    );
  }
  return value;
}

/**
 * Checks an integer count option within `[min, max]`.
 *
 * @param owner The class or method, for messages.
 * @param name The option's name.
 * @param value The value given.
 * @param fallback The default, returned when `value` is undefined.
 * @param min Smallest value.
 * @param max Largest value.
 * @returns The count.
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is not an integer in range.
 */
export function count(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(
      `${owner}: ${name} must be an integer, got ${show(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${owner}: ${name} must be an integer between ${min} and ${max}, got ${value}`,
    );
  }
  return value;
}

/**
 * Checks a boolean option.
 *
 * @param owner The class or method, for messages.
 * @param name The option's name.
 * @param value The value given.
 * @param fallback The default.
 * @returns The boolean.
 * @throws {TypeError} If it is not a boolean.
 */
export function bool(
  owner: string,
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(
      `${owner}: ${name} must be true or false, got ${show(value)}`,
    );
  }
  return value;
}

/**
 * Checks an option that takes one of a few strings.
 *
 * @param owner The class or method, for messages.
 * @param name The option's name.
 * @param value The value given.
 * @param allowed The values allowed.
 * @param fallback The default.
 * @returns The value.
 * @throws {TypeError} If it is not one of `allowed`.
 */
export function oneOf<T extends string>(
  owner: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new TypeError(
      `${owner}: ${name} must be one of ${
        allowed.map((a) => JSON.stringify(a)).join(", ")
      }, got ${show(value)}`,
    );
  }
  return value as T;
}

/**
 * Checks an optional function option (a handler or a listener).
 *
 * @param owner The class or method, for messages.
 * @param name The option's name.
 * @param value The value given.
 * @returns The function, or undefined.
 * @throws {TypeError} If it is given and not a function.
 */
export function fn<F extends (...args: never[]) => unknown>(
  owner: string,
  name: string,
  value: unknown,
): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") {
    throw new TypeError(
      `${owner}: ${name} must be a function, got ${show(value)}`,
    );
  }
  return value as F;
}

/**
 * Checks an optional `signal`.
 *
 * @param owner The method, for messages.
 * @param value The value given.
 * @returns The signal, or undefined.
 * @throws {TypeError} If it is given and not an AbortSignal.
 */
export function signal(owner: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(
      `${owner}: signal must be an AbortSignal, got ${show(value)}`,
    );
  }
  return value;
}

/**
 * Checks the `logger` option. The default writes warnings and errors to
 * stderr, prefixed with `name`; pass `silentLogger` for silence.
 *
 * @param owner The class, for messages.
 * @param value The value given.
 * @param name The prefix of the default logger's lines.
 * @returns The logger.
 * @throws {TypeError} If it lacks one of the four methods.
 */
export function logger(owner: string, value: unknown, name: string): Logger {
  if (value === undefined) return consoleLogger("warn", name);
  const l = value as Record<string, unknown>;
  if (
    l === null || typeof l !== "object" || typeof l.debug !== "function" ||
    typeof l.info !== "function" || typeof l.warn !== "function" ||
    typeof l.error !== "function"
  ) {
    throw new TypeError(
      `${owner}: logger must have debug, info, warn and error methods, got ${
        show(value)
      }`,
    );
  }
  return value as Logger;
}

/**
 * Checks the `clock` option (tests pass a `FakeClock`).
 *
 * @param owner The class, for messages.
 * @param value The value given.
 * @returns The clock, or the real one.
 * @throws {TypeError} If it does not look like a {@linkcode Clock}.
 */
export function clock(owner: string, value: unknown): Clock {
  if (value === undefined) return realClock;
  const c = value as Record<string, unknown>;
  if (
    c === null || typeof c !== "object" || typeof c.now !== "function" ||
    typeof c.setTimeout !== "function" ||
    typeof c.clearTimeout !== "function" || typeof c.sleep !== "function"
  ) {
    throw new TypeError(
      `${owner}: clock must have now, setTimeout, clearTimeout and sleep methods`,
    );
  }
  return value as Clock;
}

/**
 * Checks that a per-attempt timeout fits inside a deadline.
 *
 * @param owner The class or method, for messages.
 * @param attemptTimeoutMs The per-attempt timeout.
 * @param deadlineMs The whole-request deadline.
 * @throws {RangeError} If the attempt timeout is longer than the deadline.
 */
export function attemptWithinDeadline(
  owner: string,
  attemptTimeoutMs: number,
  deadlineMs: number,
): void {
  if (attemptTimeoutMs > deadlineMs) {
    throw new RangeError(
      `${owner}: attemptTimeoutMs (${attemptTimeoutMs}) must not exceed deadlineMs (${deadlineMs})`,
    );
  }
}

/**
 * Checks a message given by a caller: a non-empty array of frames, each a
 * `Uint8Array` or a string, optionally within a size limit per frame.
 *
 * @param owner The method, for messages (`"MajordomoClient.request()"`).
 * @param name The argument's name (`"body"`).
 * @param value The value given.
 * @param maxFrameBytes Largest frame allowed, in bytes.
 * @returns The frames.
 * @throws {TypeError} If it is not a non-empty array of frames.
 * @throws {RangeError} If a frame is larger than `maxFrameBytes`.
 */
export function frames(
  owner: string,
  name: string,
  value: unknown,
  maxFrameBytes = Infinity,
): readonly Frame[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(
      `${owner}: ${name} must be a non-empty array of frames (Uint8Array or string), got ${
        show(value)
      }`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const f = value[i];
    if (!(f instanceof Uint8Array) && typeof f !== "string") {
      throw new TypeError(
        `${owner}: ${name}[${i}] must be a Uint8Array or a string, got ${
          show(f)
        }`,
      );
    }
    const size = typeof f === "string" ? f.length : f.byteLength;
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit; measure
    // exactly only when the cheap bound could exceed the limit.
    if (size > maxFrameBytes / 3 && maxFrameBytes !== Infinity) {
      const bytes = typeof f === "string"
        ? new TextEncoder().encode(f).byteLength
        : size;
      if (bytes > maxFrameBytes) {
        throw new RangeError(
          `${owner}: ${name}[${i}] is ${bytes} bytes, over the limit of ${maxFrameBytes} bytes`,
        );
      }
    }
  }
  return value as Frame[];
}

/** A request call's checked arguments (see {@linkcode requestArgs}). */
export interface RequestArgs {
  /** The request's frames, copied (the caller may reuse its array). */
  readonly frames: Frame[];
  /** This request's limit from the call, in ms (`Infinity`: none). */
  readonly deadlineMs: number;
  /** Cancels this request. */
  readonly signal: AbortSignal | undefined;
}

/**
 * Checks the arguments of a client's `request(frames, { deadlineMs, signal })`
 * the same way in every client: a non-empty array of frames, only the keys
 * `deadlineMs` and `signal`, a deadline of at least 1 ms (or `Infinity`).
 *
 * @param owner The method, for messages (`"FreelanceClient.request()"`).
 * @param request The request's frames as given.
 * @param options The options given.
 * @param defaultDeadlineMs The client's deadline, used when none is given.
 * @param infinity Whether `Infinity` (no deadline) is allowed.
 * @returns The frames (copied), the deadline and the signal.
 * @throws {TypeError} On a malformed request, an unknown key or a badly typed
 * option.
 * @throws {RangeError} On a deadline out of range.
 * @example
 * ```ts
 * import { requestArgs } from "./options.ts";
 * const a = requestArgs("Client.request()", ["hi"], { deadlineMs: 500 }, 30_000);
 * console.log(a.frames, a.deadlineMs); // [ "hi" ] 500
 * ```
 */
export function requestArgs(
  owner: string,
  request: unknown,
  options: unknown,
  defaultDeadlineMs: number,
  infinity = true,
): RequestArgs {
  const checked = frames(owner, "frames", request);
  const o = readOptions(
    owner,
    options as { deadlineMs?: unknown; signal?: unknown } | undefined,
    ["deadlineMs", "signal"],
  );
  return {
    frames: checked.slice(),
    deadlineMs: durationMs(
      owner,
      "deadlineMs",
      o.deadlineMs,
      defaultDeadlineMs,
      { min: 1, infinity },
    ),
    signal: signal(owner, o.signal),
  };
}
