/**
 * Size caps on what a server or worker accepts from the network, and the
 * prompt release of the memory a large message held.
 *
 * Two caps, both options of every Pirate and dynamic-worker class:
 *
 * - `maxMessageBytes`: the largest message (all frames together). It is
 *   also set as the socket's `ZMQ_MAXMSGSIZE`, which libzmq applies to each
 *   frame before reading it: a single frame above it never takes memory;
 *   libzmq drops the sender's connection instead, and reports nothing else
 *   (so that case cannot be counted).
 * - `maxFrameBytes`: the largest single frame. A frame above it (but within
 *   `maxMessageBytes`), or a message above `maxMessageBytes` in all, is read,
 *   then refused: counted, logged (rate-limited) and its memory released at
 *   once.
 *
 * Memory: a received message is one `ArrayBuffer` (the transport reads every
 * frame of a message into one). Once a queue has passed a large message on,
 * {@linkcode releaseMessage} detaches that buffer, which frees it at once
 * instead of when the garbage collector next runs. Only code that owns the
 * message may do that: never on frames a user handler has seen.
 *
 * @module
 */
import * as opt from "../../_util/options.ts";
import type { SocketOptions } from "../../transport/mod.ts";

/** The default `maxFrameBytes`: 16 MiB, the Majordomo broker's frame cap. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** The default `maxMessageBytes`: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Messages at least this large are released at once after use (1 MiB). */
export const RELEASE_BYTES = 1024 * 1024;

/** Checked size caps. */
export interface SizeLimits {
  /** Largest frame accepted, in bytes. */
  readonly maxFrameBytes: number;
  /** Largest message accepted (all frames), in bytes; also `ZMQ_MAXMSGSIZE`. */
  readonly maxMessageBytes: number;
}

/**
 * Reads the `maxFrameBytes` and `maxMessageBytes` options. When only
 * `maxFrameBytes` is given and exceeds the default message cap, the message
 * cap follows it.
 *
 * @param owner The class or method, for messages.
 * @param o The options.
 * @returns The caps.
 * @throws {TypeError} If a cap is not a number.
 * @throws {RangeError} If a cap is not a positive integer, or the frame cap
 * exceeds the message cap.
 * @example
 * ```ts
 * import { readLimits } from "./limits.ts";
 * console.log(readLimits("X", { maxFrameBytes: 1024 }).maxMessageBytes); // 67108864
 * ```
 */
export function readLimits(
  owner: string,
  o: { maxFrameBytes?: unknown; maxMessageBytes?: unknown },
): SizeLimits {
  const maxFrameBytes = opt.count(
    owner,
    "maxFrameBytes",
    o.maxFrameBytes,
    DEFAULT_MAX_FRAME_BYTES,
  );
  const maxMessageBytes = opt.count(
    owner,
    "maxMessageBytes",
    o.maxMessageBytes,
    Math.max(DEFAULT_MAX_MESSAGE_BYTES, maxFrameBytes),
  );
  if (maxFrameBytes > maxMessageBytes) {
    throw new RangeError(
      `${owner}: maxFrameBytes (${maxFrameBytes}) must not exceed maxMessageBytes (${maxMessageBytes})`,
    );
  }
  return { maxFrameBytes, maxMessageBytes };
}

/**
 * The socket option that makes libzmq refuse, before reading it, any frame
 * over the message cap.
 *
 * @param l The caps.
 * @returns Socket options to merge over the user's.
 * @example
 * ```ts
 * import { capSocketOptions } from "./limits.ts";
 * console.log(capSocketOptions({ maxFrameBytes: 10, maxMessageBytes: 100 })); // { maxMessageSize: 100 }
 * ```
 */
export function capSocketOptions(l: SizeLimits): SocketOptions {
  return { maxMessageSize: l.maxMessageBytes };
}

/**
 * Total size of a message's frames.
 *
 * @param msg The frames.
 * @returns Bytes in all.
 * @example
 * ```ts
 * import { messageBytes } from "./limits.ts";
 * console.log(messageBytes([new Uint8Array(3), new Uint8Array(4)])); // 7
 * ```
 */
export function messageBytes(msg: readonly Uint8Array[]): number {
  let n = 0;
  for (let i = 0; i < msg.length; i++) n += msg[i].byteLength;
  return n;
}

/**
 * Why a received message is over the caps, or `undefined` when it is not.
 *
 * @param msg The frames.
 * @param l The caps.
 * @returns A reason naming the cap, or `undefined`.
 * @example
 * ```ts
 * import { overLimits } from "./limits.ts";
 * const l = { maxFrameBytes: 4, maxMessageBytes: 6 };
 * console.log(overLimits([new Uint8Array(3)], l)); // undefined
 * console.log(overLimits([new Uint8Array(5)], l)); // "frame 0 is 5 bytes, over maxFrameBytes (4)"
 * ```
 */
export function overLimits(
  msg: readonly Uint8Array[],
  l: SizeLimits,
): string | undefined {
  let total = 0;
  for (let i = 0; i < msg.length; i++) {
    const n = msg[i].byteLength;
    if (n > l.maxFrameBytes) {
      return `frame ${i} is ${n} bytes, over maxFrameBytes (${l.maxFrameBytes})`;
    }
    total += n;
  }
  if (total > l.maxMessageBytes) {
    return `message is ${total} bytes, over maxMessageBytes (${l.maxMessageBytes})`;
  }
  return undefined;
}

/**
 * Frees the memory of a large received message now: detaches the buffers
 * its frames view (at least {@linkcode RELEASE_BYTES} large), which makes
 * every view of them empty. Call it only on a message nobody else holds,
 * after its last send completed.
 *
 * @param msg The frames.
 * @returns Bytes released.
 * @example
 * ```ts
 * import { releaseMessage } from "./limits.ts";
 * const buf = new Uint8Array(2 * 1024 * 1024);
 * const msg = [buf.subarray(0, 1), buf.subarray(1)];
 * console.log(releaseMessage(msg), msg[1].length); // 2097152 0
 * ```
 */
export function releaseMessage(msg: readonly Uint8Array[]): number {
  let released = 0;
  let last: ArrayBufferLike | undefined;
  for (let i = 0; i < msg.length; i++) {
    const buf = msg[i].buffer;
    if (buf === last) continue;
    last = buf;
    if (
      buf instanceof ArrayBuffer && !buf.detached &&
      buf.byteLength >= RELEASE_BYTES
    ) {
      released += buf.byteLength;
      buf.transfer(0);
    }
  }
  return released;
}
