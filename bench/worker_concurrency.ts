// Worker concurrency benchmark (issue 18): ONE worker process of ours with
// `concurrency` N = 1, 8, 64 slots behind our broker, against ONE NATS
// responder (nats.js on Node, pipelined: its callback returns at once) behind
// nats-server, measured in the same run, interleaved. The client keeps
// --window (1,000) requests in flight (ours: MajordomoAsyncClient; NATS:
// nats.js request()). Two handlers: echo (reply at once) and one that awaits
// --delay-ms (1 ms) before replying.
//
//   deno task bench:concurrency [--rounds 3] [--requests 10000] [--out FILE]
//
// Every reply is checked (one frame equal to its request). Each run starts
// its own broker (or nats-server), worker and client processes; the pieces
// are bench/vs's (ours_proc.ts, nats_node.mjs, _procs.ts, _driver.ts), so
// both sides are timed and checked exactly as in `deno task bench:vs`. CPU
// per request = the process's utime+stime over the timed window ÷ requests.
import { helpText, intFlag, parseFlags } from "../src/_util/args.ts";
import {
  cpuUs,
  killAll,
  machineBusyUs,
  type Proc,
  spawn,
  stop,
  waitEvent,
} from "./vs/_procs.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const SPEC = {
  rounds: { type: "string", description: "interleaved rounds", default: "3" },
  requests: {
    type: "string",
    description: "timed requests per run",
    default: "10000",
  },
  warmup: {
    type: "string",
    description: "untimed requests before each run",
    default: "1000",
  },
  window: {
    type: "string",
    description: "requests in flight",
    default: "1000",
  },
  concurrency: {
    type: "string",
    description: "our worker's slot counts",
    default: "1,8,64",
  },
  handlers: {
    type: "string",
    description: "echo and/or delay",
    default: "echo,delay",
  },
  "delay-ms": {
    type: "string",
    description: "the delay handler's wait",
    default: "1",
  },
  out: { type: "string", description: "also write the Markdown report here" },
  json: { type: "string", description: "append every run as JSON lines" },
  help: { type: "boolean", description: "this text" },
} as const;

const f = parseFlags(Deno.args, SPEC);
if (f.help) {
  console.log(helpText("deno task bench:concurrency", SPEC));
  Deno.exit(0);
}
const rounds = intFlag(f, "rounds", 1)!;
const requests = intFlag(f, "requests", 1)!;
const warmup = intFlag(f, "warmup", 0)!;
const window = intFlag(f, "window", 1)!;
const delayMs = intFlag(f, "delay-ms", 1)!;
const slots = String(f.concurrency).split(",").map(Number);
const handlers = String(f.handlers).split(",") as ("echo" | "delay")[];

/** One configuration: ours with N slots, or NATS. */
interface Config {
  id: string;
  label: string;
  stack: "ours" | "nats";
  concurrency: number;
}
const CONFIGS: Config[] = [
  ...slots.map((n): Config => ({
    id: `ours${n}`,
    label: `ours, concurrency ${n}`,
    stack: "ours",
    concurrency: n,
  })),
  { id: "nats", label: "NATS, 1 responder", stack: "nats", concurrency: 0 },
];

interface Run {
  round: number;
  handler: string;
  config: string;
  reqPerSec: number;
  ok: number;
  bad: number;
  p50Us: number;
  p99Us: number;
  cpu: { broker: number; worker: number; client: number };
  otherPct: number;
  startedAt: string;
}

const READY_MS = 60_000;

function denoArgs(script: string, args: string[]): string[] {
  return ["run", "-A", `${ROOT}/bench/vs/${script}`, ...args];
}

