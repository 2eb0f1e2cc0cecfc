/**
 * Metrics of a Majordomo broker, fed by its events and its `stats`:
 * counters, gauges (queue depth, workers and connections per service) and
 * latency histograms per service, from the request's arrival at the broker
 * to its reply leaving it. Attaching adds one event listener; detaching
 * removes it, and a broker nobody listens to builds no event at all.
 *
 * @module
 */
import type { Clock } from "../_util/clock.ts";
import { count, durationMs, readOptions } from "../_util/options.ts";
import { realClock } from "../_util/clock.ts";
import { VERSION } from "../_util/version.ts";
import type {
  MajordomoBrokerEvent,
  MajordomoBrokerStats,
  MajordomoUserRequests,
  MajordomoWorkerInfo,
} from "../patterns/majordomo/broker_types.ts";
import {
  LatencyHistogram,
  type LatencySummary,
  PROMETHEUS_BUCKETS_SECONDS,
} from "./histogram.ts";
import { PromWriter } from "./prometheus.ts";

/**
 * What {@linkcode BrokerMetrics} reads: a `MajordomoBroker`, or anything
 * with its `on` and `stats` (a test's fake).
 *
 * @example
 * ```ts
 * import type { BrokerMetricsSource } from "@reliable/zmq/observe";
 * import { MajordomoBroker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const source: BrokerMetricsSource = broker;
 * console.log(source.stats.workers); // 0
 * await broker.close();
 * ```
 */
export interface BrokerMetricsSource {
  /** Adds an event listener; returns its remover. */
  on(listener: (event: MajordomoBrokerEvent) => void): () => void;
  /** A snapshot of the broker's state. */
  readonly stats: MajordomoBrokerStats;
  /** The registered workers (optional). */
  workerList?(limit?: number): MajordomoWorkerInfo[];
  /** Whether the broker was closed (optional). */
  readonly closed?: boolean;
  /** Client requests per authenticated identity (optional; attribution). */
  requestsByUser?(): MajordomoUserRequests | undefined;
}

/**
 * Options of {@linkcode BrokerMetrics.attach}. Unknown keys are refused.
 *
 * @example
 * ```ts
 * import type { BrokerMetricsOptions } from "@reliable/zmq/observe";
 * const options: BrokerMetricsOptions = { windowMs: 60000, historySeconds: 300 };
 * ```
 */
