// The cost of CURVE (issue 17): Majordomo echo requests through the broker
// CLI (a child process) with CURVE off and on, measured in the same run and
// interleaved over --rounds, from a client and a worker in this process.
// With CURVE both hops (client-broker and broker-worker) are encrypted, and
// the broker checks worker keys (--allow-workers) as a deployment would.
//
//   deno task bench:security [--requests 20000] [--window 200] [--size 100] [--rounds 3]
//
// `--compare attribution` measures the broker's per-user request counts
// instead: CURVE on in both runs, without --allow-workers (so that reading
// each message's User-Id is paid for attribution alone), `--users-counted
// 0` (off) against the default (on).
//
// Prints one JSON line per run, then a Markdown table of medians and the
// on/off ratio.
import { shutdown } from "../src/transport/mod.ts";
import {
  MajordomoAsyncClient,
  MajordomoClient,
  MajordomoWorker,
} from "../src/patterns/majordomo/mod.ts";
import { writeKeyPair } from "../src/security/keys.ts";
import { silentLogger } from "../src/_util/logger.ts";
import { intFlag, parseFlags } from "../src/_util/args.ts";

const f = parseFlags(Deno.args, {
  requests: {
    type: "string",
    description: "requests per run",
    default: "20000",
  },
  window: {
    type: "string",
    description: "async requests in flight",
    default: "200",
  },
  size: { type: "string", description: "request body bytes", default: "100" },
  rounds: { type: "string", description: "off/on pairs", default: "3" },
  workers: {
    type: "string",
    description: "workers for the async run",
    default: "4",
  },
  compare: {
    type: "string",
    description:
      "curve (CURVE off vs on) or attribution (CURVE on, per-user counts off vs on)",
    default: "curve",
  },
});
const COMPARE = f.compare as string;
if (COMPARE !== "curve" && COMPARE !== "attribution") {
  throw new Error(`--compare must be curve or attribution, got ${COMPARE}`);
}
const ATTR = COMPARE === "attribution";
const N = intFlag(f, "requests", 1)!;
const WINDOW = intFlag(f, "window", 1)!;
const SIZE = intFlag(f, "size", 1)!;
const ROUNDS = intFlag(f, "rounds", 1)!;
const WORKERS = intFlag(f, "workers", 1)!;
const SYNC_N = Math.max(1, Math.floor(N / 4));

const dir = await Deno.makeTempDir({ prefix: "rzmq-bench-sec-" });
await Deno.mkdir(`${dir}/clients`);
await Deno.mkdir(`${dir}/workers`);
const broker = await writeKeyPair(`${dir}/broker`);
const client = await writeKeyPair(`${dir}/clients/client`);
const worker = await writeKeyPair(`${dir}/workers/worker`);
await Deno.rename(client.secretFile, `${dir}/client_secret`);
await Deno.rename(worker.secretFile, `${dir}/worker_secret`);
// Without --allow-workers, the worker's key must be an admitted client key.
if (ATTR) await Deno.copyFile(worker.publicFile, `${dir}/clients/worker`);

interface Proc {
  endpoint: string;
  child: Deno.ChildProcess;
}

