// `deno task load`: the C10K load generator (issue 15).
//
// Starts a Majordomo broker, --workers echo workers, and --clients client
// sockets spread over several processes (each process serves thousands of
// DEALERs from its one reactor), drives each client at --rate requests/s for
// --duration-s, and prints a progress line every --progress-s (clients
// connected at the broker, requests/s, latency p50/p99/max, timeouts, broker
// RSS and CPU, kernel listen-queue state), then a summary and one JSON record.
//
//   deno task load                              # 10,000 clients, 1 req/s, 30 s
//   deno task load --clients 1000 --duration-s 20
//   deno task load --clients 10000 --rate 0     # saturation: as fast as possible
//   deno task load --retry resend               # retry on the same connection
//   deno task load --bad vanish=1000,garbage=100,noread=100
//
// Checks the file-descriptor limit first and says exactly what to raise.
import {
  helpText,
  intFlag,
  type ParsedFlags,
  parseFlags,
  UsageError,
} from "../../src/_util/args.ts";
import { Histogram } from "./_hist.ts";
import { FLAGS, makePlan } from "./_plan.ts";
import { go, type Proc, spawnScript, stop } from "./_proc.ts";
import {
  machineCpuMs,
  type ProcSample,
  sampleNetstat,
  sampleProc,
  sampleTcp,
  type TcpSample,
} from "./_sys.ts";
import { parseBad, startBad } from "./_bad.ts";
import { summarize } from "./_report.ts";

let f: ParsedFlags;
try {
  f = parseFlags(Deno.args, FLAGS);
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`${e.message}\n\n${helpText("deno task load [flags]", FLAGS)}`);
  Deno.exit(2);
}
if (f.help) {
  console.log(helpText("deno task load [flags]", FLAGS));
  Deno.exit(0);
}
const bad = parseBad(f.bad as string | undefined);
const plan = makePlan(f, bad.total);
const log = (s: string) => console.log(s);
log(
  `load: ${
    plan.clients.toLocaleString("en-US")
  } clients in ${plan.procs} processes (${
    plan.perProc[0]
  } each), rate ${f.rate}/s per client, ${
    f["duration-s"]
  } s, ${f.workers} workers, client ${f.client}, retry ${f.retry}`,
);
log(
  `      fd limit soft ${plan.fdLimit.soft} hard ${plan.fdLimit.hard}; needs ${plan.fdPerClientProc} per client process, ${plan.fdBroker} for the broker; ${
    Object.entries(plan.sysctls).map(([k, v]) => `${k}=${v}`).join(" ")
  }`,
);
for (const w of plan.warnings) log(`      warning: ${w}`);
if (plan.error) {
  console.error(`load: ${plan.error}`);
  Deno.exit(1);
}

const progressMs = intFlag(f, "progress-s", 1)! * 1000;
const children: Proc[] = [];
const cleanup = async () => {
  await Promise.all(children.map((p) => stop(p, 2000)));
};
Deno.addSignalListener("SIGINT", () => {
  void cleanup().then(() => Deno.exit(130));
});

// ---- broker and workers -------------------------------------------------------
let endpoint = f.endpoint as string | undefined;
let broker: Proc | undefined;
if (!endpoint) {
  const args = ["--progress-ms", String(progressMs)];
  if (f["broker-heartbeat-ms"]) {
    args.push("--heartbeat-ms", String(f["broker-heartbeat-ms"]));
  }
  if (f["spin-us"]) args.push("--spin-us", String(f["spin-us"]));
  if (f["broker-request-ttl-ms"]) {
    args.push("--request-ttl-ms", String(f["broker-request-ttl-ms"]));
  }
  broker = await spawnScript("broker", "./_broker.ts", args);
  children.push(broker);
  endpoint = broker.ready.endpoint as string;
}
const port = Number(/:(\d+)$/.exec(endpoint)?.[1] ?? 0);
const workers = await spawnScript("workers", "./_workers.ts", [
  "--endpoint",
  endpoint,
  "--count",
  String(f.workers),
]);
children.push(workers);

