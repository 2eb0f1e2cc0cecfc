/**
 * The record format of the frame codec: constants, error codes and the
 * header check, shared by both implementations. Private.
 *
 * @module
 */

import { CorruptRecordError } from "../errors.ts";
import { RecordLimits } from "./types.ts";
import { crc32c } from "./_crc32c.ts";

/** Record error codes; the WASM module returns them negated. */
export const RecordError = {
  SHORT_HEADER: 1,
  BAD_MAGIC: 2,
  BAD_VERSION: 3,
  HEADER_CRC: 4,
  TOO_MANY_FRAMES: 5,
  TOO_LARGE: 6,
  TRUNCATED: 7,
  TRAILING: 8,
  LENGTHS: 9,
  CRC: 10,
} as const;

/**
 * Builds the typed error for a record error code.
 *
 * @param code A {@linkcode RecordError} code (positive).
 * @param have Bytes available.
 * @param total Bytes the header declares (0 when unknown).
 * @returns The error to throw.
 */
export function recordError(
  code: number,
  have: number,
  total: number,
): CorruptRecordError {
  switch (code) {
    case RecordError.SHORT_HEADER:
      return new CorruptRecordError(
        `truncated: ${have} bytes, a record needs at least ${RecordLimits.MIN_RECORD_BYTES}`,
      );
    case RecordError.BAD_MAGIC:
      return new CorruptRecordError("bad magic: not a record");
    case RecordError.BAD_VERSION:
      return new CorruptRecordError("unsupported record version");
    case RecordError.HEADER_CRC:
      return new CorruptRecordError("header CRC-32C mismatch");
    case RecordError.TOO_MANY_FRAMES:
      return new CorruptRecordError(
        `oversized: more than ${RecordLimits.MAX_FRAMES} frames`,
      );
    case RecordError.TOO_LARGE:
      return new CorruptRecordError(
        `oversized: more than ${RecordLimits.MAX_RECORD_BYTES} bytes`,
      );
    case RecordError.TRUNCATED:
      return new CorruptRecordError(
        `truncated: ${have} of ${total} bytes`,
      );
    case RecordError.TRAILING:
      return new CorruptRecordError(
        `${have - total} trailing bytes after a ${total}-byte record`,
      );
    case RecordError.LENGTHS:
      return new CorruptRecordError(
        "frame lengths do not add up to the body size",
      );
    case RecordError.CRC:
      return new CorruptRecordError("CRC-32C mismatch");
    default:
      return new CorruptRecordError(`unknown record error ${code}`);
  }
}

/**
 * Reads a little-endian u32.
 *
 * @param b Bytes.
 * @param p Offset.
 * @returns The value.
 */
export function readU32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/**
 * Writes a little-endian u32.
 *
 * @param b Bytes.
 * @param p Offset.
 * @param v The value.
 */
export function writeU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v;
  b[p + 1] = v >>> 8;
  b[p + 2] = v >>> 16;
  b[p + 3] = v >>> 24;
}

/**
 * Checks a record header (at least 16 bytes available).
 *
 * @param b Bytes starting with the header.
 * @returns The declared record length, or a negated {@linkcode RecordError}.
 */
export function checkHeader(b: Uint8Array): number {
  if (b[0] !== 0x52 || b[1] !== 0x5a || b[2] !== 0x4d) {
    return -RecordError.BAD_MAGIC;
  }
  if (b[3] !== 1) return -RecordError.BAD_VERSION;
  if (readU32(b, 12) !== crc32c(b, 0, 12)) return -RecordError.HEADER_CRC;
  const n = readU32(b, 4);
  if (n > RecordLimits.MAX_FRAMES) return -RecordError.TOO_MANY_FRAMES;
  const total = RecordLimits.MIN_RECORD_BYTES + 4 * n + readU32(b, 8);
  if (total > RecordLimits.MAX_RECORD_BYTES) return -RecordError.TOO_LARGE;
  return total;
}

/**
 * Validates the arguments of `encode` and sizes the record.
 *
 * @param frames The frames.
 * @returns The body size (sum of frame lengths).
 */
export function sizeFrames(frames: readonly Uint8Array[]): number {
  if (!Array.isArray(frames)) {
    throw new TypeError("frames must be an array of Uint8Array");
  }
  const n = frames.length;
  if (n > RecordLimits.MAX_FRAMES) {
    throw new RangeError(
      `A record holds at most ${RecordLimits.MAX_FRAMES} frames, got ${n}`,
    );
  }
  let body = 0;
  for (let i = 0; i < n; i++) {
    const f = frames[i];
    if (!(f instanceof Uint8Array)) {
      throw new TypeError(`frames[${i}] must be a Uint8Array`);
    }
    body += f.length;
  }
  if (
    RecordLimits.MIN_RECORD_BYTES + 4 * n + body > RecordLimits.MAX_RECORD_BYTES
  ) {
    throw new RangeError(
      `A record holds at most ${RecordLimits.MAX_RECORD_BYTES} bytes`,
    );
  }
  return body;
}

/**
 * Writes the 16-byte header.
 *
 * @param b Destination.
 * @param p Offset of the record.
 * @param n Frame count.
 * @param body Body size.
 */
export function writeHeader(
  b: Uint8Array,
  p: number,
  n: number,
  body: number,
): void {
  b[p] = 0x52;
  b[p + 1] = 0x5a;
  b[p + 2] = 0x4d;
  b[p + 3] = 1;
  writeU32(b, p + 4, n);
  writeU32(b, p + 8, body);
  writeU32(b, p + 12, crc32c(b, p, p + 12));
}

/**
 * Validates `encodeInto()`'s destination.
 *
 * @param out The destination.
 * @param offset Where the record starts.
 * @param total The record's length.
 */
export function checkOut(out: Uint8Array, offset: number, total: number): void {
  if (!(out instanceof Uint8Array)) {
    throw new TypeError("out must be a Uint8Array");
  }
  if (
    !(offset >= 0 && Math.floor(offset) === offset &&
      offset + total <= out.length)
  ) {
    throw new RangeError(
      `A ${total}-byte record does not fit at offset ${offset} of a ${out.length}-byte buffer`,
    );
  }
}

/**
 * Writes a record at `out[at]` (room already checked).
 *
 * @param frames The frames.
 * @param body Their total size.
 * @param out The destination.
 * @param at Where the record starts.
 */
export function writeRecord(
  frames: readonly Uint8Array[],
  body: number,
  out: Uint8Array,
  at: number,
): void {
  const n = frames.length;
  writeHeader(out, at, n, body);
  let lp = at + 16;
  let p = at + 16 + 4 * n;
  for (let i = 0; i < n; i++) {
    const f = frames[i];
    writeU32(out, lp, f.length);
    lp += 4;
    out.set(f, p);
    p += f.length;
  }
  writeU32(out, p, crc32c(out, at, p));
}