export interface BrokerMetricsOptions {
  /**
   * The window of the recent latency quantiles in `snapshot()` (between
   * half of it and all of it, in two halves), and of "active clients".
   * @default 60000
   */
  windowMs?: number;
  /** Seconds of per-second history kept for the live page. @default 300 */
  historySeconds?: number;
  /**
   * Most services tracked one by one; further ones are counted under the
   * service name `"(other)"` (bounds the memory and the label count).
   * @default 1000
   */
  maxServices?: number;
  /** Most workers listed in a snapshot. @default 1000 */
  maxWorkersListed?: number;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * One service in a {@linkcode BrokerMetricsSnapshot}.
 *
 * @example
 * ```ts
 * import type { ServiceMetrics } from "@reliable/zmq/observe";
 * const busy = (s: ServiceMetrics) => s.workers - s.waiting;
 * ```
 */
export interface ServiceMetrics {
  /** The service name. */
  name: string;
  /** Registered workers (from the broker's stats; 0 if it forgot the service). */
  workers: number;
  /** Idle workers. */
  waiting: number;
  /** Requests waiting for a worker. */
  queued: number;
  /** Requests received since attached (queued, dispatched at once, or refused). */
  received: number;
  /** Replies forwarded. */
  answered: number;
  /** Replies that were errors of the worker's handler. */
  failed: number;
  /** Requests dropped after waiting `requestTtlMs`. */
  expired: number;
  /** Requests refused at a bound. */
  dropped: number;
  /** Waiting requests dropped because their client was gone. */
  abandoned: number;
  /** Requests held by a worker that died or left. */
  lost: number;
  /** RZ resends dropped as duplicates. */
  duplicates: number;
  /** Replies per second over the last 10 seconds. */
  ratePerSec: number;
  /** Latency (request in → reply out) over the recent window, ms. */
  latencyMs: LatencySummary;
}

/**
 * What `GET /stats` answers: the broker's stats plus the metrics.
 *
 * @example
 * ```ts
 * import type { BrokerMetricsSnapshot } from "@reliable/zmq/observe";
 * const queued = (s: BrokerMetricsSnapshot) => s.services.reduce((n, x) => n + x.queued, 0);
 * ```
 */
export interface BrokerMetricsSnapshot {
  /** The library version. */
  version: string;
  /** The broker's instance id. */
  instance: string;
  /** Which core runs its hot path. */
  core: MajordomoBrokerStats["core"];
  /** Since the metrics were attached, ms. */
  uptimeMs: number;
  /** Registered workers. */
  workers: number;
  /** Requests waiting, all services. */
  queued: number;
  /** Bytes of waiting requests. */
  queuedBytes: number;
  /** Distinct clients that sent a request within the window. */
  clients: number;
  /** Replies per second over the last 10 seconds, all services. */
  ratePerSec: number;
  /** The broker's counters. */
  counters: MajordomoBrokerStats["counters"];
  /** The process's memory, bytes. */
  memory: MajordomoBrokerStats["memory"];
  /** Every service known to the broker or seen by the metrics, by name. */
  services: ServiceMetrics[];
  /** Registered workers (at most `maxWorkersListed`), when the source lists them. */
  workerList: MajordomoWorkerInfo[];
  /**
   * Client requests per authenticated identity (CURVE key in Z85, PLAIN
   * user), when the broker attributes them (CURVE or PLAIN security).
   */
  users?: MajordomoUserRequests;
}

/**
 * One second of history: per service `[answered, failed, p50 ms, p99 ms,
 * queued at the end of the second]`.
 *
 * @example
 * ```ts
 * import type { HistoryPoint } from "@reliable/zmq/observe";
 * const p: HistoryPoint = { t: 12, services: { echo: [100, 0, 0.4, 1.2, 0] } };
 * console.log(p.services.echo[0]); // 100
 * ```
 */
export interface HistoryPoint {
  /** Seconds since the metrics were attached (the end of the second). */
  t: number;
  /** Per service: answered, failed, p50 ms, p99 ms, queued. */
  services: Record<string, [number, number, number, number, number]>;
}

/** Per-service bookkeeping. */
class Series {
  received = 0;
  answered = 0;
  failed = 0;
  expired = 0;
  dropped = 0;
  abandoned = 0;
  lost = 0;
  duplicates = 0;
  /** Answered + failed in the current second. */
  slotDone = 0;
  slotFailed = 0;
  /** Arrival times of the waiting requests, oldest first (head at `qHead`). */
  queue: number[] = [];
  qHead = 0;
  readonly total = new LatencyHistogram(true);
  cur = new LatencyHistogram();
  prev = new LatencyHistogram();
  readonly slot = new LatencyHistogram();
  /** Replies of the last 10 seconds, one entry per second. */
  readonly recent = new Float64Array(10);
  constructor(readonly name: string) {}

  get queued(): number {
    return this.queue.length - this.qHead;
  }

  enqueue(t: number): void {
    this.queue.push(t);
  }

  dequeue(): number | undefined {
    if (this.qHead >= this.queue.length) return undefined;
    const t = this.queue[this.qHead++];
    if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.qHead);
      this.qHead = 0;
    }
    return t;
  }
}

const OTHER = "(other)";
const SLOT_MS = 1000;

/**
 * Counters, gauges and latency histograms of one Majordomo broker, from its
 * events and `stats`. `snapshot()` is the JSON of `GET /stats`,
 * `prometheus()` the text of `GET /metrics`, `history()` the per-second
 * series of the live page.
 *
 * Latency is measured at the broker, from the request's arrival to its
 * reply leaving, per service: a request dispatched at once is timed from
 * its dispatch, a queued one from its arrival (the queue is first in,
 * first out, so the metrics keep the arrival times of the waiting
 * requests in the same order). Attach the metrics before the load starts:
 * requests already waiting are timed from their dispatch.
 *
 * @example
 * ```ts
 * import { BrokerMetrics } from "@reliable/zmq/observe";
 * import { MajordomoBroker, MajordomoClient, MajordomoWorker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const metrics = BrokerMetrics.attach(broker);
 * const [endpoint] = broker.endpoints;
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (req) => req);
 * await worker.ready;
 * const client = await MajordomoClient.connect(endpoint);
 * await client.request("echo", ["hi"]);
 * const echo = metrics.snapshot().services.find((s) => s.name === "echo")!;
 * console.log(echo.answered, echo.latencyMs.count); // 1 1
 * console.log(metrics.prometheus().includes('rzmq_broker_service_replies_total{service="echo",outcome="ok"} 1')); // true
 * metrics.detach();
 * await client.close();
 * await worker.close();
 * await broker.close();
 * ```
 */