const brokerPid = broker ? Number(broker.ready.pid) : undefined;
// Broker memory with its workers but no client yet.
await new Promise((r) => setTimeout(r, 500));
const baseline = brokerPid ? sampleProc(brokerPid) : null;

// ---- clients --------------------------------------------------------------------
const clientArgs = (n: number, first: number) => [
  "--endpoint",
  endpoint!,
  "--clients",
  String(n),
  "--first",
  String(first),
  "--total",
  String(plan.clients),
  "--rate",
  String(f.rate),
  "--duration-ms",
  String(intFlag(f, "duration-s", 1)! * 1000),
  "--ramp-ms",
  String(intFlag(f, "ramp-s", 0)! * 1000),
  "--timeout-ms",
  String(f["timeout-ms"]),
  "--attempts",
  String(f.attempts),
  "--retry",
  String(f.retry),
  "--client",
  String(f.client),
  "--reconnect-ms",
  String(f["reconnect-ms"]),
  "--reconnect-max-ms",
  String(f["reconnect-max-ms"]),
  "--body-bytes",
  String(f["body-bytes"]),
  "--progress-ms",
  "500",
];
const totalHist = new Histogram();
let intervalHist = new Histogram();
const clientProcs: Proc[] = [];
let first = 0;
const starting = plan.perProc.map((n) => {
  const args = clientArgs(n, first);
  first += n;
  return spawnScript(`clients-${clientProcs.length}`, "./_clients.ts", args, {
    stdin: true,
  });
});
for (const p of await Promise.all(starting)) {
  p.onLine = (m) => {
    if (Array.isArray(m.hist)) {
      totalHist.addSparse(m.hist as number[], Number(m.maxUs ?? 0));
      intervalHist.addSparse(m.hist as number[], Number(m.maxUs ?? 0));
    }
  };
  clientProcs.push(p);
  children.push(p);
}

// ---- connect phase (no ramp): every client connected before requests start --
// Counted at the broker: established TCP connections (ss), or, where ss is
// missing, the broker's descriptors beyond those it had with its workers.
const connectPhase: Record<string, number> = {};
if (intFlag(f, "ramp-s", 0) === 0 && port) {
  const want = plan.clients + Number(f.workers);
  const c0 = performance.now();
  const count = async (): Promise<{ n: number; queued: number } | null> => {
    const tcp = f["no-ss"] ? null : await sampleTcp(port);
    if (tcp) return { n: tcp.server.ESTAB ?? 0, queued: tcp.acceptQueue };
    if (!brokerPid || !baseline) return null;
    const b = sampleProc(brokerPid);
    return b
      ? { n: b.fds - baseline.fds + Number(f.workers), queued: 0 }
      : null;
  };
  let c = await count();
  while (c && performance.now() - c0 < 120000) {
    if (c.n >= want && c.queued === 0) break;
    await new Promise((r) => setTimeout(r, 250));
    c = await count();
  }
  if (c) {
    connectPhase.seconds = +((performance.now() - c0) / 1000).toFixed(1);
    connectPhase.established = c.n;
    log(
      `connect: ${c.n} connections at the broker ${connectPhase.seconds} s after every client process had opened its sockets`,
    );
  }
}

// ---- run ------------------------------------------------------------------------
const connected = brokerPid ? sampleProc(brokerPid) : null;
const netstat0 = sampleNetstat();
const timeline: Record<string, unknown>[] = [];
const t0 = performance.now();
await Promise.all(clientProcs.map(go));
const badRun = bad.total > 0
  ? startBad(bad, endpoint, intFlag(f, "bad-at-s", 0)! * 1000, children)
  : undefined;

