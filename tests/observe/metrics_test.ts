// BrokerMetrics and LatencyHistogram under a FakeClock, fed by a fake
// broker (its events and stats); /metrics parsed with a real parser.
import parsePrometheus from "npm:parse-prometheus-text-format@1.1.1";
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import {
  BrokerMetrics,
  ClientMetrics,
  LatencyHistogram,
  PROMETHEUS_BUCKETS_SECONDS,
} from "../../src/observe/mod.ts";
import type {
  MajordomoBrokerEvent,
  MajordomoBrokerStats,
} from "../../src/patterns/majordomo/broker_types.ts";
import { newCounters } from "../../src/patterns/majordomo/_broker_out.ts";

class FakeBroker {
  listeners: ((e: MajordomoBrokerEvent) => void)[] = [];
  services: MajordomoBrokerStats["services"] = [];
  counters = newCounters();
  on(l: (e: MajordomoBrokerEvent) => void): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }
  emit(e: MajordomoBrokerEvent): void {
    for (const l of this.listeners) l(e);
  }
  get stats(): MajordomoBrokerStats {
    return {
      core: "ts",
      instance: "abcd",
      workers: this.services.reduce((n, s) => n + s.workers, 0),
      queued: this.services.reduce((n, s) => n + s.queued, 0),
      queuedBytes: 0,
      held: 0,
      services: this.services,
      counters: { ...this.counters },
      memory: { rss: 1, heapTotal: 2, heapUsed: 3, external: 4 },
    };
  }
}

function setup(options = {}) {
  const clock = new FakeClock(1000);
  const broker = new FakeBroker();
  const m = BrokerMetrics.attach(broker, { clock, ...options });
  return { clock, broker, m };
}

const near = (x: number, want: number, rel = 0.1) =>
  Math.abs(x - want) <= want * rel;

function request(
  b: FakeBroker,
  c: FakeClock,
  service: string,
  worker: string,
  ms: number,
  client = "c1",
  failed = false,
) {
  b.emit({ type: "request:dispatched", service, client, id: -1, worker });
  c.advance(ms);
  b.emit({ type: "request:answered", service, client, id: -1, worker, failed });
}

Deno.test("histogram: quantiles within 5 % of the exact ones", () => {
  const h = new LatencyHistogram(true);
  const xs: number[] = [];
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 20000; i++) {
    const x = Math.exp(rnd() * 8 - 4); // 0.018 .. 55 ms
    xs.push(x);
    h.record(x);
  }
  xs.sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99]) {
    const exact = xs[Math.ceil(q * xs.length) - 1];
    assert(
      near(h.quantile(q), exact, 0.05),
      `q${q}: ${h.quantile(q)} vs ${exact}`,
    );
  }
  assertEquals(h.count, 20000);
  const cum = h.cumulative();
  assertEquals(cum.length, PROMETHEUS_BUCKETS_SECONDS.length + 1);
  assertEquals(cum[cum.length - 1], 20000);
  const under1ms = xs.filter((x) => x <= 1).length;
  assertEquals(cum[PROMETHEUS_BUCKETS_SECONDS.indexOf(0.001)], under1ms);
  assert(Number.isNaN(new LatencyHistogram().quantile(0.5)));
});

Deno.test("histogram: merged reading, reset, zero and negative durations", () => {
  const a = new LatencyHistogram(), b = new LatencyHistogram();
  a.record(1);
  b.record(100);
  b.record(-3);
  assertEquals(a.summary(b).count, 3);
  assertEquals(a.summary(b).max, 100);
  assertEquals(b.min, 0);
  a.add(b);
  assertEquals(a.count, 3);
  a.reset();
  assertEquals(a.count, 0);
  assertThrows(() => a.cumulative(), Error);
});

Deno.test("metrics: a request dispatched at once is timed from dispatch to answer", () => {
  const { clock, broker, m } = setup();
  broker.services = [{ name: "echo", workers: 1, waiting: 1, queued: 0 }];
  request(broker, clock, "echo", "w1", 5);
  request(broker, clock, "echo", "w1", 7, "c2", true);
  const s = m.snapshot().services.find((x) => x.name === "echo")!;
  assertEquals(
    [s.received, s.answered, s.failed, s.workers, s.waiting],
    [2, 1, 1, 1, 1],
  );
  assertEquals(s.latencyMs.count, 2);
  assertEquals(s.latencyMs.max, 7);
  assert(near(s.latencyMs.p50, 5), String(s.latencyMs.p50));
  assertEquals(m.snapshot().clients, 2);
  m.detach();
  request(broker, clock, "echo", "w1", 5);
  assertEquals(m.snapshot().services[0].received, 2);
  assertEquals(broker.listeners.length, 0);
});

