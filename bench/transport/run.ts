/**
 * Driver of the transport benchmark (issue 3, item 6): DEALER↔ROUTER echo on
 * our transport under Deno (several reactor budgets) against the same echo
 * with zeromq.js on Node, server and client as separate processes.
 *
 *     deno run -A bench/transport/run.ts [--rounds N] [--quick]
 *       [--shapes sync1,pipe1,...] [--variants default,nospin,...]
 *       [--out FILE.jsonl]
 *
 * Installs zeromq.js for Node into `.bench-tmp/node` when missing. Each round
 * runs every shape; within a shape Node runs before every second Deno variant
 * and last (Node, v1, v2, Node, v3, v4, Node), and the variant order rotates
 * between rounds and shapes. "×Node" of a Deno run is its figure divided by
 * the mean of the Node runs just before and after it; the table shows the
 * median over runs of the figures and of these ratios.
 *
 * Before each run the driver waits (up to 1.5 s) until the machine has been
 * below 15% of one core busy for 0.5 s, and it records how much CPU other
 * processes used during the run.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const HERE = new URL("./", import.meta.url).pathname;
const NODE_PREFIX = `${ROOT}.bench-tmp/node`;
const ZEROMQ = "6.8.0";
const DENO_PERMS = [
  "--allow-net",
  "--allow-ffi",
  "--allow-read",
  "--allow-env",
];

interface Variant {
  name: string;
  runtime: "node" | "deno";
  env: Record<string, string>;
  label: string;
}

const VARIANTS: Variant[] = [
  { name: "node", runtime: "node", env: {}, label: "zeromq.js on Node" },
  {
    name: "default",
    runtime: "deno",
    env: {},
    label: "adaptive spin 100 µs + nap 10 ms (1 ms slices), then park",
  },
  {
    name: "fixedspin",
    runtime: "deno",
    env: { RZ_ADAPTIVE: "0" },
    label: "always spin 100 µs + nap 10 ms, then park",
  },
  {
    name: "nospin",
    runtime: "deno",
    env: { RZ_SPIN_US: "0" },
    label: "no spin, nap 10 ms, then park",
  },
  {
    name: "park",
    runtime: "deno",
    env: { RZ_SPIN_US: "0", RZ_NAP_MS: "0" },
    label: "park at once",
  },
  {
    name: "longnap",
    runtime: "deno",
    env: { RZ_NAP_MS: "50" },
    label: "spin 100 µs + nap 50 ms, then park",
  },
];

/** Shapes with idle periods, where the nap budget makes a difference. */
const IDLING = ["lat2", "lat20", "idle"];

const ALL_SHAPES = [
  "sync1",
  "pipe1",
  "sync100",
  "pipe100",
  "lat2",
  "lat20",
  "idle",
];

// deno-lint-ignore no-explicit-any
type Result = Record<string, any>;

function parseArgs(argv: string[]) {
  const a: Record<string, string | boolean | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = argv[i].replace(/^--/, "").split("=", 2);
    if (k === "quick" || k === "help") a[k] = true;
    else if (["rounds", "shapes", "variants", "out", "summarize"].includes(k)) {
      a[k] = v ?? argv[++i];
    } else throw new TypeError(`unknown argument ${argv[i]} (try --help)`);
  }
  return a as {
    quick?: boolean;
    help?: boolean;
    rounds?: string;
    summarize?: string;
    shapes?: string;
    variants?: string;
    out?: string;
  };
}

const args = parseArgs(Deno.args);
if (args.help) {
  console.log(
    "deno run -A bench/transport/run.ts [--rounds N] [--quick] [--shapes a,b] [--variants a,b] [--out f.jsonl]\n" +
      "deno run -A bench/transport/run.ts --summarize a.jsonl[,b.jsonl]   (tables from earlier runs)",
  );
  Deno.exit(0);
}
const quick = args.quick ?? false;
const rounds = Number(args.rounds ?? (quick ? 1 : 3));
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new RangeError("--rounds must be a positive integer");
}
const shapes = args.shapes ? args.shapes.split(",") : ALL_SHAPES;
for (const s of shapes) {
  if (!ALL_SHAPES.includes(s)) throw new RangeError(`unknown shape ${s}`);
}
const variantNames = args.variants
  ? args.variants.split(",")
  : quick
  ? ["default", "nospin", "park"]
  : ["default", "nospin", "park", "longnap"];
