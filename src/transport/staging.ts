/**
 * Message staging: received frames are taken from libzmq into reusable
 * `zmq_msg_t` slots, then copied once, either into one buffer per message
 * ({@linkcode takeMessage}) or straight into caller-owned memory
 * ({@linkcode fillSink}). The slots are shared by every socket: only the main
 * thread receives, and a staged message is always consumed before the next
 * one is staged.
 *
 * @module
 */
import type { Message, ReceiveSink } from "../types.ts";
import { Errno, mapZmqError } from "./errno.ts";
import { lib, usize } from "./libzmq.ts";
import { granted } from "./permissions.ts";

const ZMQ_DONTWAIT = 1;
const MSG_T_SIZE = 64;

/**
 * The operations on zmq_msg_t slot `i`. Two implementations, picked once per
 * process: with unscoped `--allow-ffi`, slots are raw pointers and frames are
 * copied with `Deno.UnsafePointerView.copyInto` (the fastest path); with a
 * scoped `--allow-ffi=<dir>`, where Deno refuses its unsafe-pointer APIs,
 * slots are passed to libzmq as buffers and frames copied with libc's
 * `memcpy` (found through libzmq's handle).
 */
interface SlotOps {
  init(i: number): void;
  recv(i: number, h: Deno.PointerObject): number;
  more(i: number): number;
  close(i: number): void;
  /** Copies the frame in slot `i` (`dst.length` bytes, > 0) into `dst`. */
  copy(i: number, dst: Uint8Array): void;
  /** `zmq_msg_gets` on slot `i`: a metadata property, or null. */
  gets(i: number, property: Uint8Array): Deno.PointerValue;
}

let ops: SlotOps | undefined;

function pointerOps(): SlotOps {
  const zmq = lib().zmq;
  const keep: Uint8Array[] = []; // the chunks the pointers point into
  const slots: Deno.PointerObject[] = [];
  const slot = (i: number): Deno.PointerObject => {
    while (i >= slots.length) {
      const chunk = new Uint8Array(MSG_T_SIZE * 64);
      keep.push(chunk);
      const base = Deno.UnsafePointer.of(chunk)!;
      for (let k = 0; k < 64; k++) {
        slots.push(Deno.UnsafePointer.offset(base, k * MSG_T_SIZE)!);
      }
    }
    return slots[i];
  };
  return {
    init: (i) => void zmq.zmq_msg_init(slot(i)),
    recv: (i, h) => zmq.zmq_msg_recv(slot(i), h, ZMQ_DONTWAIT),
    more: (i) => zmq.zmq_msg_more(slot(i)),
    close: (i) => void zmq.zmq_msg_close(slot(i)),
    copy: (i, dst) =>
      Deno.UnsafePointerView.copyInto(zmq.zmq_msg_data(slot(i))!, dst),
    gets: (i, property) => zmq.zmq_msg_gets(slot(i), property),
  };
}

function bufferOps(): SlotOps {
  const { zmq, libc } = lib();
  const slots: Uint8Array[] = [];
  const slot = (i: number): Uint8Array => {
    while (i >= slots.length) {
      const chunk = new Uint8Array(MSG_T_SIZE * 64);
      for (let k = 0; k < 64; k++) {
        slots.push(chunk.subarray(k * MSG_T_SIZE, (k + 1) * MSG_T_SIZE));
      }
    }
    return slots[i];
  };
  return {
    init: (i) => void zmq.zmq_msg_init_b(slot(i)),
    recv: (i, h) => zmq.zmq_msg_recv_b(slot(i), h, ZMQ_DONTWAIT),
    more: (i) => zmq.zmq_msg_more_b(slot(i)),
    close: (i) => void zmq.zmq_msg_close_b(slot(i)),
    copy: (i, dst) =>
      libc.memcpy(dst, zmq.zmq_msg_data_b(slot(i)), usize(dst.length)),
    gets: (i, property) => zmq.zmq_msg_gets_b(slot(i), property),
  };
}

function slotOps(): SlotOps {
  return ops ??= granted({ name: "ffi" }) ? pointerOps() : bufferOps();
}

const stagedSizes: number[] = [];
let stagedTotal = 0;

function releaseStaged(o: SlotOps, n: number): void {
  for (let i = 0; i < n; i++) o.close(i);
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
  const n = Number(libc.strnlen(p, usize(userIdBuf.length)));
  if (n === 0) return "";
  libc.memcpy(userIdBuf, p, usize(n));
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
  let n = 0;
  let total = 0;
  for (;;) {
    o.init(n);
    const rc = o.recv(n, h);
    if (rc < 0) {
      const errno = lib().zmq.zmq_errno();
      o.close(n);
      releaseStaged(o, n);
      if (n === 0 && errno === Errno.EAGAIN) return 0;
      throw mapZmqError("receive", errno, `receive failed on ${type}`);
    }
    stagedSizes[n] = rc;
    total += rc;
    n++;
    if (o.more(n - 1) === 0) break;
  }
  stagedTotal = total;
  if (userId) stagedUserId = readUserId(o);
  return n;
}

/**
 * Copies the staged message into one new buffer and releases the slots.
 * @param n The frame count {@linkcode stage} returned.
 * @returns The frames, views of that one buffer.
 * @internal
 */
export function takeMessage(n: number): Message {
  const o = slotOps();
  const all = new Uint8Array(stagedTotal);
  const frames: Message = new Array(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const size = stagedSizes[i];
    const view = all.subarray(off, off + size);
    if (size > 0) o.copy(i, view);
    o.close(i);
    frames[i] = view;
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
  let off = 0;
  for (let i = 0; i < n; i++) {
    const size = stagedSizes[i];
    if (size > 0) o.copy(i, bytes.subarray(off, off + size));
    o.close(i);
    lengths[i] = size;
    off += size;
  }
  sink.commit(n);
  return n;
}
