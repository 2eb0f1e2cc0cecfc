// The load run's summary (printed) and JSON record (self-describing: the
// configuration, the machine, the plan and every progress sample).
import type { ParsedFlags } from "../../src/_util/args.ts";
import type { Histogram } from "./_hist.ts";
import type { Plan } from "./_plan.ts";
import type { ProcSample } from "./_sys.ts";
import type { BadResult } from "./_bad.ts";

export interface RunFacts {
  flags: ParsedFlags;
  plan: Plan;
  totalHist: Histogram;
  sum(key: string): number;
  timeline: Record<string, unknown>[];
  baseline: ProcSample | null;
  connected: ProcSample | null;
  after: ProcSample | null;
  peakRss: number;
  maxEstab: number;
  maxima: Record<string, number>;
  netstat0: Record<string, number>;
  netstat1: Record<string, number>;
  seconds: number;
  brokerFinal?: Record<string, unknown>;
  errorsSeen: unknown[];
  exitCodes: number[];
  bad?: BadResult;
  connectPhase: Record<string, number>;
  log(line: string): void;
}

const MiB = 2 ** 20;
const n = (v: number) =>
  Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "-";
const ms = (v: number) =>
  Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(0)) : "-";

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function summarize(r: RunFacts): Record<string, unknown> {
  const f = r.flags;
  const sent = r.sum("sent");
  const replies = r.sum("replies");
  const durationS = Number(f["duration-s"]);
  const rampS = Number(f["ramp-s"]);
  // Steady state: samples after the ramp (and the first sample), while sending.
  const steady = r.timeline.filter((e) =>
    (e.t as number) > rampS + 2 && (e.t as number) <= durationS
  );
  const steadyRate = median(steady.map((e) => e.reqPerSec as number));
  const cpu = steady.map((e) => e.brokerCpuPct as number).filter(
    Number.isFinite,
  );
  const machine = steady.map((e) => e.machineCpuPct as number).filter(
    Number.isFinite,
  );
  // Memory per connection: the broker's RSS once every client is connected
  // (before any request) over its RSS with only the workers. Under a ramp
  // there is no such moment: the largest RSS while sending is used.
  const rssConnected = r.connected && Number(f["ramp-s"]) === 0
    ? r.connected.rssBytes
    : Math.max(
      0,
      ...steady.map((e) => ((e.brokerRssMiB as number) ?? 0) * MiB),
    );
  const conns = Number(r.connectPhase.established ?? r.maxEstab) -
    Number(f.workers);
  const base = r.baseline?.rssBytes ?? NaN;
  const perConn = conns > 0 ? (rssConnected - base) / conns : NaN;
  const netDelta: Record<string, number> = {};
  for (const k of Object.keys(r.netstat1)) {
    netDelta[k] = r.netstat1[k] - (r.netstat0[k] ?? 0);
  }
  const h = r.totalHist;
  const maxEstablished = Math.max(
    Number.isFinite(r.maxEstab) ? r.maxEstab : 0,
    Number(r.connectPhase.established ?? 0),
  );
  const results = {
    clients: r.plan.clients,
    maxEstablished,
    served: r.sum("served"),
    sent,
    answered: replies,
    answeredPct: sent > 0 ? +(replies / sent * 100).toFixed(3) : 0,
    failed: r.sum("failed"),
    timeouts: r.sum("timeouts"),
    stale: r.sum("stale"),
    errors: r.sum("errors"),
    skippedSlots: r.sum("skipped"),
    socketsOpened: r.sum("opened"),
    reqPerSecSteady: Math.round(steadyRate),
    reqPerSecOverall: Math.round(replies / Math.max(1, durationS)),
    latencyMs: {
      p50: h.quantileMs(0.5),
      p90: h.quantileMs(0.9),
      p99: h.quantileMs(0.99),
      p999: h.quantileMs(0.999),
      max: h.maxMs,
    },
    broker: {
      rssBaselineMiB: +(base / MiB).toFixed(1),
      rssConnectedMiB: +(rssConnected / MiB).toFixed(1),
      rssPeakMiB: +(r.peakRss / MiB).toFixed(1),
      rssAfterMiB: r.after ? +(r.after.rssBytes / MiB).toFixed(1) : undefined,
      bytesPerConnection: Math.round(perConn),
      cpuPctMedian: median(cpu),
      cpuPctMax: Math.max(...cpu, 0),
      counters: r.brokerFinal?.counters,
      memory: r.brokerFinal?.memory,
    },
    machineCpuPctMedian: median(machine),
    tcpMaxima: r.maxima,
    kernelCounters: netDelta,
    clientExitCodes: r.exitCodes,
    firstErrors: r.errorsSeen.slice(0, 3),
    bad: r.bad,
    connectPhase: r.connectPhase,
  };
  const L = r.log;
  L("== load summary ==");
  L(
    `clients ${
      n(r.plan.clients)
    } in ${r.plan.procs} processes (${f.client}, retry ${
      f.client === "api" ? "inside MajordomoClient" : f.retry
    }), ${f.rate} req/s each for ${durationS} s, ${f.workers} workers`,
  );
  L(
    `connected: max ${n(maxEstablished)} connections at the broker; served ${
      n(results.served)
    } of ${n(r.plan.clients)} clients; ${
      n(results.socketsOpened)
    } sockets opened`,
  );
  L(
    `requests: sent ${n(sent)}, answered ${
      n(replies)
    } (${results.answeredPct}%), failed ${
      n(results.failed)
    }, attempt timeouts ${n(results.timeouts)}, stale replies ${
      n(results.stale)
    }, errors ${n(results.errors)}, skipped slots ${n(results.skippedSlots)}`,
  );
  L(
    `throughput: ${n(steadyRate)} req/s steady (median of samples), ${
      n(results.reqPerSecOverall)
    } req/s over the run`,
  );
  L(
    `latency (first send to reply): p50 ${ms(results.latencyMs.p50)} p90 ${
      ms(results.latencyMs.p90)
    } p99 ${ms(results.latencyMs.p99)} p99.9 ${
      ms(results.latencyMs.p999)
    } max ${ms(results.latencyMs.max)} ms`,
  );
  const b = results.broker;
  L(
    `broker: RSS ${b.rssBaselineMiB} MiB before clients, ${b.rssConnectedMiB} MiB connected (${
      n(b.bytesPerConnection / 1024)
    } KiB per connection), peak ${b.rssPeakMiB} MiB, ${
      b.rssAfterMiB ?? "-"
    } MiB after; CPU median ${b.cpuPctMedian}% of one core, max ${b.cpuPctMax}%`,
  );
  const c = b.counters as Record<string, number> | undefined;
  if (c) {
    L(
      `broker counters: requests ${n(c.requests)}, replies ${
        n(c.replies)
      }, unroutable replies ${n(c.unroutableReplies)}, dropped ${
        n(c.droppedRequests)
      }, expired ${n(c.expiredRequests)}, invalid ${n(c.invalidMessages)}`,
    );
  }
  L(
    `kernel: ${
      Object.entries(netDelta).map(([k, v]) => `${k} +${v}`).join(", ")
    }; max SYN-RECV ${r.maxima.synRecv ?? "-"}, SYN-SENT ${
      r.maxima.synSent ?? "-"
    }, accept queue ${r.maxima.acceptQueue ?? "-"}, TIME-WAIT ${
      r.maxima.timeWait ?? "-"
    }`,
  );
  L(`machine: median ${results.machineCpuPctMedian}% CPU over all cores (others' work included)`);
  if (r.bad) L(`bad clients: ${JSON.stringify(r.bad)}`);
  for (const e of results.firstErrors) L(`first error: ${e}`);
  return {
    bench: "c10k-load",
    date: new Date().toISOString(),
    host: Deno.hostname(),
    cpus: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    config: Object.fromEntries(Object.entries(f).filter(([k]) => k !== "help")),
    plan: r.plan,
    seconds: +r.seconds.toFixed(1),
    results,
    timeline: r.timeline,
  };
}
