// The Markdown report of bench/vs: header (machine, versions, load), a
// summary for BENCHMARKS.md (ratios, req/s, sync latency, CPU and system
// calls per request by role), then every run.
import type { CellResult, Shape, Stack } from "./_stacks.ts";

/** Everything the report needs. */
export interface ReportInput {
  label?: string;
  started: Date;
  finished: Date;
  info: Record<string, string>;
  load: [string, string];
  command: string;
  rounds: number;
  perRun: number;
  sysRequests: number;
  warmup: number;
  window: number;
  stacks: Stack[];
  shapes: Shape[];
  results: CellResult[];
  failures: number;
}

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const n0 = (x: number) =>
  Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "–";
const n1 = (x: number) => Number.isFinite(x) ? x.toFixed(1) : "–";
const r2 = (x: number) => Number.isFinite(x) ? x.toFixed(2) : "–";

/** The ratios of issue 18: [column, numerator stack, denominator stack]. */
const RATIOS: [string, string, string][] = [
  ["stack vs C as built", "ours", "c"],
  ["stack vs C fair", "ours", "cfair"],
  ["our broker vs C broker, as built", "broker-c", "c"],
  ["our broker vs C broker, fair", "broker-cfair", "cfair"],
  ["our client vs C client (fair)", "client-cfair", "cfair"],
  ["our worker vs C worker (fair)", "worker-cfair", "cfair"],
  ["our client vs C client (as built)", "client-c", "c"],
  ["our worker vs C worker (as built)", "worker-c", "c"],
  ["stack vs NATS", "ours", "nats"],
];
const ROLES = ["broker", "workers", "client"] as const;

function timed(rs: CellResult[], stack: string, shape: string): CellResult[] {
  return rs.filter((r) =>
    !r.syscallRound && !r.profileRound && r.stack === stack &&
    r.shape === shape
  );
}

function pairedRatio(
  rs: CellResult[],
  a: string,
  b: string,
  shape: string,
): { med: number; lo: number; hi: number } {
  const xs: number[] = [];
  for (const ra of timed(rs, a, shape)) {
    const rb = timed(rs, b, shape).find((r) => r.round === ra.round);
    if (rb) xs.push(ra.reqPerSec / rb.reqPerSec);
  }
  return { med: median(xs), lo: Math.min(...xs), hi: Math.max(...xs) };
}

function cpuPerReq(r: CellResult, role: string): number {
  const us = r.procs.filter((p) => p.role === role).reduce(
    (s, p) => s + p.cpuUs,
    0,
  );
  return us / r.requests;
}

function threadSplit(runs: CellResult[], role: string): number[] {
  const parts = runs.map((r) => {
    let main = 0, zmq = 0, other = 0;
    for (const p of r.procs.filter((p) => p.role === role)) {
      for (const [name, us] of Object.entries(p.threads ?? {})) {
        if (name === "main") main += us;
        else if (name.startsWith("ZMQbg/")) zmq += us;
        else other += us;
      }
    }
    return [main, zmq, other].map((v) => v / r.requests);
  });
  return [0, 1, 2].map((i) => median(parts.map((p) => p[i])));
}

function sysPerReq(r: CellResult, role: string): number {
  let n = 0;
  for (const p of r.procs.filter((p) => p.role === role)) {
    n += p.syscalls?.total ?? 0;
  }
  return n / r.requests;
}

function topKinds(r: CellResult, role: string, k = 4): string {
  const sum: Record<string, number> = {};
  for (const p of r.procs.filter((p) => p.role === role)) {
    let rest = p.syscalls?.total ?? 0;
    for (const [name, v] of Object.entries(p.syscalls ?? {})) {
      if (name === "total") continue;
      sum[name] = (sum[name] ?? 0) + v;
      rest -= v;
    }
    if (rest > 0) sum["(other kinds)"] = (sum["(other kinds)"] ?? 0) + rest;
  }
  return Object.entries(sum).sort((x, y) => y[1] - x[1]).slice(0, k)
    .map(([name, v]) => `${name} ${(v / r.requests).toFixed(1)}`).join(", ");
}

