/**
 * The plain-TypeScript frame codec. Private: reach it through
 * `reference.ts` or the factories in `mod.ts`.
 *
 * @module
 */

import type { CoreImpl, FrameCodec } from "./types.ts";
import { RecordLimits } from "./types.ts";
import { crc32c } from "./_crc32c.ts";
import {
  checkHeader,
  checkOut,
  readU32,
  RecordError,
  recordError,
  sizeFrames,
  writeRecord,
} from "./_record.ts";
import { checkBytes } from "./_check.ts";

/** {@linkcode FrameCodec} in plain TypeScript (slicing-by-16 CRC-32C). */
export class TsFrameCodec implements FrameCodec {
  /** Always `"ts"`. */
  readonly impl: CoreImpl = "ts";

  /** {@inheritDoc FrameCodec.encode} */
  encode(frames: readonly Uint8Array[]): Uint8Array {
    const body = sizeFrames(frames);
    const out = new Uint8Array(
      RecordLimits.MIN_RECORD_BYTES + 4 * frames.length + body,
    );
    writeRecord(frames, body, out, 0);
    return out;
  }

  /** {@inheritDoc FrameCodec.encodeInto} */
  encodeInto(
    frames: readonly Uint8Array[],
    out: Uint8Array,
    offset = 0,
  ): number {
    const body = sizeFrames(frames);
    const total = RecordLimits.MIN_RECORD_BYTES + 4 * frames.length + body;
    checkOut(out, offset, total);
    writeRecord(frames, body, out, offset);
    return total;
  }

  /** {@inheritDoc FrameCodec.encodedLength} */
  encodedLength(frames: readonly Uint8Array[]): number {
    return RecordLimits.MIN_RECORD_BYTES + 4 * frames.length +
      sizeFrames(frames);
  }

  /** {@inheritDoc FrameCodec.decode} */
  decode(record: Uint8Array): Uint8Array[] {
    checkBytes(record, "record");
    const len = record.length;
    if (len < RecordLimits.HEADER_BYTES) {
      throw recordError(RecordError.SHORT_HEADER, len, 0);
    }
    const total = checkHeader(record);
    if (total < 0) throw recordError(-total, len, 0);
    if (len < total) throw recordError(RecordError.TRUNCATED, len, total);
    if (len > total) throw recordError(RecordError.TRAILING, len, total);
    const n = readU32(record, 4);
    const body = readU32(record, 8);
    let sum = 0;
    for (let i = 0, lp = 16; i < n; i++, lp += 4) sum += readU32(record, lp);
    if (sum !== body) throw recordError(RecordError.LENGTHS, len, total);
    if (readU32(record, total - 4) !== crc32c(record, 0, total - 4)) {
      throw recordError(RecordError.CRC, len, total);
    }
    const frames = new Array<Uint8Array>(n);
    let p = 16 + 4 * n;
    for (let i = 0, lp = 16; i < n; i++, lp += 4) {
      const fl = readU32(record, lp);
      frames[i] = record.subarray(p, p + fl);
      p += fl;
    }
    return frames;
  }

  /** {@inheritDoc FrameCodec.recordLength} */
  recordLength(prefix: Uint8Array): number {
    checkBytes(prefix, "prefix");
    if (prefix.length < RecordLimits.HEADER_BYTES) return -1;
    const total = checkHeader(prefix);
    if (total < 0) throw recordError(-total, prefix.length, 0);
    return total;
  }

  /** {@inheritDoc FrameCodec.crc32c} */
  crc32c(bytes: Uint8Array): number {
    checkBytes(bytes, "bytes");
    return crc32c(bytes);
  }
}