async function runOne(
  c: Config,
  handler: "echo" | "delay",
  round: number,
): Promise<Run> {
  const procs: Proc[] = [];
  const d = handler === "delay" ? delayMs : 0;
  try {
    let ep: string;
    let client: Proc;
    if (c.stack === "ours") {
      const b = spawn(
        "broker",
        "our broker",
        Deno.execPath(),
        denoArgs(
          "ours_proc.ts",
          ["broker"],
        ),
      );
      procs.push(b);
      ep = String((await waitEvent(b, "ready", READY_MS)).endpoint);
      const w = spawn(
        "worker",
        "our worker",
        Deno.execPath(),
        denoArgs(
          "ours_proc.ts",
          [
            "workers",
            "--endpoint",
            ep,
            "--count",
            "1",
            "--concurrency",
            String(c.concurrency),
            "--delay-ms",
            String(d),
            "--wait-ready",
          ],
        ),
      );
      procs.push(w);
      await waitEvent(w, "ready", READY_MS);
      client = spawn(
        "client",
        "our client",
        Deno.execPath(),
        denoArgs(
          "ours_proc.ts",
          [
            "client",
            "--endpoint",
            ep,
            "--mode",
            "async",
            "--requests",
            String(requests),
            "--warmup",
            String(warmup),
            "--window",
            String(window),
          ],
        ),
        { stdin: true },
      );
    } else {
      const b = spawn("broker", "nats-server", "nats-server", [
        "-a",
        "127.0.0.1",
        "-p",
        "-1",
      ]);
      procs.push(b);
      const m = await b.stderrMatch(
        /Listening for client connections on [\d.]+:(\d+)/,
      );
      ep = `127.0.0.1:${m[1]}`;
      const w = spawn("worker", "nats responder", "node", [
        `${ROOT}/bench/vs/nats_node.mjs`,
        "responders",
        ep,
        "1",
        String(d),
      ]);
      procs.push(w);
      await waitEvent(w, "ready", READY_MS);
      client = spawn("client", "nats client", "node", [
        `${ROOT}/bench/vs/nats_node.mjs`,
        "client",
        ep,
        "async",
        String(requests),
        String(warmup),
        String(window),
      ], { stdin: true });
    }
    procs.push(client);
    await waitEvent(client, "ready", 120_000);
    const cpu0 = procs.map((p) => cpuUs(p.pid));
    const busy0 = machineBusyUs();
    const t0 = performance.now();
    const startedAt = new Date().toISOString();
    await client.write("go\n");
    const done = await waitEvent(client, "done", 1_800_000);
    const wallUs = (performance.now() - t0) * 1000;
    const cpu1 = procs.map((p) => cpuUs(p.pid));
    const busy1 = machineBusyUs();
    const used = cpu1.map((v, i) => v - cpu0[i]);
    const ours = used.reduce((a, b) => a + b, 0);
    const elapsedMs = Number(done.elapsedMs);
    return {
      round,
      handler,
      config: c.id,
      reqPerSec: Math.round(requests / (elapsedMs / 1000)),
      ok: Number(done.ok),
      bad: Number(done.bad),
      p50Us: Number(done.p50Us),
      p99Us: Number(done.p99Us),
      cpu: {
        broker: Math.round(used[0] / requests),
        worker: Math.round(used[1] / requests),
        client: Math.round(used[2] / requests),
      },
      otherPct: Math.max(
        0,
        +((busy1 - busy0 - ours) / wallUs * 100).toFixed(1),
      ),
      startedAt,
    };
  } finally {
    const client = procs.find((p) => p.role === "client");
    if (client) {
      await client.closeStdin();
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        client.exited,
        new Promise((r) => (t = setTimeout(r, 10_000))),
      ]);
      clearTimeout(t);
    }
    for (const p of procs.slice().reverse()) await stop(p);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const fx = (n: number) => n.toFixed(2);

