/**
 * The plain-TypeScript envelope: one ROUTER message held in reusable typed
 * arrays, classified in TypeScript, with a byte-keyed intern table.
 * Private: reach it through `reference.ts` or the factories in `mod.ts`.
 *
 * @module
 */

import type { ProtocolError } from "../errors.ts";
import type { CoreImpl, Envelope } from "./types.ts";
import { EnvelopeError, MessageKind } from "./types.ts";
import { checkBytes, checkIndex } from "./_check.ts";
import {
  checkPrefix,
  checkPrepare,
  envelopeError,
  ERROR_TEXT,
  randomSeed,
  sizeMessage,
} from "./_envelope_common.ts";
import { hashBytes, TsInternTable } from "./_ts_intern.ts";

/** {@linkcode Envelope} in plain TypeScript. */
export class TsEnvelope implements Envelope {
  /** Always `"ts"`. */
  readonly impl: CoreImpl = "ts";
  /** Where the transport writes frame bytes (see `ReceiveSink`). */
  bytes: Uint8Array = new Uint8Array(4096);
  /** Where the transport writes frame lengths (see `ReceiveSink`). */
  lengths: Uint32Array = new Uint32Array(64);
  #offsets = new Int32Array(64);
  #count = 0;
  #indexed = true;
  #ppp = false;
  #kind: MessageKind = MessageKind.INVALID;
  #command = 0;
  #service = -1;
  #address = -1;
  #body = -1;
  #error: EnvelopeError = EnvelopeError.NONE;
  #errorFrame = -1;
  #sender = -1;
  #serviceHandle = -1;
  #intern = new TsInternTable(randomSeed());

  /** {@inheritDoc ReceiveSink.prepare} */
  prepare(totalBytes: number, frameCount: number): void {
    checkPrepare(totalBytes, frameCount);
    if (totalBytes > this.bytes.length) {
      let cap = this.bytes.length;
      while (cap < totalBytes) cap *= 2;
      this.bytes = new Uint8Array(cap);
    }
    if (frameCount > this.lengths.length) {
      let cap = this.lengths.length;
      while (cap < frameCount) cap *= 2;
      this.lengths = new Uint32Array(cap);
      this.#offsets = new Int32Array(cap);
    }
    this.#count = 0;
  }

  /** {@inheritDoc ReceiveSink.commit} */
  commit(frameCount: number): void {
    if (!(frameCount >= 0 && frameCount <= this.lengths.length)) {
      throw new RangeError(`frameCount out of range: ${frameCount}`);
    }
    this.#count = frameCount;
    this.#indexed = false;
    this.#kind = MessageKind.INVALID;
    this.#sender = this.#serviceHandle = -1;
  }

  /** {@inheritDoc Envelope.frameCount} */
  get frameCount(): number {
    return this.#count;
  }

  /** {@inheritDoc Envelope.load} */
  load(frames: readonly Uint8Array[]): void {
    const total = sizeMessage(frames);
    const n = frames.length;
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
    const n = this.#count, lengths = this.lengths, offsets = this.#offsets;
    let p = 0;
    for (let i = 0; i < n; i++) {
      offsets[i] = p;
      p += lengths[i];
    }
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

  #fail(code: EnvelopeError, frame: number): MessageKind {
    this.#error = code;
    this.#errorFrame = frame;
    return (this.#kind = MessageKind.INVALID);
  }

  #ok(
    kind: MessageKind,
    command: number,
    service: number,
    address: number,
    body: number,
  ): MessageKind {
    this.#command = command;
    this.#service = service;
    this.#address = address;
    this.#body = body;
    return (this.#kind = kind);
  }

  #lookups(): void {
    this.#sender = this.#count > 0 && this.#intern.count > 0
      ? this.#findAt(0)
      : -1;
    this.#serviceHandle = this.#service >= 0 && this.#intern.count > 0
      ? this.#findAt(this.#service)
      : -1;
  }

