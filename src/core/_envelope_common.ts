/**
 * Pieces both envelope implementations share: limits, error texts, the
 * cold-path error builder and frame-list building. Private.
 *
 * Headers and error texts come from the spec data in `src/protocol/<spec>/spec.ts`
 * (pure-data leaves: the only part of `src/protocol/` the core may import).
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { MdpHeader, MdpMalformation } from "../protocol/mdp/spec.ts";
import { PppMalformation } from "../protocol/ppp/spec.ts";
import { EnvelopeError, MessageKind } from "./types.ts";
import { checkBytes, checkFrames } from "./_check.ts";

/** Largest message an envelope holds (1 GiB). */
export const MAX_MESSAGE_BYTES = 1_073_741_824;
/** Most frames an envelope holds. */
export const MAX_MESSAGE_FRAMES = 1_048_576;

/** The malformation class name of each {@linkcode EnvelopeError} code. */
export const ERROR_NAME: readonly string[] = (() => {
  const out: string[] = [];
  for (const [name, code] of Object.entries(EnvelopeError)) out[code] = name;
  return out;
})();

function texts(
  own: Readonly<Record<string, string>>,
  other: Readonly<Record<string, string>>,
): readonly string[] {
  return ERROR_NAME.map((name) =>
    name === "NONE" ? "" : own[name] ?? other[name] ?? name
  );
}

/**
 * `errorReason` texts of a 7/MDP classification, indexed by
 * {@linkcode EnvelopeError} code: the spec data's `MdpMalformation` texts.
 */
export const MDP_ERROR_TEXT: readonly string[] = texts(
  MdpMalformation,
  PppMalformation,
);
/** The same for 6/PPP (`PppMalformation`). */
export const PPP_ERROR_TEXT: readonly string[] = texts(
  PppMalformation,
  MdpMalformation,
);

/**
 * The bytes of an ASCII string (spec headers are ASCII).
 *
 * @param s The string.
 * @returns One byte per character.
 */
export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
/** `MDPC01`. */
export const MDPC01: Uint8Array = ascii(MdpHeader.CLIENT);
/** `MDPW01`. */
export const MDPW01: Uint8Array = ascii(MdpHeader.WORKER);

/**
 * Throws unless `prepare()`'s arguments are acceptable.
 *
 * @param totalBytes Sum of frame sizes.
 * @param frameCount Number of frames.
 */
export function checkPrepare(totalBytes: number, frameCount: number): void {
  if (
    !(totalBytes >= 0 && totalBytes <= MAX_MESSAGE_BYTES &&
      Math.floor(totalBytes) === totalBytes)
  ) {
    throw new RangeError(
      `totalBytes must be an integer in [0, ${MAX_MESSAGE_BYTES}], got ${totalBytes}`,
    );
  }
  if (
    !(frameCount >= 0 && frameCount <= MAX_MESSAGE_FRAMES &&
      Math.floor(frameCount) === frameCount)
  ) {
    throw new RangeError(
      `frameCount must be an integer in [0, ${MAX_MESSAGE_FRAMES}], got ${frameCount}`,
    );
  }
}

/**
 * Validates `load()`'s argument and sizes it.
 *
 * @param frames The frames.
 * @returns Their total size.
 */
export function sizeMessage(frames: readonly Uint8Array[]): number {
  checkFrames(frames, "frames");
  let total = 0;
  for (let i = 0; i < frames.length; i++) total += frames[i].length;
  checkPrepare(total, frames.length);
  return total;
}

/** What `toError()` needs to know about the last classification. */
export interface ErrorState {
  /** Whether the last classification was PPP. */
  ppp: boolean;
  /** Error code. */
  code: number;
  /** Offending frame or -1. */
  frame: number;
  /** Frame count. */
  count: number;
}

/**
 * Builds the `ProtocolError` for the last classification.
 *
 * @param s The classification state.
 * @param header The protocol header frame (index 2) when it exists.
 * @returns The error.
 */
export function envelopeError(
  s: ErrorState,
  header: Uint8Array | undefined,
): ProtocolError {
  let protocol = "PPP";
  if (!s.ppp) {
    protocol = "MDP";
    if (header && bytesEqual(header, MDPC01)) protocol = MdpHeader.CLIENT;
    else if (header && bytesEqual(header, MDPW01)) protocol = MdpHeader.WORKER;
  }
  const reason = s.code === EnvelopeError.NONE
    ? "message is valid"
    : (s.ppp ? PPP_ERROR_TEXT : MDP_ERROR_TEXT)[s.code] ?? `error ${s.code}`;
  return new ProtocolError(protocol, s.frame, reason, {
    code: ERROR_NAME[s.code] ?? "INVALID",
  });
}

/**
 * Byte-wise equality.
 *
 * @param a Bytes.
 * @param b Bytes.
 * @returns Whether equal.
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Validates `build()`'s prefix argument.
 *
 * @param prefix The prefix frames.
 */
export function checkPrefix(prefix: readonly Uint8Array[]): void {
  checkFrames(prefix, "prefix");
}

/**
 * Validates an identity argument given as bytes.
 *
 * @param identity The identity.
 */
export function checkIdentityBytes(identity: Uint8Array): void {
  checkBytes(identity, "identity");
}

/** Re-exported so both implementations use one constant table. */
export { EnvelopeError, MessageKind };
