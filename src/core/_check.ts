/**
 * Argument validation shared by both implementations. Private.
 *
 * @module
 */

/** Exclusive upper bound of worker handles and service ids (2^24). */
export const ID_LIMIT = 16_777_216;

/**
 * Throws unless `v` is an integer in [0, 2^24).
 *
 * @param v The value.
 * @param what Its name, for the message.
 */
export function checkId(v: number, what: string): void {
  if (typeof v !== "number") {
    throw new TypeError(`${what} must be a number, got ${typeof v}`);
  }
  if (!(v >= 0 && v < ID_LIMIT && Math.floor(v) === v)) {
    throw new RangeError(
      `${what} must be an integer in [0, ${ID_LIMIT}), got ${v}`,
    );
  }
}

/**
 * Throws unless `v` is a number other than NaN.
 *
 * @param v The value.
 * @param what Its name, for the message.
 */
export function checkTime(v: number, what: string): void {
  if (typeof v !== "number") {
    throw new TypeError(`${what} must be a number, got ${typeof v}`);
  }
  if (v !== v) throw new RangeError(`${what} must not be NaN`);
}

/**
 * Throws unless `v` is a `Uint8Array`.
 *
 * @param v The value.
 * @param what Its name, for the message.
 */
export function checkBytes(v: unknown, what: string): void {
  if (!(v instanceof Uint8Array)) {
    throw new TypeError(`${what} must be a Uint8Array`);
  }
}

/**
 * Throws unless `frames` is an array of `Uint8Array`.
 *
 * @param frames The value.
 * @param what Its name, for the message.
 */
export function checkFrames(frames: unknown, what: string): void {
  if (!Array.isArray(frames)) {
    throw new TypeError(`${what} must be an array of Uint8Array`);
  }
  for (let i = 0; i < frames.length; i++) {
    if (!(frames[i] instanceof Uint8Array)) {
      throw new TypeError(`${what}[${i}] must be a Uint8Array`);
    }
  }
}

/**
 * Throws unless `i` is an integer frame index in [0, count).
 *
 * @param i The index.
 * @param count The frame count.
 */
export function checkIndex(i: number, count: number): void {
  if (!(i >= 0 && i < count && Math.floor(i) === i)) {
    throw new RangeError(
      `Frame index must be an integer in [0, ${count}), got ${i}`,
    );
  }
}
