/**
 * Reads the records of one log segment in order and says how its bytes end:
 * cleanly, with a torn tail (a partial record or bytes that hold no valid
 * record after them: cut it), or with a corrupt record followed by valid
 * ones (media damage: stop there, never read past it, keep the file). A
 * record is accepted only when both of its CRC-32Cs match and it decodes as
 * one of ours, so a damaged record is never misread. Pure.
 *
 * @module
 */
import type { FrameCodec } from "../../../core/types.ts";
import { RecordLimits } from "../../../core/types.ts";
import { decodeRecord, type LogRecord } from "./_records.ts";

/** How a segment's bytes end. */
export interface ScanResult {
  /** Offset just after the last good record read. */
  readonly end: number;
  /**
   * `"clean"`: nothing after `end`; `"torn"`: a partial record or garbage
   * with no valid record after it (safe to cut at `end`); `"corrupt"`: a bad
   * record with valid ones after it (not read past).
   */
  readonly tail: "clean" | "torn" | "corrupt";
}

function tryRecord(
  bytes: Uint8Array,
  p: number,
  codec: FrameCodec,
): { rec: LogRecord; len: number } | null {
  const n = bytes.length;
  if (n - p < RecordLimits.HEADER_BYTES) return null;
  let len: number;
  try {
    len = codec.recordLength(bytes.subarray(p, p + RecordLimits.HEADER_BYTES));
  } catch {
    return null;
  }
  if (len < 0 || p + len > n) return null;
  let frames: Uint8Array[];
  try {
    frames = codec.decode(bytes.subarray(p, p + len));
  } catch {
    return null;
  }
  const rec = decodeRecord(frames);
  return rec === null ? null : { rec, len };
}

/**
 * Whether a valid record starts anywhere after `p`.
 * @param bytes The segment.
 * @param p Where the bad record starts.
 * @param codec The codec.
 * @returns Whether one was found.
 */
function validAfter(bytes: Uint8Array, p: number, codec: FrameCodec): boolean {
  const last = bytes.length - RecordLimits.MIN_RECORD_BYTES;
  for (let q = p + 1; q <= last; q++) {
    if (
      bytes[q] === 0x52 && bytes[q + 1] === 0x5a && bytes[q + 2] === 0x4d &&
      bytes[q + 3] === 1 && tryRecord(bytes, q, codec) !== null
    ) return true;
  }
  return false;
}

/**
 * Scans a segment's bytes.
 *
 * @param bytes The whole segment.
 * @param codec The frame codec.
 * @param onRecord Called for each good record, in order.
 * @returns Where the good records end and what follows.
 */
export function scanRecords(
  bytes: Uint8Array,
  codec: FrameCodec,
  onRecord: (rec: LogRecord, offset: number, length: number) => void,
): ScanResult {
  let p = 0;
  while (p < bytes.length) {
    const r = tryRecord(bytes, p, codec);
    if (r === null) {
      return {
        end: p,
        tail: validAfter(bytes, p, codec) ? "corrupt" : "torn",
      };
    }
    onRecord(r.rec, p, r.len);
    p += r.len;
  }
  return { end: p, tail: "clean" };
}
