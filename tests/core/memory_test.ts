/**
 * Memory reuse: the WASM instances do not grow past their high-water mark
 * under steady load.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  WasmEnvelope,
  wasmLoadError,
  WasmWorkerQueue,
} from "../../src/core/wasm.ts";
import { EMPTY, te } from "./_impls.ts";

const ignore = wasmLoadError() !== undefined;

Deno.test({
  name:
    "WasmWorkerQueue: 10 million push/pop cycles stay within the high-water mark",
  ignore,
  fn() {
    const q = new WasmWorkerQueue();
    const WORKERS = 1000, SERVICES = 10;
    let t = 0;
    // Reach the high-water mark: every handle and service queued once.
    for (let h = 0; h < WORKERS; h++) q.push(h, h % SERVICES, t + 1000);
    const high = q.memoryBytes;
    for (let i = 0; i < 10_000_000; i++) {
      const s = i % SERVICES;
      const h = q.pop(s);
      t += 0.001;
      q.push(h, s, t + 1000);
      if ((i & 0xffff) === 0) q.expire(t - 1); // a sweep now and then
    }
    assertEquals(q.size(), WORKERS);
    assertEquals(q.memoryBytes, high);
  },
});

Deno.test({
  name:
    "WasmEnvelope: 1 million messages with intern/release stay within the high-water mark",
  ignore,
  fn() {
    const env = new WasmEnvelope();
    const msgs = Array.from({ length: 64 }, (_, i) => [
      te(`client-${i}`),
      EMPTY,
      te("MDPC01"),
      te(`svc-${i % 8}`),
      new Uint8Array(100 + i),
    ]);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        env.load(msgs[i & 63]);
        env.classifyMdp();
        const id = env.intern(0);
        env.intern(3);
        if (i % 3 === 0) env.release(id);
      }
    };
    run(10_000);
    const high = env.memoryBytes;
    run(1_000_000);
    assertEquals(env.memoryBytes, high);
  },
});
