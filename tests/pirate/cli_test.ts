/**
 * `deno task queue` (src/cli/queue.ts) as a child process: bad flags exit 2,
 * real workers and Lazy Pirate clients through it (every request answered
 * once with its own reply), /healthz, /stats and /metrics with exact counts
 * (the metrics parsed with the npm parser the broker's test uses), a worker
 * killed -9 and one SIGSTOPped showing in /stats, SIGTERM giving 503 during
 * the grace period and then exit 0.
 */
import parsePrometheus from "npm:parse-prometheus-text-format@1.1.1";
import { assert, assertEquals } from "../helpers/assert.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";
import {
  ParanoidPirateWorker,
  shutdown,
  silentLogger,
  SimplePirateWorker,
} from "../../mod.ts";
import { lazyClient } from "./_helpers.ts";
import {
  type Family,
  getJson,
  HB,
  LIVENESS,
  load,
  LOCAL,
  metric,
  QUEUE,
  showStderr,
  startQueue,
  td,
  te,
  until,
  WORKER,
} from "./_cli_helpers.ts";

const BAD: string[][] = [
  ["--kind", "lazy"],
  ["--frontend", "nonsense"],
  ["--backend", "tcp://*:99999"],
  ["--heartbeat-ms", "0"],
  ["--heartbeat-ms", "abc"],
  ["--liveness", "0"],
  ["--liveness", "1001"],
  ["--max-busy-ms", "soon"],
  ["--max-frame-bytes", "0"],
  ["--max-message-bytes", "10", "--max-frame-bytes", "100"],
  ["--core", "gpu"],
  ["--grace-ms", "-1"],
  ["--stats-ms", "x"],
  ["--spin-us", "2000000"],
  ["--log-level", "loud"],
  ["--log-format", "xml"],
  ["--http", "nowhere"],
  ["--curve-secret", "/nonexistent/queue_secret"],
  ["--allow-clients", "/tmp"],
  ["--allow-workers", "/tmp"],
  ["--curve-secret", "/nonexistent/queue_secret", "--allow-clients", "any"],
  ["--log-events=yes"],
  ["--bogus"],
  ["extra"],
];

Deno.test("deno task queue: every bad flag exits 2 with one line naming it and the usage; --help, --version exit 0", async () => {
  const run = async (args: string[]) => {
    const child = await spawnChild(QUEUE, { args, waitReady: false });
    const status = await child.exited;
    const err = child.stderrText();
    const what = `${args.join(" ")} -> ${err}`;
    assertEquals(status.code, 2, what);
    const [first] = err.split("\n");
    assert(first.startsWith("queue: "), what);
    const flag = args[0].replace(/=.*/, "");
    assert(
      first.includes(flag.startsWith("--") ? flag.slice(2) : flag),
      `names ${flag}: ${first}`,
    );
    assert(err.includes("Usage: deno task queue"), what);
    assert(!/^\s+at /m.test(err) && !err.includes("Uncaught"), what);
    assertEquals(child.stdoutLines.length, 0, what);
  };
  for (let i = 0; i < BAD.length; i += 8) {
    await Promise.all(BAD.slice(i, i + 8).map(run));
  }
  // A Paranoid-only flag with the Simple queue.
  const simple = await spawnChild(QUEUE, {
    args: ["--kind", "simple", "--liveness", "3"],
    waitReady: false,
  });
  assertEquals((await simple.exited).code, 2);
  assert(
    simple.stderrText().startsWith(
      "queue: --liveness needs --kind paranoid",
    ),
  );
  const h = await spawnChild(QUEUE, { args: ["--help"], waitReady: false });
  assertEquals((await h.exited).code, 0);
  for (const f of ["--kind", "--http", "--curve-secret", "--heartbeat-ms"]) {
    assert(h.stdoutLines.some((l) => l.includes(f)), f);
  }
  const v = await spawnChild(QUEUE, { args: ["--version"], waitReady: false });
  assertEquals((await v.exited).code, 0);
  assert(/^reliable-zmq queue \d+\.\d+\.\d+/.test(v.stdoutLines[0]));
});

Deno.test("deno task queue: a port in use exits 1", async () => {
  const first = await startQueue([]);
  try {
    const taken = await spawnChild(QUEUE, {
      args: ["--frontend", first.endpoint, "--backend", LOCAL],
      waitReady: false,
    });
    assertEquals((await taken.exited).code, 1);
    assert(taken.stderrText().includes("cannot bind"), taken.stderrText());
  } finally {
    assertEquals((await first.terminate()).code, 0);
  }
});

/*
 *  clients (this process) ──► queue (child, --http) ◄── A, B (children: ppworker --tag)
 *     3 × 10 requests                                ◄── C (this process)
 *  /stats, /metrics exact; A SIGSTOP -> expired; B kill -9 -> expired or gone;
 *  C answers the rest; SIGTERM -> 503 during --grace-ms, then exit 0.
 */
