// Titanic benchmark (issue 12): acknowledged `titanic.request`s per second
// (the reply to each comes only once its request is on disk) with 1, 10 and
// 100 concurrent clients, for each store (log, sqlite), with syncing on and
// off (the ceiling), and the zguide's C Titanic measured the same way on
// this machine.
//
//   deno task bench:titanic [--seconds 5] [--clients 1,10,100]
//       [--stores log,sqlite] [--sync on,off] [--c /path/to/anchors-out]
//       [--request-workers 32] [--rounds 1] [--in-broker]
//
// Each run: a fresh broker (the CLI) and a fresh Titanic (the CLI, its store
// in a new temporary directory) as child processes; N TitanicClients in
// this process, each storing requests one after the other for `--seconds`
// after a one-second warm-up. The target service has no worker, so the
// dispatcher only asks MMI now and then: the figure is the store path.
//
// The C run (`--c OUT`, where OUT is `bash /work/shared/anchors/build.sh
// OUT`'s directory) starts the guide's mdbroker and titanic in a network
// namespace of their own (`unshare -n`: they bind fixed ports) in an empty
// directory, with this script's clients inside the namespace too. Run it as
// root. It is run twice: as built, and with OUT/bin/noresolve.so preloaded
// (czmq 3.0.2's per-frame getsockopt probes answered without a system call,
// the C reference at its fair speed).
//
// Prints one JSON line per run, then a Markdown table.
import { TitanicClient } from "../src/patterns/titanic/client.ts";
import { shutdown } from "../src/transport/socket.ts";
import { silentLogger } from "../src/_util/logger.ts";
import { intFlag, parseFlags } from "../src/_util/args.ts";

const f = parseFlags(Deno.args, {
  seconds: {
    type: "string",
    description: "measured seconds per run",
    default: "5",
  },
  clients: {
    type: "string",
    description: "client counts",
    default: "1,10,100",
  },
  stores: { type: "string", description: "stores", default: "log,sqlite" },
  sync: { type: "string", description: "sync modes", default: "on,off" },
  c: {
    type: "string",
    description: "anchors build dir (measure the C Titanic)",
  },
  "request-workers": {
    type: "string",
    description: "Titanic's titanic.request workers",
    default: "32",
  },
  rounds: {
    type: "string",
    description: "repeats of everything",
    default: "1",
  },
  "in-broker": {
    type: "boolean",
    description: "also run Titanic inside the broker process",
  },
  // Internal: the clients only, against a given broker (used in the C namespace).
  "client-only": { type: "boolean", description: "internal" },
  endpoint: { type: "string", description: "internal" },
  service: { type: "string", description: "internal" },
});
const SECONDS = intFlag(f, "seconds", 1)!;
const ROUNDS = intFlag(f, "rounds", 1)!;
const WORKERS = intFlag(f, "request-workers", 1, 1024)!;
const CLIENTS = (f.clients as string).split(",").map(Number);
const HERE = new URL(".", import.meta.url);
const SELF = new URL("titanic.ts", HERE).pathname;

interface Result {
  rps: number;
  acked: number;
  failed: number;
  p50Us: number;
  p99Us: number;
}

/** N clients storing requests as fast as Titanic acknowledges them. */
async function measure(
  endpoint: string,
  n: number,
  service = "nobody",
): Promise<Result> {
  const clients = await Promise.all(
    Array.from({ length: n }, () =>
      TitanicClient.connect(endpoint, {
        attemptTimeoutMs: 30000,
        maxAttempts: 1,
        logger: silentLogger,
      })),
  );
  const body = ["x".repeat(100)];
  let phase: "warm" | "measure" | "stop" = "warm";
  let acked = 0, failed = 0;
  const lat: number[] = [];
  const loops = clients.map(async (c) => {
    while (phase !== "stop") {
      const t0 = performance.now();
      try {
        await c.request(service, body);
        if (phase === "measure") {
          acked++;
          lat.push(performance.now() - t0);
        }
      } catch {
        if (phase === "measure") failed++;
      }
    }
  });
  // Warm-up: one second after every client has had its first answer.
  await new Promise((r) => setTimeout(r, 1000));
  phase = "measure";
  const start = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const ms = performance.now() - start;
  phase = "stop";
  await Promise.all(loops);
  for (const c of clients) await c.close();
  lat.sort((a, b) => a - b);
  const q = (p: number) =>
    Math.round(1000 * (lat[Math.floor(p * (lat.length - 1))] ?? 0));
  return {
    rps: Math.round(acked / ms * 1000),
    acked,
    failed,
    p50Us: q(0.5),
    p99Us: q(0.99),
  };
}

if (f["client-only"]) {
  const r = await measure(
    f.endpoint as string,
    CLIENTS[0],
    (f.service as string | undefined) ?? "nobody",
  );
  console.log(JSON.stringify(r));
  await shutdown();
  Deno.exit(0);
}

