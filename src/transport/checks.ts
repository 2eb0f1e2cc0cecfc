/**
 * Argument checks of the socket methods: frames and wait options (endpoints
 * are checked by `src/_util/endpoint.ts`). Each check is a fast test on the
 * hot path; only when it fails is the message built, by the library's one
 * option checker (`src/_util/options.ts`), naming the method, the argument
 * and what was received.
 *
 * @module
 */
import type { Frame } from "../types.ts";
import { MAX_TIMER_MS } from "../_util/clock.ts";
import {
  durationMs,
  frames as checkFrameList,
  readOptions,
  signal as checkSignal,
} from "../_util/options.ts";
import type { WaitOptions } from "./waiters.ts";

/**
 * Checks a message to send: a non-empty array of `Uint8Array`s or strings.
 * @param cls The class, e.g. `"DealerSocket"`.
 * @param method The method, e.g. `"send"`.
 * @param frames The argument.
 * @returns The frames.
 * @throws {TypeError} If it is not an array of frames (names the index and
 *   the type received).
 * @throws {RangeError} If it is empty.
 * @internal
 */
export function checkFrames(
  cls: string,
  method: string,
  frames: unknown,
): readonly Frame[] {
  if (Array.isArray(frames) && frames.length > 0) {
    let ok = true;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      if (!(f instanceof Uint8Array) && typeof f !== "string") {
        ok = false;
        break;
      }
    }
    if (ok) return frames as readonly Frame[];
  }
  const owner = `${cls}.${method}()`;
  if (Array.isArray(frames) && frames.length === 0) {
    throw new RangeError(
      `${owner}: frames must hold at least one frame, got an empty array`,
    );
  }
  return checkFrameList(owner, "frames", frames);
}

function fine(opts: WaitOptions): boolean {
  for (const key in opts) {
    if (key !== "timeoutMs" && key !== "signal") return false;
  }
  const t = opts.timeoutMs;
  const s = opts.signal;
  return (t === undefined ||
    (typeof t === "number" && t >= 0 &&
      (t <= MAX_TIMER_MS || t === Infinity))) &&
    (s === undefined || s instanceof AbortSignal);
}

/**
 * Checks the options of a wait: known keys only, `timeoutMs` a duration
 * from 0 to 2^31-1 ms or `Infinity` (no limit; larger values would fire
 * after 1 ms), `signal` an `AbortSignal`.
 * @param cls The class, e.g. `"DealerSocket"`.
 * @param method The method, e.g. `"receive"`.
 * @param opts The argument.
 * @throws {TypeError} On an unknown key or a wrong type.
 * @throws {RangeError} On a time out of range.
 * @internal
 */
export function checkWait(
  cls: string,
  method: string,
  opts: WaitOptions | undefined,
): void {
  if (opts === undefined) return;
  if (opts !== null && typeof opts === "object" && fine(opts)) return;
  const owner = `${cls}.${method}()`;
  const o = readOptions(owner, opts, ["timeoutMs", "signal"]);
  durationMs(owner, "timeoutMs", o.timeoutMs, 0, { infinity: true });
  checkSignal(owner, o.signal);
}
