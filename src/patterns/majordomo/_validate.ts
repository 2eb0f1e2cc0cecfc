/**
 * Argument checks shared by the Majordomo classes. Private.
 *
 * @module
 */
import type { Logger } from "../../_util/logger.ts";
import { silentLogger } from "../../_util/logger.ts";

/**
 * Checks that an options argument is an object (or undefined).
 * @param cls Class name, for messages.
 * @param options The argument.
 * @returns The options, or `{}`.
 */
export function checkOptions<T extends object>(
  cls: string,
  options: T | undefined,
): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${cls}: options must be an object`);
  }
  return options;
}

/**
 * Reads a numeric option with a default and a minimum.
 * @param cls Class name.
 * @param name Option name.
 * @param value The value given.
 * @param fallback The default.
 * @param min Smallest allowed value.
 * @param integer Whether it must be an integer.
 * @returns The value.
 */
export function numberOption(
  cls: string,
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  integer = true,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`${cls}: ${name} must be a number`);
  }
  if (
    (integer && !Number.isInteger(value) && value !== Infinity) || value < min
  ) {
    throw new RangeError(
      `${cls}: ${name} must be ${
        integer ? "an integer " : ""
      }>= ${min}, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads the `logger` option.
 * @param cls Class name.
 * @param value The value given.
 * @returns The logger, or the silent one.
 */
export function loggerOption(cls: string, value: unknown): Logger {
  if (value === undefined) return silentLogger;
  const l = value as Logger;
  if (
    l === null || typeof l !== "object" || typeof l.debug !== "function" ||
    typeof l.info !== "function" || typeof l.warn !== "function" ||
    typeof l.error !== "function"
  ) {
    throw new TypeError(
      `${cls}: logger must have debug, info, warn and error methods`,
    );
  }
  return l;
}

/**
 * Checks an endpoint string.
 * @param method Method name.
 * @param endpoint The value.
 * @returns The endpoint.
 */
export function checkEndpoint(method: string, endpoint: unknown): string {
  if (typeof endpoint !== "string" || !/^[a-z]+:\/\/\S+$/.test(endpoint)) {
    throw new TypeError(
      `${method}: ${
        JSON.stringify(endpoint)
      } is not a ZeroMQ endpoint (e.g. "tcp://127.0.0.1:5555")`,
    );
  }
  return endpoint;
}

/**
 * Checks an optional AbortSignal.
 * @param method Method name.
 * @param signal The value.
 */
export function checkSignal(method: string, signal: unknown): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${method}: signal must be an AbortSignal`);
  }
}

/** Promise that resolves after `ms` unless `signal` aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