// Requests/s from the children's own clocks: per process, replies since its
// line seen at the previous sample over the time between the two lines.
const lastSeen = new Map<Proc, { t: number; replies: number }>();
function replyRate(): number {
  let r = 0;
  for (const p of clientProcs) {
    const m = p.last.get("done") ?? p.last.get("progress");
    if (!m) continue;
    const now = { t: Number(m.t), replies: Number(m.replies) };
    const was = lastSeen.get(p) ?? { t: 0, replies: 0 };
    if (now.t > was.t) {
      r += (now.replies - was.replies) / ((now.t - was.t) / 1000);
    }
    lastSeen.set(p, now);
  }
  return r;
}
const sum = (key: string) =>
  clientProcs.reduce((a, p) => {
    const m = p.last.get("done") ?? p.last.get("progress");
    return a + Number(m?.[key] ?? 0);
  }, 0);
let prev = {
  t: 0,
  replies: 0,
  cpuMs: baseline?.cpuMs ?? 0,
  jsMs: baseline?.jsMs ?? 0,
  ioMs: baseline?.ioMs ?? 0,
  machine: machineCpuMs(),
  workersMs: 0,
  clientsMs: 0,
};
// CPU time of processes, keeping the last value seen once one has exited.
const lastCpu = new Map<Proc, number>();
const cpuOf = (ps: Proc[]) =>
  ps.reduce((a, p) => {
    const ms = sampleProc(p.child.pid)?.cpuMs ?? lastCpu.get(p) ?? 0;
    lastCpu.set(p, ms);
    return a + ms;
  }, 0);
let peakRss = baseline?.rssBytes ?? 0;
let maxEstab = 0;
const maxima: Record<string, number> = {};
const doneAll = Promise.all(clientProcs.map((p) => p.exited));
let finished = false;
void doneAll.then(() => finished = true);

async function sampleOnce(): Promise<void> {
  const t = performance.now() - t0;
  const replies = sum("replies");
  const b: ProcSample | null = brokerPid ? sampleProc(brokerPid) : null;
  const machine = machineCpuMs();
  const workersMs = cpuOf([workers]);
  const clientsMs = cpuOf(clientProcs);
  const tcp: TcpSample | null = f["no-ss"] || !port
    ? null
    : await sampleTcp(port);
  const rate = replyRate();
  const pct = (now: number, was: number) => (now - was) / (t - prev.t) * 100;
  const cpu = b ? pct(b.cpuMs, prev.cpuMs) : NaN;
  const mcpu = (machine - prev.machine) / (t - prev.t) * 100;
  const wcpu = (workersMs - prev.workersMs) / (t - prev.t) * 100;
  const ccpu = (clientsMs - prev.clientsMs) / (t - prev.t) * 100;
  if (b) peakRss = Math.max(peakRss, b.rssBytes);
  const estab = tcp ? tcp.server.ESTAB ?? 0 : NaN;
  if (estab > maxEstab) maxEstab = estab;
  for (
    const [k, v] of Object.entries({
      synRecv: tcp?.server["SYN-RECV"] ?? 0,
      synSent: tcp?.client["SYN-SENT"] ?? 0,
      acceptQueue: tcp?.acceptQueue ?? 0,
      timeWait: (tcp?.client["TIME-WAIT"] ?? 0) +
        (tcp?.server["TIME-WAIT"] ?? 0),
    })
  ) maxima[k] = Math.max(maxima[k] ?? 0, v);
  const ih = intervalHist;
  intervalHist = new Histogram();
  const entry = {
    t: Math.round(t / 1000),
    established: estab,
    synRecv: tcp ? tcp.server["SYN-RECV"] ?? 0 : undefined,
    synSent: tcp ? tcp.client["SYN-SENT"] ?? 0 : undefined,
    acceptQueue: tcp?.acceptQueue,
    served: sum("served"),
    active: sum("active"),
    reqPerSec: Math.round(rate),
    p50Ms: ih.quantileMs(0.5),
    p99Ms: ih.quantileMs(0.99),
    maxMs: ih.maxMs,
    timeouts: sum("timeouts"),
    failed: sum("failed"),
    stale: sum("stale"),
    errors: sum("errors"),
    opened: sum("opened"),
    brokerRssMiB: b ? +(b.rssBytes / 2 ** 20).toFixed(1) : undefined,
    brokerCpuPct: Math.round(cpu),
    brokerJsCpuPct: b ? Math.round(pct(b.jsMs, prev.jsMs)) : undefined,
    brokerIoCpuPct: b ? Math.round(pct(b.ioMs, prev.ioMs)) : undefined,
    brokerFds: b?.fds,
    machineCpuPct: Math.round(mcpu),
    workersCpuPct: Math.round(wcpu),
    clientsCpuPct: Math.round(ccpu),
    broker: broker?.last.get("broker")?.counters,
  };
  timeline.push(entry);
  const ms = (v: number) =>
    Number.isNaN(v) ? "-" : v < 10 ? v.toFixed(2) : v.toFixed(0);
  log(
    `[${String(entry.t).padStart(4)}s] conn ${estab} (syn-recv ${
      entry.synRecv ?? "-"
    }, syn-sent ${entry.synSent ?? "-"}, accept-q ${
      entry.acceptQueue ?? "-"
    }) served ${entry.served}/${plan.clients} | ${entry.reqPerSec} req/s | p50 ${
      ms(entry.p50Ms)
    } p99 ${ms(entry.p99Ms)} max ${
      ms(entry.maxMs)
    } ms | timeouts ${entry.timeouts} failed ${entry.failed} stale ${entry.stale} err ${entry.errors} reopened ${
      entry.opened - entry.active
    } | broker ${
      entry.brokerRssMiB ?? "-"
    } MiB ${entry.brokerCpuPct}% cpu (js ${entry.brokerJsCpuPct ?? "-"}% io ${
      entry.brokerIoCpuPct ?? "-"
    }%) | workers ${entry.workersCpuPct}% clients ${entry.clientsCpuPct}% machine ${entry.machineCpuPct}%`,
  );
  prev = {
    t,
    replies,
    cpuMs: b?.cpuMs ?? 0,
    jsMs: b?.jsMs ?? 0,
    ioMs: b?.ioMs ?? 0,
    machine,
    workersMs,
    clientsMs,
  };
}

