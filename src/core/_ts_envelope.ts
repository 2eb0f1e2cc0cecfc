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
  MDP_ERROR_TEXT,
  PPP_ERROR_TEXT,
  sizeMessage,
} from "./_envelope_common.ts";
import { hashBytes, TsInternTable } from "./_ts_intern.ts";
import * as S from "./_spec_layout.ts";

// The grammar's numbers, from the spec data (see _spec_layout.ts), copied
// into module-local constants: V8 reads an imported binding through its
// module cell on every use, which made classification 15-35% slower than
// with these copies (measured against the previous literal code).
const AT_HEADER = S.AT_HEADER;
const AT_COMMAND = S.AT_COMMAND;
const AT_CLIENT_SERVICE = S.AT_CLIENT_SERVICE;
const AT_CLIENT_BODY = S.AT_CLIENT_BODY;
const AT_READY_SERVICE = S.AT_READY_SERVICE;
const AT_ADDRESS = S.AT_ADDRESS;
const AT_ADDRESS_END = S.AT_ADDRESS_END;
const AT_WORKER_BODY = S.AT_WORKER_BODY;
const READY_FRAMES = S.READY_FRAMES;
const SIGNAL_FRAMES = S.SIGNAL_FRAMES;
const HEADER_BYTES = S.HEADER_BYTES;
const H0 = S.H0;
const H1 = S.H1;
const H2 = S.H2;
const H4 = S.H4;
const H5 = S.H5;
const C_TAG = S.C_TAG;
const W_TAG = S.W_TAG;
const READY = S.READY;
const REQUEST = S.REQUEST;
const REPLY = S.REPLY;
const HEARTBEAT = S.HEARTBEAT;
const DISCONNECT = S.DISCONNECT;
const COMMAND_BYTES = S.COMMAND_BYTES;
const ADDRESS_MIN = S.ADDRESS_MIN;
const ADDRESS_MAX = S.ADDRESS_MAX;
const PPP_READY = S.PPP_READY;
const PPP_HEARTBEAT = S.PPP_HEARTBEAT;
const PPP_COMMAND_BYTES = S.PPP_COMMAND_BYTES;
const PPP_ADDRESS_MIN = S.PPP_ADDRESS_MIN;
const PPP_ADDRESS_MAX = S.PPP_ADDRESS_MAX;
const PPP_COMMAND_FRAMES = S.PPP_COMMAND_FRAMES;
const PPP_AT_ADDRESS = S.PPP_AT_ADDRESS;
const PPP_AT_DELIMITER = S.PPP_AT_DELIMITER;
const PPP_AT_BODY = S.PPP_AT_BODY;
const PPP_REPLY_FRAMES = S.PPP_REPLY_FRAMES;