  #findAt(i: number): number {
    const off = this.#offsets[i], len = this.lengths[i], t = this.#intern;
    return t.find(
      this.bytes,
      off,
      len,
      hashBytes(t.seed, this.bytes, off, len),
    );
  }

  /** {@inheritDoc Envelope.classifyMdp} */
  classifyMdp(): MessageKind {
    const kind = this.#mdp();
    this.#lookups();
    return kind;
  }

  /** {@inheritDoc Envelope.classifyPpp} */
  classifyPpp(): MessageKind {
    const kind = this.#ppp_();
    this.#lookups();
    return kind;
  }

  #mdp(): MessageKind {
    this.#index();
    this.#ppp = false;
    this.#command = 0;
    this.#service = this.#address = this.#body = -1;
    this.#error = EnvelopeError.NONE;
    this.#errorFrame = -1;
    const n = this.#count, len = this.lengths, b = this.bytes;
    if (n < 3) return this.#fail(EnvelopeError.TOO_FEW_FRAMES, -1);
    if (len[1] !== 0) return this.#fail(EnvelopeError.DELIMITER_NOT_EMPTY, 1);
    const h = this.#offsets[2];
    // "MDPC01" / "MDPW01": 4D 44 50 (43|57) 30 31.
    if (
      len[2] !== 6 || b[h] !== 0x4d || b[h + 1] !== 0x44 ||
      b[h + 2] !== 0x50 || b[h + 4] !== 0x30 || b[h + 5] !== 0x31
    ) return this.#fail(EnvelopeError.UNKNOWN_HEADER, 2);
    const which = b[h + 3];
    if (which === 0x43) {
      if (n < 5) return this.#fail(EnvelopeError.TOO_FEW_FRAMES, -1);
      if (len[3] === 0) return this.#fail(EnvelopeError.EMPTY_SERVICE, 3);
      return this.#ok(MessageKind.MDP_CLIENT, 0, 3, -1, 4);
    }
    if (which !== 0x57) return this.#fail(EnvelopeError.UNKNOWN_HEADER, 2);
    if (n < 4) return this.#fail(EnvelopeError.TOO_FEW_FRAMES, -1);
    if (len[3] !== 1) return this.#fail(EnvelopeError.BAD_COMMAND, 3);
    const cmd = b[this.#offsets[3]];
    switch (cmd) {
      case 0x01:
        if (n !== 5) return this.#fail(EnvelopeError.WRONG_FRAME_COUNT, -1);
        if (len[4] === 0) return this.#fail(EnvelopeError.EMPTY_SERVICE, 4);
        return this.#ok(MessageKind.MDP_WORKER, cmd, 4, -1, -1);
      case 0x02:
      case 0x03:
        if (n < 7) return this.#fail(EnvelopeError.WRONG_FRAME_COUNT, -1);
        if (len[4] === 0 || len[4] > 255) {
          return this.#fail(EnvelopeError.BAD_ADDRESS, 4);
        }
        if (len[5] !== 0) return this.#fail(EnvelopeError.MISSING_DELIMITER, 5);
        return this.#ok(MessageKind.MDP_WORKER, cmd, -1, 4, 6);
      case 0x04:
      case 0x05:
        if (n !== 4) return this.#fail(EnvelopeError.WRONG_FRAME_COUNT, -1);
        return this.#ok(MessageKind.MDP_WORKER, cmd, -1, -1, -1);
      default:
        return this.#fail(EnvelopeError.BAD_COMMAND, 3);
    }
  }

  #ppp_(): MessageKind {
    this.#index();
    this.#ppp = true;
    this.#command = 0;
    this.#service = this.#address = this.#body = -1;
    this.#error = EnvelopeError.NONE;
    this.#errorFrame = -1;
    const n = this.#count, len = this.lengths;
    if (n < 2) return this.#fail(EnvelopeError.TOO_FEW_FRAMES, -1);
    if (n === 2) {
      if (len[1] === 1) {
        const c = this.bytes[this.#offsets[1]];
        if (c === 0x01) return this.#ok(MessageKind.PPP_READY, 1, -1, -1, -1);
        if (c === 0x02) {
          return this.#ok(MessageKind.PPP_HEARTBEAT, 2, -1, -1, -1);
        }
      }
      return this.#fail(EnvelopeError.BAD_COMMAND, 1);
    }
    if (len[1] === 0 || len[1] > 255) {
      return this.#fail(EnvelopeError.BAD_ADDRESS, 1);
    }
    if (len[2] !== 0) return this.#fail(EnvelopeError.MISSING_DELIMITER, 2);
    if (n < 4) return this.#fail(EnvelopeError.NO_BODY, -1);
    return this.#ok(MessageKind.PPP_REPLY, 0, -1, 1, 3);
  }

  /** {@inheritDoc Envelope.kind} */
  get kind(): MessageKind {
    return this.#kind;
  }
  /** {@inheritDoc Envelope.command} */
  get command(): number {
    return this.#command;
  }
  /** {@inheritDoc Envelope.serviceFrame} */
  get serviceFrame(): number {
    return this.#service;
  }
  /** {@inheritDoc Envelope.addressFrame} */
  get addressFrame(): number {
    return this.#address;
  }
  /** {@inheritDoc Envelope.bodyFrame} */
  get bodyFrame(): number {
    return this.#body;
  }
  /** {@inheritDoc Envelope.senderHandle} */
  get senderHandle(): number {
    return this.#sender;
  }
  /** {@inheritDoc Envelope.serviceHandle} */
  get serviceHandle(): number {
    return this.#serviceHandle;
  }
  /** {@inheritDoc Envelope.errorCode} */
  get errorCode(): EnvelopeError {
    return this.#error;
  }
  /** {@inheritDoc Envelope.errorFrame} */
  get errorFrame(): number {
    return this.#errorFrame;
  }
  /** {@inheritDoc Envelope.errorReason} */
  get errorReason(): string {
    return ERROR_TEXT[this.#error];
  }

  /** {@inheritDoc Envelope.toError} */
  toError(): ProtocolError {
    return envelopeError({
      ppp: this.#ppp,
      code: this.#error,
      frame: this.#errorFrame,
      count: this.#count,
    }, this.#count > 2 ? this.frame(2) : undefined);
  }

  /** {@inheritDoc Envelope.intern} */
  intern(index: number): number {
    checkIndex(index, this.#count);
    if (!this.#indexed) this.#index();
    const off = this.#offsets[index], len = this.lengths[index];
    const t = this.#intern;
    return t.intern(
      this.bytes,
      off,
      len,
      hashBytes(t.seed, this.bytes, off, len),
    );
  }

  /** {@inheritDoc Envelope.find} */
  find(index: number): number {
    checkIndex(index, this.#count);
    if (!this.#indexed) this.#index();
    const off = this.#offsets[index], len = this.lengths[index];
    const t = this.#intern;
    return t.find(
      this.bytes,
      off,
      len,
      hashBytes(t.seed, this.bytes, off, len),
    );
  }

  /** {@inheritDoc Envelope.internBytes} */
  internBytes(bytes: Uint8Array): number {
    checkBytes(bytes, "bytes");
    const t = this.#intern;
    return t.intern(
      bytes,
      0,
      bytes.length,
      hashBytes(t.seed, bytes, 0, bytes.length),
    );
  }

  /** {@inheritDoc Envelope.findBytes} */
  findBytes(bytes: Uint8Array): number {
    checkBytes(bytes, "bytes");
    const t = this.#intern;
    return t.find(
      bytes,
      0,
      bytes.length,
      hashBytes(t.seed, bytes, 0, bytes.length),
    );
  }

  /** {@inheritDoc Envelope.release} */
  release(handle: number): boolean {
    return this.#intern.release(handle);
  }

  /** {@inheritDoc Envelope.bytesOf} */
  bytesOf(handle: number): Uint8Array {
    if (!this.#intern.isLive(handle)) {
      throw new RangeError(`Handle ${handle} is not interned`);
    }
    return this.#intern.bytesOf(handle);
  }

  /** {@inheritDoc Envelope.internedCount} */
  get internedCount(): number {
    return this.#intern.count;
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
}
