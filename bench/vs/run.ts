// Side-by-side benchmark (issue 18): our Majordomo stack against the ZeroMQ
// guide's C Majordomo (as built, and fair: LD_PRELOAD=noresolve.so) and NATS
// request-reply, plus the swaps (our broker with the C client and workers;
// our client, our worker each with the C rest).
//
//   deno task bench:vs [--rounds 5] [--requests 100000] [--stacks ...] ...
//   deno task bench:vs --help
//
// One command, unattended: builds the C reference from the anchors directory
// (default ../shared/anchors beside the repository) into bench/vs/.build,
// installs nats-server and perf from Debian when missing, then re-runs itself
// inside a private network namespace (`unshare -n`: the C examples use fixed
// ports) and runs interleaved rounds. Every reply is checked; each process's
// CPU per request comes from /proc/PID/stat; system calls per request come
// from a separate round with `perf stat` attached to every process. It
// prints one JSON line per run and writes a Markdown report (--out).
import { helpText, intFlag, parseFlags } from "../../src/_util/args.ts";
import { killAll } from "./_procs.ts";
import {
  type CellResult,
  type Env,
  runCell,
  SHAPES,
  STACKS,
} from "./_stacks.ts";
import { buildC, cacheDeno, describe, installTools } from "./_setup.ts";
import { report } from "./_report.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const SPEC = {
  rounds: { type: "string", description: "interleaved rounds", default: "5" },
  requests: {
    type: "string",
    description: "requests per stack and shape, over all rounds",
    default: "100000",
  },
  warmup: {
    type: "string",
    description: "untimed requests before each run",
    default: "2000",
  },
  window: {
    type: "string",
    description: "async: requests in flight per client",
    default: "1000",
  },
  stacks: {
    type: "string",
    description: `which stacks (${STACKS.map((s) => s.id).join(",")})`,
    default:
      "ours,c,cfair,nats,broker-c,broker-cfair,client-cfair,worker-cfair",
  },
  shapes: {
    type: "string",
    description: "which shapes",
    default: SHAPES.map((s) => s.id).join(","),
  },
  "syscall-requests": {
    type: "string",
    description: "requests per run of the perf syscall round; 0 skips it",
    default: "5000",
  },
  "syscall-kinds": {
    type: "string",
    description: "system calls counted one by one in that round",
    default:
      "getpid,poll,ppoll,epoll_wait,epoll_pwait,epoll_ctl,read,write,recvfrom,sendto,getsockopt,futex,nanosleep,madvise,mprotect",
  },
  profile: {
    type: "string",
    description:
      "also a round with `perf record -g` on every process, data into this directory",
  },
  "profile-stacks": {
    type: "string",
    description: "stacks of the profile round",
    default: "ours,cfair",
  },
  "profile-requests": {
    type: "string",
    description: "requests per run of the profile round",
    default: "20000",
  },
  "nats-runtime": {
    type: "string",
    description: "where nats.js runs: node (its own runtime) or deno",
    default: "node",
  },
  anchors: {
    type: "string",
    description: "the C reference sources (build.sh)",
    default: `${ROOT}/../shared/anchors`,
  },
  build: {
    type: "string",
    description: "where the C reference is built",
    default: `${ROOT}/bench/vs/.build`,
  },
  out: {
    type: "string",
    description: "Markdown report",
    default: `${ROOT}/bench/results/vs.md`,
  },
  json: { type: "string", description: "also write every run as JSON lines" },
  "from-json": {
    type: "string",
    description: "only re-render --out from a --json file of an earlier run",
  },
  label: { type: "string", description: "a title for the report" },
  "ours-flags": {
    type: "string",
    description: "extra `deno run` flags for our processes (e.g. --cpu-prof)",
  },
  "no-netns": {
    type: "boolean",
    description: "run in the current network namespace (C needs port 5555)",
  },
  inner: { type: "boolean", description: "(internal) inside the namespace" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const;

const f = parseFlags(Deno.args, SPEC);
if (f.help) {
  console.log(helpText("deno task bench:vs [flags]", SPEC));
  Deno.exit(0);
}
const rounds = intFlag(f, "rounds", 1)!;
const perRun = Math.ceil(intFlag(f, "requests", 1)! / rounds);
const sysRequests = intFlag(f, "syscall-requests", 0)!;
const pick = <T extends { id: string }>(all: T[], list: string, what: string) =>
  list.split(",").map((id) => {
    const x = all.find((s) => s.id === id);
    if (!x) throw new Error(`unknown ${what} "${id}"`);
    return x;
  });
const stacks = pick(STACKS, String(f.stacks), "stack");
const shapes = pick(SHAPES, String(f.shapes), "shape");
const profileStacks = pick(STACKS, String(f["profile-stacks"]), "stack");
const build = String(f.build);
const uses = (impl: string) =>
  stacks.some((s) => [s.broker, s.workers, s.client].includes(impl as never));

if (f["from-json"]) {
  // Re-render a report from the JSON lines of an earlier run.
  const lines = Deno.readTextFileSync(String(f["from-json"])).split("\n")
    .filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  const meta = lines.find((l) => l.bench === "vs-meta");
  const end = lines.find((l) => l.bench === "vs-end") ?? {};
  if (!meta) throw new Error(`${f["from-json"]}: no "vs-meta" line`);
  const md = report({
    ...meta,
    started: new Date(meta.started),
    finished: new Date(end.finished ?? meta.started),
    load: [meta.load0, end.load1 ?? "?"],
    stacks: pick(STACKS, meta.stacks.join(","), "stack"),
    shapes: pick(SHAPES, meta.shapes.join(","), "shape"),
    results: lines.filter((l) => l.bench === "vs"),
    failures: end.failures ?? 0,
  });
  await Deno.writeTextFile(String(f.out), md);
  console.error(`bench:vs: report written to ${f.out}`);
  Deno.exit(0);
}

if (!f.inner) {
  // Outside: everything that needs the network or root, then re-run inside.
  await installTools(uses("nats"), sysRequests > 0 || !!f.profile);
  if (uses("c") || uses("cfair")) await buildC(String(f.anchors), build);
  await cacheDeno(ROOT);
  if (!f["no-netns"]) {
    const probe = await new Deno.Command("unshare", {
      args: ["-n", "true"],
      stderr: "piped",
    }).output();
    if (!probe.success) {
      console.error(
        `bench:vs: \`unshare -n\` failed (${
          new TextDecoder().decode(probe.stderr).trim()
        }): run as root, or pass --no-netns (then port 5555 must be free for the C broker)`,
      );
      Deno.exit(2);
    }
  }
  const args = ["run", "-A", new URL(import.meta.url).pathname, ...Deno.args];
  const cmd = f["no-netns"]
    ? new Deno.Command(Deno.execPath(), { args: [...args, "--inner"] })
    : new Deno.Command("unshare", {
      args: ["-n", "--", Deno.execPath(), ...args, "--inner"],
    });
  const child = cmd.spawn();
  for (const s of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(s, () => {
      try {
        child.kill(s);
      } catch { /* gone */ }
    });
  }
  Deno.exit((await child.status).code);
}

// Inside the namespace.
if (!f["no-netns"]) {
  const lo = await new Deno.Command("ip", { args: ["link", "set", "lo", "up"] })
    .output();
  if (!lo.success) throw new Error("ip link set lo up failed");
}
let stopping = false;
for (const s of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(s, async () => {
    if (stopping) return;
    stopping = true;
    console.error(`bench:vs: ${s}, stopping every child`);
    await killAll();
    Deno.exit(130);
  });
}
const tmp = await Deno.makeTempDir({ prefix: "bench-vs-" });
const env: Env = {
  root: ROOT,
  cbin: `${build}/bin`,
  vsClient: {
    sync: `${build}/bin/vs_client_sync`,
    async: `${build}/bin/vs_client_async`,
  },
  tmp,
  oursFlags: f["ours-flags"] ? String(f["ours-flags"]).split(/\s+/) : [],
  syscallKinds: String(f["syscall-kinds"]).split(",").filter((k) => k),
  natsRuntime: f["nats-runtime"] === "deno" ? "deno" : "node",
};
const { oursInfo } = await import("./ours.ts");
const info = await describe(oursInfo().libzmq, env.natsRuntime);
const load0 = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3)
  .join(" ");
