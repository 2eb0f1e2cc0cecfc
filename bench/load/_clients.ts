// Load-run child: --clients simulated Majordomo clients in one process, all
// served by the process's one reactor. Each client owns one DEALER and has at
// most one request outstanding, like a MajordomoClient. It speaks 7/MDP
// through the codecs in src/protocol/ (`--client raw`, the default, cheap:
// no timer and no promise chain per client) or calls the library's
// MajordomoClient (`--client api`).
//
// Scheduling is open-loop per client: client g of the run sends at
// start + (g / total) · P + k · P for k = 0, 1, ... with P = 1 / --rate, and a
// slot that finds the previous request still outstanding is skipped and
// counted. --rate 0 is closed-loop: each reply triggers the next request.
// Clients start over --ramp-ms in index order. One timer drives everything.
//
// Waits for "go" on stdin, prints one JSON `progress` line per --progress-ms
// (cumulative counters, latency buckets since the last line) and a `done`
// line, then exits.
import { shutdown } from "../../src/transport/mod.ts";
import { intFlag, parseFlags } from "../../src/_util/args.ts";
import { Histogram } from "./_hist.ts";
import { raisedFdLimit, waitForGo } from "./_child.ts";
import { RawClients } from "./_raw.ts";
import { connectClient, type LoadClient } from "./_api.ts";

const f = parseFlags(Deno.args, {
  endpoint: { type: "string", description: "broker" },
  clients: { type: "string", description: "clients here", default: "1000" },
  first: {
    type: "string",
    description: "global index of the first",
    default: "0",
  },
  total: { type: "string", description: "clients in the whole run" },
  rate: {
    type: "string",
    description: "requests/s per client; 0 closed loop",
    default: "1",
  },
  "duration-ms": {
    type: "string",
    description: "sending time",
    default: "30000",
  },
  "ramp-ms": { type: "string", description: "start-up spread", default: "0" },
  "timeout-ms": { type: "string", description: "per attempt", default: "2500" },
  attempts: {
    type: "string",
    description: "attempts per request",
    default: "3",
  },
  retry: {
    type: "string",
    description: "lazy | resend | backoff",
    default: "lazy",
  },
  "reconnect-ms": {
    type: "string",
    description: "ZMQ_RECONNECT_IVL",
    default: "100",
  },
  "reconnect-max-ms": {
    type: "string",
    description: "ZMQ_RECONNECT_IVL_MAX",
    default: "0",
  },
  "progress-ms": {
    type: "string",
    description: "report interval",
    default: "1000",
  },
  "body-bytes": {
    type: "string",
    description: "request body size",
    default: "16",
  },
  service: { type: "string", description: "service", default: "echo" },
  client: { type: "string", description: "raw | api", default: "raw" },
});
const n = intFlag(f, "clients", 1)!;
const first = intFlag(f, "first", 0)!;
const total = intFlag(f, "total", 1) ?? first + n;
const rate = Number(f.rate);
if (!(rate >= 0)) throw new Error("--rate must be a number >= 0");
const durationMs = intFlag(f, "duration-ms", 1)!;
const rampMs = intFlag(f, "ramp-ms", 0)!;
const progressMs = intFlag(f, "progress-ms", 50)!;
const timeoutMs = intFlag(f, "timeout-ms", 1)!;
const attempts = intFlag(f, "attempts", 1)!;
const retry = f.retry as string;
if (!["lazy", "resend", "backoff"].includes(retry)) {
  throw new Error("--retry must be lazy, resend or backoff");
}
const mode = f.client as string;
const fdLimit = raisedFdLimit();
const hist = new Histogram();
const counters = {
  sent: 0, // requests started (not counting resends)
  attemptsSent: 0, // every send, resends included
  replies: 0, // requests answered
  timeouts: 0, // attempts that timed out
  failed: 0, // requests given up after every attempt
  stale: 0, // replies to an earlier attempt or request (dropped)
  errors: 0, // send or socket errors, malformed replies
  skipped: 0, // slots missed because the previous request was outstanding
  opened: 0, // sockets opened (1 + reconnects per client)
  served: 0, // distinct clients that got at least one reply
};
let firstError: string | undefined;

const period = rate > 0 ? 1000 / rate : 0;
const phase = (i: number) => ((first + i) / total) * period;
const activation = (i: number) => (rampMs * (first + i)) / total;

// ---- the clients ------------------------------------------------------------

interface Driver {
  /** Opens client i's connection. */
  open(i: number): Promise<void> | void;
  /** Starts client i's next request unless one is outstanding. */
  fire(i: number, now: number): boolean;
  /** Timeouts and delayed retries. */
  tick(now: number): void;
  outstanding(): number;
  active(): number;
  close(): Promise<void>;
}

