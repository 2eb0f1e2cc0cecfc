// Freelance benchmark (issue 14): microseconds per request, one request at a
// time, for models two (shotgun) and three (10/FLP) with 1 and 3 servers,
// and requests per second with 100 requests in flight; the zguide's C
// flclient2/flserver2 and flclient3/flserver3 measured in the same run.
//
//   deno task bench:freelance [--requests 10000] [--rounds 3] [--c OUT]
//                             [--base DIR]
//
// `--base DIR` (a checkout of an earlier commit, e.g. /work/wt-base) runs
// that tree's clients and example servers too, in the same rounds,
// alternating with ours ("before" rows). Besides the latency, each
// one-at-a-time run records the CPU time (user + system, all threads, from
// /proc) per request of the client process and of the servers together:
// steadier than the latency on a shared machine.
//
// Ours: the servers are child processes (examples/freelance/rep_server.ts
// --sequenced for model two, examples/freelance/server.ts --reply OK for
// model three); the client runs in this process and sends 10,000 requests
// after 1,000 of warm-up. The C run (`--c OUT`, OUT being the directory of
// `bash /work/shared/anchors/build.sh OUT`) runs flserver2 on free ports
// with flclient2 (its own figure: "Average round trip cost"), and flserver3
// with flclient3 in a network namespace of their own (`unshare -n`, as
// root: they use fixed ports 5555-5557). flserver3 always binds 5555 and
// flclient3 always connects to 5555, 5556 and 5557, so the C model three
// runs with one live server of three; its agent sends every request to the
// first live server anyway. Each C figure is taken as built and with
// OUT/bin/noresolve.so preloaded (czmq 3.0.2's per-frame getsockopt probes
// answered without a system call). Rounds alternate ours and C, and the
// median of the rounds is reported.
//
// Prints one JSON line per measurement, then a Markdown table.
import * as freelance from "../src/patterns/freelance/mod.ts";
import { shutdown } from "../src/transport/socket.ts";
import { RouterSocket } from "../src/transport/sockets.ts";
import { silentLogger } from "../src/_util/logger.ts";
import { intFlag, parseFlags } from "../src/_util/args.ts";
import { type Child, spawnChild } from "../tests/helpers/spawn.ts";

const f = parseFlags(Deno.args, {
  requests: {
    type: "string",
    description: "measured requests per run",
    default: "10000",
  },
  rounds: { type: "string", description: "rounds", default: "3" },
  c: {
    type: "string",
    description: "anchors build dir (measure the C clients)",
  },
  base: {
    type: "string",
    description: "an earlier checkout to measure beside ours (before/after)",
  },
});
const REQUESTS = intFlag(f, "requests", 100)!;
const ROUNDS = intFlag(f, "rounds", 1)!;
const WARMUP = 1000;
/** A tree to measure: its Freelance module and its example servers. */
interface Tree {
  label: string;
  mod: typeof freelance;
  ex(name: string): URL;
}
const OURS: Tree = {
  label: "ours",
  mod: freelance,
  ex: (name) => new URL(`../examples/freelance/${name}`, import.meta.url),
};
const trees: Tree[] = [OURS];
if (typeof f.base === "string") {
  const root = new URL(`file://${Deno.realPathSync(f.base)}/`);
  trees.push({
    label: "before",
    mod: await import(
      new URL("src/patterns/freelance/mod.ts", root).href
    ) as typeof freelance,
    ex: (name) => new URL(`examples/freelance/${name}`, root),
  });
}

/** CPU time (user + system, every thread) of a process so far, µs. */
function cpuUs(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 1e6 / 100;
  } catch {
    return NaN;
  }
}

type Row = { name: string; servers: number; value: number; unit: string };
const results = new Map<string, number[]>();
function record(r: Row) {
  const key = `${r.name}|${r.servers}|${r.unit}`;
  (results.get(key) ?? results.set(key, []).get(key)!).push(r.value);
  console.log(JSON.stringify(r));
}

