/**
 * Argument checks the pattern classes share beyond the option checker
 * (`src/_util/options.ts`): endpoints, handlers and the `socketOptions`
 * option. Messages name the method, the argument and what was received.
 *
 * @module
 */
import type { SocketOptions } from "../../transport/mod.ts";
import { checkSocketOptions as validateSocketOptions } from "../../transport/_pattern_socket.ts";
import { checkEndpoint as validateEndpoint } from "../../_util/endpoint.ts";

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" || typeof value === "function"
    ? `a value of type ${typeof value}`
    : String(value);
}

/**
 * Checks an endpoint argument with the library's one endpoint validator
 * (`src/_util/endpoint.ts`: scheme, host, port range, `*` only to bind).
 *
 * @param method The method, for messages (`"X.connect()"`).
 * @param name The argument's name.
 * @param value The value given.
 * @param use `"bind"` for an endpoint to listen on, `"connect"` to dial.
 * @returns The endpoint.
 * @throws {TypeError} If it is not a valid endpoint.
 * @throws {RangeError} If its port is out of range.
 * @example
 * ```ts
 * import { checkEndpoint } from "./checks.ts";
 * console.log(checkEndpoint("X.bind()", "frontend", "tcp://127.0.0.1:*", "bind")); // "tcp://127.0.0.1:*"
 * ```
 */
export function checkEndpoint(
  method: string,
  name: string,
  value: unknown,
  use: "bind" | "connect",
): string {
  return validateEndpoint(`${method}: ${name}`, value, use);
}

/**
 * Checks a required function argument.
 *
 * @param method The method, for messages.
 * @param name The argument's name.
 * @param value The value given.
 * @returns The function.
 * @throws {TypeError} If it is not a function.
 * @example
 * ```ts
 * import { checkFunction } from "./checks.ts";
 * const f = checkFunction("X.connect()", "handler", (r: unknown) => r);
 * console.log(typeof f); // "function"
 * ```
 */
export function checkFunction<F>(
  method: string,
  name: string,
  value: F,
): F {
  if (typeof value !== "function") {
    throw new TypeError(
      `${method}: ${name} must be a function, got ${show(value)}`,
    );
  }
  return value;
}

/**
 * Checks the `socketOptions` option (applied to every socket a class
 * creates; the class's own settings win where they overlap).
 *
 * @param owner The class or method, for messages.
 * @param value The value given.
 * @returns A copy of the options, or `{}`.
 * @throws {TypeError} If it is not a plain object.
 * @example
 * ```ts
 * import { checkSocketOptions } from "./checks.ts";
 * console.log(checkSocketOptions("X", { lingerMs: 0 })); // { lingerMs: 0 }
 * ```
 */
export function checkSocketOptions(
  owner: string,
  value: unknown,
): SocketOptions {
  return { ...validateSocketOptions(owner, value) };
}
