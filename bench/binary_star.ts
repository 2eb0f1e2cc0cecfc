/**
 * `deno task bench:bstar`: Binary Star failover time, from the SIGKILL of
 * the active server to the first request served by the other one, as a
 * client sending requests back to back sees it. Each run kills whichever
 * server is active and restarts it (it comes back passive), so the pair
 * fails over in both directions in turn.
 *
 * Configurations: the guide's timings (heartbeat 1000 ms × 2 = failover
 * timeout 2000 ms; client timeout 1000 ms, settle 2000 ms) and short
 * heartbeats (100 ms × 2; client 100 ms / 200 ms). With `BSTAR_C=<path to
 * the guide's bstarsrv>` (built by ../shared/anchors/build.sh) the C pair
 * is measured too, with the same client and the guide's timings, and the
 * ratio printed; it binds the fixed ports 5001-5004, so run it in its own
 * network namespace:
 *
 *   unshare -n sh -c 'ip link set lo up; BSTAR_C=/tmp/anchors/bin/bstarsrv deno task bench:bstar'
 *
 * (On 2026-12-05 the C pair never exchanged state in such a namespace: its
 * SUB connects to `localhost`, its PUB binds IPv4 `*`; the C measurement then
 * hangs at its first failover. See BENCHMARKS.md.)
 *
 * Flags: `--runs N` (default 20), `--only short|guide`.
 *
 * @module
 */
import { BinaryStarClient, shutdown, silentLogger } from "../mod.ts";
import { type Child, spawnChild } from "../tests/helpers/spawn.ts";
import { type PairPorts, pairPorts } from "../tests/binary_star/_helpers.ts";

const args = Deno.args;
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(flag("runs") ?? 20);
const ONLY = flag("only");

interface Proc {
  kill(): Promise<void>;
}

interface Setup {
  name: string;
  heartbeatMs: number;
  clientTimeoutMs: number;
  settleMs: number;
  endpoints: [string, string];
  start(role: "primary" | "backup"): Promise<Proc>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function ours(name: string, heartbeatMs: number): Setup {
  const ports: PairPorts = pairPorts();
  return {
    name,
    heartbeatMs,
    clientTimeoutMs: heartbeatMs,
    settleMs: 2 * heartbeatMs,
    endpoints: [ports.primary.frontend, ports.backup.frontend],
    async start(role) {
      const me = ports[role];
      const peer = ports[role === "primary" ? "backup" : "primary"];
      const c: Child = await spawnChild(
        new URL("../examples/binary_star/bstar_server.ts", import.meta.url),
        {
          args: [
            `--${role}`,
            "--frontend",
            me.frontend,
            "--local",
            me.local,
            "--peer",
            peer.local,
            "--heartbeat-ms",
            String(heartbeatMs),
            "--log-level",
            "error",
          ],
          readyTimeoutMs: 60000,
        },
      );
      return { kill: async () => void await c.kill() };
    },
  };
}

function guideC(bin: string): Setup {
  return {
    name: "C bstarsrv (guide POC), guide timings",
    heartbeatMs: 1000,
    clientTimeoutMs: 1000,
    settleMs: 2000,
    endpoints: ["tcp://127.0.0.1:5001", "tcp://127.0.0.1:5002"],
    async start(role) {
      const p = new Deno.Command(bin, {
        args: [role === "primary" ? "-p" : "-b"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await sleep(100);
      return {
        kill: async () => {
          try {
            p.kill("SIGKILL");
          } catch { /* gone */ }
          await p.status;
        },
      };
    },
  };
}

function pct(sorted: number[], p: number): number {
  const i = Math.min(
    sorted.length - 1,
    Math.ceil((p / 100) * sorted.length) - 1,
  );
  return sorted[Math.max(0, i)];
}

async function measure(s: Setup): Promise<number[]> {
  const failoverMs = 2 * s.heartbeatMs;
  const procs: Record<"primary" | "backup", Proc> = {
    primary: await s.start("primary"),
    backup: await s.start("backup"),
  };
  const client = await BinaryStarClient.connect(s.endpoints, {
    attemptTimeoutMs: s.clientTimeoutMs,
    settleMs: s.settleMs,
    deadlineMs: 60_000,
    logger: silentLogger,
  });
  const replies: number[] = [];
  let stopping = false;
  const loop = (async () => {
    for (let n = 0; !stopping; n++) {
      try {
        await client.request([String(n)]);
        replies.push(performance.now());
      } catch { /* closed at the end */ }
      await sleep(5);
    }
  })();
  const waitReplies = async (k: number) => {
    const start = replies.length;
    while (replies.length < start + k) await sleep(5);
  };
  await waitReplies(5);
  // Which one is active: the primary at first, then they alternate.
  let active: "primary" | "backup" = "primary";
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await waitReplies(5);
    const killedAt = performance.now();
    await procs[active].kill();
    while (!(replies.length > 0 && replies[replies.length - 1] > killedAt)) {
      await sleep(1);
    }
    const t = replies.find((x) => x > killedAt)! - killedAt;
    samples.push(t);
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `  ${s.name} run ${run + 1}: ${Math.round(t)} ms\n`,
      ),
    );
    const dead: "primary" | "backup" = active;
    active = dead === "primary" ? "backup" : "primary";
    procs[dead] = await s.start(dead); // comes back passive
    await sleep(failoverMs + 2 * s.heartbeatMs);
  }
  stopping = true;
  await client.close();
  await loop;
  await procs.primary.kill();
  await procs.backup.kill();
  return samples;
}

function summary(name: string, failoverMs: number, xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return {
    name,
    failoverMs,
    runs: s.length,
    p50: Math.round(pct(s, 50)),
    p99: Math.round(pct(s, 99)),
    max: Math.round(s[s.length - 1]),
    goalMet: pct(s, 99) < 2 * failoverMs,
  };
}

const setups: Setup[] = [];
if (ONLY !== "guide") {
  setups.push(ours("ours, short heartbeats (100 ms x 2)", 100));
}
if (ONLY !== "short") {
  setups.push(ours("ours, guide timings (1000 ms x 2)", 1000));
}
const cBin = Deno.env.get("BSTAR_C");
if (cBin && ONLY !== "short") setups.push(guideC(cBin));

const results = [];
for (const s of setups) {
  results.push(summary(s.name, 2 * s.heartbeatMs, await measure(s)));
}
console.log(
  `\nBinary Star failover: SIGKILL of the active server -> first request served by the other (${RUNS} runs each)\n`,
);
console.log(
  "| setup | failover timeout | p50 | p99 | max | p99 < 2x timeout |",
);
console.log("|---|---|---|---|---|---|");
for (const r of results) {
  console.log(
    `| ${r.name} | ${r.failoverMs} ms | ${r.p50} ms | ${r.p99} ms | ${r.max} ms | ${
      r.goalMet ? "yes" : "NO"
    } |`,
  );
}
const oursGuide = results.find((r) => r.name.startsWith("ours, guide"));
const c = results.find((r) => r.name.startsWith("C "));
if (oursGuide && c) {
  console.log(
    `\nratio ours / C (guide timings): p50 ${
      (oursGuide.p50 / c.p50).toFixed(2)
    }, p99 ${(oursGuide.p99 / c.p99).toFixed(2)}`,
  );
} else {
  console.log(
    "\n(no C baseline: set BSTAR_C to the guide's bstarsrv and run in a network namespace; the bound the guide's client gives is timeout + settle = " +
      "1000 + 2000 ms)",
  );
}
await shutdown();