const started = new Date();
console.error(
  `bench:vs: ${rounds} rounds × ${stacks.length} stacks × ${shapes.length} shapes, ${perRun} requests per run` +
    (sysRequests ? `, then a syscall round of ${sysRequests} per run` : ""),
);

const results: CellResult[] = [];
let failures = 0;
const jsonOut = f.json
  ? await Deno.open(String(f.json), {
    write: true,
    create: true,
    truncate: true,
  })
  : null;
const command = `deno task bench:vs ${
  Deno.args.filter((a) => a !== "--inner").join(" ")
}`.trim();
const meta = {
  label: f.label ? String(f.label) : undefined,
  started: started.toISOString(),
  info,
  load0,
  command,
  rounds,
  perRun,
  sysRequests,
  warmup: Number(f.warmup),
  window: Number(f.window),
  stacks: stacks.map((s) => s.id),
  shapes: shapes.map((s) => s.id),
};
await jsonOut?.write(
  new TextEncoder().encode(
    JSON.stringify({ bench: "vs-meta", ...meta }) + "\n",
  ),
);

async function one(
  stackIdx: number,
  shapeIdx: number,
  round: number,
  syscalls: boolean,
  profileDir?: string,
) {
  const stack = profileDir ? profileStacks[stackIdx] : stacks[stackIdx];
  const shape = shapes[shapeIdx];
  let r: CellResult;
  try {
    r = await runCell(env, {
      stack,
      shape,
      requests: profileDir
        ? intFlag(f, "profile-requests", 1)!
        : syscalls
        ? sysRequests
        : perRun,
      warmup: Number(f.warmup),
      window: Number(f.window),
      syscalls,
      round,
      profileDir,
    });
  } catch (e) {
    failures++;
    console.error(
      `bench:vs: ${stack.id} ${shape.id} round ${round} FAILED: ${
        (e as Error).message
      }`,
    );
    await killAll();
    return;
  }
  if (r.ok !== r.requests || r.bad !== 0) {
    failures++;
    console.error(
      `bench:vs: ${stack.id} ${shape.id}: ${r.ok}/${r.requests} right, ${r.bad} bad (${r.firstBad})`,
    );
  }
  results.push(r);
  const line = JSON.stringify({ bench: "vs", ...r });
  console.log(line);
  await jsonOut?.write(new TextEncoder().encode(line + "\n"));
}

