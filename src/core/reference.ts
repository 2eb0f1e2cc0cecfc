/**
 * The core in plain TypeScript: the oracle the WebAssembly classes are
 * tested against and the baseline they are benchmarked against. Each class
 * implements the same interface as its twin in `wasm.ts`.
 *
 * @module
 */

export { TsFrameCodec } from "./_ts_codec.ts";
export { TsWorkerQueue } from "./_ts_queue.ts";
export { TsEnvelope } from "./_ts_envelope.ts";
