/**
 * The envelope over WebAssembly. Private: reach it through `wasm.ts` or the
 * factories in `mod.ts`.
 *
 * @module
 */

import type {
  CoreImpl,
  Envelope,
  EnvelopeError,
  MessageKind,
} from "./types.ts";
import type { ProtocolError } from "../errors.ts";
import { checkBytes, checkIndex } from "./_check.ts";
import {
  checkPrefix,
  checkPrepare,
  envelopeError,
  MDP_ERROR_TEXT,
  PPP_ERROR_TEXT,
  randomSeed,
  sizeMessage,
} from "./_envelope_common.ts";
import {
  type CoreExports,
  instantiate,
  outOfMemory,
  type WasmOptions,
} from "./_wasm_loader.ts";

/** {@linkcode Envelope} over WebAssembly: frames resident in linear memory. */
export class WasmEnvelope implements Envelope {
  /** Always `"wasm"`. */
  readonly impl: CoreImpl = "wasm";
  /** Where the transport writes frame bytes: a view of linear memory. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Where the transport writes frame lengths: a view of linear memory. */
  lengths: Uint32Array = new Uint32Array(0);
  #x: CoreExports;
  #u8 = new Uint8Array(0);
  #offsets = new Uint32Array(0);
  #res = new Int32Array(0);
  #bytesPtr = 0;
  #bytesCap = 0;
  #framesCap = 0;
  #count = 0;
  #indexed = true;
  #ppp = false;

  /** @param options Which build to run (for benchmarks and tests). */
  constructor(options?: WasmOptions) {
    this.#x = instantiate(options);
    this.#x.envSeed(randomSeed());
    if (this.#x.envReserve(4096, 64) < 0) throw outOfMemory("start");
    this.#views();
  }

  /** Takes the views again (after growth or a move of the arena). */
  #views(): void {
    const x = this.#x, buf = x.memory.buffer as ArrayBuffer;
    this.#bytesPtr = x.envBytes();
    this.#bytesCap = x.envBytesCap();
    this.#framesCap = x.envFramesCap();
    this.#u8 = new Uint8Array(buf);
    this.bytes = this.#u8.subarray(
      this.#bytesPtr,
      this.#bytesPtr + this.#bytesCap,
    );
    this.lengths = new Uint32Array(buf, x.envLengths(), this.#framesCap);
    this.#offsets = new Uint32Array(buf, x.envOffsets(), this.#framesCap);
    this.#res = new Int32Array(buf, x.envResult(), 16);
  }

