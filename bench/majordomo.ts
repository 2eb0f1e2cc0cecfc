// End-to-end Majordomo benchmark (issue 5): echo requests through the broker
// (a child process running the CLI) from a client in this process, against a
// raw DEALER<->ROUTER echo measured in the same run, and the broker's hot
// path on the WebAssembly core against its TypeScript twin.
//
//   deno run -A bench/majordomo.ts [--requests 100000] [--window 1000] [--rounds 1]
//
// Before/after in one run: `--baseline-broker PATH` names another checkout's
// src/cli/broker.ts (e.g. main's, exported with
// `git worktree add /tmp/mdp-base main`); `--configs ab` then runs the sync
// (1 worker) and async (10 workers) loads against both brokers, interleaved
// over `--rounds`, and prints this broker's req/s ÷ the baseline's.
//
// Metrics on and off (issue 16): `--configs observe` runs the async (10
// workers) and sync (1 worker) loads against the broker CLI with
// `--http 127.0.0.1:0` (BrokerMetrics attached: every request builds and
// handles its events) and without it, interleaved over `--rounds`, and
// prints the on ÷ off ratio of the medians.
//
// Prints one JSON line per result, then a Markdown table.
import {
  configureReactor,
  DealerSocket,
  shutdown,
} from "../src/transport/mod.ts";
import {
  MajordomoAsyncClient,
  MajordomoClient,
} from "../src/patterns/majordomo/mod.ts";
import { intFlag, parseFlags } from "../src/_util/args.ts";

const f = parseFlags(Deno.args, {
  requests: {
    type: "string",
    description: "requests per run",
    default: "100000",
  },
  window: {
    type: "string",
    description: "async requests in flight",
    default: "1000",
  },
  "spin-us": {
    type: "string",
    description: "reactor spin (µs) in every process; default: the transport's",
  },
  configs: {
    type: "string",
    description: "which runs: raw,sync,async1,async10,core,ab,observe",
    default: "raw,sync,async1,async10,core",
  },
  "baseline-broker": {
    type: "string",
    description: "path of a baseline broker CLI for --configs ab",
  },
  rounds: {
    type: "string",
    description: "repeats of the WASM/TS comparison",
    default: "1",
  },
});
const N = intFlag(f, "requests", 1)!;
const WINDOW = intFlag(f, "window", 1)!;
const ROUNDS = intFlag(f, "rounds", 1)!;
const SPIN = intFlag(f, "spin-us", 0);
const CONFIGS = new Set((f.configs as string).split(","));
if (SPIN !== undefined) configureReactor({ spinUs: SPIN });
const SPIN_ARGS = SPIN === undefined ? [] : ["--spin-us", String(SPIN)];
const WARMUP = Math.min(2000, Math.ceil(N / 10));

interface Proc {
  endpoint: string;
  child: Deno.ChildProcess;
}

