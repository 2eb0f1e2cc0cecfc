// Before/after summary of `bench:vs --json` files run alternately from two
// checkouts (each run carrying its own C fair reference).
//
//   deno run -A bench/vs/ab_summary.ts before=/tmp/a-*.json after=/tmp/b-*.json
//
// Each argument is LABEL=GLOB. For every swap stack (our broker, client or
// worker with the C rest) and shape it prints, per label, the medians over
// all rounds of all files of: throughput ÷ C fair in the same round, our
// process's main-thread CPU per request and the C process's in the same role
// and round, their ratio per round, the whole process's CPU, and p50/p99 of
// the sync shape. Medians over rounds, min-max of the throughput ratio.

/** Files matching a glob whose `*`s are in the last path segment only. */
async function* expandGlob(glob: string): AsyncGenerator<{ path: string }> {
  const slash = glob.lastIndexOf("/");
  const dir = slash < 0 ? "." : glob.slice(0, slash) || "/";
  const re = new RegExp(
    "^" + glob.slice(slash + 1).replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*").replace(/\?/g, ".") +
      "$",
  );
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && re.test(e.name)) names.push(e.name);
  }
  for (const n of names.sort()) yield { path: `${dir}/${n}` };
}

interface Proc {
  role: string;
  cpuUs: number;
  threads: Record<string, number>;
}
interface Run {
  bench: string;
  stack: string;
  shape: string;
  round: number;
  syscallRound: boolean;
  profileRound: boolean;
  requests: number;
  reqPerSec: number;
  p50Us: number;
  p99Us: number;
  procs: Proc[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function roleOf(stack: string): string {
  if (stack.startsWith("broker")) return "broker";
  if (stack.startsWith("client")) return "client";
  return "workers";
}

function cpu(r: Run, role: string): { main: number; all: number } {
  const p = r.procs.find((x) => x.role === role)!;
  return {
    main: (p.threads.main ?? 0) / r.requests,
    all: p.cpuUs / r.requests,
  };
}

type Row = number[];
const rows = new Map<string, Map<string, Row[]>>();

for (const arg of Deno.args) {
  const eq = arg.indexOf("=");
  if (eq < 0) throw new Error(`expected LABEL=GLOB, got ${arg}`);
  const label = arg.slice(0, eq);
  for await (const f of expandGlob(arg.slice(eq + 1))) {
    const runs = (await Deno.readTextFile(f.path)).split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Run)
      .filter((r) => r.bench === "vs" && !r.syscallRound && !r.profileRound);
    const byRound = new Map<string, Map<string, Run>>();
    for (const r of runs) {
      const k = `${r.shape}/${r.round}`;
      if (!byRound.has(k)) byRound.set(k, new Map());
      byRound.get(k)!.set(r.stack, r);
    }
    for (const m of byRound.values()) {
      const c = m.get("cfair");
      if (!c) continue;
      for (const [stack, r] of m) {
        if (stack === "cfair") continue;
        const role = roleOf(stack);
        const o = cpu(r, role), k = cpu(c, role);
        const key = `${stack} ${r.shape}`;
        if (!rows.has(key)) rows.set(key, new Map());
        const per = rows.get(key)!;
        if (!per.has(label)) per.set(label, []);
        per.get(label)!.push([
          r.reqPerSec / c.reqPerSec,
          o.main,
          k.main,
          o.main / k.main,
          o.all,
          k.all,
          r.p50Us,
          c.p50Us,
          r.p99Us,
          c.p99Us,
        ]);
      }
    }
  }
}

console.log(
  "| stack | shape | checkout | rounds | req/s ÷ C fair | main thread µs/req: ours / C (ours ÷ C) | process µs/req: ours / C | sync p50 µs: ours / C | sync p99 µs: ours / C |",
);
console.log("|---|---|---|---:|---:|---|---|---|---|");
for (const key of [...rows.keys()].sort()) {
  const [stack, shape] = key.split(" ");
  for (const [label, rs] of rows.get(key)!) {
    const col = (i: number) => median(rs.map((r) => r[i]));
    const lo = Math.min(...rs.map((r) => r[0]));
    const hi = Math.max(...rs.map((r) => r[0]));
    const sync = shape.startsWith("sync");
    console.log(
      `| ${stack} | ${shape} | ${label} | ${rs.length} | ${
        col(0).toFixed(2)
      } (${lo.toFixed(2)}-${hi.toFixed(2)}) | ${col(1).toFixed(0)} / ${
        col(2).toFixed(0)
      } (${col(3).toFixed(2)}) | ${col(4).toFixed(0)} / ${
        col(5).toFixed(0)
      } | ${sync ? `${col(6).toFixed(0)} / ${col(7).toFixed(0)}` : "–"} | ${
        sync ? `${col(8).toFixed(0)} / ${col(9).toFixed(0)}` : "–"
      } |`,
    );
  }
}
