/**
 * Message staging: received frames are taken from libzmq into reusable
 * `zmq_msg_t` slots, then copied once, either into one buffer per message
 * ({@linkcode takeMessage}) or straight into caller-owned memory
 * ({@linkcode fillSink}). The slots are shared by every socket: only the main
 * thread receives, and a staged message is always consumed before the next
 * one is staged.
 *
 * Two ways of reading a staged frame, picked once per process:
 *
 * - **layout** (the default, 1 FFI call per frame of up to 33 bytes): the
 *   slots stay initialised between messages (`zmq_msg_recv` releases a
 *   slot's old content itself), and a frame's "more" flag, and for a small
 *   frame its bytes, are read straight from the slot's own memory, which is
 *   ours: libzmq 4.3's `zmq_msg_t` keeps up to 33 bytes inline ("very small
 *   message") at offset 8, its type at 42 and its flags at 43. Larger frames
 *   cost `zmq_msg_data` for the copy and a close and re-init after it (so
 *   that no slot pins a large buffer). The layout is not trusted: a
 *   self-check at first use sends frames of 0, 1, 33, 34 and 4096 bytes with
 *   and without MORE over an inproc pair and compares what the slot bytes say
 *   with `zmq_msg_size`, `zmq_msg_data` and `zmq_msg_more`; any difference
 *   (another libzmq) selects the other way.
 * - **calls**: `zmq_msg_init`, `zmq_msg_recv`, `zmq_msg_more`,
 *   `zmq_msg_data` and `zmq_msg_close` for every frame (5 calls).
 *
 * An `EINTR` (a signal delivered to the main thread while libzmq waited on
 * its command mailbox, e.g. V8's `SIGPROF` under `--cpu-prof`) is retried:
 * libzmq returns it before it takes anything from the pipe.
 *
 * @module
 */
import type { Message, ReceiveSink } from "../types.ts";
import { Errno, mapZmqError } from "./errno.ts";
import { lib } from "./libzmq.ts";
import { granted } from "./permissions.ts";
import { acquireContext, releaseContext } from "./context.ts";

const ZMQ_DONTWAIT = 1;
const ZMQ_SNDMORE = 2;
const MSG_T_SIZE = 64;
const SLOTS_PER_CHUNK = 64;
// libzmq 4.3's zmq_msg_t (src/msg.hpp), checked at run time (see selfCheck).
const VSM_DATA = 8;
const VSM_SIZE = 41;
const TYPE = 42;
const FLAGS = 43;
const TYPE_VSM = 101;
const FLAG_MORE = 1;
const VSM_MAX = 33;

/**
 * The operations on zmq_msg_t slot `i`. Two implementations, picked once per
 * process, differing only in how a large frame is copied out of libzmq's
 * memory: with unscoped `--allow-ffi` by `Deno.UnsafePointerView.copyInto`;
 * with a scoped `--allow-ffi=<dir>`, where Deno refuses its unsafe-pointer
 * APIs, by libc's `memcpy` (found through libzmq's handle). Either way the
 * slots are JavaScript buffers (`mem`), passed to libzmq as `buffer`
 * parameters and readable without a call.
 */
interface SlotOps {
  init(i: number): void;
  recv(i: number, h: Deno.PointerObject, flags: number): number;
  more(i: number): number;
  size(i: number): number;
  close(i: number): void;
  /** Copies the frame in slot `i` (`dst.length` bytes, > 0) into `dst`. */
  copy(i: number, dst: Uint8Array): void;
  /** `zmq_msg_data` of slot `i` as an address (for the self-check). */
  dataAddress(i: number): bigint | number;
  /** The address of slot `i` (for the self-check), or -1 when unknown. */
  slotAddress(i: number): bigint | number;
  /** `zmq_msg_gets` on slot `i`: a metadata property, or null. */
  gets(i: number, property: Uint8Array): Deno.PointerValue;
  /** Slot `i`'s memory: chunk `mem[i >> 6]` at `(i & 63) * 64`. */
  readonly mem: Uint8Array[];
  /** Grows the slot memory to hold slot `i`. */
  ensure(i: number): void;
}

/**
 * Slot memory in chunks of 64 slots, each slot also as its own view: libzmq
 * is passed the views as `buffer` parameters, which Deno's fast FFI calls
 * take about three times faster than pointer objects (measured: a
 * successful `zmq_msg_recv` 180 ns against 600 ns).
 */