const denoVariants = variantNames.map((n) => {
  const v = VARIANTS.find((v) => v.name === n && v.runtime === "deno");
  if (!v) throw new RangeError(`unknown Deno variant ${n}`);
  return v;
});
const NODE = VARIANTS[0];
const scale = quick ? 0.2 : 1;
const idleMs = quick ? 2_000 : 5_000;
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const outFile = args.out ?? `${ROOT}.bench-tmp/transport-${stamp}.jsonl`;

// ---- environment -------------------------------------------------------------

async function sh(cmd: string, argv: string[], cwd = ROOT) {
  const out = await new Deno.Command(cmd, {
    args: argv,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    ok: out.success,
    stdout: dec.decode(out.stdout).trim(),
    stderr: dec.decode(out.stderr).trim(),
  };
}

async function ensureZeromq(): Promise<Result> {
  const probe = `const z=require("zeromq");` +
    `console.log(JSON.stringify({zeromq:require("zeromq/package.json").version,` +
    `libzmq:z.version,curve:z.capability.curve,` +
    `addon:Object.keys(require.cache).find(k=>k.endsWith(".node"))}))`;
  const check = () => sh("node", ["-e", probe], NODE_PREFIX);
  let r = await Deno.stat(`${NODE_PREFIX}/node_modules/zeromq/package.json`)
    .then(() => check(), () => null);
  if (!r?.ok || JSON.parse(r.stdout).zeromq !== ZEROMQ) {
    console.error(`installing zeromq@${ZEROMQ} for Node into ${NODE_PREFIX}`);
    await Deno.mkdir(NODE_PREFIX, { recursive: true });
    const inst = await sh("npm", [
      "install",
      "--prefix",
      NODE_PREFIX,
      "--save-exact",
      "--no-audit",
      "--no-fund",
      `zeromq@${ZEROMQ}`,
    ]);
    if (!inst.ok) {
      throw new Error(`npm install zeromq@${ZEROMQ} failed:\n${inst.stderr}`);
    }
    r = await check();
  }
  if (!r.ok) {
    throw new Error(
      `zeromq.js does not load on Node ${
        Deno.env.get("NODE") ?? ""
      }:\n${r.stderr}`,
    );
  }
  return JSON.parse(r.stdout);
}

async function hostInfo(): Promise<Result> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "?";
  return {
    hostname: Deno.hostname(),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    arch: Deno.build.arch,
    cpus: navigator.hardwareConcurrency,
    cpuModel: model,
  };
}

// ---- machine load ----------------------------------------------------------------

const TICK_US = 10_000; // USER_HZ 100

async function cpuTicks(): Promise<{ busy: number; steal: number }> {
  const line = (await Deno.readTextFile("/proc/stat")).split("\n")[0];
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return {
    busy: f[0] + f[1] + f[2] + f[5] + f[6],
    steal: f[7] ?? 0,
  };
}

/**
 * Waits until the machine has been quiet for 0.5 s (at most 1.5 s, 1 s with
 * --quick, so that a busy machine cannot stretch the run); returns the last
 * busy figure, % of one core.
 */
async function waitQuiet(): Promise<number> {
  const deadline = performance.now() + (quick ? 1_000 : 1_500);
  let pct = 0;
  do {
    const a = await cpuTicks();
    await new Promise((r) => setTimeout(r, 500));
    const b = await cpuTicks();
    pct = ((b.busy - a.busy) * TICK_US) / 5_000; // % of one core over 0.5 s
    if (pct < 15) return pct;
  } while (performance.now() < deadline);
  return pct;
}

// ---- one run -----------------------------------------------------------------------

function command(v: Variant, role: string[], env: Record<string, string>) {
  const common = {
    cwd: ROOT,
    env: { ...env, ...v.env, RZ_VARIANT: v.name, NO_COLOR: "1" },
    stdin: "null" as const,
    stdout: "piped" as const,
    stderr: "piped" as const,
  };
  return v.runtime === "node"
    ? new Deno.Command("node", {
      ...common,
      args: [`${HERE}echo_node.mjs`, ...role],
    })
    : new Deno.Command(Deno.execPath(), {
      ...common,
      args: ["run", ...DENO_PERMS, `${HERE}echo_deno.ts`, ...role],
    });
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(s).text();
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let t: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<"timeout">((r) => t = setTimeout(() => r("timeout"), ms)),
  ]);
}