async function spawnBroker(on: boolean): Promise<Proc> {
  const curve = ATTR || on;
  const args = [
    "run",
    "-A",
    new URL("../src/cli/broker.ts", import.meta.url).pathname,
    "--bind",
    "tcp://127.0.0.1:*",
    "--log-level",
    "warn",
    "--stats-ms",
    "0",
    ...(curve
      ? [
        "--curve-secret",
        broker.secretFile,
        "--allow-clients",
        `${dir}/clients`,
        ...(ATTR
          ? ["--users-counted", on ? "1000" : "0"]
          : ["--allow-workers", `${dir}/workers`]),
      ]
      : []),
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("broker exited before its ready line");
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

function cpuMs(pid: number): number {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(
      " ",
    );
    return (Number(s[11]) + Number(s[12])) * 10;
  } catch {
    return NaN;
  }
}

interface Run {
  curve: boolean;
  syncP50Us: number;
  syncP99Us: number;
  syncReqPerSec: number;
  asyncReqPerSec: number;
  brokerCpuUsPerReq: number;
  handshakeMs: number;
}

const body = "x".repeat(SIZE);

async function once(on: boolean): Promise<Run> {
  const b = await spawnBroker(on);
  const curve = ATTR || on;
  const clientSec = curve
    ? {
      security: {
        curve: {
          serverKey: broker.publicKey,
          secretFile: `${dir}/client_secret`,
        },
      },
    }
    : {};
  const workerSec = curve
    ? {
      security: {
        curve: {
          serverKey: broker.publicKey,
          secretFile: `${dir}/worker_secret`,
        },
      },
    }
    : {};
  const ws = await Promise.all(
    Array.from(
      { length: WORKERS },
      () =>
        MajordomoWorker.connect(b.endpoint, "echo", (r) => r, {
          logger: silentLogger,
          ...workerSec,
        }),
    ),
  );
  try {
    // Connect + handshake + first round trip.
    const h0 = performance.now();
    const c = await MajordomoClient.connect(b.endpoint, {
      logger: silentLogger,
      ...clientSec,
    });
    await c.request("echo", [body]);
    const handshakeMs = performance.now() - h0;
    for (let i = 0; i < 500; i++) await c.request("echo", [body]);
    const lat = new Float64Array(SYNC_N);
    const cpu0 = cpuMs(b.child.pid);
    const t0 = performance.now();
    for (let i = 0; i < SYNC_N; i++) {
      const s = performance.now();
      await c.request("echo", [body]);
      lat[i] = performance.now() - s;
    }
    const syncMs = performance.now() - t0;
    await c.close();
    lat.sort();
    const ac = await MajordomoAsyncClient.connect(b.endpoint, {
      logger: silentLogger,
      ...clientSec,
    });
    await ac.request("echo", [body]);
    const t1 = performance.now();
    let sent = 0;
    const lane = async () => {
      while (sent < N) {
        sent++;
        await ac.request("echo", [body]);
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    const asyncMs = performance.now() - t1;
    const cpu1 = cpuMs(b.child.pid);
    await ac.close();
    const run: Run = {
      curve: on,
      syncP50Us: Math.round(lat[Math.floor(SYNC_N * 0.5)] * 1000),
      syncP99Us: Math.round(lat[Math.floor(SYNC_N * 0.99)] * 1000),
      syncReqPerSec: Math.round(SYNC_N / (syncMs / 1000)),
      asyncReqPerSec: Math.round(N / (asyncMs / 1000)),
      brokerCpuUsPerReq: +(((cpu1 - cpu0) * 1000) / (SYNC_N + N)).toFixed(1),
      handshakeMs: +handshakeMs.toFixed(1),
    };
    console.log(JSON.stringify({
      bench: ATTR ? "security-attribution" : "security",
      ...run,
      size: SIZE,
      requests: N,
      window: WINDOW,
      deno: Deno.version.deno,
      cpus: navigator.hardwareConcurrency,
    }));
    return run;
  } finally {
    for (const w of ws) await w.close();
    b.child.kill("SIGTERM");
    await b.child.status;
  }
}

const runs: Run[] = [];
for (let r = 0; r < ROUNDS; r++) {
  runs.push(await once(false));
  runs.push(await once(true));
}
await shutdown();
await Deno.remove(dir, { recursive: true });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const keys = [
  ["syncP50Us", "sync round trip p50 (µs)"],
  ["syncP99Us", "sync round trip p99 (µs)"],
  ["syncReqPerSec", "sync req/s (1 in flight)"],
  ["asyncReqPerSec", `async req/s (${WINDOW} in flight, ${WORKERS} workers)`],
  ["brokerCpuUsPerReq", "broker CPU µs per request"],
  ["handshakeMs", "connect + first request (ms)"],
] as const;
console.log(
  `\n${N} async + ${SYNC_N} sync echo requests of ${SIZE} B, median of ${ROUNDS} interleaved rounds\n`,
);
console.log(
  ATTR
    ? "| | attribution off | attribution on | on ÷ off |"
    : "| | CURVE off | CURVE on | on ÷ off |",
);
console.log("| --- | ---: | ---: | ---: |");
for (const [k, label] of keys) {
  const off = median(runs.filter((r) => !r.curve).map((r) => r[k]));
  const on = median(runs.filter((r) => r.curve).map((r) => r[k]));
  console.log(`| ${label} | ${off} | ${on} | ${(on / off).toFixed(2)} |`);
}
