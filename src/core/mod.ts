/**
 * The core of reliable-zmq's brokers: a frame codec for logs and snapshots,
 * the per-message envelope step (split, classify, intern) and the LRU/expiry
 * worker queue. Each comes in two implementations behind one interface:
 * WebAssembly compiled from AssemblyScript (the default) and a plain
 * TypeScript twin. Pick one with the `impl` option; the default, `"auto"`,
 * uses WebAssembly and falls back to TypeScript when it cannot be loaded.
 *
 * No pointer, offset or `WebAssembly.*` type crosses this API.
 *
 * @example One core for a broker
 * ```ts
 * import { createCore, MessageKind } from "./mod.ts";
 * const core = createCore();
 * const env = core.createEnvelope();
 * const workers = core.createWorkerQueue();
 * const te = new TextEncoder();
 * env.load([te.encode("W1"), new Uint8Array(0), te.encode("MDPW01"), new Uint8Array([1]), te.encode("echo")]);
 * if (env.classifyMdp() === MessageKind.MDP_WORKER) {
 *   workers.push(env.intern(0), env.intern(env.serviceFrame), performance.now() + 7500);
 * }
 * console.log(workers.size()); // 1
 * ```
 *
 * @module
 */

import type { CoreImpl, Envelope, FrameCodec, WorkerQueue } from "./types.ts";
import { TsEnvelope, TsFrameCodec, TsWorkerQueue } from "./reference.ts";
import {
  newWasmEnvelope,
  newWasmFrameCodec,
  newWasmWorkerQueue,
  wasmLoadError,
} from "./wasm.ts";

export type { CoreImpl, Envelope, FrameCodec, WorkerQueue } from "./types.ts";
export type { ReceiveSink } from "../types.ts";
export {
  CorruptRecordError,
  ProtocolError,
  ZmqReliableError,
} from "../errors.ts";
export { EnvelopeError, MessageKind, RecordLimits } from "./types.ts";

/** Options of {@linkcode createCore} and the single-class factories. */
export interface CoreOptions {
  /**
   * Which implementation to use: `"wasm"` (throws if WebAssembly cannot be
   * loaded), `"ts"`, or `"auto"` (WebAssembly, else TypeScript).
   *
   * @default {"auto"}
   */
  impl?: "auto" | CoreImpl;
}

/** A set of factories bound to one implementation. */
export interface Core {
  /** The implementation every class made by this core uses. */
  readonly impl: CoreImpl;
  /**
   * Makes a frame codec.
   *
   * @returns A new codec.
   */
  createFrameCodec(): FrameCodec;
  /**
   * Makes an empty worker queue.
   *
   * @returns A new queue.
   */
  createWorkerQueue(): WorkerQueue;
  /**
   * Makes an envelope with an empty intern table.
   *
   * @returns A new envelope.
   */
  createEnvelope(): Envelope;
}

function resolveImpl(options: CoreOptions | undefined): CoreImpl {
  const impl = options?.impl ?? "auto";
  if (impl === "ts") return "ts";
  if (impl !== "auto" && impl !== "wasm") {
    throw new TypeError(
      `impl must be "auto", "wasm" or "ts", got ${String(impl)}`,
    );
  }
  const err = wasmLoadError();
  if (err === undefined) return "wasm";
  if (impl === "wasm") {
    throw new Error("The WebAssembly core cannot be loaded", { cause: err });
  }
  return "ts";
}

/**
 * Picks an implementation and returns factories for the three classes.
 *
 * @param options Which implementation to use.
 * @returns The factories; `impl` tells which implementation was picked.
 * @throws {TypeError} If `options.impl` is not a known value.
 * @throws {Error} If `impl` is `"wasm"` and WebAssembly cannot be loaded.
 *
 * @example Compare both implementations
 * ```ts
 * import { createCore } from "./mod.ts";
 * const ts = createCore({ impl: "ts" });
 * const auto = createCore();
 * console.log(ts.impl, auto.impl); // "ts" and, normally, "wasm"
 * ```
 */
export function createCore(options?: CoreOptions): Core {
  const impl = resolveImpl(options);
  if (impl === "ts") {
    return {
      impl,
      createFrameCodec: () => new TsFrameCodec(),
      createWorkerQueue: () => new TsWorkerQueue(),
      createEnvelope: () => new TsEnvelope(),
    };
  }
  return {
    impl,
    createFrameCodec: newWasmFrameCodec,
    createWorkerQueue: newWasmWorkerQueue,
    createEnvelope: newWasmEnvelope,
  };
}

/**
 * Makes a frame codec.
 *
 * @param options Which implementation to use.
 * @returns A new codec.
 * @throws {Error} If `impl` is `"wasm"` and WebAssembly cannot be loaded.
 *
 * @example Append-log reading
 * ```ts
 * import { createFrameCodec } from "./mod.ts";
 * const codec = createFrameCodec();
 * const a = codec.encode([new Uint8Array([1, 2])]);
 * const log = new Uint8Array([...a, ...a]);
 * const n = codec.recordLength(log);
 * console.log(codec.decode(log.subarray(0, n))[0]); // Uint8Array [1, 2]
 * ```
 */
export function createFrameCodec(options?: CoreOptions): FrameCodec {
  return createCore(options).createFrameCodec();
}

/**
 * Makes an empty worker queue.
 *
 * @param options Which implementation to use.
 * @returns A new queue.
 * @throws {Error} If `impl` is `"wasm"` and WebAssembly cannot be loaded.
 *
 * @example Heartbeat and expiry
 * ```ts
 * import { createWorkerQueue } from "./mod.ts";
 * const q = createWorkerQueue();
 * q.push(1, 0, 100);
 * q.touch(1, 300);
 * console.log(q.expire(200).length, q.expire(300)); // 0 [1]
 * ```
 */
export function createWorkerQueue(options?: CoreOptions): WorkerQueue {
  return createCore(options).createWorkerQueue();
}

/**
 * Makes an envelope with an empty intern table.
 *
 * @param options Which implementation to use.
 * @returns A new envelope.
 * @throws {Error} If `impl` is `"wasm"` and WebAssembly cannot be loaded.
 *
 * @example Reject a malformed message
 * ```ts
 * import { createEnvelope, MessageKind } from "./mod.ts";
 * const env = createEnvelope();
 * env.load([new Uint8Array([1]), new Uint8Array([9])]);
 * if (env.classifyMdp() === MessageKind.INVALID) console.log(env.errorReason);
 * ```
 */
export function createEnvelope(options?: CoreOptions): Envelope {
  return createCore(options).createEnvelope();
}
