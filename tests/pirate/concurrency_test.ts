/**
 * Worker concurrency of the Paranoid Pirate worker (issue 18): one process,
 * N slots, each its own 6/PPP worker (DEALER, identity, READY, heartbeats)
 * to a real queue. Overlap is counted (handlers running at once), never
 * timed; counts per slot are exact.
 */
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { shutdown, silentLogger } from "../../mod.ts";
import {
  ParanoidPirateQueue,
  ParanoidPirateWorker,
  type PirateWorkerEvent,
} from "../../src/patterns/pirate/mod.ts";
import { lazyClient, LOCAL, Recorder, until } from "./_helpers.ts";

const td = new TextDecoder();
const QUIET = { logger: silentLogger };
const FAST = { heartbeatIntervalMs: 150, liveness: 3, ...QUIET };

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

Deno.test("ParanoidPirateWorker concurrency 4: four slots with their own identities run four requests at once", async () => {
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, FAST);
  const events = new Recorder<PirateWorkerEvent>();
  let running = 0;
  let most = 0;
  const worker = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    async (req) => {
      most = Math.max(most, ++running);
      await sleep(200);
      running--;
      return [...req, "done"];
    },
    { ...FAST, concurrency: 4, identity: "pool", onEvent: events.on },
  );
  const clients = await Promise.all(
    [0, 1, 2, 3].map(() => lazyClient(queue.frontendEndpoint)),
  );
  try {
    assertEquals(worker.concurrency, 4);
    assertEquals(worker.identities, ["pool-0", "pool-1", "pool-2", "pool-3"]);
    assertEquals(worker.identity, "pool-0");
    await worker.ready;
    await until(() => queue.stats.idleWorkers === 4);
    assertEquals(worker.state, "ready");
    assertEquals(
      events.seen.filter((e) => e.type === "worker:ready").map((e) => e.slot)
        .sort(),
      [0, 1, 2, 3],
    );
    const replies = await Promise.all(
      clients.map((c, i) => c.request([`q${i}`])),
    );
    replies.forEach((r, i) =>
      assertEquals(r.map((f) => td.decode(f)), [`q${i}`, "done"])
    );
    assertEquals(most, 4);
    assertEquals(worker.stats.requests, 4);
    assertEquals(worker.slotStats.map((s) => s.requests), [1, 1, 1, 1]);
  } finally {
    for (const c of clients) await c.close();
    await worker.close();
    assertEquals(worker.slotStates, ["closed", "closed", "closed", "closed"]);
    await queue.close();
  }
});

Deno.test("ParanoidPirateWorker concurrency 4: the queue spreads 400 requests over every slot, none starved", async () => {
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, FAST);
  const worker = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    async (req) => {
      await sleep(1);
      return req;
    },
    { ...FAST, concurrency: 4 },
  );
  const clients = await Promise.all(
    Array.from({ length: 8 }, () => lazyClient(queue.frontendEndpoint)),
  );
  try {
    await worker.ready;
    assertEquals(new Set(worker.identities).size, 4);
    await until(() => queue.stats.idleWorkers === 4);
    // 8 clients, 50 requests each, one at a time per client.
    await Promise.all(clients.map(async (c, k) => {
      for (let i = 0; i < 50; i++) {
        const r = await c.request([`${k}.${i}`]);
        assertEquals(td.decode(r[0]), `${k}.${i}`);
      }
    }));
    const per = worker.slotStats.map((s) => s.requests);
    assertEquals(per.reduce((a, b) => a + b, 0), 400);
    assert(Math.min(...per) >= 400 / 4 / 4, `per slot: ${per.join(" ")}`);
  } finally {
    for (const c of clients) await c.close();
    await worker.close();
    await queue.close();
  }
});

Deno.test("ParanoidPirateWorker: bad concurrency values are refused with typed errors", async () => {
  for (const bad of [0, -3, 2.5, 4097, NaN]) {
    await assertRejects(
      () =>
        ParanoidPirateWorker.connect("tcp://127.0.0.1:5556", (r) => r, {
          concurrency: bad,
        }),
      RangeError,
      "concurrency must be an integer between 1 and 4096",
    );
  }
  await assertRejects(
    () =>
      ParanoidPirateWorker.connect("tcp://127.0.0.1:5556", (r) => r, {
        concurrency: "2" as unknown as number,
      }),
    TypeError,
    "concurrency must be an integer",
  );
  // A slot identity over 255 characters is refused too.
  await assertRejects(
    () =>
      ParanoidPirateWorker.connect("tcp://127.0.0.1:5556", (r) => r, {
        concurrency: 2,
        identity: "x".repeat(254),
      }),
    TypeError,
    "identity must be a 1-255 character string",
  );
});

Deno.test("concurrency: teardown", async () => {
  await shutdown();
});
