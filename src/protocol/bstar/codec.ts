/**
 * Binary Star's state message: encode a state number, decode a received
 * message into one or a `ProtocolError` (never throws). The spec data
 * (`spec.ts`) are re-exported by name.
 *
 * @module
 */
import { ProtocolError } from "../../errors.ts";
import {
  BSTAR_SPEC,
  BstarLimits,
  BstarMalformation,
  BstarMessage,
  BstarState,
} from "./spec.ts";

export { BSTAR_SPEC, BstarLimits, BstarMalformation, BstarMessage, BstarState };

/**
 * A malformed state message.
 *
 * @example
 * ```ts
 * import { type BstarProtocolError, decodeStateMessage } from "./codec.ts";
 * const e = decodeStateMessage([new TextEncoder().encode("9")]) as BstarProtocolError;
 * console.log(e.code); // "BAD_STATE"
 * ```
 */
export type BstarProtocolError = ProtocolError & {
  readonly code: BstarMalformation;
};

const FRAMES: readonly Uint8Array[] = [1, 2, 3, 4].map((n) =>
  new Uint8Array([0x30 + n])
);

function fail(code: BstarMalformation, frame: number): BstarProtocolError {
  return new ProtocolError("BSTAR", frame, BstarMalformation[code], {
    code,
  }) as BstarProtocolError;
}

/**
 * The one-frame state message for a state number.
 *
 * @param state 1 (PRIMARY) to 4 (PASSIVE).
 * @returns The message's frames (shared; never mutate).
 * @throws {RangeError} If `state` is not 1-4.
 * @example
 * ```ts
 * import { BstarState, encodeStateMessage } from "./codec.ts";
 * console.log(new TextDecoder().decode(encodeStateMessage(BstarState.ACTIVE)[0])); // "3"
 * ```
 */
export function encodeStateMessage(state: BstarState): readonly Uint8Array[] {
  const f = FRAMES[state - 1];
  if (!Number.isInteger(state) || f === undefined) {
    throw new RangeError(
      `encodeStateMessage(): state must be 1, 2, 3 or 4, got ${state}`,
    );
  }
  return [f];
}

/**
 * Reads a received state message.
 *
 * @param frames What the SUB socket received.
 * @returns The sender's state number, or the malformation.
 * @example
 * ```ts
 * import { decodeStateMessage } from "./codec.ts";
 * console.log(decodeStateMessage([new Uint8Array([0x34])])); // 4
 * ```
 */
export function decodeStateMessage(
  frames: unknown,
): BstarState | BstarProtocolError {
  if (!Array.isArray(frames) || !frames.every((f) => f instanceof Uint8Array)) {
    return fail("NOT_FRAMES", -1);
  }
  if (frames.length !== 1) return fail("FRAME_COUNT", -1);
  const f = frames[0] as Uint8Array;
  if (f.byteLength !== BstarLimits.STATE_BYTES) return fail("BAD_STATE", 0);
  const n = f[0] - 0x30;
  if (n < 1 || n > 4) return fail("BAD_STATE", 0);
  return n as BstarState;
}