Deno.test("deno task queue --kind paranoid --http: exact counts, workers lost to SIGSTOP and kill -9 shown, SIGTERM: 503 while still serving, a second SIGTERM: exit 0", async () => {
  const q = await startQueue([
    "--kind",
    "paranoid",
    "--heartbeat-ms",
    String(HB),
    "--liveness",
    String(LIVENESS),
    "--grace-ms",
    "60000",
    "--log-level",
    "info",
  ]);
  const url = q.ready.http as string;
  const backend = q.ready.backend as string;
  assertEquals([q.ready.kind, q.ready.endpoint], [
    "paranoid",
    q.ready.frontend,
  ]);
  assert(url.startsWith("http://127.0.0.1:"), url);
  const children: Child[] = [q];
  const workerArgs = [
    "--connect",
    backend,
    "--tag",
    "--work-ms",
    "0",
    "--heartbeat-ms",
    String(HB),
    "--liveness",
    String(LIVENESS),
    "--log-level",
    "warn",
  ];
  let c: ParanoidPirateWorker | undefined;
  await showStderr(children, async () => {
    assertEquals(await getJson(`${url}healthz`), [200, { status: "serving" }]);
    const a = await spawnChild(WORKER, { args: workerArgs });
    const b = await spawnChild(WORKER, { args: workerArgs });
    children.push(a, b);
    c = await ParanoidPirateWorker.connect(
      backend,
      (r) => [te.encode("C"), ...r],
      { heartbeatIntervalMs: HB, liveness: LIVENESS, logger: silentLogger },
    );
    await c.ready;
    await until("3 idle workers", async () => {
      const [, s] = await getJson(`${url}stats`);
      return s.workers.idle === 3;
    });

    const who = await load(q.endpoint, 3, 10);
    assertEquals([...who.values()].reduce((x, y) => x + y, 0), 30);
    const [, s1] = await getJson(`${url}stats`);
    assertEquals(s1.kind, "paranoid");
    assertEquals(s1.workers, { idle: 3, busy: 0, total: 3 });
    assertEquals(s1.queue, { depth: 0, readingClients: true });
    assertEquals(s1.counters, {
      requests: 30,
      replies: 30,
      droppedReplies: 0,
      invalidFrontend: 0,
      invalidBackend: 0,
      oversize: 0,
      expiredWorkers: 0,
      goneWorkers: 0,
      registeredWorkers: 3,
    });
    assertEquals(s1.config.heartbeatIntervalMs, HB);

    const res = await fetch(`${url}metrics`);
    assert(
      res.headers.get("content-type")!.startsWith("text/plain; version=0.0.4"),
    );
    const fams = parsePrometheus(await res.text()) as Family[];
    assertEquals(metric(fams, "rzmq_queue_requests_total"), 30);
    assertEquals(metric(fams, "rzmq_queue_replies_total"), 30);
    assertEquals(
      metric(fams, "rzmq_queue_workers", { state: "idle" }),
      3,
    );
    assertEquals(metric(fams, "rzmq_queue_workers", { state: "busy" }), 0);
    assertEquals(metric(fams, "rzmq_queue_depth"), 0);
    assertEquals(metric(fams, "rzmq_queue_registered_workers_total"), 3);
    assertEquals(
      metric(fams, "rzmq_queue_invalid_messages_total", { socket: "backend" }),
      0,
    );
    assertEquals(
      metric(fams, "rzmq_queue_info", { kind: "paranoid" }),
      1,
    );
    const types = new Map(fams.map((f) => [f.name, f.type]));
    assertEquals(types.get("rzmq_queue_requests_total"), "COUNTER");
    assertEquals(types.get("rzmq_queue_workers"), "GAUGE");
    for (const f of fams) {
      assert(/^rzmq_queue_[a-z_]+$/.test(f.name), f.name);
      if (f.type === "COUNTER") assert(f.name.endsWith("_total"), f.name);
    }

    // A is frozen (its connection stays open): it expires for silence.
    a.pause();
    await until("A expired", async () => {
      const [, s] = await getJson(`${url}stats`);
      return s.counters.expiredWorkers === 1;
    }, HB * LIVENESS * 40);
    // B is killed -9: expired, or found gone by the next heartbeat.
    await b.kill();
    await until("B forgotten", async () => {
      const [, s] = await getJson(`${url}stats`);
      return s.workers.total === 1;
    }, HB * LIVENESS * 40);
    const [, s2] = await getJson(`${url}stats`);
    assertEquals(s2.workers, { idle: 1, busy: 0, total: 1 });
    assertEquals(s2.counters.expiredWorkers + s2.counters.goneWorkers, 2);
    assert(s2.counters.expiredWorkers >= 1);
    assertEquals(s2.counters.registeredWorkers, 3);
    // Only C is left, and answers everything.
    const after = await load(q.endpoint, 2, 5);
    assertEquals([...after.entries()], [["C", 10]]);
    const [, s3] = await getJson(`${url}stats`);
    assertEquals([s3.counters.requests, s3.counters.replies], [40, 40]);

    // SIGTERM: 503 during the grace period, the queue still serves; exit 0.
    q.signal("SIGTERM");
    await until("503", async () => (await getJson(`${url}healthz`))[0] === 503);
    assertEquals(await getJson(`${url}healthz`), [503, {
      status: "shutting-down",
    }]);
    assertEquals([...(await load(q.endpoint, 1, 1)).entries()], [["C", 1]]);
    // A second signal cuts the grace short.
    const t0 = Date.now();
    q.signal("SIGTERM");
    const status = await q.exited;
    assertEquals(status.code, 0);
    assert(Date.now() - t0 < 30000, "exited before the grace period ended");
    assert(q.stderrText().includes("SIGTERM: shutting down in 60000 ms"));
    a.resume();
  });
  await c?.close();
  for (const ch of children) await ch.kill();
  await shutdown();
});

