// Worker concurrency (issue 18): one MajordomoWorker process serving N
// requests at once, each slot a plain 7/MDP worker to the broker. Real
// brokers and sockets; the kill -9 scenario runs the worker as a child
// process. Counts are exact: every request answered once with its own
// reply; overlap is counted (handlers running at once), never timed.
import {
  MajordomoAsyncClient,
  MajordomoBroker,
  MajordomoClient,
  MajordomoWorker,
  type MajordomoWorkerEvent,
  shutdown,
  silentLogger,
} from "../../mod.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { brokerStats, HB, spawnBroker, td, until } from "./_helpers.ts";

const CONC_WORKER = new URL("./fixtures/conc_worker.ts", import.meta.url);
const fast = {
  heartbeatIntervalMs: HB,
  reconnectInitialMs: 50,
  logger: silentLogger,
};

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A handler that counts how many of its calls run at once. */
function overlapCounter(delayMs: number, tag: string) {
  const c = {
    running: 0,
    most: 0,
    calls: 0,
    handler: async (req: Uint8Array[]) => {
      c.calls++;
      c.most = Math.max(c.most, ++c.running);
      try {
        await sleep(delayMs);
      } finally {
        c.running--;
      }
      return [...req, tag];
    },
  };
  return c;
}

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

Deno.test("concurrency 8: 8 requests from 8 clients run their 200 ms handlers at once, one per slot", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
    logger: silentLogger,
  });
  const [ep] = broker.endpoints;
  const events: MajordomoWorkerEvent[] = [];
  const h = overlapCounter(200, "w");
  const worker = await MajordomoWorker.connect(ep, "slow", h.handler, {
    ...fast,
    concurrency: 8,
    onEvent: (e) => events.push(e),
  });
  assertEquals(worker.concurrency, 8);
  await worker.ready;
  await until(() => broker.stats.services[0]?.workers === 8);
  // Every slot registered itself, each with its own number.
  assertEquals(
    events.filter((e) => e.type === "worker:registered").map((e) => e.slot)
      .sort((a, b) => a! - b!),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  const clients = await Promise.all(
    Array.from({ length: 8 }, () =>
      MajordomoClient.connect(ep, {
        attemptTimeoutMs: 10_000,
        maxAttempts: 1,
        logger: silentLogger,
      })),
  );
  try {
    const t0 = performance.now();
    const replies = await Promise.all(
      clients.map((c, i) => c.request("slow", [`req-${i}`])),
    );
    const elapsed = performance.now() - t0;
    replies.forEach((r, i) =>
      assertEquals(r.map((f) => td.decode(f)), [`req-${i}`, "w"])
    );
    // All eight handlers ran at the same time (not one after another).
    assertEquals(h.most, 8, `most at once ${h.most}, elapsed ${elapsed} ms`);
    assertEquals(h.calls, 8);
    const st = worker.stats;
    assertEquals([st.requests, st.replies, st.handlerErrors], [8, 8, 0]);
    // The broker gave each idle slot one request.
    assertEquals(worker.slotStats.map((s) => s.requests), Array(8).fill(1));
  } finally {
    for (const c of clients) await c.close();
    await worker.close();
  }
});

Deno.test("concurrency 8: the broker spreads 1,600 requests over every slot, none starved", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
    logger: silentLogger,
  });
  const [ep] = broker.endpoints;
  const h = overlapCounter(1, "w");
  const worker = await MajordomoWorker.connect(ep, "echo", h.handler, {
    ...fast,
    concurrency: 8,
  });
  await worker.ready;
  const client = await MajordomoAsyncClient.connect(ep, {
    attemptTimeoutMs: 20_000,
    maxInFlight: 64,
    logger: silentLogger,
  });
  try {
    await until(() => broker.stats.services[0]?.workers === 8);
    const N = 1600;
    const replies = await Promise.all(
      Array.from({ length: N }, (_, i) => client.request("echo", [`${i}`])),
    );
    replies.forEach((r, i) =>
      assertEquals(r.map((f) => td.decode(f)), [`${i}`, "w"])
    );
    const per = worker.slotStats.map((s) => s.requests);
    assertEquals(per.reduce((a, b) => a + b, 0), N);
    assertEquals(worker.stats.replies, N);
    // Fair share is N / 8 = 200; the least served slot gets at least a
    // quarter of it (least recently used dispatch keeps them near equal).
    assert(Math.min(...per) >= N / 8 / 4, `per slot: ${per.join(" ")}`);
    assert(h.most > 1, `most at once ${h.most}`);
  } finally {
    await client.close();
    await worker.close();
  }
});

