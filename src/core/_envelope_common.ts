/**
 * Pieces both envelope implementations share: limits, error texts, the
 * cold-path error builder and frame-list building. Private.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { EnvelopeError, MessageKind } from "./types.ts";
import { checkBytes, checkFrames } from "./_check.ts";

/** Largest message an envelope holds (1 GiB). */
export const MAX_MESSAGE_BYTES = 1_073_741_824;
/** Most frames an envelope holds. */
export const MAX_MESSAGE_FRAMES = 1_048_576;

/** `errorReason` texts, indexed by {@linkcode EnvelopeError} code. */
export const ERROR_TEXT: readonly string[] = [
  "",
  "too few frames",
  "frame 1 must be the empty delimiter",
  "unknown protocol header",
  "empty service name",
  "no body frame",
  "command must be exactly one byte of a known command",
  "wrong number of frames for this command",
  "client address must be 1 to 255 bytes",
  "missing empty delimiter after the client address",
];

/** `MDPC01`. */
export const MDPC01: Uint8Array = new Uint8Array([
  0x4d,
  0x44,
  0x50,
  0x43,
  0x30,
  0x31,
]);
/** `MDPW01`. */
export const MDPW01: Uint8Array = new Uint8Array([
  0x4d,
  0x44,
  0x50,
  0x57,
  0x30,
  0x31,
]);

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
    if (header && bytesEqual(header, MDPC01)) protocol = "MDPC01";
    else if (header && bytesEqual(header, MDPW01)) protocol = "MDPW01";
  }
  const reason = s.code === EnvelopeError.NONE
    ? "message is valid"
    : ERROR_TEXT[s.code] ?? `error ${s.code}`;
  return new ProtocolError(protocol, s.frame, reason);
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

/** Random seed for the intern hash, so peers cannot choose colliding identities. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Int32Array(1))[0];
}
