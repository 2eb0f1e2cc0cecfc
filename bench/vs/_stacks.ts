// What bench/vs runs: the stacks (who plays broker, workers and client), the
// shapes (sync 1 worker, async 1 and 10 workers), and one timed run of one
// stack in one shape ("a cell").
import {
  countSyscalls,
  cpuUs,
  machineBusyUs,
  type Proc,
  type Recorder,
  recordProfile,
  spawn,
  stop,
  type SyscallCounter,
  threadCpuUs,
  waitEvent,
  waitPort,
} from "./_procs.ts";

/** Who implements a role: ours, the guide's C as built, C fair, or NATS. */
export type Impl = "ours" | "c" | "cfair" | "nats";

/** A stack: one implementation per role. */
export interface Stack {
  id: string;
  label: string;
  broker: Impl;
  workers: Impl;
  client: Impl;
}

/** Every stack the runner knows; `--stacks` picks among them by id. */
export const STACKS: Stack[] = [
  {
    id: "ours",
    label: "ours",
    broker: "ours",
    workers: "ours",
    client: "ours",
  },
  { id: "c", label: "C as built", broker: "c", workers: "c", client: "c" },
  {
    id: "cfair",
    label: "C fair",
    broker: "cfair",
    workers: "cfair",
    client: "cfair",
  },
  {
    id: "nats",
    label: "NATS",
    broker: "nats",
    workers: "nats",
    client: "nats",
  },
  {
    id: "broker-c",
    label: "our broker, C client+workers as built",
    broker: "ours",
    workers: "c",
    client: "c",
  },
  {
    id: "broker-cfair",
    label: "our broker, C client+workers fair",
    broker: "ours",
    workers: "cfair",
    client: "cfair",
  },
  {
    id: "client-cfair",
    label: "our client, C broker+workers fair",
    broker: "cfair",
    workers: "cfair",
    client: "ours",
  },
  {
    id: "worker-cfair",
    label: "our worker, C broker+client fair",
    broker: "cfair",
    workers: "ours",
    client: "cfair",
  },
  {
    id: "client-c",
    label: "our client, C broker+workers as built",
    broker: "c",
    workers: "c",
    client: "ours",
  },
  {
    id: "worker-c",
    label: "our worker, C broker+client as built",
    broker: "c",
    workers: "ours",
    client: "c",
  },
];

/** A load shape. */
export interface Shape {
  id: string;
  label: string;
  mode: "sync" | "async";
  workers: number;
}

/** The shapes of issue 18. */
export const SHAPES: Shape[] = [
  { id: "sync1", label: "sync, 1 worker", mode: "sync", workers: 1 },
  { id: "async1", label: "async, 1 worker", mode: "async", workers: 1 },
  { id: "async10", label: "async, 10 workers", mode: "async", workers: 10 },
];

/** Where things are. */
export interface Env {
  /** Repository root. */
  root: string;
  /** Directory with the C binaries (mdbroker, mdworker_ep, noresolve.so). */
  cbin: string;
  /** Our compiled C clients. */
  vsClient: { sync: string; async: string };
  /** Scratch directory (FIFOs, perf output). */
  tmp: string;
  /** Extra flags for our Deno processes (e.g. profiling), after `run`. */
  oursFlags: string[];
  /** System call kinds counted one by one in the perf round. */
  syscallKinds: string[];
  /** Where nats.js runs: Node (its own runtime) or Deno (node compat). */
  natsRuntime: "node" | "deno";
}

/** One run's settings. */
export interface CellSpec {
  stack: Stack;
  shape: Shape;
  requests: number;
  warmup: number;
  window: number;
  syscalls: boolean;
  round: number;
  /** When set: `perf record -g` every process into this directory. */
  profileDir?: string;
}

/** What one process did over the timed window. */
export interface ProcResult {
  role: string;
  impl: Impl;
  cpuUs: number;
  /** CPU by thread name (e.g. the JS thread, libzmq's ZMQbg/IO/0), µs. */
  threads: Record<string, number>;
  syscalls?: Record<string, number>;
}

/** One run's result. */
export interface CellResult {
  stack: string;
  shape: string;
  round: number;
  syscallRound: boolean;
  profileRound: boolean;
  requests: number;
  ok: number;
  bad: number;
  firstBad?: string;
  elapsedMs: number;
  reqPerSec: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  procs: ProcResult[];
  /** CPU of everything else on the machine during the window, % of one core. */
  otherCpuPct: number;
  startedAt: string;
}

const C_PORT = 5555;
const READY_MS = 60_000;

