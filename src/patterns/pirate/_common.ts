/**
 * Argument checks of `LazyPirateClient` only, in the signatures it calls,
 * delegating to the library's one option checker (`src/_util/options.ts`)
 * and the kit's checks. Private; delete this file once `LazyPirateClient`
 * moves to the shared retry loop (it is the last importer).
 * @module
 */
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { checkEndpoint } from "../_kit/checks.ts";

/** Checks that `options` is undefined or a plain object. @internal */
export function checkOptions(owner: string, options: unknown): void {
  if (
    options !== undefined &&
    (options === null || typeof options !== "object" || Array.isArray(options))
  ) {
    throw new TypeError(`${owner}: options must be an object`);
  }
}

/** A time option (see `durationMs` in `src/_util/options.ts`). @internal */
export function durationMs(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  min = 1,
  allowInfinity = false,
): number {
  return opt.durationMs(owner, name, value, fallback, {
    min,
    infinity: allowInfinity,
  });
}

/** An integer option (see `count` in `src/_util/options.ts`). @internal */
export const count = opt.count;

/** An endpoint (see `checkEndpoint` in the kit). @internal */
export const endpoint = checkEndpoint;

/** The `logger` option: warnings and errors to stderr by default. @internal */
export function logger(owner: string, value: unknown): Logger {
  return opt.logger(owner, value, owner.split(".")[0]);
}

/** An optional function option. @internal */
export function optionalFn<T>(
  owner: string,
  name: string,
  value: unknown,
): T | undefined {
  return opt.fn(owner, name, value) as T | undefined;
}

/** An optional AbortSignal. @internal */
export function checkSignal(owner: string, signal: unknown): void {
  opt.signal(owner, signal);
}

/** A message: a non-empty array of Uint8Array or string frames. @internal */
export function checkFrames(owner: string, frames: unknown): void {
  opt.frames(owner, "frames", frames);
}
