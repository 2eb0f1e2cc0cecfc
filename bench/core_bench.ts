/**
 * Micro-benchmarks of the core: the WebAssembly classes against their
 * TypeScript twins (the baseline of each group).
 *
 * Run: `deno bench -A bench/core_bench.ts`. Results: bench/results/core.md.
 *
 * On a shared machine, `deno run -A bench/core_bench.ts --interleaved [filter]`
 * runs the same workloads interleaved instead: each round runs every
 * implementation of a group for about 40 ms in turn; it prints the median
 * of 7 rounds (the method of the PLATFORM.md study) and the fastest round,
 * which resist load from other processes better than consecutive runs.
 *
 * @module
 */

import {
  TsEnvelope,
  TsFrameCodec,
  TsWorkerQueue,
} from "../src/core/reference.ts";
import {
  WasmEnvelope,
  WasmFrameCodec,
  type WasmVariant,
  wasmVariants,
  WasmWorkerQueue,
} from "../src/core/wasm.ts";
import type { Envelope, FrameCodec, WorkerQueue } from "../src/core/mod.ts";

interface Def {
  name: string;
  group: string;
  baseline: boolean;
  fn: () => void;
}
const INTERLEAVED = Deno.args.includes("--interleaved");
const defs: Def[] = [];
function bench(def: Def): void {
  if (INTERLEAVED) defs.push(def);
  else Deno.bench(def);
}

const te = new TextEncoder();
const EMPTY = new Uint8Array(0);
const variants: WasmVariant[] = wasmVariants();

function label(v: WasmVariant): string {
  return v === "relaxed-simd" ? "wasm (relaxed SIMD)" : "wasm (SIMD)";
}

// ---- FrameCodec --------------------------------------------------------
// A Majordomo request as Titanic would log it: [client id][""]["MDPC01"]
// ["echo"][body], body of 0 B, 100 B, 4 KiB, 1 MiB.

const SIZES: [string, number][] = [
  ["0 B", 0],
  ["100 B", 100],
  ["4 KiB", 4096],
  ["1 MiB", 1 << 20],
];

for (const [name, size] of SIZES) {
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31) & 255;
  const frames = [
    te.encode("C0001"),
    EMPTY,
    te.encode("MDPC01"),
    te.encode("echo"),
    body,
  ];
  const codecs: [string, FrameCodec, boolean][] = [
    ["ts", new TsFrameCodec(), true],
    ...variants.map((v): [string, FrameCodec, boolean] => [
      label(v),
      new WasmFrameCodec({ variant: v }),
      false,
    ]),
  ];
  const record = codecs[0][1].encode(frames);
  for (const [impl, codec, baseline] of codecs) {
    bench({
      name: `encode ${name} body: ${impl}`,
      group: `codec encode ${name}`,
      baseline,
      fn() {
        codec.encode(frames);
      },
    });
  }
  const into = new Uint8Array(record.length);
  for (const [impl, codec, baseline] of codecs) {
    bench({
      name: `encodeInto ${name} body: ${impl}`,
      group: `codec encodeInto ${name}`,
      baseline,
      fn() {
        codec.encodeInto(frames, into);
      },
    });
  }
  for (const [impl, codec, baseline] of codecs) {
    bench({
      name: `decode ${name} body: ${impl}`,
      group: `codec decode ${name}`,
      baseline,
      fn() {
        codec.decode(record);
      },
    });
  }
}

// ---- Envelope ----------------------------------------------------------
// 1000 messages per call. "resident": frames already in the envelope's
// memory (what the FFI transport gives: it receives straight into it), so
// each message costs prepare/commit bookkeeping plus the work. "copy-in":
// frames are JS arrays that load() copies in first.

const REQUEST = [
  te.encode("C0001"),
  EMPTY,
  te.encode("MDPC01"),
  te.encode("echo"),
  new Uint8Array(100).fill(7),
];
const REQ_TOTAL = REQUEST.reduce((s, f) => s + f.length, 0);
const BATCH = 1000;

function envelopes(): [string, Envelope, WorkerQueue, boolean][] {
  return [
    ["ts", new TsEnvelope(), new TsWorkerQueue(), true],
    ...variants.map((v): [string, Envelope, WorkerQueue, boolean] => [
      label(v),
      new WasmEnvelope({ variant: v }),
      new WasmWorkerQueue({ variant: v }),
      false,
    ]),
  ];
}

for (const [impl, env, , baseline] of envelopes()) {
  env.load(REQUEST);
  bench({
    name: `split+classify, resident: ${impl}`,
    group: "envelope split+classify, resident (x1000)",
    baseline,
    fn() {
      let ok = 0;
      for (let i = 0; i < BATCH; i++) {
        env.prepare(REQ_TOTAL, 5);
        env.commit(5);
        if (env.classifyMdp() === 1 && env.bodyFrame === 4) ok++;
      }
      if (ok !== BATCH) throw new Error("misclassified");
    },
  });
}