/** Renders the report. */
export function report(x: ReportInput): string {
  const { results: rs, stacks, shapes } = x;
  const have = new Set(stacks.map((s) => s.id));
  const others = rs.filter((r) => !r.syscallRound && !r.profileRound).map((
    r,
  ) => r.otherCpuPct);
  const L: string[] = [];
  L.push(
    `# Side by side: reliable-zmq vs the guide's C Majordomo vs NATS${
      x.label ? ` (${x.label})` : ""
    }`,
    "",
    `- **Date:** ${x.started.toISOString().slice(0, 16)}Z to ${
      x.finished.toISOString().slice(11, 16)
    }Z`,
    `- **Machine:** ${x.info.machine}`,
    `- **Ours:** ${x.info.deno}, ${x.info.ours}`,
    `- **C:** ${x.info.c}; "fair" = the same binaries with \`LD_PRELOAD=noresolve_vs.so\` (bench/vs/c/noresolve_vs.c: answers czmq 3.0.2's failing per-frame \`getsockopt()\` probe without a system call)`,
    `- **NATS:** ${x.info.nats}`,
    `- **Load:** load average ${x.load[0]} at the start, ${
      x.load[1]
    } at the end; other processes used median ${n1(median(others))}%, max ${
      n1(Math.max(...others))
    }% of one core during the timed windows (column "other" below). A shared machine makes every figure noisy: compare only ratios from the same run.`,
    `- **Command:** \`${x.command}\``,
    `- **Method:** ${x.rounds} interleaved rounds (stack order rotated every round, reversed every other); ${
      n0(x.perRun)
    } timed echo requests of 11 bytes per run after ${
      n0(x.warmup)
    } untimed ones; async clients keep ${x.window} requests in flight; every reply checked (one frame, equal to its request). Each run starts its own broker, workers and client processes in a private network namespace. CPU per request = the process's utime+stime (/proc/PID/stat, all threads) over the timed window ÷ requests. ${
      x.sysRequests
        ? `System calls: a separate round of ${
          n0(x.sysRequests)
        } requests per run with \`perf stat\` (raw_syscalls:sys_enter for the total, one syscalls:sys_enter_KIND tracepoint per kind listed) attached to every thread of every process over exactly the timed window; the last column of that table is the round's throughput against the timed rounds' median, i.e. the tracing overhead.`
        : ""
    } Ratios are the median over rounds of (A's req/s ÷ B's req/s in the same round), min-max in brackets; above 1 means the first is faster.`,
    `- **Failures:** ${
      x.failures === 0 ? "none (every reply right in every run)" : x.failures
    }`,
    "",
    "## Summary (for BENCHMARKS.md)",
    "",
    `${x.rounds} interleaved rounds of ${
      n0(x.perRun)
    } requests per stack and shape (${
      n0(x.perRun * x.rounds)
    } in all), every reply checked, ${
      x.failures === 0 ? "none wrong or missing" : `${x.failures} run(s) failed`
    }; ${x.info.machine}; other processes' CPU during the runs: median ${
      n1(median(others))
    }% of one core.`,
    "",
    "### Throughput ratios",
    "",
  );
  const cols = RATIOS.filter(([, a, b]) => have.has(a) && have.has(b));
  L.push(
    `| shape | ${cols.map((c) => c[0]).join(" | ")} |`,
    `|---|${cols.map(() => "---:").join("|")}|`,
  );
  for (const sh of shapes) {
    L.push(`| ${sh.label} | ${
      cols.map(([, a, b]) => {
        const p = pairedRatio(rs, a, b, sh.id);
        return `${r2(p.med)} (${r2(p.lo)}-${r2(p.hi)})`;
      }).join(" | ")
    } |`);
  }
  L.push(
    "",
    "### Requests per second (median over rounds)",
    "",
    `| stack | ${shapes.map((s) => s.label).join(" | ")} |`,
    `|---|${shapes.map(() => "---:").join("|")}|`,
  );
  for (const st of stacks) {
    L.push(
      `| ${st.label} | ${
        shapes.map((sh) =>
          n0(median(timed(rs, st.id, sh.id).map((r) => r.reqPerSec)))
        )
          .join(" | ")
      } |`,
    );
  }
  const sync = shapes.find((s) => s.mode === "sync");
  if (sync) {
    L.push(
      "",
      `### Latency per request, ${sync.label} (µs, median over rounds)`,
      "",
      "| stack | p50 | p90 | p99 | p50 ÷ ours | p99 ÷ ours |",
      "|---|---:|---:|---:|---:|---:|",
    );
    const ours = timed(rs, "ours", sync.id);
    const o50 = median(ours.map((r) => r.p50Us));
    const o99 = median(ours.map((r) => r.p99Us));
    for (const st of stacks) {
      const t = timed(rs, st.id, sync.id);
      const p50 = median(t.map((r) => r.p50Us));
      const p99 = median(t.map((r) => r.p99Us));
      L.push(
        `| ${st.label} | ${n0(p50)} | ${n0(median(t.map((r) => r.p90Us)))} | ${
          n0(p99)
        } | ${r2(p50 / o50)} | ${r2(p99 / o99)} |`,
      );
    }
  }
  L.push(
    "",
    "### CPU per request by role (µs, median over rounds; workers summed over processes)",
    "",
    `| stack | ${
      shapes.map((s) => `${s.label}: broker / workers / client / total`).join(
        " | ",
      )
    } |`,
    `|---|${shapes.map(() => "---").join("|")}|`,
  );
  for (const st of stacks) {
    L.push(`| ${st.label} | ${
      shapes.map((sh) => {
        const t = timed(rs, st.id, sh.id);
        const per = ROLES.map((role) =>
          median(t.map((r) => cpuPerReq(r, role)))
        );
        return `${per.map(n0).join(" / ")} / **${
          n0(per.reduce((a, b) => a + b, 0))
        }**`;
      }).join(" | ")
    } |`);
  }
  L.push(
    "",
    "### CPU per request by thread (µs, median over rounds): main thread / libzmq I/O threads / all other threads",
    "",
    `| stack | role | ${shapes.map((s) => s.label).join(" | ")} |`,
    `|---|---|${shapes.map(() => "---").join("|")}|`,
  );
  for (const st of stacks) {
    for (const role of ROLES) {
      L.push(`| ${st.label} | ${role} | ${
        shapes.map((sh) => {
          const t = timed(rs, st.id, sh.id);
          return threadSplit(t, role).map(n0).join(" / ");
        }).join(" | ")
      } |`);
    }
  }
  const sysRuns = rs.filter((r) => r.syscallRound);
  if (sysRuns.length) {
    L.push(
      "",
      "### System calls per request by role (perf round)",
      "",
      "| shape | stack | broker | workers | client | broker's top kinds | client's top kinds | perf round req/s ÷ timed median |",
      "|---|---|---:|---:|---:|---|---|---:|",
    );
    for (const sh of shapes) {
      for (const st of stacks) {
        const r = sysRuns.find((r) => r.stack === st.id && r.shape === sh.id);
        if (!r) continue;
        const base = median(timed(rs, st.id, sh.id).map((r) => r.reqPerSec));
        L.push(
          `| ${sh.label} | ${st.label} | ${
            ROLES.map((role) => n1(sysPerReq(r, role))).join(" | ")
          } | ${topKinds(r, "broker")} | ${topKinds(r, "client")} | ${
            r2(r.reqPerSec / base)
          } |`,
        );
      }
    }
  }
  L.push(
    "",
    "## Raw rounds",
    "",
    "CPU in µs per request (broker / workers / client); other = CPU of every other process on the machine, % of one core.",
    "",
    "| round | shape | stack | req/s | p50 µs | p99 µs | CPU µs/req | other | right | started |",
    "|---:|---|---|---:|---:|---:|---|---:|---:|---|",
  );
  for (const r of rs) {
    L.push(
      `| ${
        r.syscallRound ? "perf stat" : r.profileRound ? "profile" : r.round
      } | ${r.shape} | ${r.stack} | ${n0(r.reqPerSec)} | ${n0(r.p50Us)} | ${
        n0(r.p99Us)
      } | ${ROLES.map((role) => n0(cpuPerReq(r, role))).join(" / ")} | ${
        n1(r.otherCpuPct)
      }% | ${r.ok}/${r.requests}${r.bad ? ` (${r.bad} bad)` : ""} | ${
        r.startedAt.slice(11, 19)
      } |`,
    );
  }
  L.push("");
  return L.join("\n");
}
