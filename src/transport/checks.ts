/**
 * Argument checks of the socket methods: frames and wait options (endpoints
 * are checked by `src/_util/endpoint.ts`).
 *
 * @module
 */
import type { Frame } from "../types.ts";
import type { WaitOptions } from "./waiters.ts";

/** @internal */
export function checkFrames(method: string, frames: unknown): readonly Frame[] {
  if (!Array.isArray(frames)) {
    throw new TypeError(`${method}(): expected an array of frames`);
  }
  if (frames.length === 0) {
    throw new RangeError(`${method}(): a message needs at least one frame`);
  }
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (!(f instanceof Uint8Array) && typeof f !== "string") {
      throw new TypeError(
        `${method}(): frame ${i} is ${
          f === null ? "null" : typeof f
        }, expected Uint8Array or string`,
      );
    }
  }
  return frames as readonly Frame[];
}

/** @internal */
export function checkWait(method: string, opts: WaitOptions | undefined): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`${method}(): options must be an object`);
  }
  const t = opts.timeoutMs;
  if (t !== undefined && (typeof t !== "number" || !(t >= 0))) {
    throw new RangeError(`${method}(): timeoutMs must be a number >= 0`);
  }
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) {
    throw new TypeError(`${method}(): signal must be an AbortSignal`);
  }
}