for (const [impl, env, , baseline] of envelopes()) {
  bench({
    name: `split+classify, copy-in: ${impl}`,
    group: "envelope split+classify, copy-in (x1000)",
    baseline,
    fn() {
      let ok = 0;
      for (let i = 0; i < BATCH; i++) {
        env.load(REQUEST);
        if (env.classifyMdp() === 1 && env.bodyFrame === 4) ok++;
      }
      if (ok !== BATCH) throw new Error("misclassified");
    },
  });
}

// The broker's per-message step, replayed as in the PLATFORM.md study: 1024
// workers over 16 services registered first (READY), then a fixed sequence
// of 48% client requests, 45% worker REPLYs, 5% HEARTBEATs and 2% invalid
// messages. Step = classify (which also looks up the sender and service
// handles), intern the service when new, then pop the service's LRU worker
// (request), push the worker back with a new deadline (reply) or touch it
// (heartbeat). "resident": the frames are written in place into the
// envelope's sink buffers first, as the FFI transport does (the same code
// for both implementations; the "receive only" group measures that part
// alone). "copy-in": load() from frame arrays.

const MDPW01 = te.encode("MDPW01");
const MDPC01 = te.encode("MDPC01");
const WORKERS = Array.from(
  { length: 1024 },
  (_, i) => te.encode(`W${10000 + i}`),
);
const CLIENTS = Array.from(
  { length: 256 },
  (_, i) => te.encode(`C${10000 + i}`),
);
const SERVICES = Array.from(
  { length: 16 },
  (_, i) => te.encode(`service.${i}`),
);
const BODY = new Uint8Array(100).fill(7);
const READY = WORKERS.map((
  w,
  i,
) => [w, EMPTY, MDPW01, new Uint8Array([1]), SERVICES[i & 15]]);
const REPLAY: Uint8Array[][] = [];
{
  let seed = 12345;
  const rnd =
    () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 4096; i++) {
    const r = rnd();
    const w = WORKERS[Math.floor(rnd() * 1024)];
    const c = CLIENTS[Math.floor(rnd() * 256)];
    if (r < 0.48) {
      REPLAY.push([c, EMPTY, MDPC01, SERVICES[Math.floor(rnd() * 16)], BODY]);
    } else if (r < 0.93) {
      REPLAY.push([w, EMPTY, MDPW01, new Uint8Array([3]), c, EMPTY, BODY]);
    } else if (r < 0.98) REPLAY.push([w, EMPTY, MDPW01, new Uint8Array([4])]);
    else REPLAY.push([c, EMPTY, te.encode("MDPX01"), BODY]);
  }
}
const REPLAY_SIZES = REPLAY.map((m) => m.reduce((s, f) => s + f.length, 0));

function receive(env: Envelope, m: Uint8Array[], total: number): void {
  env.prepare(total, m.length);
  const bytes = env.bytes, lengths = env.lengths;
  let p = 0;
  for (let i = 0; i < m.length; i++) {
    bytes.set(m[i], p);
    lengths[i] = m[i].length;
    p += m[i].length;
  }
  env.commit(m.length);
}

function brokerStep(
  env: Envelope,
  q: WorkerQueue,
  serviceOf: Int32Array,
  now: number,
): number {
  const kind = env.classifyMdp();
  if (kind === 1) {
    let s = env.serviceHandle;
    if (s < 0) s = env.intern(env.serviceFrame);
    return q.pop(s);
  }
  if (kind === 2) {
    const w = env.senderHandle;
    if (w < 0) return -1;
    if (env.command === 3) q.push(w, serviceOf[w], now + 7500);
    else q.touch(w, now + 7500);
    return w;
  }
  return env.errorCode;
}

for (const mode of ["resident", "copy-in", "receive only"]) {
  for (const [impl, env, q, baseline] of envelopes()) {
    const serviceOf = new Int32Array(4096);
    for (const m of READY) {
      env.load(m);
      env.classifyMdp();
      const w = env.intern(0), s = env.intern(env.serviceFrame);
      serviceOf[w] = s;
      q.push(w, s, 7500);
    }
    let now = 0, k = 0, sink = 0;
    bench({
      name: `broker step, ${mode}: ${impl}`,
      group: `envelope broker step, ${mode} (x1000)`,
      baseline,
      fn() {
        for (let i = 0; i < BATCH; i++) {
          const m = REPLAY[k];
          if (mode === "copy-in") env.load(m);
          else receive(env, m, REPLAY_SIZES[k]);
          if (mode !== "receive only") {
            sink += brokerStep(env, q, serviceOf, now);
          }
          now += 0.01;
          k = (k + 1) & 4095;
        }
        if (sink === 0.5) throw new Error("unreachable");
      },
    });
  }
}