try {
  for (let round = 1; round <= rounds; round++) {
    for (let si = 0; si < shapes.length; si++) {
      // Interleave: rotate the stacks' order every round, reverse every
      // other round, so no stack always follows the same neighbour.
      const order = stacks.map((_, i) => (i + round - 1) % stacks.length);
      if (round % 2 === 0) order.reverse();
      for (const k of order) await one(k, si, round, false);
    }
  }
  if (sysRequests > 0) {
    for (let si = 0; si < shapes.length; si++) {
      for (let k = 0; k < stacks.length; k++) await one(k, si, 0, true);
    }
  }
  if (f.profile) {
    const dir = String(f.profile);
    await Deno.mkdir(dir, { recursive: true });
    for (let si = 0; si < shapes.length; si++) {
      for (let k = 0; k < profileStacks.length; k++) {
        await one(k, si, 0, false, dir);
      }
    }
  }
} finally {
  await killAll();
  await jsonOut?.write(
    new TextEncoder().encode(
      JSON.stringify({
        bench: "vs-end",
        finished: new Date().toISOString(),
        load1: Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3)
          .join(" "),
        failures,
      }) + "\n",
    ),
  );
  jsonOut?.close();
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
}

const load1 = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3)
  .join(" ");
const md = report({
  label: f.label ? String(f.label) : undefined,
  started,
  finished: new Date(),
  info,
  load: [load0, load1],
  command,
  rounds,
  perRun,
  sysRequests,
  warmup: Number(f.warmup),
  window: Number(f.window),
  stacks,
  shapes,
  results,
  failures,
});
await Deno.writeTextFile(String(f.out), md);
console.log(
  md.slice(md.indexOf("## Summary"), md.indexOf("## Raw rounds")).trimEnd(),
);
console.error(`bench:vs: report written to ${f.out}`);
if (failures) {
  console.error(`bench:vs: ${failures} run(s) failed or had wrong replies`);
  Deno.exit(1);
}