function apiDriver(): Driver {
  const clients: (LoadClient | null)[] = new Array(n).fill(null);
  const busy = new Uint8Array(n);
  const served = new Uint8Array(n);
  const seq = new Uint32Array(n);
  let busyCount = 0;
  let activeCount = 0;
  let stopped = false;
  const payload = (i: number) => {
    const b = new Uint8Array(Math.max(12, intFlag(f, "body-bytes", 12)!));
    const v = new DataView(b.buffer);
    v.setUint32(0, first + i);
    v.setUint32(4, seq[i]);
    return b;
  };
  const d: Driver = {
    open(i) {
      activeCount++;
      return connectClient(f.endpoint as string, { timeoutMs, attempts })
        .then((c) => {
          clients[i] = c;
          counters.opened++;
        }, (e) => {
          counters.errors++;
          firstError ??= String(e);
        });
    },
    fire(i) {
      const c = clients[i];
      if (c === null || stopped) return false;
      if (busy[i]) {
        counters.skipped++;
        return false;
      }
      busy[i] = 1;
      busyCount++;
      seq[i]++;
      counters.sent++;
      counters.attemptsSent++;
      const t = performance.now();
      c.request(f.service as string, [payload(i)]).then(() => {
        hist.recordMs(performance.now() - t);
        counters.replies++;
        if (!served[i]) {
          served[i] = 1;
          counters.served++;
        }
      }, (e) => {
        counters.failed++;
        if (e?.name !== "RequestTimeoutError") {
          counters.errors++;
          firstError ??= String(e);
        }
      }).finally(() => {
        busy[i] = 0;
        busyCount--;
        if (period === 0 && running()) d.fire(i, performance.now());
      });
      return true;
    },
    tick() {},
    outstanding: () => busyCount,
    active: () => activeCount,
    async close() {
      stopped = true;
      await Promise.all(clients.map((c) => c?.close()));
    },
  };
  return d;
}

const driver: Driver = mode === "api" ? apiDriver() : new RawClients({
  endpoint: f.endpoint as string,
  service: f.service as string,
  n,
  first,
  timeoutMs,
  attempts,
  retry: retry as "lazy" | "resend" | "backoff",
  bodyBytes: intFlag(f, "body-bytes", 12)!,
  socketOptions: {
    linger: 0,
    reconnectIntervalMs: intFlag(f, "reconnect-ms", 1)!,
    reconnectIntervalMaxMs: intFlag(f, "reconnect-max-ms", 0)!,
  },
  closedLoop: period === 0,
  running: () => running(),
  hist,
  counters,
  onError: (e) => {
    firstError ??= String(e);
  },
});

// ---- the one timer ----------------------------------------------------------

// Without a ramp, every client connects before the run starts (in slices,
// so libzmq's I/O thread and the reactor keep up), and the run measures the
// steady state; with one, clients connect during the run, in index order.
let nextActivate = 0;
if (rampMs === 0) {
  const pending: Promise<void>[] = [];
  for (; nextActivate < n; nextActivate++) {
    const p = driver.open(nextActivate);
    if (p) pending.push(p);
    if (nextActivate % 200 === 199) await new Promise((r) => setTimeout(r, 0));
  }
  await Promise.all(pending);
}
console.log(
  JSON.stringify({
    event: "ready",
    clients: n,
    opened: counters.opened,
    pid: Deno.pid,
    fdLimit,
    firstError,
  }),
);
await waitForGo();
const t0 = performance.now();
const endAt = t0 + durationMs;
const running = () => performance.now() < endAt;
if (period === 0) {
  for (let i = 0; i < nextActivate; i++) driver.fire(i, t0);
}
let cursor = 0;
let round = 0;
let lastReport = t0;

function report(event: string): void {
  const now = performance.now();
  console.log(JSON.stringify({
    event,
    t: Math.round(now - t0),
    ...counters,
    outstanding: driver.outstanding(),
    active: driver.active(),
    hist: hist.sparse(),
    maxUs: Math.round(hist.maxUs),
    firstError,
  }));
  hist.reset();
  lastReport = now;
}

const tickMs = 5;
const done = Promise.withResolvers<void>();
const timer = setInterval(() => {
  const now = performance.now();
  const rel = now - t0;
  while (nextActivate < n && activation(nextActivate) <= rel) {
    const i = nextActivate++;
    const opened = driver.open(i);
    if (period === 0) {
      if (opened) void opened.then(() => driver.fire(i, performance.now()));
      else driver.fire(i, now);
    }
  }
  if (period > 0 && now < endAt) {
    for (;;) {
      const slot = phase(cursor) + round * period;
      if (slot > rel) break;
      if (cursor < nextActivate) driver.fire(cursor, now);
      if (++cursor === n) {
        cursor = 0;
        round++;
      }
    }
  }
  driver.tick(now);
  if (now - lastReport >= progressMs) report("progress");
  const drainLimit = endAt + timeoutMs * attempts + 5000;
  if (now >= endAt && (driver.outstanding() === 0 || now >= drainLimit)) {
    clearInterval(timer);
    done.resolve();
  }
}, tickMs);
await done.promise;
report("done");
await driver.close();
await shutdown();