async function runOnce(v: Variant, shape: string): Promise<Result> {
  const quietBefore = await waitQuiet();
  const env: Record<string, string> = {
    RZ_SCALE: String(scale),
    RZ_IDLE_MS: String(idleMs),
    RZ_NODE_PREFIX: NODE_PREFIX,
  };
  const ticks0 = await cpuTicks();
  const t0 = performance.now();
  const server = command(v, ["server"], env).spawn();
  const serverErr = readAll(server.stderr);
  const reader = server.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let buffered = "";
  const readyLine = await withTimeout(
    (async () => {
      while (!buffered.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
      }
      return buffered.split("\n")[0];
    })(),
    30_000,
  );
  const fail = async (error: string): Promise<Result> => {
    for (const p of [server]) {
      try {
        p.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    return {
      runtime: v.runtime,
      variant: v.name,
      shape,
      ok: false,
      error,
      serverStderr: (await withTimeout(serverErr, 2_000)).toString().slice(
        -2_000,
      ),
    };
  };
  if (readyLine === "timeout" || !readyLine.startsWith("{")) {
    return fail(`server not ready: ${String(readyLine).slice(0, 500)}`);
  }
  const ready = JSON.parse(readyLine);
  // Keep draining the server's stdout so it never blocks on a full pipe.
  const serverOut = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return buffered;
      buffered += value;
    }
  })();
  const client = command(v, ["client", shape, ready.endpoint], env).spawn();
  const clientOut = readAll(client.stdout);
  const clientErr = readAll(client.stderr);
  const clientStatus = await withTimeout(client.status, 120_000);
  if (clientStatus === "timeout") {
    client.kill("SIGKILL");
    return fail(`client did not exit within 120 s`);
  }
  const clientDone = performance.now();
  const serverStatus = await withTimeout(server.status, 10_000);
  const serverExitMs = performance.now() - clientDone;
  const ticks1 = await cpuTicks();
  const wallMs = performance.now() - t0;
  const out = (await clientOut).trim().split("\n").pop() ?? "";
  let result: Result;
  try {
    result = JSON.parse(out);
  } catch {
    return fail(
      `client printed no result (exit ${clientStatus.code}): ${
        out.slice(-500)
      }\n${(await clientErr).slice(-2_000)}`,
    );
  }
  if (serverStatus === "timeout") {
    result.ok = false;
    result.error = (result.error ? result.error + "; " : "") +
      "server did not exit by itself within 10 s of the client";
    try {
      server.kill("SIGKILL");
    } catch { /* gone */ }
  } else if (!serverStatus.success) {
    result.ok = false;
    result.error = (result.error ? result.error + "; " : "") +
      `server exited with ${serverStatus.code}: ${
        (await serverErr).slice(-1_000)
      }`;
  }
  if (clientStatus.code !== 0 && result.ok) {
    result.ok = false;
    result.error = `client exited with ${clientStatus.code}`;
  }
  await withTimeout(serverOut, 1_000);
  // CPU of other processes during the run, % of one core.
  const ours = (result.procCpuUs ?? 0) + (result.server?.procCpuUs ?? 0);
  const busyUs = (ticks1.busy - ticks0.busy) * TICK_US;
  result.otherLoadPct = Math.max(0, (busyUs - ours) / 1000 / wallMs * 100);
  result.stealPct = (ticks1.steal - ticks0.steal) * TICK_US / 1000 / wallMs *
    100;
  result.quietBeforePct = quietBefore;
  result.serverExitMs = serverExitMs;
  result.runWallMs = wallMs;
  return result;
}

// ---- metrics and table ---------------------------------------------------------

interface Metric {
  key: string;
  label: string;
  get(r: Result): number | null | undefined;
  better: "higher" | "lower";
  digits: number;
}

const clientParks = (label: string) =>
  m("parks", `client parks/${label}`, (r) => r.parksPerOp, "lower", 3);
const serverParks = (label: string) =>
  m("sparks", `server parks/${label}`, (r) => perOp(r.server), "lower", 3);