export class BrokerMetrics {
  readonly #source: BrokerMetricsSource;
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #historyLen: number;
  readonly #maxServices: number;
  readonly #maxWorkers: number;
  readonly #started: number;
  readonly #series = new Map<string, Series>();
  /** Busy workers: when their request arrived, and its service. */
  readonly #inflight = new Map<string, { t: number; s: Series }>();
  /** Clients by when they last sent a request. */
  #clients = new Map<string, number>();
  #oldClients = new Map<string, number>();
  readonly #history: HistoryPoint[] = [];
  #slotEnd: number;
  #halfEnd: number;
  #recentIdx = 0;
  #off: (() => void) | undefined;

  private constructor(
    source: BrokerMetricsSource,
    options: BrokerMetricsOptions | undefined,
  ) {
    const owner = "BrokerMetrics.attach()";
    const o = readOptions(owner, options, [
      "windowMs",
      "historySeconds",
      "maxServices",
      "maxWorkersListed",
      "clock",
    ]);
    this.#windowMs = durationMs(owner, "windowMs", o.windowMs, 60_000, {
      min: 2000,
    });
    this.#historyLen = count(
      owner,
      "historySeconds",
      o.historySeconds,
      300,
      1,
      86_400,
    );
    this.#maxServices = count(owner, "maxServices", o.maxServices, 1000, 1);
    this.#maxWorkers = count(
      owner,
      "maxWorkersListed",
      o.maxWorkersListed,
      1000,
      0,
    );
    if (o.clock !== undefined && typeof o.clock?.now !== "function") {
      throw new TypeError(`${owner}: clock must be a Clock`);
    }
    this.#clock = o.clock ?? realClock;
    this.#source = source;
    this.#started = this.#clock.now();
    this.#slotEnd = this.#started + SLOT_MS;
    this.#halfEnd = this.#started + this.#windowMs / 2;
  }

  /**
   * Starts collecting a broker's metrics (one event listener).
   * @param source The broker.
   * @param options Window, history length, bounds, clock.
   * @returns The metrics.
   * @throws {TypeError} If `source` has no `on` or an option is wrong.
   * @example
   * ```ts
   * import { BrokerMetrics } from "@reliable/zmq/observe";
   * import { MajordomoBroker } from "@reliable/zmq";
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
   * const metrics = BrokerMetrics.attach(broker, { historySeconds: 60 });
   * console.log(metrics.snapshot().workers); // 0
   * metrics.detach();
   * await broker.close();
   * ```
   */
  static attach(
    source: BrokerMetricsSource,
    options?: BrokerMetricsOptions,
  ): BrokerMetrics {
    if (
      source === null || typeof source !== "object" ||
      typeof source.on !== "function"
    ) {
      throw new TypeError(
        "BrokerMetrics.attach(): source must be a MajordomoBroker",
      );
    }
    const m = new BrokerMetrics(source, options);
    m.#off = source.on((e) => m.#onEvent(e));
    return m;
  }

  /** Stops listening (the numbers so far stay readable). Idempotent. */
  detach(): void {
    this.#off?.();
    this.#off = undefined;
  }

  /** Whether the broker was closed (when the source tells). */
  get sourceClosed(): boolean {
    return this.#source.closed === true;
  }

  #get(name: string): Series {
    let s = this.#series.get(name);
    if (s === undefined) {
      if (this.#series.size >= this.#maxServices) name = OTHER;
      s = this.#series.get(name);
      if (s === undefined) {
        s = new Series(name);
        this.#series.set(name, s);
      }
    }
    return s;
  }

  #onEvent(e: MajordomoBrokerEvent): void {
    const now = this.#clock.now();
    if (now >= this.#slotEnd) this.#roll(now);
    switch (e.type) {
      case "request:queued": {
        const s = this.#get(e.service);
        s.received++;
        s.enqueue(now);
        this.#clients.set(e.client, now);
        return;
      }
      case "request:dispatched": {
        const s = this.#get(e.service);
        let t = s.dequeue();
        if (t === undefined) {
          t = now;
          s.received++;
          this.#clients.set(e.client, now);
        }
        this.#inflight.set(e.worker, { t, s });
        return;
      }
      case "request:answered": {
        const f = this.#inflight.get(e.worker);
        const s = f ? f.s : this.#get(e.service);
        if (f) this.#inflight.delete(e.worker);
        s.slotDone++;
        if (e.failed) {
          s.failed++;
          s.slotFailed++;
        } else s.answered++;
        if (f) {
          const ms = now - f.t;
          s.total.record(ms);
          s.cur.record(ms);
          s.slot.record(ms);
        }
        return;
      }
      case "request:expired": {
        const s = this.#get(e.service);
        s.dequeue();
        s.expired++;
        return;
      }
      case "request:dropped": {
        const s = this.#get(e.service);
        if (e.reason === "client-gone") {
          s.dequeue();
          s.abandoned++;
        } else {
          s.received++;
          s.dropped++;
        }
        return;
      }
      case "request:duplicate":
        this.#get(e.service).duplicates++;
        return;
      case "request:lost": {
        const f = this.#inflight.get(e.worker);
        if (f) this.#inflight.delete(e.worker);
        (f ? f.s : this.#get(e.service)).lost++;
        return;
      }
      case "worker:disconnected":
      case "worker:expired":
        this.#inflight.delete(e.worker);
        return;
      case "worker:ready":
        this.#get(e.service);
        return;
    }
  }

  /** Closes the seconds that ended before `now`. */
  #roll(now: number): void {
    let steps = 0;
    while (now >= this.#slotEnd) {
      const point: HistoryPoint = {
        t: Math.round((this.#slotEnd - this.#started) / 1000),
        services: {},
      };
      const i = this.#recentIdx;
      for (const s of this.#series.values()) {
        s.recent[i] = s.slotDone;
        if (steps === 0) {
          point.services[s.name] = [
            s.slotDone - s.slotFailed,
            s.slotFailed,
            round3(s.slot.quantile(0.5)),
            round3(s.slot.quantile(0.99)),
            s.queued,
          ];
        } else {
          point.services[s.name] = [0, 0, NaN, NaN, s.queued];
        }
        s.slotDone = 0;
        s.slotFailed = 0;
        s.slot.reset();
      }
      this.#recentIdx = (i + 1) % 10;
      this.#history.push(point);
      if (this.#history.length > this.#historyLen) this.#history.shift();
      this.#slotEnd += SLOT_MS;
      steps++;
      if (steps === this.#historyLen + 10 && now >= this.#slotEnd) {
        // A long silence: skip to the last `historyLen` seconds (the
        // history keeps no more).
        const skip = Math.floor((now - this.#slotEnd) / SLOT_MS) -
          this.#historyLen;
        if (skip > 0) this.#slotEnd += skip * SLOT_MS;
      }
    }
    while (now >= this.#halfEnd) {
      for (const s of this.#series.values()) {
        const old = s.prev;
        s.prev = s.cur;
        old.reset();
        s.cur = old;
      }
      this.#oldClients = this.#clients;
      this.#clients = new Map();
      this.#halfEnd += this.#windowMs / 2;
      const skip = Math.floor((now - this.#halfEnd) / (this.#windowMs / 2)) - 2;
      if (skip > 0) this.#halfEnd += skip * (this.#windowMs / 2);
    }
  }

  /** Brings the time series up to now (called by every reader). */
  #catchUp(): number {
    const now = this.#clock.now();
    if (now >= this.#slotEnd) this.#roll(now);
    return now;
  }

  #activeClients(): number {
    let n = this.#clients.size;
    for (const k of this.#oldClients.keys()) if (!this.#clients.has(k)) n++;
    return n;
  }

  /**
   * The broker's stats and the metrics, as `GET /stats` answers them.
   * @returns A snapshot (a fresh object).
   */
  snapshot(): BrokerMetricsSnapshot {
    const now = this.#catchUp();
    const st = this.#source.stats;
    const known = new Map(st.services.map((s) => [s.name, s]));
    const names = new Set<string>([...known.keys(), ...this.#series.keys()]);
    const services: ServiceMetrics[] = [];
    let rate = 0;
    for (const name of [...names].sort()) {
      const b = known.get(name);
      const s = this.#series.get(name);
      const r = s ? sum(s.recent) / 10 : 0;
      rate += r;
      services.push({
        name,
        workers: b?.workers ?? 0,
        waiting: b?.waiting ?? 0,
        queued: b?.queued ?? 0,
        received: s?.received ?? 0,
        answered: s?.answered ?? 0,
        failed: s?.failed ?? 0,
        expired: s?.expired ?? 0,
        dropped: s?.dropped ?? 0,
        abandoned: s?.abandoned ?? 0,
        lost: s?.lost ?? 0,
        duplicates: s?.duplicates ?? 0,
        ratePerSec: round3(r),
        latencyMs: s ? s.cur.summary(s.prev) : new LatencyHistogram().summary(),
      });
    }
    const users = this.#source.requestsByUser?.();
    return {
      version: VERSION,
      instance: st.instance,
      core: st.core,
      uptimeMs: Math.round(now - this.#started),
      workers: st.workers,
      queued: st.queued,
      queuedBytes: st.queuedBytes,
      clients: this.#activeClients(),
      ratePerSec: round3(rate),
      counters: st.counters,
      memory: st.memory,
      services,
      workerList: this.#maxWorkers > 0 && this.#source.workerList
        ? this.#source.workerList(this.#maxWorkers)
        : [],
      ...(users ? { users } : {}),
    };
  }

  /**
   * The per-second history (oldest first), for the live page's charts.
   * @param since Only the points with `t` greater than this.
   * @returns The points.
   */
  history(since = -Infinity): HistoryPoint[] {
    this.#catchUp();
    return this.#history.filter((p) => p.t > since);
  }

  /**
   * The metrics in the Prometheus text exposition format (what
   * `GET /metrics` answers): broker counters and gauges, per-service
   * counters and gauges, and per-service latency histograms in seconds.
   * @returns The exposition text.
   */
  prometheus(): string {
    const snap = this.snapshot();
    const w = new PromWriter();
    const P = "rzmq_broker_";
    w.family(
      P + "info",
      "gauge",
      "The broker: version, instance and core (always 1).",
    );
    w.sample(P + "info", 1, {
      version: snap.version,
      instance: snap.instance,
      core: snap.core,
    });
    w.family(
      P + "uptime_seconds",
      "gauge",
      "Seconds since the metrics were attached.",
    );
    w.sample(P + "uptime_seconds", snap.uptimeMs / 1000);
    for (const [key, help] of COUNTER_HELP) {
      const name = P + snake(key) + "_total";
      w.family(name, "counter", help);
      w.sample(name, snap.counters[key]);
    }
    const gauge = (name: string, help: string, v: number) => {
      w.family(P + name, "gauge", help);
      w.sample(P + name, v);
    };
    gauge("workers", "Registered workers.", snap.workers);
    gauge("services", "Known services.", snap.services.length);
    gauge(
      "queued_requests",
      "Requests waiting for a worker, all services.",
      snap.queued,
    );
    gauge("queued_bytes", "Bytes held by waiting requests.", snap.queuedBytes);
    w.family(
      P + "connections",
      "gauge",
      "Peers: registered workers, and clients that sent a request within the window.",
    );
    w.sample(P + "connections", snap.workers, { kind: "worker" });
    w.sample(P + "connections", snap.clients, { kind: "client" });
    w.family(P + "memory_bytes", "gauge", "The broker process's memory.");
    for (const [k, v] of Object.entries(snap.memory)) {
      w.sample(P + "memory_bytes", v, { kind: snake(k) });
    }
    const per = (
      name: string,
      type: "counter" | "gauge",
      help: string,
      get: (s: ServiceMetrics) => number,
    ) => {
      w.family(P + name, type, help);
      for (const s of snap.services) {
        w.sample(P + name, get(s), { service: s.name });
      }
    };
    per(
      "service_workers",
      "gauge",
      "Registered workers per service.",
      (s) => s.workers,
    );
    per(
      "service_workers_idle",
      "gauge",
      "Idle workers per service.",
      (s) => s.waiting,
    );
    per(
      "service_queue_depth",
      "gauge",
      "Requests waiting for a worker, per service.",
      (s) => s.queued,
    );
    per(
      "service_requests_total",
      "counter",
      "Requests received per service.",
      (s) => s.received,
    );
    w.family(
      P + "service_replies_total",
      "counter",
      "Replies per service: ok, or failed (the handler's error).",
    );
    for (const s of snap.services) {
      w.sample(P + "service_replies_total", s.answered, {
        service: s.name,
        outcome: "ok",
      });
      w.sample(P + "service_replies_total", s.failed, {
        service: s.name,
        outcome: "failed",
      });
    }
    per(
      "service_expired_total",
      "counter",
      "Requests expired waiting for a worker, per service.",
      (s) => s.expired,
    );
    per(
      "service_dropped_total",
      "counter",
      "Requests refused at a bound, per service.",
      (s) => s.dropped,
    );
    per(
      "service_abandoned_total",
      "counter",
      "Waiting requests dropped because their client was gone, per service.",
      (s) => s.abandoned,
    );
    per(
      "service_lost_total",
      "counter",
      "Requests lost with their worker, per service.",
      (s) => s.lost,
    );
    per(
      "service_duplicates_total",
      "counter",
      "RZ resends dropped as duplicates, per service.",
      (s) => s.duplicates,
    );
    if (snap.users) {
      const u = snap.users;
      const name = P + "user_requests_total";
      w.family(
        name,
        "counter",
        `Client requests per authenticated identity (CURVE key in Z85, PLAIN user), for the first ${u.usersCounted} identities.`,
      );
      for (const [user, n] of Object.entries(u.users)) {
        w.sample(name, n, { user });
      }
      w.family(
        P + "user_requests_other_total",
        "counter",
        "Client requests of identities beyond the counted ones.",
      );
      w.sample(P + "user_requests_other_total", u.other);
      w.family(
        P + "user_requests_unauthenticated_total",
        "counter",
        "Client requests from connections without an identity (inproc peers).",
      );
      w.sample(P + "user_requests_unauthenticated_total", u.unauthenticated);
    }
    const h = P + "service_request_duration_seconds";
    w.family(
      h,
      "histogram",
      "Time from a request's arrival at the broker to its reply leaving, per service.",
    );
    for (const s of this.#series.values()) {
      const cum = s.total.cumulative();
      for (let i = 0; i < PROMETHEUS_BUCKETS_SECONDS.length; i++) {
        w.sample(h + "_bucket", cum[i], {
          service: s.name,
          le: String(PROMETHEUS_BUCKETS_SECONDS[i]),
        });
      }
      w.sample(h + "_bucket", cum[cum.length - 1], {
        service: s.name,
        le: "+Inf",
      });
      w.sample(h + "_sum", s.total.sum / 1000, { service: s.name });
      w.sample(h + "_count", s.total.count, { service: s.name });
    }
    return w.text();
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function sum(a: Float64Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += a[i];
  return n;
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

const COUNTER_HELP: [keyof MajordomoBrokerStats["counters"], string][] = [
  ["requests", "Valid client requests received (MMI included)."],
  ["dispatched", "Requests handed to a worker."],
  ["replies", "Replies forwarded to clients."],
  ["mmi", "Requests answered by the broker itself (mmi.*)."],
  ["expiredRequests", "Requests dropped after waiting requestTtlMs."],
  ["droppedRequests", "Requests refused at a bound or malformed."],
  [
    "abandonedRequests",
    "Waiting requests dropped because their client was gone.",
  ],
  [
    "duplicatesSuppressed",
    "RZ resends dropped because the broker still held the request.",
  ],
  ["lostRequests", "Requests held by a worker that died or left."],
  ["handlerErrors", "Error replies from workers."],
  ["errorReplies", "Error replies sent to RZ clients."],
  ["unroutableReplies", "Replies that could not be delivered."],
  ["invalidMessages", "Messages that broke 7/MDP."],
  ["oversizeMessages", "Messages with a frame over maxFrameBytes."],
  ["disconnectsSent", "DISCONNECT commands sent to workers."],
  ["expiredWorkers", "Workers expired after silent heartbeat intervals."],
  ["refusedWorkers", "READYs refused."],
  ["pauses", "Pauses of the broker longer than the expiry window."],
  ["peersGone", "Peer disconnect notifications."],
  ["internalErrors", "Errors caught inside the broker loop."],
];
