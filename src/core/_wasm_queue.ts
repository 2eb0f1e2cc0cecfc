/**
 * The worker queue over WebAssembly. Private: reach it through `wasm.ts` or
 * the factories in `mod.ts`.
 *
 * @module
 */

import type { CoreImpl, WorkerQueue } from "./types.ts";
import { checkId, checkTime } from "./_check.ts";
import { NONE_EXPIRED } from "./_queue_common.ts";
import {
  type CoreExports,
  instantiate,
  outOfMemory,
  type WasmOptions,
} from "./_wasm_loader.ts";

/** Commands the queue's command buffer holds (see `OPS_CAP` in queue.ts). */
const OPS_CAP = 256;

/**
 * {@linkcode WorkerQueue} over WebAssembly. Pushes and touches are appended
 * to a command buffer in linear memory and applied by the next call into
 * WebAssembly (any pop, remove, expire or read), so they cost no crossing of
 * their own; results are unchanged. A push that runs out of memory is
 * reported by the call that applies it.
 */
export class WasmWorkerQueue implements WorkerQueue {
  /** Always `"wasm"`. */
  readonly impl: CoreImpl = "wasm";
  #x: CoreExports;
  #i32 = new Int32Array(0);
  #f64 = new Float64Array(0);
  #out: number;
  #ops: number;
  #state: number;
  #pending = 0;

  /** @param options Which build to run (for benchmarks and tests). */
  constructor(options?: WasmOptions) {
    this.#x = instantiate(options);
    this.#out = this.#x.qOut() >> 2;
    this.#ops = this.#x.qOps() >> 2;
    this.#state = this.#x.qState() >> 2;
    this.#views();
  }

  #views(): void {
    const buf = this.#x.memory.buffer as ArrayBuffer;
    this.#i32 = new Int32Array(buf);
    this.#f64 = new Float64Array(buf);
  }

  /** Checks a call's result and takes the views again if the call grew the memory. */
  #fail(r: number): number {
    if (this.#i32.byteLength === 0) this.#views();
    if (r === -2) throw outOfMemory("queue a worker");
    return r;
  }

  /** Applies the buffered commands. */
  #flush(): void {
    const n = this.#pending;
    this.#pending = 0;
    this.#fail(this.#x.qApply(n));
  }

  /** Whether `h` is queued once the buffered commands are applied (flushes when it must). */
  #queued(h: number): boolean {
    // Views are current: memory only grows inside calls, and #fail() takes
    // them again after every call that can grow it.
    const i32 = this.#i32, st = this.#state;
    // Node h starts at nodes + 32 h; its first i32 is its service.
    if (h < i32[st + 3] && i32[(i32[st + 2] >> 2) + (h << 3)] >= 0) return true;
    if (this.#pending === 0) return false;
    // Only a buffered push can make it queued: apply them and look again.
    this.#flush();
    const v = this.#i32;
    return h < v[st + 3] && v[(v[st + 2] >> 2) + (h << 3)] >= 0;
  }

  #append(h: number, s: number, d: number): void {
    const at = this.#ops + (this.#pending << 2);
    this.#i32[at] = h;
    this.#i32[at + 1] = s;
    this.#f64[(at >> 1) + 1] = d;
    if (++this.#pending === OPS_CAP) this.#flush();
  }

  /** {@inheritDoc WorkerQueue.push} */
  push(handle: number, service: number, deadline: number): void {
    checkId(handle, "handle");
    checkId(service, "service");
    checkTime(deadline, "deadline");
    this.#append(handle, service, deadline);
  }

  /** {@inheritDoc WorkerQueue.pop} */
  pop(service: number): number {
    checkId(service, "service");
    const n = this.#pending;
    this.#pending = 0;
    return this.#fail(this.#x.qPop(n, service));
  }

  /** {@inheritDoc WorkerQueue.remove} */
  remove(handle: number): boolean {
    checkId(handle, "handle");
    const n = this.#pending;
    this.#pending = 0;
    return this.#fail(this.#x.qRemove(n, handle)) === 1;
  }

  /** {@inheritDoc WorkerQueue.touch} */
  touch(handle: number, deadline: number): boolean {
    checkId(handle, "handle");
    checkTime(deadline, "deadline");
    if (!this.#queued(handle)) return false;
    this.#append(handle, -1, deadline);
    return true;
  }

  /** {@inheritDoc WorkerQueue.expire} */
  expire(now: number): number[] {
    checkTime(now, "now");
    // Nothing due: answered from the earliest deadline, without a call.
    if (this.#pending === 0 && !(now >= this.#f64[this.#state >> 1])) {
      return NONE_EXPIRED;
    }
    const pending = this.#pending;
    this.#pending = 0;
    let n = this.#fail(this.#x.qExpire(pending, now));
    if (n === 0) return NONE_EXPIRED;
    const i32 = this.#i32, base = this.#out;
    const out: number[] = [];
    for (;;) {
      for (let i = 0; i < n; i++) out.push(i32[base + i]);
      if (n < 1024) return out;
      n = this.#x.qExpire(0, now);
    }
  }

  /** {@inheritDoc WorkerQueue.has} */
  has(handle: number): boolean {
    checkId(handle, "handle");
    return this.#queued(handle);
  }

  /** {@inheritDoc WorkerQueue.size} */
  size(service?: number): number {
    if (service !== undefined) checkId(service, "service");
    if (this.#pending !== 0) this.#flush();
    return this.#x.qSize(service ?? -1);
  }

  /** {@inheritDoc WorkerQueue.serviceOf} */
  serviceOf(handle: number): number {
    checkId(handle, "handle");
    if (this.#pending !== 0) this.#flush();
    return this.#x.qServiceOf(handle);
  }

  /** {@inheritDoc WorkerQueue.deadlineOf} */
  deadlineOf(handle: number): number {
    checkId(handle, "handle");
    if (this.#pending !== 0) this.#flush();
    return this.#x.qDeadlineOf(handle);
  }

  /** Bytes of linear memory this queue's instance uses (diagnostics). */
  get memoryBytes(): number {
    if (this.#pending !== 0) this.#flush();
    return this.#x.memory.buffer.byteLength;
  }
}