const METRICS: Record<string, Metric[]> = {
  sync1: [
    m("rate", "RT/s", (r) => r.rate, "higher", 0),
    m("cpuUs", "client CPU µs/RT", (r) => r.cpuUsPerOp, "lower", 1),
    clientParks("RT"),
    serverParks("RT"),
  ],
  pipe1: [
    m("rate", "msg/s", (r) => r.rate, "higher", 0),
    m("cpuUs", "client CPU µs/msg", (r) => r.cpuUsPerOp, "lower", 1),
  ],
  sync100: [
    m("rate", "RT/s", (r) => r.rate, "higher", 0),
    m("cpuUs", "client CPU µs/RT", (r) => r.cpuUsPerOp, "lower", 1),
    clientParks("RT"),
  ],
  pipe100: [
    m("rate", "msg/s", (r) => r.rate, "higher", 0),
    m("cpuUs", "client CPU µs/msg", (r) => r.cpuUsPerOp, "lower", 1),
  ],
  lat2: [
    m("p50", "p50 µs", (r) => r.p50Us, "lower", 0),
    m("p99", "p99 µs", (r) => r.p99Us, "lower", 0),
    m("cpu", "client CPU %", (r) => r.cpuPct, "lower", 1),
    m("scpu", "server CPU %", (r) => r.server?.cpuPct, "lower", 1),
    clientParks("RT"),
    serverParks("RT"),
  ],
  lat20: [
    m("p50", "p50 µs", (r) => r.p50Us, "lower", 0),
    m("p99", "p99 µs", (r) => r.p99Us, "lower", 0),
    m("cpu", "client CPU %", (r) => r.cpuPct, "lower", 1),
    m("scpu", "server CPU %", (r) => r.server?.cpuPct, "lower", 1),
    clientParks("RT"),
    serverParks("RT"),
  ],
  idle: [
    m("cpu", "client CPU % (pending receive)", (r) => r.cpuPct, "lower", 2),
    m(
      "scpu",
      "server CPU % (pending receive)",
      (r) => r.server?.cpuPct,
      "lower",
      2,
    ),
    m("wake", "first RT after idle µs", (r) => r.wakeUs, "lower", 0),
  ],
};

function perOp(s: Result | undefined): number | null {
  return s && typeof s.parks === "number" && s.handled > 0
    ? s.parks / s.handled
    : null;
}

function m(
  key: string,
  label: string,
  get: Metric["get"],
  better: Metric["better"],
  digits: number,
): Metric {
  return { key, label, get, better, digits };
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function fmt(x: number, digits: number): string {
  if (!Number.isFinite(x)) return "–";
  return x.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

interface Row {
  shape: string;
  metric: Metric;
  node: number;
  cells: Map<string, { value: number; ratio: number; n: number }>;
  spread: Map<string, [number, number]>;
}

/** Rows of medians and ×Node ratios from the ordered list of runs. */
function summarize(sequences: Result[][]): Row[] {
  const rows: Row[] = [];
  for (const shape of shapes) {
    for (const metric of METRICS[shape]) {
      const nodeVals: number[] = [];
      const vals = new Map<string, number[]>();
      const ratios = new Map<string, number[]>();
      for (const seq of sequences) {
        if (seq[0]?.shape !== shape) continue;
        for (let i = 0; i < seq.length; i++) {
          const r = seq[i];
          const x = r.ok ? metric.get(r) : undefined;
          if (typeof x !== "number") continue;
          if (r.variant === "node") {
            nodeVals.push(x);
            continue;
          }
          (vals.get(r.variant) ?? vals.set(r.variant, []).get(r.variant)!)
            .push(x);
          const around: number[] = [];
          for (const dir of [-1, 1]) {
            for (let j = i + dir; j >= 0 && j < seq.length; j += dir) {
              if (seq[j].variant === "node") {
                const y = seq[j].ok ? metric.get(seq[j]) : undefined;
                if (typeof y === "number") around.push(y);
                break;
              }
            }
          }
          if (around.length) {
            const mean = around.reduce((a, b) => a + b, 0) / around.length;
            (ratios.get(r.variant) ??
              ratios.set(r.variant, []).get(r.variant)!).push(x / mean);
          }
        }
      }
      const cells = new Map();
      const spread = new Map<string, [number, number]>();
      spread.set("node", [Math.min(...nodeVals), Math.max(...nodeVals)]);
      for (const [name, xs] of vals) {
        cells.set(name, {
          value: median(xs),
          ratio: median(ratios.get(name) ?? []),
          n: xs.length,
        });
        spread.set(name, [Math.min(...xs), Math.max(...xs)]);
      }
      rows.push({ shape, metric, node: median(nodeVals), cells, spread });
    }
  }
  return rows;
}

function table(rows: Row[]): string {
  const names = denoVariants.map((v) => v.name);
  const head = ["shape", "metric", "node", ...names];
  const lines = [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
  ];
  for (const r of rows) {
    const cells = names.map((n) => {
      const c = r.cells.get(n);
      return c ? `${fmt(c.value, r.metric.digits)} (×${fmt(c.ratio, 2)})` : "–";
    });
    lines.push(
      `| ${r.shape} | ${r.metric.label} | ${fmt(r.node, r.metric.digits)} | ${
        cells.join(" | ")
      } |`,
    );
  }
  return lines.join("\n");
}

function spreadTable(rows: Row[]): string {
  const names = ["node", ...denoVariants.map((v) => v.name)];
  const lines = [
    `| shape | metric | ${names.join(" | ")} |`,
    `|---|---|${names.map(() => "---").join("|")}|`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.shape} | ${r.metric.label} | ${
        names.map((n) => {
          const s = r.spread.get(n);
          return s && Number.isFinite(s[0])
            ? `${fmt(s[0], r.metric.digits)}–${fmt(s[1], r.metric.digits)}`
            : "–";
        }).join(" | ")
      } |`,
    );
  }
  return lines.join("\n");
}

// ---- main ------------------------------------------------------------------------------

const sequences: Result[][] = [];
const started = performance.now();
let failures = 0;
if (args.summarize) {
  for (const file of args.summarize.split(",")) {
    let key = "";
    for (const line of (await Deno.readTextFile(file)).split("\n")) {
      if (!line.startsWith("{")) continue;
      const r = JSON.parse(line);
      if (r.meta) {
        console.log(`# ${file}: ${JSON.stringify(r.meta)}`);
        key = "";
        continue;
      }
      if (!shapes.includes(r.shape)) continue;
      const k = `${r.round}/${r.shape}`;
      if (k !== key) sequences.push([]);
      key = k;
      sequences[sequences.length - 1].push(r);
      if (!r.ok) failures++;
    }
  }
} else {
  await measure();
}

