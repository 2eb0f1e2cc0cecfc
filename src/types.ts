/**
 * Shared public types: frames, messages and the receive-sink contract that
 * lets the transport write a message straight into caller-owned memory (for
 * instance the WebAssembly core's linear memory).
 *
 * @module
 */

/** One frame as the caller may give it: bytes, or a string sent as UTF-8. */
export type Frame = Uint8Array | string;

/** A multipart message as received: one `Uint8Array` per frame. */
export type Message = Uint8Array[];

/**
 * A place the transport can write one received message into without
 * allocating. The transport first learns the message's frame count and total
 * size, then calls {@linkcode ReceiveSink.prepare}, then writes frame `i`'s
 * bytes back to back into `bytes` (starting at index 0) and its length into
 * `lengths[i]`, then calls {@linkcode ReceiveSink.commit}.
 *
 * `bytes` and `lengths` are read after `prepare` returns, so an implementation
 * over WebAssembly memory may grow the memory inside `prepare` and return
 * fresh views. Throwing from `prepare` refuses the message: the transport
 * drops it, counts it, and rethrows.
 *
 * @example A sink over plain buffers
 * ```ts
 * import type { ReceiveSink } from "@reliable/zmq";
 * class Buffers implements ReceiveSink {
 *   bytes = new Uint8Array(1024);
 *   lengths = new Uint32Array(16);
 *   count = 0;
 *   prepare(totalBytes: number, frameCount: number): void {
 *     if (totalBytes > this.bytes.length) this.bytes = new Uint8Array(totalBytes);
 *     if (frameCount > this.lengths.length) this.lengths = new Uint32Array(frameCount);
 *   }
 *   commit(frameCount: number): void { this.count = frameCount; }
 * }
 * ```
 */
export interface ReceiveSink {
  /**
   * Make room for one message.
   * @param totalBytes Sum of the frame sizes.
   * @param frameCount Number of frames.
   */
  prepare(totalBytes: number, frameCount: number): void;
  /** Where frame bytes go, back to back from index 0 (read after `prepare`). */
  readonly bytes: Uint8Array;
  /** Where frame lengths go, one per frame (read after `prepare`). */
  readonly lengths: Uint32Array;
  /**
   * Called once the whole message has been written.
   * @param frameCount Number of frames written.
   */
  commit(frameCount: number): void;
}