// ---- WorkerQueue -------------------------------------------------------
// 1000 operations per call, with 10 and 10,000 workers queued over 8
// services. Deadlines are now + 7500 ms, so they arrive in order.

function queues(): [string, WorkerQueue, boolean][] {
  return [
    ["ts", new TsWorkerQueue(), true],
    ...variants.map((v): [string, WorkerQueue, boolean] => [
      label(v),
      new WasmWorkerQueue({ variant: v }),
      false,
    ]),
  ];
}

for (const workers of [10, 10_000]) {
  for (const [impl, q, baseline] of queues()) {
    let t = 0;
    for (let h = 0; h < workers; h++) q.push(h, h & 7, t + 7500);
    bench({
      name: `pop+push, ${workers} workers: ${impl}`,
      group: `queue pop+push, ${workers} workers (x1000)`,
      baseline,
      fn() {
        for (let i = 0; i < BATCH; i++) {
          const s = i & 7;
          const h = q.pop(s);
          q.push(h, s, ++t + 7500);
        }
      },
    });
  }
  for (const [impl, q, baseline] of queues()) {
    let t = 0;
    for (let h = 0; h < workers; h++) q.push(h, h & 7, t + 7500);
    let h = 0;
    bench({
      name: `touch, ${workers} workers: ${impl}`,
      group: `queue touch, ${workers} workers (x1000)`,
      baseline,
      fn() {
        for (let i = 0; i < BATCH; i++) {
          q.touch(h, ++t + 7500);
          if (++h === workers) h = 0;
        }
      },
    });
  }
  for (const [impl, q, baseline] of queues()) {
    const t = 0;
    for (let h = 0; h < workers; h++) q.push(h, h & 7, t + 7500);
    bench({
      name: `expire, nothing due, ${workers} workers: ${impl}`,
      group: `queue expire idle sweep, ${workers} workers (x1000)`,
      baseline,
      fn() {
        for (let i = 0; i < BATCH; i++) {
          if (q.expire(t + i).length !== 0) throw new Error("expired");
        }
      },
    });
  }
  for (const [impl, q, baseline] of queues()) {
    // Each op: one worker's deadline passes; expire it and register it again.
    let t = 0;
    for (let h = 0; h < workers; h++) q.push(h, h & 7, ++t);
    bench({
      name: `expire one + push, ${workers} workers: ${impl}`,
      group: `queue expire 1 + re-push, ${workers} workers (x1000)`,
      baseline,
      fn() {
        for (let i = 0; i < BATCH; i++) {
          const gone = q.expire(t - workers + 1);
          q.push(gone[0], gone[0] & 7, ++t);
        }
      },
    });
  }
}

if (INTERLEAVED) {
  const filter = Deno.args.find((a) => !a.startsWith("--")) ?? "";
  const groups = new Map<string, Def[]>();
  for (const d of defs) {
    if (!d.group.includes(filter)) continue;
    if (!groups.has(d.group)) groups.set(d.group, []);
    groups.get(d.group)!.push(d);
  }
  const median = (a: number[]) =>
    a.slice().sort((x, y) => x - y)[a.length >> 1];
  const fmt = (ns: number) =>
    ns >= 1e6
      ? `${(ns / 1e6).toFixed(2)} ms`
      : ns >= 1e3
      ? `${(ns / 1e3).toFixed(2)} µs`
      : `${ns.toFixed(1)} ns`;
  for (const [group, list] of groups) {
    const times = new Map<Def, number[]>();
    for (const d of list) {
      for (let i = 0; i < 3; i++) d.fn(); // warm up
      times.set(d, []);
    }
    for (let round = 0; round < 7; round++) {
      for (const d of list) {
        let n = 0;
        const t0 = performance.now();
        let t = t0;
        while (t - t0 < 40) {
          d.fn();
          n++;
          t = performance.now();
        }
        times.get(d)!.push(((t - t0) / n) * 1e6);
      }
    }
    const baseTimes = times.get(list.find((d) => d.baseline)!)!;
    const base = median(baseTimes), baseMin = Math.min(...baseTimes);
    console.log(`\n${group}`);
    for (const d of list) {
      const m = median(times.get(d)!), min = Math.min(...times.get(d)!);
      console.log(
        `  ${d.name.padEnd(50)} median ${fmt(m).padStart(10)} (ts/this ${
          (base / m).toFixed(2)
        }x)  min ${fmt(min).padStart(10)} (ts/this ${
          (baseMin / min).toFixed(2)
        }x)`,
      );
    }
  }
}