/** Random seed for the intern hash, so peers cannot choose colliding identities. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Int32Array(1))[0];
}

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
    if (n < AT_HEADER + 1) return this.#fail(EnvelopeError.TOO_FEW_FRAMES, -1);
    if (len[AT_HEADER - 1] !== 0) {
      return this.#fail(EnvelopeError.DELIMITER_NOT_EMPTY, AT_HEADER - 1);
    }
    const h = this.#offsets[AT_HEADER];
    // "MDPC01" / "MDPW01": shared bytes 0-2 and 4-5, byte 3 tells them apart.
    if (
      len[AT_HEADER] !== HEADER_BYTES || b[h] !== H0 || b[h + 1] !== H1 ||
      b[h + 2] !== H2 || b[h + 4] !== H4 || b[h + 5] !== H5
    ) return this.#fail(EnvelopeError.UNKNOWN_HEADER, AT_HEADER);
    const which = b[h + 3];
    if (which === C_TAG) {
      if (n < AT_CLIENT_BODY + 1) {
        return this.#fail(EnvelopeError.TOO_FEW_FRAMES, -1);
      }
      if (len[AT_CLIENT_SERVICE] === 0) {
        return this.#fail(EnvelopeError.EMPTY_SERVICE, AT_CLIENT_SERVICE);
      }
      return this.#ok(
        MessageKind.MDP_CLIENT,
        0,
        AT_CLIENT_SERVICE,
        -1,
        AT_CLIENT_BODY,
      );
    }
    if (which !== W_TAG) {
      return this.#fail(EnvelopeError.UNKNOWN_HEADER, AT_HEADER);
    }
    if (n < AT_COMMAND + 1) return this.#fail(EnvelopeError.TOO_FEW_FRAMES, -1);
    if (len[AT_COMMAND] !== COMMAND_BYTES) {
      return this.#fail(EnvelopeError.BAD_COMMAND, AT_COMMAND);
    }
    const cmd = b[this.#offsets[AT_COMMAND]];
    switch (cmd) {
      case READY:
        if (n !== READY_FRAMES) {
          return this.#fail(EnvelopeError.WRONG_FRAME_COUNT, -1);
        }
        if (len[AT_READY_SERVICE] === 0) {
          return this.#fail(EnvelopeError.EMPTY_SERVICE, AT_READY_SERVICE);
        }
        return this.#ok(MessageKind.MDP_WORKER, cmd, AT_READY_SERVICE, -1, -1);
      case REQUEST:
      case REPLY: {
        if (n < AT_WORKER_BODY + 1) {
          return this.#fail(EnvelopeError.WRONG_FRAME_COUNT, -1);
        }
        const a = len[AT_ADDRESS];
        if (
          a < ADDRESS_MIN || a > ADDRESS_MAX
        ) {
          return this.#fail(EnvelopeError.BAD_ADDRESS, AT_ADDRESS);
        }
        if (len[AT_ADDRESS_END] !== 0) {
          return this.#fail(EnvelopeError.MISSING_DELIMITER, AT_ADDRESS_END);
        }
        return this.#ok(
          MessageKind.MDP_WORKER,
          cmd,
          -1,
          AT_ADDRESS,
          AT_WORKER_BODY,
        );
      }
      case HEARTBEAT:
      case DISCONNECT:
        if (n !== SIGNAL_FRAMES) {
          return this.#fail(EnvelopeError.WRONG_FRAME_COUNT, -1);
        }
        return this.#ok(MessageKind.MDP_WORKER, cmd, -1, -1, -1);
      default:
        return this.#fail(EnvelopeError.BAD_COMMAND, AT_COMMAND);
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
    if (n < PPP_COMMAND_FRAMES) {
      return this.#fail(EnvelopeError.TOO_FEW_FRAMES, -1);
    }
    if (n === PPP_COMMAND_FRAMES) {
      if (len[1] === PPP_COMMAND_BYTES) {
        const c = this.bytes[this.#offsets[1]];
        if (c === PPP_READY) {
          return this.#ok(MessageKind.PPP_READY, c, -1, -1, -1);
        }
        if (c === PPP_HEARTBEAT) {
          return this.#ok(MessageKind.PPP_HEARTBEAT, c, -1, -1, -1);
        }
      }
      return this.#fail(EnvelopeError.BAD_COMMAND, 1);
    }
    const a = len[PPP_AT_ADDRESS];
    if (a < PPP_ADDRESS_MIN || a > PPP_ADDRESS_MAX) {
      return this.#fail(EnvelopeError.BAD_ADDRESS, PPP_AT_ADDRESS);
    }
    if (len[PPP_AT_DELIMITER] !== 0) {
      return this.#fail(EnvelopeError.MISSING_DELIMITER, PPP_AT_DELIMITER);
    }
    if (n < PPP_REPLY_FRAMES) return this.#fail(EnvelopeError.NO_BODY, -1);
    return this.#ok(
      MessageKind.PPP_REPLY,
      0,
      -1,
      PPP_AT_ADDRESS,
      PPP_AT_BODY,
    );
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
    return (this.#ppp ? PPP_ERROR_TEXT : MDP_ERROR_TEXT)[this.#error];
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
