/**
 * The frame codec over WebAssembly. Private: reach it through `wasm.ts` or
 * the factories in `mod.ts`.
 *
 * @module
 */

import type { CoreImpl, FrameCodec } from "./types.ts";
import { RecordLimits } from "./types.ts";
import {
  checkOut,
  readU32,
  RecordError,
  recordError,
  sizeFrames,
  writeRecord,
} from "./_record.ts";
import { checkBytes } from "./_check.ts";
import {
  type CoreExports,
  instantiate,
  outOfMemory,
  type WasmOptions,
} from "./_wasm_loader.ts";

/**
 * Records shorter than this are encoded in TypeScript (same slicing-by-16 as
 * the twin): the SIMD kernel starts at 1 KiB, and below that copying the
 * record through linear memory costs more than WebAssembly saves.
 */
const SMALL_RECORD = 1024;

/** Largest piece `crc32c()` copies into linear memory at once. */
const CRC_CHUNK = 16 * 1024 * 1024;

/**
 * {@linkcode FrameCodec} over WebAssembly: records of 1 KiB and more are
 * assembled in linear memory and checksummed with the 16-lane SIMD CRC-32C;
 * shorter records are encoded in TypeScript (see `SMALL_RECORD`). Decoding
 * always runs in WebAssembly.
 */
export class WasmFrameCodec implements FrameCodec {
  /** Always `"wasm"`. */
  readonly impl: CoreImpl = "wasm";
  #x: CoreExports;
  #u8: Uint8Array;
  #u32: Uint32Array;
  #ptr: number;
  #cap = 4096;

  /** @param options Which build to run (for benchmarks and tests). */
  constructor(options?: WasmOptions) {
    this.#x = instantiate(options);
    this.#ptr = this.#x.codecReserve(this.#cap);
    this.#u8 = new Uint8Array(this.#x.memory.buffer as ArrayBuffer);
    this.#u32 = new Uint32Array(this.#x.memory.buffer as ArrayBuffer);
  }

  /** Makes the arena hold `size` bytes; returns its address. */
  #reserve(size: number): number {
    if (size > this.#cap) {
      const p = this.#x.codecReserve(size);
      if (p === 0) throw outOfMemory(`hold a ${size}-byte record`);
      this.#ptr = p;
      this.#cap = size;
    }
    if (this.#u8.byteLength === 0) {
      this.#u8 = new Uint8Array(this.#x.memory.buffer as ArrayBuffer);
      this.#u32 = new Uint32Array(this.#x.memory.buffer as ArrayBuffer);
    }
    return this.#ptr;
  }

  /** {@inheritDoc FrameCodec.encode} */
  encode(frames: readonly Uint8Array[]): Uint8Array {
    const body = sizeFrames(frames);
    const total = RecordLimits.MIN_RECORD_BYTES + 4 * frames.length + body;
    if (total < SMALL_RECORD) {
      const out = new Uint8Array(total);
      writeRecord(frames, body, out, 0);
      return out;
    }
    const p = this.#seal(frames, body);
    return this.#u8.slice(
      p,
      p + RecordLimits.MIN_RECORD_BYTES + 4 * frames.length + body,
    );
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
    if (total < SMALL_RECORD) {
      writeRecord(frames, body, out, offset);
      return total;
    }
    const p = this.#seal(frames, body);
    out.set(this.#u8.subarray(p, p + total), offset);
    return total;
  }

  /** {@inheritDoc FrameCodec.encodedLength} */
  encodedLength(frames: readonly Uint8Array[]): number {
    return RecordLimits.MIN_RECORD_BYTES + 4 * frames.length +
      sizeFrames(frames);
  }

  /** Builds the record in the arena; returns its address. */
  #seal(frames: readonly Uint8Array[], body: number): number {
    const n = frames.length;
    const total = RecordLimits.MIN_RECORD_BYTES + 4 * n + body;
    const p = this.#reserve(total);
    const u8 = this.#u8, u32 = this.#u32;
    let lp = (p + 16) >> 2;
    let fp = p + 16 + 4 * n;
    for (let i = 0; i < n; i++) {
      const f = frames[i];
      u32[lp++] = f.length;
      u8.set(f, fp);
      fp += f.length;
    }
    this.#x.codecSeal(n, body);
    return p;
  }

  /** {@inheritDoc FrameCodec.decode} */
  decode(record: Uint8Array): Uint8Array[] {
    checkBytes(record, "record");
    const len = record.length;
    if (len < RecordLimits.HEADER_BYTES) {
      throw recordError(RecordError.SHORT_HEADER, len, 0);
    }
    if (len > RecordLimits.MAX_RECORD_BYTES) {
      // Do not copy what cannot be valid; let the header say why.
      const head = this.#reserve(16);
      this.#u8.set(record.subarray(0, 16), head);
      const t = this.#x.codecHeader();
      if (t < 0) throw recordError(-t, len, 0);
      throw recordError(RecordError.TRAILING, len, t);
    }
    const p = this.#reserve(len);
    this.#u8.set(record, p);
    const n = this.#x.codecCheck(len);
    if (n < 0) {
      const total = RecordLimits.MIN_RECORD_BYTES + 4 * readU32(record, 4) +
        readU32(record, 8);
      throw recordError(-n, len, total);
    }
    const u32 = this.#u32;
    const frames = new Array<Uint8Array>(n);
    let fp = 16 + 4 * n;
    for (let i = 0, lp = (p + 16) >> 2; i < n; i++, lp++) {
      const fl = u32[lp];
      frames[i] = record.subarray(fp, fp + fl);
      fp += fl;
    }
    return frames;
  }

  /** {@inheritDoc FrameCodec.recordLength} */
  recordLength(prefix: Uint8Array): number {
    checkBytes(prefix, "prefix");
    if (prefix.length < RecordLimits.HEADER_BYTES) return -1;
    const p = this.#reserve(16);
    this.#u8.set(prefix.subarray(0, 16), p);
    const total = this.#x.codecHeader();
    if (total < 0) throw recordError(-total, prefix.length, 0);
    return total;
  }

  /** {@inheritDoc FrameCodec.crc32c} */
  crc32c(bytes: Uint8Array): number {
    checkBytes(bytes, "bytes");
    const len = bytes.length;
    if (len <= CRC_CHUNK) {
      const p = this.#reserve(len);
      this.#u8.set(bytes, p);
      return this.#x.codecCrc(len) >>> 0;
    }
    // Large inputs go through the arena in chunks.
    const p = this.#reserve(CRC_CHUNK);
    let crc = -1;
    for (let at = 0; at < len; at += CRC_CHUNK) {
      const chunk = bytes.subarray(at, Math.min(len, at + CRC_CHUNK));
      this.#u8.set(chunk, p);
      crc = this.#x.codecCrcUpdate(crc, chunk.length);
    }
    return ~crc >>> 0;
  }

  /** Bytes of linear memory this codec's instance uses (diagnostics). */
  get memoryBytes(): number {
    return this.#x.memory.buffer.byteLength;
  }
}