async function servers(
  model: 2 | 3,
  n: number,
  tree: Tree = OURS,
): Promise<Child[]> {
  const ex = tree.ex;
  return await Promise.all(
    Array.from(
      { length: n },
      () =>
        model === 2
          ? spawnChild(ex("rep_server.ts"), {
            args: ["--bind", "tcp://127.0.0.1:*", "--sequenced"],
          })
          : spawnChild(ex("server.ts"), {
            args: ["--bind", "tcp://127.0.0.1:*", "--reply", "OK"],
          }),
    ),
  );
}

interface AnyClient {
  request(frames: string[]): Promise<unknown>;
  close(): Promise<void>;
}

async function measure(
  client: AnyClient,
  label: string,
  n: number,
  children: Child[],
) {
  for (let i = 0; i < WARMUP; i++) await client.request(["random name"]);
  const serversCpu = () => children.reduce((sum, c) => sum + cpuUs(c.pid), 0);
  const cpu0 = cpuUs("self"), scpu0 = serversCpu();
  let t = performance.now();
  for (let i = 0; i < REQUESTS; i++) await client.request(["random name"]);
  record({
    name: label,
    servers: n,
    value: ((performance.now() - t) * 1000) / REQUESTS,
    unit: "µs/request",
  });
  record({
    name: label,
    servers: n,
    value: (cpuUs("self") - cpu0) / REQUESTS,
    unit: "client CPU µs/request",
  });
  record({
    name: label,
    servers: n,
    value: (serversCpu() - scpu0) / REQUESTS,
    unit: "servers CPU µs/request",
  });
  const total = REQUESTS * 2;
  let next = 0;
  t = performance.now();
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next++ < total) await client.request(["random name"]);
    }),
  );
  record({
    name: label,
    servers: n,
    value: total / ((performance.now() - t) / 1000),
    unit: "req/s, 100 in flight",
  });
}

async function ours(model: 2 | 3, n: number, tree: Tree = OURS) {
  const children = await servers(model, n, tree);
  const eps = children.map((c) => c.endpoint);
  const client: AnyClient = model === 2
    ? await tree.mod.FreelanceShotgunClient.connect(eps, {
      deadlineMs: 10_000,
      logger: silentLogger,
    })
    : await tree.mod.FreelanceClient.connect(eps, {
      deadlineMs: 10_000,
      logger: silentLogger,
    });
  try {
    await measure(client, `${tree.label}, model ${model}`, n, children);
  } finally {
    await client.close();
    await Promise.all(children.map((c) => c.terminate()));
  }
}

/**
 * The transport's floor under model three: a bare ROUTER in this process
 * sending `[server][seq]["random name"]` to the same server process and
 * waiting for each reply; no client agent, no heartbeats, no failover.
 */