  /** {@inheritDoc ReceiveSink.prepare} */
  prepare(totalBytes: number, frameCount: number): void {
    checkPrepare(totalBytes, frameCount);
    if (totalBytes > this.#bytesCap || frameCount > this.#framesCap) {
      if (this.#x.envReserve(totalBytes, frameCount) < 0) {
        throw outOfMemory(`hold a ${totalBytes}-byte message`);
      }
      this.#views();
    } else if (this.#u8.byteLength === 0) this.#views();
    this.#count = 0;
  }

  /** {@inheritDoc ReceiveSink.commit} */
  commit(frameCount: number): void {
    if (!(frameCount >= 0 && frameCount <= this.#framesCap)) {
      throw new RangeError(`frameCount out of range: ${frameCount}`);
    }
    this.#count = frameCount;
    this.#indexed = false;
    const res = this.#res;
    res[0] = 0;
    res[9] = res[10] = -1;
  }

  /** {@inheritDoc Envelope.frameCount} */
  get frameCount(): number {
    return this.#count;
  }

  /** {@inheritDoc Envelope.load} */
  load(frames: readonly Uint8Array[]): void {
    const total = sizeMessage(frames);
    const n = frames.length;
    // Frames that are views of this envelope (frame(), bytesOf(), build())
    // would be detached if prepare() grows the memory: copy them first.
    const mem = this.#u8.buffer;
    for (let i = 0; i < n; i++) {
      if (frames[i].buffer === mem) {
        frames = frames.map((f) => f.slice());
        break;
      }
    }
    this.prepare(total, n);
    const bytes = this.bytes, lengths = this.lengths;
    let p = 0;
    for (let i = 0; i < n; i++) {
      const f = frames[i];
      bytes.set(f, p);
      lengths[i] = f.length;
      p += f.length;
    }
    this.commit(n);
  }

  #index(): void {
    this.#x.envIndex(this.#count);
    this.#indexed = true;
  }

  /** {@inheritDoc Envelope.frameLength} */
  frameLength(index: number): number {
    checkIndex(index, this.#count);
    return this.lengths[index];
  }

  /** {@inheritDoc Envelope.frame} */
  frame(index: number): Uint8Array {
    checkIndex(index, this.#count);
    if (!this.#indexed) this.#index();
    const off = this.#offsets[index];
    return this.bytes.subarray(off, off + this.lengths[index]);
  }

  /** {@inheritDoc Envelope.frameEquals} */
  frameEquals(index: number, other: Uint8Array): boolean {
    checkIndex(index, this.#count);
    checkBytes(other, "bytes");
    const len = this.lengths[index];
    if (len !== other.length) return false;
    if (!this.#indexed) this.#index();
    const b = this.bytes;
    for (let i = 0, p = this.#offsets[index]; i < len; i++, p++) {
      if (b[p] !== other[i]) return false;
    }
    return true;
  }

  /** {@inheritDoc Envelope.classifyMdp} */
  classifyMdp(): MessageKind {
    this.#ppp = false;
    this.#indexed = true;
    return this.#x.envMdp(this.#count) as MessageKind;
  }

  /** {@inheritDoc Envelope.classifyPpp} */
  classifyPpp(): MessageKind {
    this.#ppp = true;
    this.#indexed = true;
    return this.#x.envPpp(this.#count) as MessageKind;
  }

  /** {@inheritDoc Envelope.kind} */
  get kind(): MessageKind {
    return this.#res[0] as MessageKind;
  }
  /** {@inheritDoc Envelope.command} */
  get command(): number {
    return this.#res[1];
  }
  /** {@inheritDoc Envelope.serviceFrame} */
  get serviceFrame(): number {
    return this.#res[2];
  }
  /** {@inheritDoc Envelope.addressFrame} */
  get addressFrame(): number {
    return this.#res[3];
  }
  /** {@inheritDoc Envelope.bodyFrame} */
  get bodyFrame(): number {
    return this.#res[4];
  }
  /** {@inheritDoc Envelope.senderHandle} */
  get senderHandle(): number {
    return this.#res[9];
  }
  /** {@inheritDoc Envelope.serviceHandle} */
  get serviceHandle(): number {
    return this.#res[10];
  }
  /** {@inheritDoc Envelope.errorCode} */
  get errorCode(): EnvelopeError {
    return this.#res[5] as EnvelopeError;
  }
  /** {@inheritDoc Envelope.errorFrame} */
  get errorFrame(): number {
    return this.#res[6];
  }
  /** {@inheritDoc Envelope.errorReason} */
  get errorReason(): string {
    return (this.#ppp ? PPP_ERROR_TEXT : MDP_ERROR_TEXT)[this.#res[5]];
  }

  /** {@inheritDoc Envelope.toError} */
  toError(): ProtocolError {
    return envelopeError({
      ppp: this.#ppp,
      code: this.#res[5],
      frame: this.#res[6],
      count: this.#count,
    }, this.#count > 2 ? this.frame(2) : undefined);
  }

  #checked(h: number): number {
    if (h === -2) throw outOfMemory("intern");
    if (this.#u8.byteLength === 0) this.#views();
    return h;
  }

  /** {@inheritDoc Envelope.intern} */
  intern(index: number): number {
    checkIndex(index, this.#count);
    if (!this.#indexed) this.#index();
    return this.#checked(this.#x.envIntern(index));
  }

  /** {@inheritDoc Envelope.find} */
  find(index: number): number {
    checkIndex(index, this.#count);
    if (!this.#indexed) this.#index();
    return this.#x.envFind(index);
  }

  #scratch(bytes: Uint8Array): void {
    checkBytes(bytes, "bytes");
    // A view of this memory (bytesOf) would be detached if the scratch grows.
    if (bytes.buffer === this.#u8.buffer) bytes = bytes.slice();
    const p = this.#x.envScratch(bytes.length);
    if (p === 0) throw outOfMemory("intern");
    if (this.#u8.byteLength === 0) this.#views();
    this.#u8.set(bytes, p);
  }

  /** {@inheritDoc Envelope.internBytes} */
  internBytes(bytes: Uint8Array): number {
    this.#scratch(bytes);
    return this.#checked(this.#x.envInternScratch(bytes.length));
  }

  /** {@inheritDoc Envelope.findBytes} */
  findBytes(bytes: Uint8Array): number {
    this.#scratch(bytes);
    return this.#x.envFindScratch(bytes.length);
  }

  /** {@inheritDoc Envelope.release} */
  release(handle: number): boolean {
    if (
      typeof handle !== "number" || !(handle >= 0 && handle < 2 ** 31) ||
      (handle | 0) !== handle
    ) return false;
    const r = this.#x.envRelease(handle);
    this.#checked(r);
    return r === 1;
  }

  /** {@inheritDoc Envelope.bytesOf} */
  bytesOf(handle: number): Uint8Array {
    const p = typeof handle === "number" && handle >= 0 && handle < 2 ** 31
      ? this.#x.envKey(handle | 0)
      : 0;
    if (p === 0 || handle !== (handle | 0)) {
      throw new RangeError(`Handle ${handle} is not interned`);
    }
    return this.#u8.subarray(p, p + this.#res[8]);
  }

  /** {@inheritDoc Envelope.internedCount} */
  get internedCount(): number {
    return this.#x.envInterned();
  }

  /** {@inheritDoc Envelope.build} */
  build(
    identity: Uint8Array | number,
    prefix: readonly Uint8Array[],
    fromFrame: number,
  ): Uint8Array[] {
    const id = typeof identity === "number" ? this.bytesOf(identity) : identity;
    checkBytes(id, "identity");
    checkPrefix(prefix);
    const n = this.#count;
    if (
      !(fromFrame >= 0 && fromFrame <= n && Math.floor(fromFrame) === fromFrame)
    ) {
      throw new RangeError(
        `fromFrame must be an integer in [0, ${n}], got ${fromFrame}`,
      );
    }
    const out: Uint8Array[] = [id];
    for (let i = 0; i < prefix.length; i++) out.push(prefix[i]);
    for (let i = fromFrame; i < n; i++) out.push(this.frame(i));
    return out;
  }

  /** Bytes of linear memory this envelope's instance uses (diagnostics). */
  get memoryBytes(): number {
    return this.#x.memory.buffer.byteLength;
  }
}