async function spawnReady(args: string[], marker: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  let first: Record<string, unknown> | undefined;
  while (!buf.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${args[0]} exited early: ${buf}`);
    buf += value;
    if (!first && buf.includes("\n")) {
      first = JSON.parse(buf.slice(0, buf.indexOf("\n")));
    }
  }
  void (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return { child, ready: first! };
}

async function ours(store: string, sync: boolean, n: number) {
  const broker = await spawnReady([
    new URL("../src/cli/broker.ts", HERE).pathname,
    "--bind",
    "tcp://127.0.0.1:*",
    "--log-level",
    "warn",
    "--stats-ms",
    "0",
  ], '"ready"');
  const dir = Deno.makeTempDirSync({ prefix: "titanic-bench-" });
  const titanic = await spawnReady([
    new URL("../src/cli/titanic.ts", HERE).pathname,
    "--endpoint",
    String(broker.ready.endpoint),
    "--dir",
    dir,
    "--store",
    store,
    "--request-workers",
    String(WORKERS),
    "--log-level",
    "warn",
    "--stats-ms",
    "0",
    ...(sync ? [] : ["--no-sync"]),
  ], '"registered"');
  try {
    return await measure(String(broker.ready.endpoint), n);
  } finally {
    for (const p of [titanic.child, broker.child]) {
      p.kill("SIGKILL");
      await p.status;
    }
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Titanic inside the broker process (`broker --titanic-dir`), over inproc. */
async function inBroker(store: string, n: number) {
  const dir = Deno.makeTempDirSync({ prefix: "titanic-bench-" });
  const broker = await spawnReady([
    new URL("../src/cli/broker.ts", HERE).pathname,
    "--bind",
    "tcp://127.0.0.1:*",
    "--log-level",
    "warn",
    "--stats-ms",
    "0",
    "--titanic-dir",
    dir,
    "--titanic-store",
    store,
  ], '"ready"');
  try {
    return await measure(String(broker.ready.endpoint), n);
  } finally {
    broker.child.kill("SIGKILL");
    await broker.child.status;
    Deno.removeSync(dir, { recursive: true });
  }
}

async function cTitanic(
  out: string,
  n: number,
  preload: boolean,
  worker = false,
) {
  const dir = Deno.makeTempDirSync({ prefix: "titanic-c-" });
  const env = preload ? `LD_PRELOAD=${out}/bin/noresolve.so ` : "";
  const script =
    `ip link set lo up; cd '${dir}'; ${env}'${out}/bin/mdbroker' >/dev/null 2>&1 & B=$!; ` +
    `${env}'${out}/bin/titanic' >/dev/null 2>&1 & T=$!; ` +
    (worker ? `${env}'${out}/bin/mdworker' >/dev/null 2>&1 & W=$!; ` : "W=; ") +
    `'${Deno.execPath()}' run -A '${SELF}' --client-only --endpoint tcp://127.0.0.1:5555 --clients ${n} --seconds ${SECONDS} --service ${
      worker ? "echo" : "nobody"
    }; ` +
    `kill -9 $B $T $W; wait $B $T $W 2>/dev/null; true`;
  const r = await new Deno.Command("unshare", {
    args: ["-n", "bash", "-c", script],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  Deno.removeSync(dir, { recursive: true });
  const line = new TextDecoder().decode(r.stdout).trim().split("\n").pop()!;
  return JSON.parse(line) as Result;
}

const rows: { name: string; clients: number; r: Result }[] = [];
const report = (name: string, clients: number, r: Result) => {
  rows.push({ name, clients, r });
  console.log(JSON.stringify({
    run: name,
    clients,
    ...r,
    seconds: SECONDS,
    deno: Deno.version.deno,
    host: Deno.hostname(),
    load: Deno.loadavg()[0],
    at: new Date().toISOString(),
  }));
};

for (let round = 0; round < ROUNDS; round++) {
  for (const store of (f.stores as string).split(",")) {
    for (const s of (f.sync as string).split(",")) {
      for (const n of CLIENTS) {
        report(`${store}, sync ${s}`, n, await ours(store, s === "on", n));
      }
    }
    if (f["in-broker"]) {
      for (const n of CLIENTS) {
        report(
          `${store}, sync on, inside the broker`,
          n,
          await inBroker(store, n),
        );
      }
    }
  }
  if (f.c) {
    for (const n of CLIENTS) {
      report(
        "C titanic (no fsync), echo worker draining",
        n,
        await cTitanic(f.c as string, n, false, true),
      );
    }
    for (const preload of [false, true]) {
      for (const n of CLIENTS) {
        report(
          `C titanic (no fsync)${preload ? " + noresolve" : ""}`,
          n,
          await cTitanic(f.c as string, n, preload),
        );
      }
    }
  }
}
await shutdown();

const cBest = Math.max(
  0,
  ...rows.filter((r) =>
    r.name.startsWith("C titanic (no fsync)") && !r.name.includes("noresolve")
  ).map((r) => r.r.rps),
);
console.log(
  "\n| run | clients | acknowledged req/s | p50 | p99 | × C titanic (best, as built) |",
);
console.log("|---|---|---|---|---|---|");
for (const { name, clients, r } of rows) {
  console.log(
    `| ${name} | ${clients} | ${r.rps.toLocaleString("en")} | ${
      (r.p50Us / 1000).toFixed(2)
    } ms | ${(r.p99Us / 1000).toFixed(2)} ms | ${
      cBest ? (r.rps / cBest).toFixed(1) : "-"
    } |`,
  );
}