async function rawFlp() {
  const [child] = await servers(3, 1);
  const router = new RouterSocket({ routerMandatory: true, lingerMs: 0 });
  router.connect(child.endpoint);
  try {
    for (;;) {
      try {
        if (router.trySend([child.endpoint, "PING"])) break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    await router.receive();
    const one = async (i: number) => {
      await router.send([child.endpoint, String(i), "random name"]);
      await router.receive();
    };
    for (let i = 1; i <= WARMUP; i++) await one(i);
    const t = performance.now();
    for (let i = 1; i <= REQUESTS; i++) await one(i);
    record({
      name: "raw ROUTER round trip to the model-3 server (floor)",
      servers: 1,
      value: ((performance.now() - t) * 1000) / REQUESTS,
      unit: "µs/request",
    });
  } finally {
    router.close();
    await child.terminate();
  }
}

function cmd(line: string, ns: boolean): Promise<string> {
  const args = ns
    ? ["-n", "bash", "-c", `ip link set lo up; ${line}`]
    : ["-c", line];
  return new Deno.Command(ns ? "unshare" : "bash", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output().then((o) => new TextDecoder().decode(o.stdout));
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function cRun(out: string, model: 2 | 3, n: number, preload: boolean) {
  const env = preload ? `LD_PRELOAD=${out}/bin/noresolve.so ` : "";
  if (model === 2) {
    const ports = Array.from({ length: n }, freePort);
    const srv = ports.map((p) =>
      `${env}${out}/bin/flserver2 tcp://127.0.0.1:${p} >/dev/null & `
    ).join("");
    const eps = ports.map((p) => `tcp://localhost:${p}`).join(" ");
    return await cmd(
      `${srv} sleep 0.3; ${env}timeout 120 ${out}/bin/flclient2 ${eps}; kill $(jobs -p) 2>/dev/null`,
      false,
    );
  }
  return await cmd(
    `${env}${out}/bin/flserver3 >/dev/null & sleep 0.3; ${env}timeout 120 ${out}/bin/flclient3; kill $(jobs -p) 2>/dev/null`,
    true,
  );
}

async function cModel(out: string, model: 2 | 3, n: number, preload: boolean) {
  // flclient3 now and then gives up at once ("name service not available":
  // its agent takes an early PONG for a reply); one more try then.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const text = await cRun(out, model, n, preload);
    const m = /Average round trip cost: (\d+) usec/.exec(text);
    if (m) {
      record({
        name: `C flclient${model}${preload ? " + noresolve" : ""}`,
        servers: n,
        value: Number(m[1]),
        unit: "µs/request",
      });
      return;
    }
    console.error(`C model ${model}: no figure in ${JSON.stringify(text)}`);
  }
}

const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
  .match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU";
console.log(
  JSON.stringify({
    machine: `${navigator.hardwareConcurrency} vCPU, ${cpu}`,
    deno: Deno.version.deno,
    date: new Date().toISOString(),
  }),
);
for (let round = 0; round < ROUNDS; round++) {
  await rawFlp();
  for (const n of [1, 3]) {
    // Alternate the trees, starting with a different one each round.
    const order = round % 2 === 0 ? trees : [...trees].reverse();
    for (const t of order) await ours(2, n, t);
    for (const t of order) await ours(3, n, t);
    if (typeof f.c === "string") {
      for (const preload of [false, true]) {
        await cModel(f.c, 2, n, preload);
        if (n === 1) await cModel(f.c, 3, 3, preload);
      }
    }
  }
}
await shutdown();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1];
};
const c = (name: string, n: number) =>
  results.get(`C flclient${name}|${n}|µs/request`);
/** Median over the rounds of the ratio within each round. */
const ratioOf = (mine: number[], other: number[] | undefined) => {
  if (!other) return "";
  const k = Math.min(mine.length, other.length);
  if (k === 0) return "";
  const r = median(Array.from({ length: k }, (_, i) => mine[i] / other[i]));
  return `×${r.toFixed(2)}`;
};
console.log(
  "\n| run | servers | µs/request (median) | × C as built | × C + noresolve | × before | client CPU µs/request | servers CPU µs/request | req/s, 100 in flight |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const [key, values] of results) {
  const [name, servers, unit] = key.split("|");
  if (unit !== "µs/request") continue;
  const v = median(values);
  const model = name.includes("model 2") || name.includes("flclient2")
    ? "2"
    : "3";
  const n = Number(servers);
  const cn = model === "3" ? 3 : n;
  const ourRow = name.startsWith("ours") || name.startsWith("before");
  const built = ourRow ? ratioOf(values, c(model, cn)) : "";
  const fair = ourRow ? ratioOf(values, c(`${model} + noresolve`, cn)) : "";
  const before = name.startsWith("ours")
    ? ratioOf(
      values,
      results.get(`${name.replace("ours", "before")}|${servers}|${unit}`),
    )
    : "";
  const extra = (u: string) => {
    const x = results.get(`${name}|${servers}|${u}`);
    return x ? median(x) : undefined;
  };
  const rps = extra("req/s, 100 in flight");
  const ccpu = extra("client CPU µs/request");
  const scpu = extra("servers CPU µs/request");
  console.log(
    `| ${name} | ${servers} | ${
      v.toFixed(1)
    } | ${built} | ${fair} | ${before} | ${
      ccpu === undefined ? "" : ccpu.toFixed(0)
    } | ${scpu === undefined ? "" : scpu.toFixed(0)} | ${
      rps ? Math.round(rps).toLocaleString("en") : ""
    } |`,
  );
}