Deno.test("metrics: queued requests are timed from arrival, first in first out", () => {
  const { clock, broker, m } = setup();
  const q = (client: string) =>
    broker.emit({
      type: "request:queued",
      service: "s",
      client,
      id: -1,
      queued: 1,
    });
  q("a"); // t=1000
  clock.advance(10);
  q("b"); // t=1010
  clock.advance(10);
  q("c"); // t=1020
  assertEquals(m.snapshot().services[0].received, 3);
  // The oldest expires; the two others go to workers at 1030.
  broker.emit({ type: "request:expired", service: "s", client: "a", id: -1 });
  clock.advance(10);
  broker.emit({
    type: "request:dispatched",
    service: "s",
    client: "b",
    id: -1,
    worker: "w1",
  });
  broker.emit({
    type: "request:dispatched",
    service: "s",
    client: "c",
    id: -1,
    worker: "w2",
  });
  clock.advance(2);
  broker.emit({
    type: "request:answered",
    service: "s",
    client: "c",
    id: -1,
    worker: "w2",
    failed: false,
  });
  broker.emit({
    type: "request:answered",
    service: "s",
    client: "b",
    id: -1,
    worker: "w1",
    failed: false,
  });
  const s = m.snapshot().services[0];
  assertEquals([s.received, s.answered, s.expired], [3, 2, 1]);
  assertEquals(s.latencyMs.max, 22); // b: 1010 -> 1032
  assertEquals(s.latencyMs.mean, (22 + 12) / 2);
});

Deno.test("metrics: drops, abandoned, duplicates and lost requests per service", () => {
  const { clock, broker, m } = setup();
  broker.emit({
    type: "request:dropped",
    service: "s",
    client: "a",
    id: 1,
    reason: "max-queue",
  });
  broker.emit({
    type: "request:queued",
    service: "s",
    client: "b",
    id: 2,
    queued: 1,
  });
  broker.emit({
    type: "request:dropped",
    service: "s",
    client: "b",
    id: 2,
    reason: "client-gone",
  });
  broker.emit({ type: "request:duplicate", service: "s", client: "b", id: 2 });
  broker.emit({
    type: "request:dispatched",
    service: "s",
    client: "c",
    id: 3,
    worker: "w",
  });
  broker.emit({
    type: "request:lost",
    service: "s",
    client: "c",
    id: 3,
    worker: "w",
  });
  // A request after the lost one is timed from its own dispatch.
  request(broker, clock, "s", "w", 3);
  const s = m.snapshot().services[0];
  assertEquals(
    {
      received: s.received,
      dropped: s.dropped,
      abandoned: s.abandoned,
      duplicates: s.duplicates,
      lost: s.lost,
      answered: s.answered,
      queued: s.queued,
    },
    {
      received: 4,
      dropped: 1,
      abandoned: 1,
      duplicates: 1,
      lost: 1,
      answered: 1,
      queued: 0,
    },
  );
  assertEquals(s.latencyMs.max, 3);
});

Deno.test("metrics: per-second history, rate over 10 s, and the latency window", () => {
  const { clock, broker, m } = setup({ windowMs: 10_000, historySeconds: 5 });
  for (let sec = 0; sec < 3; sec++) {
    for (let i = 0; i < 10; i++) request(broker, clock, "s", "w", 2);
    clock.advance(1000 - 20);
  }
  const h = m.history();
  assertEquals(h.length, 3);
  assertEquals(h.map((p) => p.services.s[0]), [10, 10, 10]);
  assert(near(h[0].services.s[2], 2), String(h[0].services.s[2]));
  assertEquals(m.history(h[1].t).length, 1);
  assertEquals(m.snapshot().services[0].ratePerSec, 3); // 30 in the last 10 s
  // Silence: history keeps at most 5 points, the window forgets latencies.
  clock.advance(60_000);
  assertEquals(m.history().length, 5);
  assertEquals(m.history().at(-1)!.services.s[0], 0);
  const s = m.snapshot().services[0];
  assertEquals(s.latencyMs.count, 0);
  assertEquals(s.ratePerSec, 0);
  assertEquals(s.answered, 30);
  assertEquals(m.snapshot().clients, 0);
});

Deno.test("metrics: services past maxServices are counted under (other)", () => {
  const { clock, broker, m } = setup({ maxServices: 2 });
  for (const name of ["a", "b", "c", "d"]) request(broker, clock, name, "w", 1);
  const names = m.snapshot().services.map((s) => s.name);
  assertEquals(names, ["(other)", "a", "b"]);
  const other = m.snapshot().services[0];
  assertEquals(other.answered, 2);
});

Deno.test("metrics: bad arguments are refused", () => {
  const b = new FakeBroker();
  // deno-lint-ignore no-explicit-any
  assertThrows(() => BrokerMetrics.attach({} as any), TypeError);
  // deno-lint-ignore no-explicit-any
  assertThrows(() => BrokerMetrics.attach(b, { window: 1 } as any), TypeError);
  assertThrows(() => BrokerMetrics.attach(b, { windowMs: 10 }), RangeError);
  assertThrows(
    () => BrokerMetrics.attach(b, { historySeconds: 0 }),
    RangeError,
  );
});