function report(runs: Run[], started: string, ended: string): string {
  const out: string[] = [];
  const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3);
  const cpus = navigator.hardwareConcurrency;
  out.push(
    `# Worker concurrency: one worker process of ours vs one NATS responder`,
  );
  out.push("");
  out.push(`- **Date:** ${started} to ${ended}`);
  out.push(
    `- **Machine:** ${cpus} vCPU, ${Deno.osRelease()}, load average at the end ${
      load.join(" ")
    }; Deno ${Deno.version.deno}`,
  );
  out.push(
    `- **Command:** \`deno task bench:concurrency ${Deno.args.join(" ")}\``,
  );
  out.push(
    `- **Method:** ${rounds} interleaved rounds (order rotated every round, reversed every other); ${
      fmt(requests)
    } timed async requests of 11 bytes per run after ${
      fmt(warmup)
    } untimed ones, ${
      fmt(window)
    } in flight; every reply checked. Ours: our broker, ONE MajordomoWorker process with \`concurrency\` N, our MajordomoAsyncClient. NATS: nats-server, ONE nats.js responder (Node, callback returns at once: pipelined), nats.js request(). Handlers: echo (reply at once) and delay (await ${delayMs} ms, then reply). Ratio = median over rounds of (ours ÷ NATS in the same round). CPU per request in µs: broker (or nats-server) / worker / client.`,
  );
  const bad = runs.filter((r) => r.bad > 0 || r.ok !== requests);
  out.push(
    `- **Failures:** ${
      bad.length === 0
        ? "none (every reply right in every run)"
        : bad.map((r) =>
          `${r.config} ${r.handler} round ${r.round}: ${r.ok} ok, ${r.bad} bad`
        ).join("; ")
    }`,
  );
  out.push("");
  out.push(
    "| handler | configuration | req/s (median) | ÷ NATS | CPU µs/req broker / worker / client | p50 ms | p99 ms |",
  );
  out.push("|---|---|---:|---:|---|---:|---:|");
  for (const h of handlers) {
    for (const c of CONFIGS) {
      const rs = runs.filter((r) => r.handler === h && r.config === c.id);
      if (rs.length === 0) continue;
      const ratios = rs.map((r) => {
        const n = runs.find((x) =>
          x.handler === h && x.config === "nats" && x.round === r.round
        );
        return n ? r.reqPerSec / n.reqPerSec : NaN;
      });
      const rmin = Math.min(...ratios), rmax = Math.max(...ratios);
      out.push(
        `| ${h === "echo" ? "echo" : `await ${delayMs} ms`} | ${c.label} | ${
          fmt(median(rs.map((r) => r.reqPerSec)))
        } | ${
          c.stack === "nats"
            ? "1.00"
            : `${fx(median(ratios))} (${fx(rmin)}-${fx(rmax)})`
        } | ${Math.round(median(rs.map((r) => r.cpu.broker)))} / ${
          Math.round(median(rs.map((r) => r.cpu.worker)))
        } / ${Math.round(median(rs.map((r) => r.cpu.client)))} | ${
          (median(rs.map((r) => r.p50Us)) / 1000).toFixed(1)
        } | ${(median(rs.map((r) => r.p99Us)) / 1000).toFixed(1)} |`,
      );
    }
  }
  out.push("");
  out.push("## Raw runs");
  out.push("");
  out.push(
    "| round | handler | configuration | req/s | CPU µs/req | other | right | started |",
  );
  out.push("|---:|---|---|---:|---|---:|---:|---|");
  for (const r of runs) {
    out.push(
      `| ${r.round} | ${r.handler} | ${r.config} | ${
        fmt(r.reqPerSec)
      } | ${r.cpu.broker} / ${r.cpu.worker} / ${r.cpu.client} | ${r.otherPct}% | ${r.ok}/${requests} | ${
        r.startedAt.slice(11, 19)
      } |`,
    );
  }
  return out.join("\n") + "\n";
}

for (const s of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(s, async () => {
    await killAll();
    Deno.exit(130);
  });
}
const started = new Date().toISOString().slice(0, 16) + "Z";
const runs: Run[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    for (const h of handlers) {
      const k = (round - 1) % CONFIGS.length;
      let order = [...CONFIGS.slice(k), ...CONFIGS.slice(0, k)];
      if (round % 2 === 0) order = order.reverse();
      for (const c of order) {
        const r = await runOne(c, h, round);
        runs.push(r);
        console.error(JSON.stringify(r));
        if (f.json) {
          Deno.writeTextFileSync(String(f.json), JSON.stringify(r) + "\n", {
            append: true,
          });
        }
      }
    }
  }
} finally {
  await killAll();
}
const md = report(runs, started, new Date().toISOString().slice(0, 16) + "Z");
console.log(md);
if (f.out) Deno.writeTextFileSync(String(f.out), md);
