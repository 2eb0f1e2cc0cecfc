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
import { lib } from "./libzmq.ts";

const ZMQ_DONTWAIT = 1;
const MSG_T_SIZE = 64;

const msgChunks: Uint8Array[] = [];
const msgSlots: Deno.PointerObject[] = [];
const stagedSizes: number[] = [];
let stagedTotal = 0;

function msgSlot(i: number): Deno.PointerObject {
  while (i >= msgSlots.length) {
    const chunk = new Uint8Array(MSG_T_SIZE * 64);
    msgChunks.push(chunk);
    const base = Deno.UnsafePointer.of(chunk)!;
    for (let k = 0; k < 64; k++) {
      msgSlots.push(Deno.UnsafePointer.offset(base, k * MSG_T_SIZE)!);
    }
  }
  return msgSlots[i];
}

function releaseStaged(n: number): void {
  const zmq = lib().zmq;
  for (let i = 0; i < n; i++) zmq.zmq_msg_close(msgSlot(i));
}

/**
 * Stages one message's frames in msg slots without waiting.
 * @param h The socket handle.
 * @param type The socket type, for error messages.
 * @returns The number of frames staged; 0 when no message is ready.
 * @throws {ZmqError} When libzmq fails for another reason than `EAGAIN`.
 * @internal
 */
export function stage(h: Deno.PointerObject, type: string): number {
  const zmq = lib().zmq;
  let n = 0;
  let total = 0;
  for (;;) {
    const m = msgSlot(n);
    zmq.zmq_msg_init(m);
    const rc = zmq.zmq_msg_recv(m, h, ZMQ_DONTWAIT);
    if (rc < 0) {
      const errno = zmq.zmq_errno();
      zmq.zmq_msg_close(m);
      releaseStaged(n);
      if (n === 0 && errno === Errno.EAGAIN) return 0;
      throw mapZmqError("receive", errno, `receive failed on ${type}`);
    }
    stagedSizes[n] = rc;
    total += rc;
    n++;
    if (zmq.zmq_msg_more(m) === 0) break;
  }
  stagedTotal = total;
  return n;
}

/**
 * Copies the staged message into one new buffer and releases the slots.
 * @param n The frame count {@linkcode stage} returned.
 * @returns The frames, views of that one buffer.
 * @internal
 */
export function takeMessage(n: number): Message {
  const zmq = lib().zmq;
  const all = new Uint8Array(stagedTotal);
  const frames: Message = new Array(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const size = stagedSizes[i];
    const m = msgSlot(i);
    const view = all.subarray(off, off + size);
    if (size > 0) Deno.UnsafePointerView.copyInto(zmq.zmq_msg_data(m)!, view);
    zmq.zmq_msg_close(m);
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
  const zmq = lib().zmq;
  try {
    sink.prepare(stagedTotal, n);
  } catch (e) {
    releaseStaged(n);
    onDrop();
    throw e;
  }
  const bytes = sink.bytes;
  const lengths = sink.lengths;
  if (bytes.length < stagedTotal || lengths.length < n) {
    releaseStaged(n);
    onDrop();
    throw new RangeError(
      `ReceiveSink.prepare(${stagedTotal}, ${n}) left too little room`,
    );
  }
  let off = 0;
  for (let i = 0; i < n; i++) {
    const size = stagedSizes[i];
    const m = msgSlot(i);
    if (size > 0) {
      Deno.UnsafePointerView.copyInto(
        zmq.zmq_msg_data(m)!,
        bytes.subarray(off, off + size),
      );
    }
    zmq.zmq_msg_close(m);
    lengths[i] = size;
    off += size;
  }
  sink.commit(n);
  return n;
}
