/**
 * Argument checks the pattern classes share beyond the option checker
 * (`src/_util/options.ts`): endpoints, handlers and the `socketOptions`
 * option. Messages name the method, the argument and what was received.
 *
 * @module
 */
import type { SocketOptions } from "../../transport/mod.ts";

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" || typeof value === "function"
    ? `a value of type ${typeof value}`
    : String(value);
}

const ENDPOINT = /^(tcp|ipc|inproc|ws|wss|tipc|vmci|udp|pgm|epgm):\/\/\S+$/;

/**
 * Checks an endpoint's shape (`transport://address`); the transport checks
 * the rest when it binds or connects.
 *
 * @param method The method, for messages (`"X.connect()"`).
 * @param name The argument's name.
 * @param value The value given.
 * @returns The endpoint.
 * @throws {TypeError} If it is not a string of that shape.
 * @example
 * ```ts
 * import { checkEndpoint } from "./checks.ts";
 * console.log(checkEndpoint("X.bind()", "frontend", "tcp://127.0.0.1:*")); // "tcp://127.0.0.1:*"
 * ```
 */
export function checkEndpoint(
  method: string,
  name: string,
  value: unknown,
): string {
  if (typeof value !== "string" || !ENDPOINT.test(value)) {
    throw new TypeError(
      `${method}: ${name} must be a ZeroMQ endpoint such as "tcp://127.0.0.1:5555", got ${
        show(value)
      }`,
    );
  }
  return value;
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
 * console.log(checkSocketOptions("X", { linger: 0 })); // { linger: 0 }
 * ```
 */
export function checkSocketOptions(
  owner: string,
  value: unknown,
): SocketOptions {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      `${owner}: socketOptions must be an object of socket options, got ${
        show(value)
      }`,
    );
  }
  return { ...(value as SocketOptions) };
}
