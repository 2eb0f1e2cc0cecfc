// Reliability scenarios with real child processes: the broker (CLI), workers
// that log every execution (fixture), async load clients (fixture) and pools
// are separate processes; chaos is SIGKILL, SIGSTOP/SIGCONT and a broker
// restart on the same port. Every request carries a unique payload, so the
// counts are exact: answered, failed, resolved twice, executions per request.
import { MajordomoClient, shutdown } from "../../mod.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  brokerStats,
  HB,
  spawnBroker,
  spawnWorker,
  td,
  until,
} from "./_helpers.ts";

const POOL = new URL("./fixtures/worker_pool.ts", import.meta.url);
const CLIENTS = new URL("./fixtures/client_pool.ts", import.meta.url);
const EXEC_WORKER = new URL("./fixtures/exec_worker.ts", import.meta.url);
const LOAD = new URL("./fixtures/async_load.ts", import.meta.url);
/** The async client's default `maxAttempts`: the most runs of one request. */
const MAX_ATTEMPTS = 3;

async function waitWorkers(ep: string, service: string, n: number) {
  await until(
    async () => {
      const s = (await brokerStats(ep)).services.find((x) =>
        x.name === service
      );
      return (s?.workers ?? 0) === n;
    },
    20000,
    `${n} ${service} workers`,
  );
}

function execWorker(ep: string, extra: string[] = []): Promise<Child> {
  return spawnChild(EXEC_WORKER, {
    args: ["--endpoint", ep, "--heartbeat-ms", String(HB), ...extra],
  });
}

function load(ep: string, args: string[]): Promise<Child> {
  return spawnChild(LOAD, { args: ["--endpoint", ep, ...args] });
}

interface Done {
  ok: number;
  wrong: number;
  failed: number;
  twice: number;
  errors: Record<string, number>;
  stats: Record<string, number | string>;
}

async function done(c: Child, timeoutMs = 60000): Promise<Done> {
  const line = await c.waitForLine((l) => l.includes('"done"'), timeoutMs);
  return JSON.parse(line);
}

/** Executions per payload, over every worker's log. */
function executions(workers: Child[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const w of workers) {
    for (const l of w.stdoutLines) {
      if (l.startsWith("X ")) n.set(l.slice(2), (n.get(l.slice(2)) ?? 0) + 1);
    }
  }
  return n;
}

function maxOf(m: Map<string, number>): number {
  let x = 0;
  for (const v of m.values()) x = Math.max(x, v);
  return x;
}

function lostLines(c: Child): number[] {
  return c.stdoutLines.filter((l) => l.includes('"lost"')).map((l) =>
    JSON.parse(l).outstanding
  );
}

Deno.test("scenario (a): broker kill -9 x3 under paced async load from 3 clients: 0 lost, 0 resolved twice, executions <= attempt bound", async () => {
  //  C1..C3 (200/s each) ──► B ──► W1..W4        B: kill -9, restart, x3
  let broker = await spawnBroker(["--max-queue", "100000"]);
  const ep = broker.endpoint;
  const workers = await Promise.all([1, 2, 3, 4].map(() => execWorker(ep)));
  const clients: Child[] = [];
  try {
    await waitWorkers(ep, "echo", 4);
    const N = 1600;
    // Three kills close together (and, with 100 ms heartbeats on a busy
    // machine, an occasional worker the broker expires) can each cost a
    // request one send: the bound here is 6, and it must hold.
    const BOUND = 6;
    for (const id of ["a", "b", "c"]) {
      clients.push(
        await load(ep, [
          "--count",
          String(N),
          "--rate",
          "200",
          "--id",
          id,
          "--max-attempts",
          String(BOUND),
        ]),
      );
    }
    for (let kill = 1; kill <= 3; kill++) {
      // Each kill once the (restarted) broker has answered 600 requests:
      // it serves again, and the load goes on for a few seconds.
      await until(
        async () => (await brokerStats(ep)).counters.replies >= 600,
        30000,
        `load before kill ${kill}`,
      );
      await broker.kill();
      broker = await spawnBroker(["--max-queue", "100000"], ep);
    }
    const results = await Promise.all(clients.map((c) => done(c)));
    const ex = executions(workers);
    const report = results.map((r) => ({
      ok: r.ok,
      failed: r.failed,
      errors: r.errors,
      twice: r.twice,
      resentReconnect: r.stats.resentReconnect,
      resentTimeout: r.stats.resentTimeout,
      resentLost: r.stats.resentLost,
      duplicates: r.stats.duplicates,
      reconnects: r.stats.reconnects,
      lostAtKills: lostLines(clients[results.indexOf(r)]),
    }));
    console.log(
      "scenario (a):",
      JSON.stringify(report),
      "max executions",
      maxOf(ex),
    );
    for (const r of results) {
      assertEquals(
        [r.ok, r.wrong, r.failed, r.twice],
        [N, 0, 0, 0],
        JSON.stringify(r),
      );
    }
    assertEquals(ex.size, 3 * N, "every request ran");
    assert(maxOf(ex) <= BOUND, `a request ran ${maxOf(ex)} times`);
    for (const [i, c] of clients.entries()) {
      const lost = lostLines(c).reduce((a, b) => a + b, 0);
      assert(
        Number(results[i].stats.resentReconnect) <= lost,
        `resends after reconnects ${
          results[i].stats.resentReconnect
        } > outstanding at the kills ${lost}`,
      );
    }
  } finally {
    for (const c of clients) await c.kill();
    for (const w of workers) await w.kill();
    await broker.kill();
  }
});

