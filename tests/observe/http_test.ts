// The observability endpoint on a real broker with a real worker and
// clients: /healthz, /stats, /metrics (parsed with a real parser),
// /events, the page, and the broker CLI's --http and --log-events.
import parsePrometheus from "npm:parse-prometheus-text-format@1.1.1";
import { assert, assertEquals } from "../helpers/assert.ts";
import { spawnChild } from "../helpers/spawn.ts";
import {
  MajordomoAsyncClient,
  MajordomoBroker,
  MajordomoWorker,
  shutdown,
} from "../../mod.ts";
import { BrokerMetrics, ObserveServer } from "../../src/observe/mod.ts";
import { readHttpFlag } from "../../src/cli/_http_flag.ts";

const BROKER = new URL("../../src/cli/broker.ts", import.meta.url);
const HB = 200;

async function text(url: string): Promise<[number, string, Headers]> {
  const res = await fetch(url);
  return [res.status, await res.text(), res.headers];
}

/** Reads server-sent events until `want` of them have arrived. */
async function readEvents(
  url: string,
  want: number,
): Promise<{ event: string; data: unknown }[]> {
  const ctl = new AbortController();
  const res = await fetch(url, { signal: ctl.signal });
  assertEquals(res.headers.get("content-type"), "text/event-stream");
  const out: { event: string; data: unknown }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  while (out.length < want) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = /^event: (.*)$/m.exec(block)![1];
      const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]);
      out.push({ event: ev, data });
    }
  }
  ctl.abort();
  await reader.cancel().catch(() => {});
  return out;
}

Deno.test("http: /healthz, /stats, /metrics and /events agree with the broker after real traffic", async () => {
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
  });
  const metrics = BrokerMetrics.attach(broker);
  const http = await ObserveServer.bind(metrics, {
    port: 0,
    healthy: () => !broker.closed,
    pushIntervalMs: 100,
  });
  assertEquals(http.addr.hostname, "127.0.0.1");
  const [ep] = broker.endpoints;
  const workers = await Promise.all(
    [0, 1].map(() =>
      MajordomoWorker.connect(ep, "echo", (req) => req, {
        heartbeatIntervalMs: HB,
      })
    ),
  );
  await Promise.all(workers.map((w) => w.ready));
  const client = await MajordomoAsyncClient.connect(ep);
  const N = 200;
  const replies = await Promise.all(
    Array.from({ length: N }, (_, i) => client.request("echo", [`${i}`])),
  );
  const td = new TextDecoder();
  replies.forEach((r, i) => assertEquals(td.decode(r[0]), `${i}`));
  // No-service requests wait in the queue.
  const orphan = client.request("nobody", ["x"], { deadlineMs: 60_000 })
    .catch((e) => e);
  for (let i = 0; i < 100 && broker.stats.queued === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }

  const [hs, hb] = await text(`${http.url}healthz`);
  assertEquals([hs, JSON.parse(hb)], [200, { status: "serving" }]);

  const [ss, sb, sh] = await text(`${http.url}stats`);
  assertEquals(ss, 200);
  assert(sh.get("content-type")!.startsWith("application/json"));
  const stats = JSON.parse(sb);
  const echo = stats.services.find((s: { name: string }) => s.name === "echo");
  assertEquals(
    [
      echo.workers,
      echo.received,
      echo.answered,
      echo.failed,
      echo.latencyMs.count,
    ],
    [2, N, N, 0, N],
  );
  assert(echo.latencyMs.p50 > 0 && echo.latencyMs.p50 <= echo.latencyMs.p99);
  const nobody = stats.services.find((s: { name: string }) =>
    s.name === "nobody"
  );
  assertEquals([nobody.queued, nobody.received], [1, 1]);
  assertEquals(stats.queued, 1);
  assertEquals(stats.workers, 2);
  assertEquals(stats.clients, 1);
  assertEquals(stats.workerList.length, 2);
  assert(
    stats.workerList.every((w: { service: string; busy: boolean }) =>
      w.service === "echo" && !w.busy
    ),
  );

  const [ms, mb, mh] = await text(`${http.url}metrics`);
  assertEquals(ms, 200);
  assertEquals(
    mh.get("content-type"),
    "text/plain; version=0.0.4; charset=utf-8",
  );
  const fams = parsePrometheus(mb) as {
    name: string;
    metrics: { value?: string; labels?: Record<string, string> }[];
  }[];
  const val = (name: string, labels: Record<string, string> = {}) =>
    fams.find((f) => f.name === name)!.metrics.find((m) =>
      Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
    )?.value;
  assertEquals(
    val("rzmq_broker_service_replies_total", {
      service: "echo",
      outcome: "ok",
    }),
    String(N),
  );
  assertEquals(
    val("rzmq_broker_service_queue_depth", { service: "nobody" }),
    "1",
  );
  assertEquals(val("rzmq_broker_service_workers", { service: "echo" }), "2");
  assertEquals(val("rzmq_broker_connections", { kind: "worker" }), "2");
  assertEquals(
    Number(val("rzmq_broker_requests_total")),
    broker.stats.counters.requests,
  );
  assert(
    mb.includes(
      `rzmq_broker_service_request_duration_seconds_count{service="echo"} ${N}\n`,
    ),
  );

  const events = await readEvents(`${http.url}events`, 2);
  assertEquals(events.map((e) => e.event), ["history", "stats"]);
  const live = (events[1].data as { stats: typeof stats }).stats;
  assertEquals(
    live.services.find((s: { name: string }) => s.name === "echo").answered,
    N,
  );

  const [ps, pb, ph] = await text(http.url);
  assertEquals(ps, 200);
  assert(ph.get("content-type")!.startsWith("text/html"));
  assert(pb.includes('new EventSource("/events")'));
  assert(!/(src|href)="https?:/.test(pb), "no external resource");
  assertEquals((await text(`${http.url}nope`))[0], 404);
  const post = await fetch(`${http.url}stats`, { method: "POST" });
  await post.body?.cancel();
  assertEquals(post.status, 405);

  http.shuttingDown();
  const [hs2, hb2] = await text(`${http.url}healthz`);
  assertEquals([hs2, JSON.parse(hb2)], [503, { status: "shutting-down" }]);

  await client.close();
  assert((await orphan) instanceof Error);
  await Promise.all(workers.map((w) => w.close()));
  await broker.close();
  metrics.detach();
  await http.close();
  await http.close(); // idempotent
});