/** V8 flags for the profile round: JIT names for perf, native JS frames. */
const PERF_V8 =
  "--v8-flags=--perf-basic-prof,--interpreted-frames-native-stack";
let profiling = false;

function deno(env: Env, script: string, args: string[]): [string, string[]] {
  return [Deno.execPath(), [
    "run",
    "-A",
    ...(profiling ? [PERF_V8] : []),
    ...env.oursFlags,
    `${env.root}/bench/vs/${script}`,
    ...args,
  ]];
}

function cEnv(env: Env, impl: Impl): Record<string, string> {
  return impl === "cfair" ? { LD_PRELOAD: `${env.cbin}/noresolve_vs.so` } : {};
}

async function startBroker(
  env: Env,
  impl: Impl,
  procs: [Proc, Impl][],
): Promise<string> {
  if (impl === "ours") {
    const [cmd, args] = deno(env, "ours_proc.ts", ["broker"]);
    const p = spawn("broker", "our broker", cmd, args);
    procs.push([p, impl]);
    return String((await waitEvent(p, "ready", READY_MS)).endpoint);
  }
  if (impl === "nats") {
    const p = spawn("broker", "nats-server", "nats-server", [
      "-a",
      "127.0.0.1",
      "-p",
      "-1",
    ]);
    procs.push([p, impl]);
    const m = await waitFor(
      p.stderrMatch(/Listening for client connections on [\d.]+:(\d+)/),
      p,
    );
    return `127.0.0.1:${m[1]}`;
  }
  const p = spawn(
    "broker",
    `C mdbroker (${impl})`,
    `${env.cbin}/mdbroker`,
    [],
    {
      env: cEnv(env, impl),
    },
  );
  procs.push([p, impl]);
  await waitPort(C_PORT, READY_MS, p);
  return `tcp://127.0.0.1:${C_PORT}`;
}

async function waitFor<T>(x: Promise<T>, p: Proc): Promise<T> {
  const died = p.exited.then((s) => {
    throw new Error(`${p.name} exited (${s.code}): ${p.stderrTail()}`);
  });
  return await Promise.race([x, died]);
}

async function startWorkers(
  env: Env,
  impl: Impl,
  endpoint: string,
  count: number,
  procs: [Proc, Impl][],
): Promise<void> {
  if (impl === "nats" && env.natsRuntime === "node") {
    const p = spawn("workers", "nats workers (node)", "node", [
      `${env.root}/bench/vs/nats_node.mjs`,
      "responders",
      endpoint,
      String(count),
    ]);
    procs.push([p, impl]);
    await waitEvent(p, "ready", READY_MS);
    return;
  }
  if (impl === "ours" || impl === "nats") {
    const [cmd, args] = impl === "ours"
      ? deno(env, "ours_proc.ts", [
        "workers",
        "--endpoint",
        endpoint,
        "--count",
        String(count),
      ])
      : deno(env, "nats_proc.ts", [
        "responders",
        "--endpoint",
        endpoint,
        "--count",
        String(count),
      ]);
    const p = spawn("workers", `${impl} workers`, cmd, args);
    procs.push([p, impl]);
    await waitEvent(p, "ready", READY_MS);
    return;
  }
  // The guide's worker API serves one worker per process.
  for (let i = 0; i < count; i++) {
    const p = spawn(
      "workers",
      `C mdworker_ep ${i} (${impl})`,
      `${env.cbin}/mdworker_ep`,
      [endpoint, "echo"],
      { env: cEnv(env, impl) },
    );
    procs.push([p, impl]);
  }
}

function startClient(
  env: Env,
  impl: Impl,
  endpoint: string,
  c: CellSpec,
): Proc {
  const flags = [
    "--endpoint",
    endpoint,
    "--mode",
    c.shape.mode,
    "--requests",
    String(c.requests),
    "--warmup",
    String(c.warmup),
    "--window",
    String(c.window),
  ];
  if (impl === "nats" && env.natsRuntime === "node") {
    return spawn("client", "nats client (node)", "node", [
      `${env.root}/bench/vs/nats_node.mjs`,
      "client",
      endpoint,
      c.shape.mode,
      String(c.requests),
      String(c.warmup),
      String(c.window),
    ], { stdin: true });
  }
  if (impl === "ours" || impl === "nats") {
    const [cmd, args] = deno(
      env,
      impl === "ours" ? "ours_proc.ts" : "nats_proc.ts",
      ["client", ...flags],
    );
    return spawn("client", `${impl} client`, cmd, args, { stdin: true });
  }
  return spawn(
    "client",
    `C client (${impl})`,
    env.vsClient[c.shape.mode],
    [endpoint, String(c.requests), String(c.warmup), String(c.window)],
    { stdin: true, env: cEnv(env, impl) },
  );
}