Deno.test("scenario (b): worker kill -9 and SIGSTOP under async load: 0 lost, executions <= attempt bound", async () => {
  //  C1, C2 (250/s) ──► B ──► W1 (kill -9) W2 (SIGSTOP, SIGCONT) W3 W4
  await using broker = await spawnBroker();
  const ep = broker.endpoint;
  const workers = await Promise.all(
    [1, 2, 3, 4].map(() => execWorker(ep, ["--delay-ms", "2"])),
  );
  const clients: Child[] = [];
  try {
    await waitWorkers(ep, "echo", 4);
    const N = 1500;
    for (const id of ["a", "b"]) {
      clients.push(
        await load(ep, ["--count", String(N), "--rate", "150", "--id", id]),
      );
    }
    await until(() => executions(workers).size >= 700, 30000, "load");
    await workers[0].kill();
    await until(() => executions(workers).size >= 1400, 30000, "more load");
    workers[1].pause();
    await until(
      () => executions(workers).size >= 2100,
      30000,
      "load while stopped",
    );
    workers[1].resume();
    const results = await Promise.all(clients.map((c) => done(c)));
    const ex = executions(workers);
    console.log(
      "scenario (b):",
      JSON.stringify(
        results.map((r) => ({ ok: r.ok, failed: r.failed, stats: r.stats })),
      ),
      "max executions",
      maxOf(ex),
    );
    for (const r of results) {
      assertEquals(
        [r.ok, r.wrong, r.failed, r.twice],
        [N, 0, 0, 0],
        JSON.stringify(r),
      );
    }
    assertEquals(ex.size, 2 * N);
    assert(maxOf(ex) <= MAX_ATTEMPTS, `a request ran ${maxOf(ex)} times`);
  } finally {
    for (const c of clients) await c.kill();
    for (const w of workers) await w.kill();
  }
});

Deno.test("scenario (c): a burst of 20,000 in flight across a broker kill: resends <= outstanding at the kill, executions <= attempt bound", async () => {
  let broker = await spawnBroker(["--max-queue", "100000"]);
  const ep = broker.endpoint;
  const workers = await Promise.all([1, 2, 3, 4].map(() => execWorker(ep)));
  let client: Child | undefined;
  try {
    await waitWorkers(ep, "echo", 4);
    const N = 20000;
    client = await load(ep, [
      "--count",
      String(N),
      "--in-flight",
      String(N),
      "--deadline-ms",
      "60000",
      // Longer than the burst takes: every resend here is the kill's.
      "--attempt-ms",
      "60000",
    ]);
    await until(
      () => executions(workers).size >= 3000,
      30000,
      "burst under way",
    );
    await broker.kill();
    broker = await spawnBroker(["--max-queue", "100000"], ep);
    const r = await done(client, 90000);
    const ex = executions(workers);
    const lost = lostLines(client);
    console.log(
      "scenario (c):",
      JSON.stringify({ ok: r.ok, failed: r.failed, lost, stats: r.stats }),
      "max executions",
      maxOf(ex),
    );
    assertEquals(
      [r.ok, r.wrong, r.failed, r.twice],
      [N, 0, 0, 0],
      JSON.stringify(r),
    );
    // The kill drops one connection with the burst on it. A second drop
    // may follow: the replacement socket can reach the dying broker's
    // listening port in the instant before the kernel closes it, and that
    // connection dies before its handshake, holding nothing (our reading,
    // not traced: seen once as
    // [16934, 0] on a quiet machine). Whatever the drops, the resends are
    // bounded by what they held.
    assert(lost.length >= 1 && lost.length <= 3, `drops: ${lost}`);
    assert(lost[0] > 0 && lost[0] <= N);
    const held = lost.reduce((a, b) => a + b, 0);
    assert(held <= N, `drops held ${held} > ${N}`);
    // The kill's resends; a worker the broker expired (short heartbeats on
    // a busy machine) adds 502 resends, counted apart in resentLost.
    assert(
      Number(r.stats.resentReconnect) <= held,
      `resent after the kill ${r.stats.resentReconnect} > outstanding at the drops ${held}`,
    );
    assertEquals(r.stats.resentTimeout, 0);
    assertEquals(ex.size, N);
    assert(maxOf(ex) <= MAX_ATTEMPTS, `a request ran ${maxOf(ex)} times`);
  } finally {
    await client?.kill();
    for (const w of workers) await w.kill();
    await broker.kill();
  }
});

