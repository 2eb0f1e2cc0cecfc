/**
 * The correlation frame `MajordomoAsyncClient` puts in front of each request
 * body (PROTOCOLS.md §7: 7/MDP has no request id, so one travels as the
 * first body frame and the worker echoes it).
 *
 * Format: 12 bytes, the magic `FF 52 5A 43` (`0xFF` then `"RZC"`) followed by
 * the request number as an unsigned 64-bit big-endian integer.
 *
 * @module
 */

/**
 * Length of a correlation frame in bytes.
 *
 * @example
 * ```ts
 * import { CORRELATION_FRAME_BYTES, correlationFrame } from "@reliable/zmq";
 * console.log(correlationFrame(1).length === CORRELATION_FRAME_BYTES); // true
 * ```
 */
export const CORRELATION_FRAME_BYTES = 12;
const MAGIC = [0xff, 0x52, 0x5a, 0x43] as const;

/**
 * Builds the correlation frame for a request number.
 *
 * @param id The request number, a non-negative safe integer.
 * @returns A new 12-byte frame.
 * @throws {RangeError} When `id` is not a non-negative safe integer.
 * @example
 * ```ts
 * import { correlationFrame, readCorrelationId } from "@reliable/zmq";
 * console.log(readCorrelationId(correlationFrame(42))); // 42
 * ```
 */
export function correlationFrame(id: number): Uint8Array {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new RangeError("correlation id must be a non-negative safe integer");
  }
  const f = new Uint8Array(CORRELATION_FRAME_BYTES);
  f.set(MAGIC);
  const v = new DataView(f.buffer);
  v.setUint32(4, Math.floor(id / 0x100000000));
  v.setUint32(8, id >>> 0);
  return f;
}

/**
 * Reads the request number from a correlation frame.
 *
 * @param frame Any frame.
 * @returns The request number, or -1 when `frame` is not a correlation frame.
 * @example
 * ```ts
 * import { readCorrelationId } from "@reliable/zmq";
 * console.log(readCorrelationId(new TextEncoder().encode("hello"))); // -1
 * ```
 */
export function readCorrelationId(frame: Uint8Array | undefined): number {
  if (
    !(frame instanceof Uint8Array) || frame.length !== CORRELATION_FRAME_BYTES
  ) return -1;
  for (let i = 0; i < 4; i++) if (frame[i] !== MAGIC[i]) return -1;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const hi = v.getUint32(4);
  if (hi > 0x1fffff) return -1;
  return hi * 0x100000000 + v.getUint32(8);
}