async function spawn(script: string, args: string[]): Promise<Proc> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(script, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${script} exited before its ready line`);
    buf += value;
    const i = buf.indexOf("\n");
    if (i >= 0) {
      const ready = JSON.parse(buf.slice(0, i));
      void (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })();
      return { endpoint: ready.endpoint, child };
    }
  }
}

async function stop(p: Proc) {
  try {
    p.child.kill("SIGTERM");
  } catch { /* gone */ }
  await p.child.status;
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function cpuMs(pid: number): number {
  try {
    const f = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(
      " ",
    );
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, 100 Hz ticks
  } catch {
    return NaN;
  }
}

interface Result {
  name: string;
  brokerCpuUsPerReq?: number;
  requests: number;
  seconds: number;
  reqPerSec: number;
  p50Us: number;
  p99Us: number;
}

const results: Result[] = [];
function report(name: string, lat: Float64Array, ms: number): Result {
  lat.sort();
  const r: Result = {
    name,
    requests: lat.length,
    seconds: +(ms / 1000).toFixed(3),
    reqPerSec: Math.round(lat.length / (ms / 1000)),
    p50Us: Math.round(pct(lat, 0.5) * 1000),
    p99Us: Math.round(pct(lat, 0.99) * 1000),
  };
  results.push(r);
  console.log(JSON.stringify({
    bench: "majordomo",
    ...r,
    deno: Deno.version.deno,
    host: Deno.hostname(),
    cpus: navigator.hardwareConcurrency,
  }));
  return r;
}

async function rawSync(ep: string): Promise<Result> {
  const d = new DealerSocket();
  d.connect(ep);
  for (let i = 0; i < WARMUP; i++) {
    await d.send(["x"]);
    await d.receive();
  }
  const lat = new Float64Array(N);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await d.send(["", "echo", `${i}`]);
    await d.receive();
    lat[i] = performance.now() - s;
  }
  const r = report("raw DEALER-ROUTER echo, sync", lat, performance.now() - t0);
  d.close();
  return r;
}

async function rawAsync(ep: string): Promise<Result> {
  const d = new DealerSocket({ sendHighWaterMark: 0, receiveHighWaterMark: 0 });
  d.connect(ep);
  await d.send(["warm"]);
  await d.receive();
  const lat = new Float64Array(N);
  const sentAt = new Float64Array(N);
  const te = new TextEncoder();
  const td = new TextDecoder();
  let sent = 0, got = 0;
  const t0 = performance.now();
  while (got < N) {
    while (sent < N && sent - got < WINDOW) {
      sentAt[sent] = performance.now();
      d.trySend(["", "echo", te.encode(`${sent}`)]) ||
        await d.send(["", "echo", `${sent}`]);
      sent++;
    }
    const m = await d.receive();
    const i = Number(td.decode(m[2]));
    lat[got++] = performance.now() - sentAt[i];
  }
  const r = report(
    `raw DEALER-ROUTER echo, async (window ${WINDOW})`,
    lat,
    performance.now() - t0,
  );
  d.close();
  return r;
}

async function mdpSync(ep: string, label: string): Promise<Result> {
  const c = await MajordomoClient.connect(ep, { attemptTimeoutMs: 10000 });
  for (let i = 0; i < WARMUP; i++) await c.request("echo", ["w"]);
  const lat = new Float64Array(N);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await c.request("echo", [`${i}`]);
    lat[i] = performance.now() - s;
  }
  const r = report(label, lat, performance.now() - t0);
  await c.close();
  return r;
}

async function mdpAsync(ep: string, label: string): Promise<Result> {
  const c = await MajordomoAsyncClient.connect(ep, {
    maxInFlight: WINDOW,
    deadlineMs: 120000,
    attemptTimeoutMs: 30000,
  });
  await Promise.all(
    Array.from({ length: WARMUP }, () => c.request("echo", ["w"])),
  );
  // WINDOW lanes, each sending its share one request at a time: latency is
  // from send to reply with WINDOW requests in flight.
  const lat = new Float64Array(N);
  let k = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: WINDOW }, async () => {
    while (next < N) {
      const i = next++;
      const s = performance.now();
      await c.request("echo", [`${i}`]);
      lat[k++] = performance.now() - s;
    }
  }));
  const r = report(label, lat, performance.now() - t0);
  if (c.stats.resent > 0) console.error(`warning: ${c.stats.resent} resends`);
  await c.close();
  return r;
}

async function withBroker(
  core: "wasm" | "ts",
  workers: number,
  fn: (ep: string) => Promise<Result>,
  cli = "../src/cli/broker.ts",
  extra: string[] = [],
): Promise<Result> {
  const broker = await spawn(cli, [
    "--bind",
    "tcp://127.0.0.1:*",
    "--core",
    core,
    "--log-level",
    "warn",
    "--stats-ms",
    "0",
    "--max-queue",
    "100000",
    ...SPIN_ARGS,
    ...extra,
  ]);
  const pool = await spawn("./_majordomo_worker.ts", [
    "--endpoint",
    broker.endpoint,
    "--count",
    String(workers),
    ...SPIN_ARGS,
  ]);
  const probe = await MajordomoClient.connect(broker.endpoint, {
    attemptTimeoutMs: 500,
    maxAttempts: 1,
    checkServiceOnTimeout: false,
  });
  for (;;) {
    if (await probe.serviceAvailable("echo").catch(() => false)) break;
  }
  await probe.close();
  try {
    const cpu0 = cpuMs(broker.child.pid);
    const r = await fn(broker.endpoint);
    r.brokerCpuUsPerReq =
      +((cpuMs(broker.child.pid) - cpu0) * 1000 / r.requests).toFixed(1);
    console.log(
      JSON.stringify({
        bench: "majordomo-broker-cpu",
        name: r.name,
        brokerCpuUsPerReq: r.brokerCpuUsPerReq,
      }),
    );
    return r;
  } finally {
    await stop(pool);
    await stop(broker);
  }
}

const none: Result = {
  name: "-",
  requests: 0,
  seconds: 0,
  reqPerSec: NaN,
  p50Us: NaN,
  p99Us: NaN,
};
let rs = none, ra = none, ms = none, ma1 = none, ma10 = none;
if (CONFIGS.has("raw")) {
  const raw = await spawn("./_majordomo_raw_echo.ts", SPIN_ARGS);
  rs = await rawSync(raw.endpoint);
  ra = await rawAsync(raw.endpoint);
  await stop(raw);
}
if (CONFIGS.has("sync")) {
  ms = await withBroker(
    "wasm",
    1,
    (ep) => mdpSync(ep, "MDP sync client, 1 worker (wasm core)"),
  );
}
if (CONFIGS.has("async1")) {
  ma1 = await withBroker(
    "wasm",
    1,
    (ep) =>
      mdpAsync(ep, `MDP async client, 1 worker (wasm core, window ${WINDOW})`),
  );
}
if (CONFIGS.has("async10")) {
  ma10 = await withBroker(
    "wasm",
    10,
    (ep) =>
      mdpAsync(
        ep,
        `MDP async client, 10 workers (wasm core, window ${WINDOW})`,
      ),
  );
}
const core: { wasm: number[]; ts: number[] } = { wasm: [], ts: [] };
const cpu: { wasm: number[]; ts: number[] } = { wasm: [], ts: [] };
for (let round = 0; CONFIGS.has("core") && round < ROUNDS; round++) {
  for (
    const impl of round % 2 ? ["wasm", "ts"] as const : ["ts", "wasm"] as const
  ) {
    const r = await withBroker(
      impl,
      10,
      (ep) =>
        mdpAsync(
          ep,
          `MDP async client, 10 workers (${impl} core, window ${WINDOW}) [core comparison]`,
        ),
    );
    core[impl].push(r.reqPerSec);
    cpu[impl].push(r.brokerCpuUsPerReq!);
  }
}
const ab: Record<string, { base: number[]; head: number[] }> = {};
const BASE = f["baseline-broker"] as string | undefined;
if (CONFIGS.has("ab")) {
  if (!BASE) throw new Error("--configs ab needs --baseline-broker PATH");
  const baseUrl = new URL(`file://${Deno.realPathSync(BASE)}`).href;
  const loads = [
    {
      name: "sync, 1 worker",
      workers: 1,
      run: (ep: string, l: string) => mdpSync(ep, l),
    },
    {
      name: `async, 10 workers, window ${WINDOW}`,
      workers: 10,
      run: (ep: string, l: string) => mdpAsync(ep, l),
    },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const load of loads) {
      const slot = ab[load.name] ??= { base: [], head: [] };
      const order = round % 2 ? ["head", "base"] as const : [
        "base",
        "head",
      ] as const;
      for (const which of order) {
        const r = await withBroker(
          "wasm",
          load.workers,
          (ep) => load.run(ep, `[ab ${which}] MDP ${load.name}`),
          which === "base" ? baseUrl : "../src/cli/broker.ts",
        );
        slot[which].push(r.reqPerSec);
      }
    }
  }
}
const observe: Record<
  string,
  { off: number[]; on: number[]; offCpu: number[]; onCpu: number[] }