async function measure(): Promise<void> {
  const zmqInfo = await ensureZeromq();
  const nodeVersion = (await sh("node", ["--version"])).stdout;
  const host = await hostInfo();
  const meta = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    node: nodeVersion,
    ...zmqInfo,
    host,
    rounds,
    quick,
    scale,
    idleMs,
  };
  console.log(`# transport benchmark ${JSON.stringify(meta)}`);
  await Deno.mkdir(`${ROOT}.bench-tmp`, { recursive: true });
  const out = await Deno.open(outFile, { create: true, append: true });
  const enc = new TextEncoder();
  await out.write(enc.encode(JSON.stringify({ meta }) + "\n"));

  for (let round = 0; round < rounds; round++) {
    for (let si = 0; si < shapes.length; si++) {
      const shape = shapes[si];
      // The nap length only matters after more than 10 ms without traffic, so
      // the long-nap variant runs only in the shapes that idle.
      const variants = IDLING.includes(shape)
        ? denoVariants
        : denoVariants.filter((v) => v.name !== "longnap");
      const k = (round + si) % variants.length;
      const rotated = [...variants.slice(k), ...variants.slice(0, k)];
      const order: Variant[] = [NODE];
      rotated.forEach((v, i) => {
        order.push(v);
        if (i % 2 === 1 || i === rotated.length - 1) order.push(NODE);
      });
      const seq: Result[] = [];
      for (const v of order) {
        const r = await runOnce(v, shape);
        const line = {
          round,
          deno: meta.deno,
          node: meta.node,
          host: host.hostname,
          ...r,
        };
        seq.push(line);
        await out.write(enc.encode(JSON.stringify(line) + "\n"));
        console.log(JSON.stringify(line));
        if (!r.ok) {
          failures++;
          console.error(`FAILED ${v.name} ${shape}: ${r.error}`);
        }
      }
      sequences.push(seq);
    }
  }
  out.close();
}

const rows = summarize(sequences);
const all = sequences.flat();
const loads = all.map((r) => r.otherLoadPct).filter((x) => x !== undefined);
const noisy = loads.filter((x) => x > 5).length;
// Rounds = sequences per shape (summaries may merge several files).
const roundsSeen = Math.max(
  0,
  ...shapes.map((sh) => sequences.filter((q) => q[0]?.shape === sh).length),
);
console.log(
  `\n## Medians over ${roundsSeen} round(s), ×Node = median of (Deno run ÷ mean of the Node runs around it)\n`,
);
console.log(table(rows));
console.log(`\n## Range (min–max) over runs\n`);
console.log(spreadTable(rows));
console.log(
  `\n${all.length} runs, ${failures} failed${
    args.summarize
      ? ""
      : `, ${((performance.now() - started) / 1000).toFixed(0)} s`
  }. Other processes' CPU during runs: median ${fmt(median(loads), 1)}%, max ${
    fmt(Math.max(...loads), 1)
  }% of one core; ${noisy} run(s) above 5%. Steal: median ${
    fmt(median(all.map((r) => r.stealPct ?? NaN)), 1)
  }%.`,
);
if (!args.summarize) console.log(`Raw results: ${outFile}`);
if (failures > 0) Deno.exitCode = 1;