Deno.test("metrics: /metrics text parses and agrees with the snapshot", () => {
  const { clock, broker, m } = setup();
  broker.services = [
    { name: "echo", workers: 2, waiting: 1, queued: 0 },
    { name: 'we"ird\\name', workers: 1, waiting: 0, queued: 3 },
  ];
  broker.counters.requests = 5;
  for (let i = 0; i < 4; i++) {
    request(broker, clock, "echo", "w", 0.3 * (i + 1));
  }
  request(broker, clock, 'we"ird\\name', "w2", 2000, "c9", true);
  const families = parsePrometheus(m.prometheus()) as {
    name: string;
    type: string;
    metrics: {
      value?: string;
      labels?: Record<string, string>;
      buckets?: Record<string, string>;
      count?: string;
      sum?: string;
    }[];
  }[];
  const fam = (n: string) => {
    const f = families.find((x) => x.name === n);
    assert(f, `no family ${n}`);
    return f;
  };
  for (const f of families) {
    assert(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name), f.name);
    if (f.type === "COUNTER") assert(f.name.endsWith("_total"), f.name);
  }
  assertEquals(fam("rzmq_broker_requests_total").metrics[0].value, "5");
  assertEquals(fam("rzmq_broker_workers").metrics[0].value, "3");
  const depth = fam("rzmq_broker_service_queue_depth").metrics;
  assertEquals(
    depth.find((x) => x.labels!.service === 'we"ird\\name')!.value,
    "3",
  );
  const replies = fam("rzmq_broker_service_replies_total").metrics;
  assertEquals(
    replies.map((x) => [x.labels!.service, x.labels!.outcome, x.value]),
    [
      ["echo", "ok", "4"],
      ["echo", "failed", "0"],
      ['we"ird\\name', "ok", "0"],
      ['we"ird\\name', "failed", "1"],
    ],
  );
  const h = fam("rzmq_broker_service_request_duration_seconds");
  assertEquals(h.type, "HISTOGRAM");
  // The parser folds a labelled histogram's series into one; _count and
  // _sum are read from the text.
  const text = m.prometheus();
  assert(
    text.includes(
      'rzmq_broker_service_request_duration_seconds_count{service="echo"} 4\n',
    ),
  );
  assert(
    text.includes(
      'rzmq_broker_service_request_duration_seconds_bucket{service="we\\"ird\\\\name",le="+Inf"} 1\n',
    ),
  );
  const sum = text.match(
    /rzmq_broker_service_request_duration_seconds_sum\{service="echo"\} (\S+)/,
  );
  assert(sum && near(Number(sum[1]), 0.003, 0.01), sum?.[1]);
});

Deno.test("metrics: the latency histogram's buckets, parsed", () => {
  const { clock, broker, m } = setup();
  for (let i = 0; i < 4; i++) {
    request(broker, clock, "echo", "w", 0.3 * (i + 1));
  }
  request(broker, clock, "echo", "w", 2000);
  const families = parsePrometheus(m.prometheus()) as {
    name: string;
    type: string;
    metrics: { buckets?: Record<string, string> }[];
  }[];
  const h = families.find((x) =>
    x.name === "rzmq_broker_service_request_duration_seconds"
  )!;
  assertEquals(h.type, "HISTOGRAM");
  const b = h.metrics[0].buckets!;
  assertEquals(
    [
      b["0.00025"],
      b["0.0005"],
      b["0.001"],
      b["0.0025"],
      b["1"],
      b["2.5"],
      b["+Inf"],
    ],
    ["0", "1", "3", "4", "4", "5", "5"],
  );
  assertEquals(Object.keys(b).length, PROMETHEUS_BUCKETS_SECONDS.length + 1);
});

Deno.test("client metrics: send-to-reply latency per service, failures, events", async () => {
  const clock = new FakeClock(0);
  const m = new ClientMetrics({ clock });
  const fake = {
    request(service: string, ms: number): Promise<string> {
      return new Promise((resolve, reject) => {
        clock.setTimeout(
          () => service === "bad" ? reject(new Error("x")) : resolve(service),
          ms,
        );
      });
    },
  };
  const timed = m.wrap(fake);
  const a = timed.request("echo", 4);
  const b = timed.request("echo", 12);
  const c = timed.request("bad", 1).catch((e) => e);
  // Each settles in a microtask after its timer: step, then await.
  clock.advance(1);
  assert((await c) instanceof Error);
  clock.advance(3);
  assertEquals(await a, "echo");
  clock.advance(8);
  await b;
  m.listener({ type: "request:retry" });
  m.listener({ type: "request:retry" });
  const s = m.snapshot();
  assertEquals(s.events, { "request:retry": 2 });
  assertEquals(s.services.map((x) => [x.name, x.ok, x.failed]), [
    ["bad", 0, 1],
    ["echo", 2, 0],
  ]);
  assertEquals(s.services[1].latencyMs.max, 12);
  const fams = parsePrometheus(m.prometheus()) as { name: string }[];
  assertEquals(fams.map((f) => f.name), [
    "rzmq_client_requests_total",
    "rzmq_client_events_total",
    "rzmq_client_request_duration_seconds",
  ]);
});