Deno.test("http: /healthz follows healthy(); an open event stream does not hold close()", async () => {
  let ok = true;
  const http = await ObserveServer.bind({
    snapshot: () => ({ n: NaN }),
    prometheus: () => "",
  }, { port: 0, healthy: () => ok });
  assertEquals((await text(`${http.url}healthz`))[0], 200);
  ok = false;
  assertEquals((await text(`${http.url}healthz`))[0], 503);
  assertEquals(JSON.parse((await text(`${http.url}stats`))[1]), { n: null });
  const res = await fetch(`${http.url}events`);
  const reader = res.body!.getReader();
  await reader.read();
  await http.close();
  for (;;) if ((await reader.read()).done) break;
});

Deno.test("http: the --http flag's forms", () => {
  assertEquals(readHttpFlag("8222"), { hostname: "127.0.0.1", port: 8222 });
  assertEquals(readHttpFlag(":0"), { hostname: "127.0.0.1", port: 0 });
  assertEquals(readHttpFlag("0.0.0.0:80"), { hostname: "0.0.0.0", port: 80 });
  assertEquals(readHttpFlag("[::1]:9"), { hostname: "::1", port: 9 });
  assertEquals(readHttpFlag("localhost:9"), { hostname: "localhost", port: 9 });
  assertEquals(readHttpFlag(undefined), undefined);
  for (const bad of ["", "x", "1:2:3", "host:", "127.0.0.1:99999", "a b:1"]) {
    let threw = false;
    try {
      readHttpFlag(bad);
    } catch {
      threw = true;
    }
    assert(threw, bad);
  }
});

Deno.test("deno task broker --http: serves while up, exits 0 on SIGTERM; a bad --http exits 2", async () => {
  const child = await spawnChild(BROKER, {
    args: [
      "--bind",
      "tcp://127.0.0.1:*",
      "--http",
      "127.0.0.1:0",
      "--heartbeat-ms",
      String(HB),
      "--log-events",
      "--log-level",
      "info",
    ],
  });
  const url = child.ready.http as string;
  assert(url.startsWith("http://127.0.0.1:"), url);
  assertEquals((await text(`${url}healthz`))[0], 200);
  const worker = await MajordomoWorker.connect(
    child.endpoint,
    "echo",
    (r) => r,
    {
      heartbeatIntervalMs: HB,
    },
  );
  await worker.ready;
  const client = await MajordomoAsyncClient.connect(child.endpoint);
  await client.request("echo", ["hi"]);
  const stats = JSON.parse((await text(`${url}stats`))[1]);
  assertEquals(
    stats.services.find((s: { name: string }) => s.name === "echo").answered,
    1,
  );
  assert(
    (await text(`${url}metrics`))[1].includes(
      'rzmq_broker_service_replies_total{service="echo",outcome="ok"} 1\n',
    ),
  );
  await client.close();
  await worker.close();
  const status = await child.terminate();
  assertEquals(status.code, 0);
  // --log-events: one JSON line per event, msg and event both its name.
  const events = child.stderrText().split("\n").filter((l) =>
    l.includes('"event":')
  ).map((l) => JSON.parse(l));
  const types = events.map((e) => e.event);
  for (const t of ["worker:ready", "request:dispatched", "request:answered"]) {
    assert(types.includes(t), `${t} in ${types}`);
  }
  for (const e of events) {
    assertEquals(e.msg, e.event);
    for (const k of ["time", "level", "name"]) assert(k in e, k);
  }

  const bad = await spawnChild(BROKER, {
    args: ["--http", "nowhere"],
    waitReady: false,
  });
  assertEquals((await bad.exited).code, 2);
  assert(bad.stderrText().startsWith("broker: --http"));
  assert(!/^\s+at /m.test(bad.stderrText()));
  await shutdown();
});