> = {};
if (CONFIGS.has("observe")) {
  const loads = [
    {
      name: `async, 10 workers, window ${WINDOW}`,
      workers: 10,
      run: (ep: string, l: string) => mdpAsync(ep, l),
    },
    {
      name: "sync, 1 worker",
      workers: 1,
      run: (ep: string, l: string) => mdpSync(ep, l),
    },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const load of loads) {
      const slot = observe[load.name] ??= {
        off: [],
        on: [],
        offCpu: [],
        onCpu: [],
      };
      const order = round % 2 ? ["on", "off"] as const : ["off", "on"] as const;
      for (const which of order) {
        const r = await withBroker(
          "wasm",
          load.workers,
          (ep) => load.run(ep, `[metrics ${which}] MDP ${load.name}`),
          "../src/cli/broker.ts",
          which === "on" ? ["--http", "127.0.0.1:0"] : [],
        );
        slot[which].push(r.reqPerSec);
        slot[which === "on" ? "onCpu" : "offCpu"].push(r.brokerCpuUsPerReq!);
      }
    }
  }
}
await shutdown();

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const wasm = median(core.wasm), ts = median(core.ts);
const wasmCpu = median(cpu.wasm), tsCpu = median(cpu.ts);
console.log(JSON.stringify({
  bench: "majordomo-summary",
  syncVsRaw: +(ms.reqPerSec / rs.reqPerSec).toFixed(3),
  async1VsRaw: +(ma1.reqPerSec / ra.reqPerSec).toFixed(3),
  async10VsRaw: +(ma10.reqPerSec / ra.reqPerSec).toFixed(3),
  wasmReqPerSec: wasm,
  tsReqPerSec: ts,
  wasmOverTs: +(wasm / ts).toFixed(3),
  wasmBrokerCpuUsPerReq: wasmCpu,
  tsBrokerCpuUsPerReq: tsCpu,
}));
for (const [name, v] of Object.entries(ab)) {
  const b = median(v.base), h = median(v.head);
  console.log(JSON.stringify({
    bench: "majordomo-ab",
    load: name,
    baseline: v.base,
    head: v.head,
    ratio: +(h / b).toFixed(3),
  }));
}
for (const [name, v] of Object.entries(observe)) {
  const off = median(v.off), on = median(v.on);
  console.log(JSON.stringify({
    bench: "majordomo-observe",
    load: name,
    metricsOff: v.off,
    metricsOn: v.on,
    ratio: +(on / off).toFixed(3),
    // Each round's on ÷ off (neighbours in time), then their median: less
    // sensitive to the load of other work on a shared machine.
    pairedRatio: +median(v.on.map((x, i) => x / v.off[i])).toFixed(3),
    brokerCpuUsPerReqOff: median(v.offCpu),
    brokerCpuUsPerReqOn: median(v.onCpu),
  }));
}
console.log(
  "\n| Run | Requests | Time (s) | req/s | p50 (µs) | p99 (µs) |\n|---|---:|---:|---:|---:|---:|",
);
for (const r of results) {
  console.log(
    `| ${r.name} | ${r.requests} | ${r.seconds} | ${r.reqPerSec} | ${r.p50Us} | ${r.p99Us} |`,
  );
}
console.log(
  `\nBroker overhead (MDP req/s ÷ raw req/s): sync ${
    (ms.reqPerSec / rs.reqPerSec).toFixed(2)
  }, async 1 worker ${
    (ma1.reqPerSec / ra.reqPerSec).toFixed(2)
  }, async 10 workers ${(ma10.reqPerSec / ra.reqPerSec).toFixed(2)}.` +
    `\nCore: WASM ${wasm} req/s vs TS twin ${ts} req/s = ${
      (wasm / ts).toFixed(3)
    }× (median of ${ROUNDS}).`,
);