function slotViews(): {
  mem: Uint8Array[];
  views: Uint8Array[];
  ensure(i: number): void;
} {
  const mem: Uint8Array[] = [];
  const views: Uint8Array[] = [];
  return {
    mem,
    views,
    ensure(i: number): void {
      while (i >= views.length) {
        const chunk = new Uint8Array(MSG_T_SIZE * SLOTS_PER_CHUNK);
        mem.push(chunk);
        for (let k = 0; k < SLOTS_PER_CHUNK; k++) {
          views.push(chunk.subarray(k * MSG_T_SIZE, (k + 1) * MSG_T_SIZE));
        }
      }
    },
  };
}

/** A size for a `usize` parameter (a BigInt: see `sizeArg` in socket.ts). */
const big = (n: number): bigint => BigInt(n);

function pointerOps(): SlotOps {
  const zmq = lib().zmq;
  const { mem, views: slots, ensure } = slotViews();
  return {
    mem,
    ensure,
    init: (i) => void zmq.zmq_msg_init_b(slots[i]),
    recv: (i, h, flags) => zmq.zmq_msg_recv_b(slots[i], h, flags),
    more: (i) => zmq.zmq_msg_more_b(slots[i]),
    size: (i) => Number(zmq.zmq_msg_size_b(slots[i])),
    close: (i) => void zmq.zmq_msg_close_b(slots[i]),
    copy: (i, dst) =>
      Deno.UnsafePointerView.copyInto(zmq.zmq_msg_data_b(slots[i])!, dst),
    dataAddress: (i) => Deno.UnsafePointer.value(zmq.zmq_msg_data_b(slots[i])),
    slotAddress: (i) =>
      Deno.UnsafePointer.value(Deno.UnsafePointer.of(slots[i])),
    gets: (i, property) => zmq.zmq_msg_gets_b(slots[i], property),
  };
}

function bufferOps(): SlotOps {
  const { zmq, libc } = lib();
  const { mem, views: slots, ensure } = slotViews();
  return {
    mem,
    ensure,
    init: (i) => void zmq.zmq_msg_init_b(slots[i]),
    recv: (i, h, flags) => zmq.zmq_msg_recv_b(slots[i], h, flags),
    more: (i) => zmq.zmq_msg_more_b(slots[i]),
    size: (i) => Number(zmq.zmq_msg_size_b(slots[i])),
    close: (i) => void zmq.zmq_msg_close_b(slots[i]),
    copy: (i, dst) =>
      libc.memcpy(dst, zmq.zmq_msg_data_b(slots[i]), big(dst.length)),
    // Pointer values are refused with a scoped --allow-ffi: the self-check
    // compares the bytes instead.
    dataAddress: () => -1,
    slotAddress: () => -1,
    gets: (i, property) => zmq.zmq_msg_gets_b(slots[i], property),
  };
}

/** How frames are read: see the module's documentation. @internal */
export type StagingMode = "layout" | "calls";

let ops: SlotOps | undefined;
let mode: StagingMode | undefined;
let forced: StagingMode | undefined;
/** Slots 0..inited-1 hold an initialised zmq_msg_t (layout mode). */
let inited = 0;

function slotOps(): SlotOps {
  if (ops) return ops;
  ops = granted({ name: "ffi" }) ? pointerOps() : bufferOps();
  ops.ensure(0);
  mode = forced ?? (selfCheck(ops) ? "layout" : "calls");
  return ops;
}

/**
 * How this process reads received frames (runs the layout self-check on
 * first use).
 * @internal
 */
export function stagingMode(): StagingMode {
  slotOps();
  return mode!;
}

/**
 * Forces a staging mode, for tests of both paths; `undefined` goes back to
 * the self-check's choice. Only between messages.
 * @internal
 */
export function setStagingMode(m: StagingMode | undefined): void {
  if (m === "layout" && ops && !selfCheck(ops)) {
    throw new Error("the zmq_msg_t layout self-check fails here");
  }
  forced = m;
  if (ops) {
    resetSlots(ops);
    if (m === undefined) mode = selfCheck(ops) ? "layout" : "calls";
    else mode = m;
  }
}

/** The sizes the self-check sends, each with and without MORE. */
const CHECK_SIZES = [0, 1, 33, 34, 4096];

/**
 * Whether the slot bytes read as libzmq 4.3's `zmq_msg_t`: frames of 0, 1,
 * 33, 34 and 4096 bytes, with and without MORE, over an inproc PAIR, each
 * compared with what `zmq_msg_size`, `zmq_msg_more` and `zmq_msg_data` say.
 */
