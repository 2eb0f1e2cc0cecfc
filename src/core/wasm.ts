/**
 * The core over WebAssembly (placeholder until the AssemblyScript build lands).
 *
 * @module
 */

import type { Envelope, FrameCodec, WorkerQueue } from "./types.ts";

/**
 * Why the WebAssembly core cannot be used, or `undefined` when it can.
 *
 * @returns The load error, if any.
 */
export function wasmLoadError(): Error | undefined {
  return new Error("The WebAssembly core is not built yet");
}

/** Placeholder factories (never called while `wasmLoadError()` is set). */
export function newWasmFrameCodec(): FrameCodec {
  throw wasmLoadError();
}
/** Placeholder. */
export function newWasmWorkerQueue(): WorkerQueue {
  throw wasmLoadError();
}
/** Placeholder. */
export function newWasmEnvelope(): Envelope {
  throw wasmLoadError();
}