/** Runs one cell: starts the stack, times the run, stops everything. */
export async function runCell(env: Env, c: CellSpec): Promise<CellResult> {
  const procs: [Proc, Impl][] = [];
  profiling = c.profileDir !== undefined;
  try {
    const ep = await startBroker(env, c.stack.broker, procs);
    await startWorkers(env, c.stack.workers, ep, c.shape.workers, procs);
    const client = startClient(env, c.stack.client, ep, c);
    procs.push([client, c.stack.client]);
    // Fail fast when any process of the stack dies (a crash would otherwise
    // show only as requests that never come back).
    const died = Promise.race(procs.map(([p]) =>
      p.exited.then((st) => {
        throw new Error(
          `${p.name} exited (code ${st.code}, signal ${st.signal}) during the run\n--- ${p.name} stderr ---\n${p.stderrTail()}`,
        );
      })
    ));
    died.catch(() => {});
    // Warm-up can take long on a loaded machine: allow a generous time.
    await Promise.race([waitEvent(client, "ready", 120_000), died]);
    let counters: SyscallCounter[] = [];
    if (c.syscalls) {
      counters = await Promise.all(
        procs.map(([p]) => countSyscalls(p.pid, env.tmp, env.syscallKinds)),
      );
      for (const k of counters) await k.enable();
    }
    let recorders: Recorder[] = [];
    if (c.profileDir) {
      const seen: Record<string, number> = {};
      recorders = await Promise.all(procs.map(([p, impl]) => {
        const n = seen[p.role] = (seen[p.role] ?? 0) + 1;
        const file = `${c.profileDir}/${c.stack.id}-${c.shape.id}-${p.role}${
          p.role === "workers" && n > 1 ? `-${n}` : ""
        }-${impl}.data`;
        return recordProfile(p.pid, env.tmp, file);
      }));
      for (const r of recorders) await r.enable();
    }
    const th0 = procs.map(([p]) => threadCpuUs(p.pid));
    const cpu0 = procs.map(([p]) => cpuUs(p.pid));
    const busy0 = machineBusyUs();
    const t0 = performance.now();
    const startedAt = new Date().toISOString();
    await client.write("go\n");
    const done = await Promise.race([
      waitEvent(client, "done", 1_800_000),
      died,
    ]);
    const wallUs = (performance.now() - t0) * 1000;
    const cpu1 = procs.map(([p]) => cpuUs(p.pid));
    const busy1 = machineBusyUs();
    const th1 = procs.map(([p]) => threadCpuUs(p.pid));
    for (const r of recorders) await r.finish();
    const sys: Record<string, number>[] = [];
    for (const k of counters) sys.push(await k.finish());
    const ours = cpu1.reduce((s, v, i) => s + v - cpu0[i], 0);
    const results: ProcResult[] = procs.map(([p, impl], i) => ({
      role: p.role,
      impl,
      cpuUs: cpu1[i] - cpu0[i],
      threads: Object.fromEntries(
        Object.entries(th1[i]).map(([k, v]) => [k, v - (th0[i][k] ?? 0)]),
      ),
      ...(c.syscalls ? { syscalls: sys[i] } : {}),
    }));
    const elapsedMs = Number(done.elapsedMs);
    return {
      stack: c.stack.id,
      shape: c.shape.id,
      round: c.round,
      syscallRound: c.syscalls,
      profileRound: c.profileDir !== undefined,
      requests: c.requests,
      ok: Number(done.ok),
      bad: Number(done.bad),
      ...(done.firstBad ? { firstBad: String(done.firstBad) } : {}),
      elapsedMs,
      reqPerSec: Math.round(c.requests / (elapsedMs / 1000)),
      p50Us: Number(done.p50Us),
      p90Us: Number(done.p90Us),
      p99Us: Number(done.p99Us),
      maxUs: Number(done.maxUs),
      procs: results,
      otherCpuPct: Math.max(
        0,
        +((busy1 - busy0 - ours) / wallUs * 100).toFixed(1),
      ),
      startedAt,
    };
  } finally {
    // The client exits by itself once its stdin closes; then the rest.
    const [client] = procs.find(([p]) => p.role === "client") ?? [];
    if (client) {
      await client.closeStdin();
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        client.exited,
        new Promise((r) => (t = setTimeout(r, 10_000))),
      ]);
      clearTimeout(t);
    }
    for (const [p] of procs.slice().reverse()) await stop(p);
  }
}