Deno.test("scenario (e): a 3 s handler runs once under the defaults (async and sync clients)", async () => {
  await using broker = await spawnBroker();
  const ep = broker.endpoint;
  await using w = await execWorker(ep, [
    "--delay-ms",
    "3000",
    "--service",
    "slow",
  ]);
  await waitWorkers(ep, "slow", 1);
  await using c = await spawnChild(LOAD, {
    args: [
      "--endpoint",
      ep,
      "--service",
      "slow",
      "--count",
      "1",
      "--id",
      "async",
    ],
  });
  const r = await done(c);
  assertEquals([r.ok, r.failed], [1, 0], JSON.stringify(r));
  const sync = await MajordomoClient.connect(ep);
  const [reply] = await sync.request("slow", ["sync-0"]);
  assertEquals(td.decode(reply), "sync-0");
  await sync.close();
  const ex = executions([w]);
  assertEquals([ex.get("async-0"), ex.get("sync-0")], [1, 1]);
  await shutdown();
});

Deno.test("worker SIGKILL mid-request: the sync client gets its reply from another worker", async () => {
  //  C ──req──► B ──► A (busy 3 s) ✗ SIGKILL
  //  C (timeout or 502) ──req──► B ──► W2 ──reply──► C
  await using broker = await spawnBroker();
  const ep = broker.endpoint;
  await using a = await spawnWorker(ep, ["--tag", "A", "--delay-ms", "3000"]);
  await waitWorkers(ep, "echo", 1);
  await using _b = await spawnWorker(ep, ["--tag", "B"]);
  await waitWorkers(ep, "echo", 2);
  const client = await MajordomoClient.connect(ep, {
    attemptTimeoutMs: 1000,
    maxAttempts: 3,
  });
  const reply = client.request("echo", ["x"]);
  // A (longest waiting) takes it: one worker left waiting.
  await until(
    async () => (await brokerStats(ep)).services[0].waiting === 1,
    10000,
    "A busy",
  );
  await a.kill();
  const r = await reply;
  assertEquals(r.map((f) => td.decode(f)), ["x", "B"]);
  // A is gone from the broker too (heartbeat to it fails / it expires).
  await waitWorkers(ep, "echo", 1);
  await client.close();
});

Deno.test("worker SIGSTOP: purged after liveness, requests go elsewhere, re-registers after SIGCONT", async () => {
  await using broker = await spawnBroker();
  const ep = broker.endpoint;
  await using a = await spawnWorker(ep, ["--tag", "A"]);
  await waitWorkers(ep, "echo", 1);
  await using _b = await spawnWorker(ep, ["--tag", "B"]);
  await waitWorkers(ep, "echo", 2);
  a.pause();
  const stoppedAt = performance.now();
  const client = await MajordomoClient.connect(ep, {
    attemptTimeoutMs: 600,
    maxAttempts: 5,
  });
  const tags: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await client.request("echo", [`${i}`]);
    assertEquals(td.decode(r[0]), `${i}`);
    tags.push(td.decode(r[1]));
  }
  assert(tags.every((t) => t === "B"), `replies: ${tags.join(",")}`);
  await waitWorkers(ep, "echo", 1);
  assert(
    performance.now() - stoppedAt >= 2 * HB,
    "purged before liveness ran out",
  );
  a.resume();
  // Its heartbeat reaches a broker that forgot it: DISCONNECT, then READY.
  await waitWorkers(ep, "echo", 2);
  await client.close();
});

Deno.test("100 workers × 100 clients through one broker", async () => {
  await using broker = await spawnBroker(["--heartbeat-ms", "1000"]);
  const ep = broker.endpoint;
  await using _p1 = await spawnChild(POOL, {
    args: [
      "--endpoint",
      ep,
      "--count",
      "50",
      "--tag",
      "a",
      "--heartbeat-ms",
      "1000",
    ],
  });
  await using _p2 = await spawnChild(POOL, {
    args: [
      "--endpoint",
      ep,
      "--count",
      "50",
      "--tag",
      "b",
      "--heartbeat-ms",
      "1000",
    ],
  });
  await waitWorkers(ep, "echo", 100);
  const pools = await Promise.all(
    [0, 1].map((i) =>
      spawnChild(CLIENTS, {
        args: [
          "--endpoint",
          ep,
          "--count",
          "50",
          "--requests",
          "20",
          "--id",
          `p${i}`,
        ],
      })
    ),
  );
  let ok = 0;
  let seen = 0;
  for (const p of pools) {
    const line = await p.waitForLine((l) => l.includes('"done"'), 60000);
    const r = JSON.parse(line);
    assertEquals(r.bad + r.failed, 0, line);
    ok += r.ok;
    seen += r.workers;
    await p.exited;
  }
  assertEquals(ok, 2000);
  assert(seen > 20, `only ${seen} distinct workers answered`);
  const s = await brokerStats(ep);
  assertEquals(s.workers, 100);
  assertEquals(s.counters.internalErrors, 0);
  await shutdown();
});