function selfCheck(o: SlotOps): boolean {
  const zmq = lib().zmq;
  resetSlots(o);
  const ctx = acquireContext();
  const a = zmq.zmq_socket(ctx, 0);
  const b = zmq.zmq_socket(ctx, 0);
  try {
    if (a === null || b === null) return false;
    const ep = new TextEncoder().encode(
      `inproc://reliable-zmq-layout-check-${Math.random()}\0`,
    );
    if (zmq.zmq_bind(a, ep) !== 0 || zmq.zmq_connect(b, ep) !== 0) {
      return false;
    }
    const sent: Uint8Array[] = [];
    let seed = 7;
    for (const more of [true, false]) {
      for (const size of CHECK_SIZES) {
        const f = new Uint8Array(size);
        for (let k = 0; k < size; k++) f[k] = seed = (seed * 31 + 11) & 0xff;
        sent.push(f);
        const last = !more && size === CHECK_SIZES.at(-1);
        const flags = last ? 0 : ZMQ_SNDMORE;
        let rc = -1;
        for (let tries = 0; rc < 0 && tries < 1000; tries++) {
          rc = zmq.zmq_send(a, f, big(size), flags);
        }
        if (rc !== size) return false;
      }
    }
    o.init(0);
    try {
      for (let j = 0; j < sent.length; j++) {
        const f = sent[j];
        let rc = -1;
        for (let tries = 0; rc < 0 && tries < 1000; tries++) {
          rc = o.recv(0, b, ZMQ_DONTWAIT);
        }
        if (rc !== f.length || o.size(0) !== f.length) return false;
        const m = o.mem[0];
        const wantMore = j < sent.length - 1 ? 1 : 0;
        if (o.more(0) !== wantMore) return false;
        if ((m[FLAGS] & FLAG_MORE) !== wantMore) return false;
        const vsm = m[TYPE] === TYPE_VSM;
        if (vsm !== (f.length <= VSM_MAX)) return false;
        const copy = new Uint8Array(f.length);
        if (f.length > 0) o.copy(0, copy);
        for (let k = 0; k < f.length; k++) if (copy[k] !== f[k]) return false;
        if (vsm) {
          if (m[VSM_SIZE] !== f.length) return false;
          for (let k = 0; k < f.length; k++) {
            if (m[VSM_DATA + k] !== f[k]) return false;
          }
          const slot = o.slotAddress(0);
          if (
            slot !== -1 &&
            BigInt(o.dataAddress(0)) !== BigInt(slot) + BigInt(VSM_DATA)
          ) return false;
        }
      }
      return true;
    } finally {
      o.close(0);
    }
  } finally {
    if (a !== null) zmq.zmq_close(a);
    if (b !== null) zmq.zmq_close(b);
    releaseContext();
  }
}

/** Closes the slots kept initialised (before a change of mode). */
function resetSlots(o: SlotOps): void {
  for (let i = 0; i < inited; i++) o.close(i);
  inited = 0;
}

const stagedSizes: number[] = [];
/** Per staged frame: its bytes are inline in the slot (layout mode). */
const stagedInline: boolean[] = [];
let stagedTotal = 0;

/** Releases the staged frames (and re-arms large slots in layout mode). */
function releaseStaged(o: SlotOps, n: number): void {
  if (mode === "calls") {
    for (let i = 0; i < n; i++) o.close(i);
    return;
  }
  for (let i = 0; i < n; i++) {
    if (!stagedInline[i]) {
      o.close(i);
      o.init(i);
    }
  }
}

const USER_ID = new TextEncoder().encode("User-Id\0");
const userIdBuf = new Uint8Array(256);
const userIdDecoder = new TextDecoder();

/**
 * The `User-Id` of the connection the last message staged with `userId`
 * came from (what the ZAP handler answered; `""` when none).
 * @internal
 */
export let stagedUserId = "";

function readUserId(o: SlotOps): string {
  const p = o.gets(0, USER_ID);
  if (p === null) return "";
  const { libc } = lib();
  const n = Number(libc.strnlen(p, big(userIdBuf.length)));
  if (n === 0) return "";
  libc.memcpy(userIdBuf, p, big(n));
  return userIdDecoder.decode(userIdBuf.subarray(0, n));
}

/**
 * Stages one message's frames in msg slots without waiting.
 * @param h The socket handle.
 * @param type The socket type, for error messages.
 * @param userId Also read the connection's `User-Id` into
 *   {@linkcode stagedUserId} (one more libzmq call per message).
 * @returns The number of frames staged; 0 when no message is ready.
 * @throws {ZmqError} When libzmq fails for another reason than `EAGAIN`.
 * @internal
 */
export function stage(
  h: Deno.PointerObject,
  type: string,
  userId = false,
): number {
  const o = slotOps();
  const n = mode === "layout"
    ? stageLayout(o, h, type)
    : stageCalls(o, h, type);
  if (n > 0 && userId) stagedUserId = readUserId(o);
  return n;
}