Deno.test("deno task queue --kind simple --log-format text: stats line, counts and busy workers in /stats, SIGINT exits 0", async () => {
  const q = await spawnChild(QUEUE, {
    args: [
      "--kind",
      "simple",
      "--frontend",
      LOCAL,
      "--backend",
      LOCAL,
      "--http",
      "0",
      "--stats-ms",
      "50",
      "--log-format",
      "text",
      "--log-events",
    ],
    waitReady: false,
  });
  const ready = await q.waitForLine((l) => l.includes(" ready "), 60000);
  assert(
    /^\S+Z INFO \[queue\] ready event=ready kind=simple /.test(ready),
    ready,
  );
  const field = (k: string) => ready.match(new RegExp(` ${k}=(\\S+)`))![1];
  const url = field("http");
  assert(url.startsWith("http://127.0.0.1:"), url);
  const workers: SimplePirateWorker[] = [];
  await showStderr([q], async () => {
    let release: () => void = () => {};
    const hold = new Promise<void>((r) => release = r);
    for (const tag of ["S1", "S2"]) {
      workers.push(
        await SimplePirateWorker.connect(field("backend"), async (r) => {
          if (td.decode(r[0]) === "hold") await hold;
          return [te.encode(tag), ...r];
        }, { logger: silentLogger }),
      );
    }
    await Promise.all(workers.map((w) => w.ready));
    await until("2 idle", async () => {
      const [, s] = await getJson(`${url}stats`);
      return s.workers.idle === 2;
    });
    const who = await load(field("endpoint"), 2, 6);
    assertEquals([...who.values()].reduce((x, y) => x + y, 0), 12);
    // One request held by its worker: busy 1, idle 1.
    const client = await lazyClient(field("endpoint"), {
      timeoutMs: 20000,
      attempts: 1,
    });
    const held = client.request(["hold"]);
    await until("1 busy", async () => {
      const [, s] = await getJson(`${url}stats`);
      return s.workers.busy === 1;
    });
    const [, s1] = await getJson(`${url}stats`);
    assertEquals(s1.workers, { idle: 1, busy: 1, total: 2 });
    assertEquals([s1.counters.requests, s1.counters.replies], [13, 12]);
    release();
    assertEquals(td.decode((await held)[1]), "hold");
    await client.close();
    const [, s2] = await getJson(`${url}stats`);
    assertEquals(s2.workers, { idle: 2, busy: 0, total: 2 });
    assertEquals(s2.counters.requests, 13);
    assertEquals(s2.counters.replies, 13);
    const fams = parsePrometheus(
      await (await fetch(`${url}metrics`)).text(),
    ) as Family[];
    assertEquals(metric(fams, "rzmq_queue_info", { kind: "simple" }), 1);
    assertEquals(metric(fams, "rzmq_queue_requests_total"), 13);
    // The stats line (text format) catches up with the counts.
    await q.waitForLine((l) =>
      / INFO \[queue\] stats kind=simple idle=2 busy=0 queued=0 requests=13 replies=13 /
        .test(l)
    );
    q.signal("SIGINT");
    assertEquals((await q.exited).code, 0);
    const err = q.stderrText();
    assert(err.includes("INFO [queue] SIGINT: shutting down"), err);
    // --log-events: one line per worker:ready, with the event's fields.
    assertEquals(
      err.split("\n").filter((l) => l.includes("INFO [queue] worker:ready"))
        .length,
      2,
    );
  });
  await Promise.all(workers.map((w) => w.close()));
  await q.kill();
  await shutdown();
});