while (!finished) {
  await Promise.race([doneAll, new Promise((r) => setTimeout(r, progressMs))]);
  await sampleOnce();
}
const errorsSeen = clientProcs.map((p) =>
  (p.last.get("done") ?? p.last.get("progress"))?.firstError
).filter(Boolean);
const exitCodes = (await doneAll).map((s) => s.code);
const badResult = await badRun?.finish();
// Broker memory after every client has gone (their sockets closed).
const after = brokerPid ? sampleProc(brokerPid) : null;
const brokerFinal = broker ? await finalStats(broker) : undefined;
await stop(workers);
const record = summarize({
  flags: f,
  plan,
  totalHist,
  sum,
  timeline,
  baseline,
  connected,
  after,
  peakRss,
  maxEstab,
  maxima,
  netstat0,
  netstat1: sampleNetstat(),
  seconds: (performance.now() - t0) / 1000,
  brokerFinal,
  errorsSeen,
  exitCodes,
  bad: badResult,
  connectPhase,
  log,
});
if (f.json) {
  await Deno.writeTextFile(
    f.json as string,
    JSON.stringify(record, null, 1) + "\n",
  );
}
console.log(JSON.stringify(record));
for (const p of clientProcs) {
  if ((await p.exited).code !== 0) {
    console.error(`${p.name} stderr:\n${p.stderr.join("")}`);
  }
}

async function finalStats(
  p: Proc,
): Promise<Record<string, unknown> | undefined> {
  const got = new Promise<void>((r) => {
    const prevOnLine = p.onLine;
    p.onLine = (m) => {
      prevOnLine?.(m);
      if (m.event === "broker-final") r();
    };
  });
  const status = stop(p);
  await Promise.race([got, status]);
  await status;
  return p.last.get("broker-final");
}
