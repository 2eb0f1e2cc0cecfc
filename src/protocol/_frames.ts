/**
 * Small helpers the codecs share: frame checks, byte comparison, argument
 * descriptions. Private to `src/protocol/`.
 *
 * @module
 */

const te = new TextEncoder();

/**
 * A frame as the encoders accept it: bytes, or a string sent as UTF-8.
 *
 * @example
 * ```ts
 * import type { FrameLike } from "@reliable/zmq/protocol";
 * const frames: FrameLike[] = ["text", new Uint8Array([1, 2])];
 * ```
 */
export type FrameLike = Uint8Array | string;

/** The empty frame (shared; never mutate). */
export const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * The bytes of an ASCII string (spec data such as headers are ASCII).
 *
 * @param s The string.
 * @returns One byte per character.
 */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Tells whether a value is an array whose every element is a `Uint8Array`.
 *
 * @param frames Anything.
 * @returns Whether it is a message.
 */
export function isFrames(frames: unknown): frames is Uint8Array[] {
  if (!Array.isArray(frames)) return false;
  for (let i = 0; i < frames.length; i++) {
    if (!(frames[i] instanceof Uint8Array)) return false;
  }
  return true;
}

/**
 * Byte-wise equality; `undefined` equals nothing.
 *
 * @param a Bytes or `undefined`.
 * @param b Bytes.
 * @returns Whether they are equal.
 */
export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Describes a received argument for an error message.
 *
 * @param v Anything.
 * @returns A short description, e.g. `number 3` or `an array`.
 */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === "string") return `string "${v.slice(0, 20)}"`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

/**
 * Converts a frame-like argument to bytes, checking its type and length.
 *
 * @param fn The function, for the message (e.g. `"encodeReady()"`).
 * @param what The argument's name.
 * @param v The argument.
 * @param min Smallest length in bytes.
 * @param max Largest length in bytes.
 * @returns Its bytes.
 * @throws {TypeError} When it is neither a string nor bytes.
 * @throws {RangeError} When its length is out of range.
 */
export function frameArg(
  fn: string,
  what: string,
  v: unknown,
  min: number,
  max: number,
): Uint8Array {
  if (typeof v !== "string" && !(v instanceof Uint8Array)) {
    throw new TypeError(
      `${fn}: ${what} must be a string or Uint8Array, got ${describe(v)}`,
    );
  }
  const b = typeof v === "string" ? te.encode(v) : v;
  if (b.length < min || b.length > max) {
    throw new RangeError(
      `${fn}: ${what} must be ${min} to ${max} bytes, got ${b.length}`,
    );
  }
  return b;
}

/**
 * Converts a body argument (one or more frame-like values) to bytes.
 *
 * @param fn The function, for the message.
 * @param what The argument's name.
 * @param body The argument.
 * @returns Its frames as bytes (a new array).
 * @throws {TypeError} When it is not an array of strings or bytes.
 * @throws {RangeError} When it is empty.
 */
export function bodyArg(fn: string, what: string, body: unknown): Uint8Array[] {
  if (!Array.isArray(body)) {
    throw new TypeError(
      `${fn}: ${what} must be an array of frames, got ${describe(body)}`,
    );
  }
  if (body.length === 0) {
    throw new RangeError(`${fn}: ${what} needs at least one frame, got 0`);
  }
  const out = new Array<Uint8Array>(body.length);
  for (let i = 0; i < body.length; i++) {
    out[i] = frameArg(fn, `${what}[${i}]`, body[i], 0, Infinity);
  }
  return out;
}