Deno.test("scenario: kill -9 of a worker process with 8 slots holding requests: the async client's retry answers every request exactly once", async () => {
  // C (async, 40 requests) ──► B ──► W1 (8 slots, 300 ms each; kill -9)
  //                               └─► W2 (8 slots, started after the kill)
  const broker = await spawnBroker();
  const ep = broker.endpoint;
  const workers: Child[] = [];
  const client = await MajordomoAsyncClient.connect(ep, {
    attemptTimeoutMs: 10_000,
    logger: silentLogger,
  });
  try {
    const conc = (id: string) =>
      spawnChild(CONC_WORKER, {
        args: [
          "--endpoint",
          ep,
          "--concurrency",
          "8",
          "--delay-ms",
          "300",
          "--heartbeat-ms",
          String(HB),
        ],
      }).then((c) => {
        workers.push(c);
        return { id, c };
      });
    const w1 = await conc("w1");
    await waitWorkers(ep, "echo", 8);
    const N = 40;
    const outcomes = Array.from(
      { length: N },
      (_, i) =>
        client.request("echo", [`r${i}`]).then(
          (r) => ({ i, r: r.map((f) => td.decode(f)) }),
          (e) => ({ i, e: String(e) }),
        ),
    );
    // W1's eight slots each hold a request: kill it mid-handler.
    await until(
      () => w1.c.stdoutLines.filter((l) => l.startsWith("X ")).length >= 8,
      20000,
      "8 requests running on W1",
    );
    await w1.c.kill();
    await conc("w2");
    const results = await Promise.all(outcomes);
    const failed = results.filter((x) => "e" in x);
    assertEquals(failed, [], "every request answered");
    for (const x of results) {
      if (!("r" in x)) continue;
      assertEquals(x.r[0], `r${x.i}`, "its own reply");
      assertEquals(x.r.length, 2);
    }
    // Each request answered once: 40 distinct replies for 40 requests.
    assertEquals(new Set(results.map((x) => x.i)).size, N);
    const w2pid = workers[1].pid;
    const fromW2 = results.filter((x) => "r" in x && x.r[1] === `pid:${w2pid}`)
      .length;
    assert(fromW2 >= 8, `W2 answered ${fromW2} (W1's held requests retried)`);
  } finally {
    await client.close();
    for (const w of workers) await w.kill();
    await broker.kill();
  }
});

Deno.test("concurrency 8: close() with requests in flight drains every slot; every request answered once, none lost", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
    logger: silentLogger,
  });
  const [ep] = broker.endpoints;
  const h1 = overlapCounter(200, "w1");
  const w1 = await MajordomoWorker.connect(ep, "echo", h1.handler, {
    ...fast,
    concurrency: 8,
  });
  await w1.ready;
  const client = await MajordomoAsyncClient.connect(ep, {
    attemptTimeoutMs: 10_000,
    logger: silentLogger,
  });
  let w2: MajordomoWorker | undefined;
  try {
    await until(() => broker.stats.services[0]?.workers === 8);
    const N = 24;
    const pending = Array.from(
      { length: N },
      (_, i) => client.request("echo", [`${i}`]),
    );
    await until(() => h1.running === 8, 10000, "8 handlers running");
    // Stop W1 while all its slots are busy; W2 takes what is left.
    const closing = w1.close();
    w2 = await MajordomoWorker.connect(
      ep,
      "echo",
      overlapCounter(1, "w2").handler,
      { ...fast, concurrency: 4 },
    );
    await closing;
    const replies = await Promise.all(pending);
    replies.forEach((r, i) => assertEquals(td.decode(r[0]), `${i}`));
    // The 8 requests in W1's hands when close() was called were answered
    // by W1; nothing it took was left without a reply.
    const s1 = w1.stats;
    assert(s1.replies >= 8, `W1 replied ${s1.replies}`);
    assertEquals(s1.replies, s1.requests, JSON.stringify(s1));
    assertEquals(
      replies.filter((r) => td.decode(r[1]) === "w1").length,
      s1.replies,
      "W1's replies all reached their clients",
    );
    assertEquals(h1.running, 0);
    // W1's slots left the broker.
    await until(() => broker.stats.services[0]?.workers === 4);
  } finally {
    await client.close();
    await w2?.close();
  }
});

Deno.test("concurrency: bad values are refused with typed errors", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    logger: silentLogger,
  });
  const [ep] = broker.endpoints;
  for (const bad of [0, -1, 1.5, 4097, NaN, Infinity]) {
    await assertRejects(
      () => MajordomoWorker.connect(ep, "echo", (r) => r, { concurrency: bad }),
      RangeError,
      "concurrency must be an integer between 1 and 4096",
    );
  }
  for (const bad of ["8", null, true]) {
    await assertRejects(
      () =>
        MajordomoWorker.connect(ep, "echo", (r) => r, {
          concurrency: bad as unknown as number,
        }),
      TypeError,
      "concurrency must be an integer",
    );
  }
  // No socket was left open by a refused call.
  assertEquals(broker.stats.services.length, 0);
});

Deno.test("concurrency: teardown", async () => {
  await shutdown();
});