function stageLayout(o: SlotOps, h: Deno.PointerObject, type: string): number {
  let n = 0;
  let total = 0;
  const mem = o.mem;
  for (;;) {
    if (n >= inited) {
      o.ensure(n);
      o.init(n);
      inited = n + 1;
    }
    const rc = o.recv(n, h, ZMQ_DONTWAIT);
    if (rc < 0) {
      const errno = lib().zmq.zmq_errno();
      if (errno === Errno.EINTR) continue;
      releaseStaged(o, n);
      if (n === 0 && errno === Errno.EAGAIN) return 0;
      throw mapZmqError("receive", errno, `receive failed on ${type}`);
    }
    const chunk = mem[n >> 6];
    const base = (n & 63) * MSG_T_SIZE;
    stagedSizes[n] = rc;
    stagedInline[n] = chunk[base + TYPE] === TYPE_VSM;
    total += rc;
    n++;
    if ((chunk[base + FLAGS] & FLAG_MORE) === 0) break;
  }
  stagedTotal = total;
  return n;
}

function stageCalls(o: SlotOps, h: Deno.PointerObject, type: string): number {
  let n = 0;
  let total = 0;
  for (;;) {
    o.ensure(n);
    o.init(n);
    let rc = o.recv(n, h, ZMQ_DONTWAIT);
    let errno = 0;
    while (rc < 0 && (errno = lib().zmq.zmq_errno()) === Errno.EINTR) {
      rc = o.recv(n, h, ZMQ_DONTWAIT);
    }
    if (rc < 0) {
      o.close(n);
      releaseStaged(o, n);
      if (n === 0 && errno === Errno.EAGAIN) return 0;
      throw mapZmqError("receive", errno, `receive failed on ${type}`);
    }
    stagedSizes[n] = rc;
    stagedInline[n] = false;
    total += rc;
    n++;
    if (o.more(n - 1) === 0) break;
  }
  stagedTotal = total;
  return n;
}

/** Copies staged frame `i` (`size` > 0 bytes) into `dst` at `off`. */
function copyFrame(
  o: SlotOps,
  i: number,
  size: number,
  dst: Uint8Array,
  off: number,
): void {
  if (stagedInline[i]) {
    const chunk = o.mem[i >> 6];
    const from = (i & 63) * MSG_T_SIZE + VSM_DATA;
    for (let k = 0; k < size; k++) dst[off + k] = chunk[from + k];
  } else {
    o.copy(i, dst.subarray(off, off + size));
  }
}

/** Done with staged frame `i`: release it unless it stays for reuse. */
function doneFrame(o: SlotOps, i: number, layout: boolean): void {
  if (!layout) o.close(i);
  else if (!stagedInline[i]) {
    o.close(i);
    o.init(i);
  }
}

/**
 * Copies the staged message into one new buffer and releases the slots.
 * @param n The frame count {@linkcode stage} returned.
 * @returns The frames, views of that one buffer.
 * @internal
 */
export function takeMessage(n: number): Message {
  const o = slotOps();
  const layout = mode === "layout";
  const all = new Uint8Array(stagedTotal);
  const frames: Message = new Array(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const size = stagedSizes[i];
    if (size > 0) copyFrame(o, i, size, all, off);
    doneFrame(o, i, layout);
    frames[i] = all.subarray(off, off + size);
    off += size;
  }
  return frames;
}

/**
 * Copies the staged message into a caller's sink and releases the slots.
 * @param n The frame count {@linkcode stage} returned.
 * @param sink Where to write it.
 * @param onDrop Called when the sink refuses the message (it is dropped).
 * @returns `n`.
 * @throws {RangeError} When the sink left too little room.
 * @internal
 */
export function fillSink(
  n: number,
  sink: ReceiveSink,
  onDrop: () => void,
): number {
  const o = slotOps();
  try {
    sink.prepare(stagedTotal, n);
  } catch (e) {
    releaseStaged(o, n);
    onDrop();
    throw e;
  }
  const bytes = sink.bytes;
  const lengths = sink.lengths;
  if (bytes.length < stagedTotal || lengths.length < n) {
    releaseStaged(o, n);
    onDrop();
    throw new RangeError(
      `ReceiveSink.prepare(${stagedTotal}, ${n}) left too little room`,
    );
  }
  const layout = mode === "layout";
  let off = 0;
  for (let i = 0; i < n; i++) {
    const size = stagedSizes[i];
    if (size > 0) copyFrame(o, i, size, bytes, off);
    doneFrame(o, i, layout);
    lengths[i] = size;
    off += size;
  }
  sink.commit(n);
  return n;
}
