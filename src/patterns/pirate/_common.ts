/**
 * Private helpers shared by the Pirate and dynamic-worker shells: option
 * validation, abortable sleeps, a tiny deferred, identity formatting.
 * @module
 */
import { type Logger, silentLogger } from "../../_util/logger.ts";

/** Checks that `options` is undefined or a plain object. @internal */
export function checkOptions(owner: string, options: unknown): void {
  if (
    options !== undefined && (options === null || typeof options !== "object")
  ) {
    throw new TypeError(`${owner}: options must be an object`);
  }
}

/** Checks a duration option: a finite number >= min (or Infinity when allowed). @internal */
export function durationMs(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  min = 1,
  allowInfinity = false,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || Number.isNaN(value) ||
    (!allowInfinity && !Number.isFinite(value)) || value < min
  ) {
    throw new RangeError(
      `${owner}: ${name} must be a number >= ${min}${
        allowInfinity ? " (or Infinity)" : ""
      } (ms), got ${String(value)}`,
    );
  }
  return value;
}

/** Checks an integer count option within [min, max]. @internal */
export function count(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < min ||
    value > max
  ) {
    throw new RangeError(
      `${owner}: ${name} must be an integer in [${min}, ${max}], got ${
        String(value)
      }`,
    );
  }
  return value;
}

/** Checks an endpoint string (the transport re-checks its syntax). @internal */
export function endpoint(owner: string, name: string, value: unknown): string {
  if (typeof value !== "string" || !/^[a-z]+:\/\/\S+$/.test(value)) {
    throw new TypeError(
      `${owner}: ${name} must be a ZeroMQ endpoint such as "tcp://127.0.0.1:5555", got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

/** Checks an optional logger. @internal */
export function logger(owner: string, value: unknown): Logger {
  if (value === undefined) return silentLogger;
  const l = value as Record<string, unknown>;
  if (
    l === null || typeof l !== "object" || typeof l.debug !== "function" ||
    typeof l.info !== "function" || typeof l.warn !== "function" ||
    typeof l.error !== "function"
  ) {
    throw new TypeError(
      `${owner}: logger must have debug, info, warn and error methods`,
    );
  }
  return value as Logger;
}

/** Checks an optional function option. @internal */
export function optionalFn<T>(
  owner: string,
  name: string,
  value: unknown,
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") {
    throw new TypeError(`${owner}: ${name} must be a function`);
  }
  return value as T;
}

/** Checks an optional AbortSignal. @internal */
export function checkSignal(owner: string, signal: unknown): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${owner}: signal must be an AbortSignal`);
  }
}

/** Checks a message: a non-empty array of Uint8Array or string frames. @internal */
export function checkFrames(owner: string, frames: unknown): void {
  if (!Array.isArray(frames) || frames.length === 0) {
    throw new TypeError(`${owner}: expected a non-empty array of frames`);
  }
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (!(f instanceof Uint8Array) && typeof f !== "string") {
      throw new TypeError(
        `${owner}: frame ${i} must be a Uint8Array or a string`,
      );
    }
  }
}

/** Resolves after `ms`, or rejects with `signal.reason` when it aborts. @internal */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A promise with its resolve function exposed. @internal */
export class Signal {
  #waiters: (() => void)[] = [];
  /** Resolves on the next `notify()`. */
  wait(): Promise<void> {
    return new Promise((r) => this.#waiters.push(r));
  }
  /** Wakes every waiter. */
  notify(): void {
    const w = this.#waiters;
    if (w.length === 0) return;
    this.#waiters = [];
    for (const r of w) r();
  }
}

/** Hex of an identity, for logs and events. @internal */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    s += bytes[i].toString(16).padStart(2, "0");
  }
  return s;
}

/** A printable random identity `XXXX-XXXX` (the guide's spworker style). @internal */
export function randomIdentity(): string {
  const n = crypto.getRandomValues(new Uint32Array(1))[0];
  const h = n.toString(16).toUpperCase().padStart(8, "0");
  return `${h.slice(0, 4)}-${h.slice(4)}`;
}

/**
 * Checks the arguments every Pirate worker's `connect()` takes and returns
 * the worker's identity (the given one, or a random printable one).
 * @internal
 */
export function workerArgs(
  owner: string,
  endpointValue: unknown,
  handler: unknown,
  options: { identity?: unknown },
): string {
  endpoint(owner, "endpoint", endpointValue);
  if (typeof handler !== "function") {
    throw new TypeError(`${owner}: handler must be a function`);
  }
  checkOptions(owner, options);
  const identity = options.identity ?? randomIdentity();
  if (
    typeof identity !== "string" || identity.length === 0 ||
    identity.length > 255
  ) {
    throw new TypeError(`${owner}: identity must be a 1-255 character string`);
  }
  return identity;
}

/** Frames as bytes (strings encoded as UTF-8). @internal */
export function toBytes(
  frames: readonly (Uint8Array | string)[],
): Uint8Array[] {
  const te = new TextEncoder();
  return frames.map((f) => typeof f === "string" ? te.encode(f) : f);
}

/** A copy of each frame (for sends that must outlive a view). @internal */
export function copyFrames(frames: readonly Uint8Array[]): Uint8Array[] {
  return frames.map((f) => f.slice());
}

/** Runs a user callback, logging rather than propagating its error. @internal */
export function safeCall<T>(
  log: Logger,
  fn: ((e: T) => void) | undefined,
  e: T,
): void {
  if (!fn) return;
  try {
    fn(e);
  } catch (err) {
    log.warn("event listener threw", { error: String(err) });
  }
}
