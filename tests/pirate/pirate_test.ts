/**
 * In-process tests of the Pirate queues and workers (loopback TCP, one
 * process): routing, malformed input, busy workers, failing handlers,
 * `ready`, events and stats.
 */
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import {
  ClosedError,
  DealerSocket,
  shutdown,
  silentLogger,
} from "../../mod.ts";
import {
  ParanoidPirateQueue,
  ParanoidPirateWorker,
  type PirateQueueEvent,
  type PirateWorkerEvent,
  SimplePirateQueue,
  SimplePirateWorker,
} from "../../src/patterns/pirate/mod.ts";
import { lazyClient, LOCAL, Recorder } from "./_helpers.ts";

const td = new TextDecoder();
const QUIET = { logger: silentLogger };
const FAST = { heartbeatIntervalMs: 150, liveness: 3, ...QUIET };

Deno.test("SimplePirateQueue routes to the least recently used worker and drops malformed frames", async () => {
  const events = new Recorder<PirateQueueEvent>();
  const queue = await SimplePirateQueue.bind(LOCAL, LOCAL, {
    onEvent: events.on,
    ...QUIET,
  });
  const w1 = await SimplePirateWorker.connect(
    queue.backendEndpoint,
    () => ["w1"],
    QUIET,
  );
  await events.until(() => events.count("worker:ready") === 1);
  const w2 = await SimplePirateWorker.connect(
    queue.backendEndpoint,
    () => ["w2"],
    QUIET,
  );
  await events.until(() => events.count("worker:ready") === 2);
  await Promise.all([w1.ready, w2.ready]);
  // Malformed on both sockets.
  const badClient = new DealerSocket();
  badClient.connect(queue.frontendEndpoint);
  await badClient.send(["no-delimiter"]);
  const badWorker = new DealerSocket();
  badWorker.connect(queue.backendEndpoint);
  await badWorker.send(["", "\x07"]);
  await badWorker.send(["junk"]);
  await events.until(() =>
    queue.stats.invalidFrontend === 1 && queue.stats.invalidBackend === 2
  );
  const client = await lazyClient(queue.frontendEndpoint);
  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    order.push(td.decode((await client.request(["x"]))[0]));
  }
  assertEquals(order, ["w1", "w2", "w1", "w2"]);
  assertEquals(queue.stats.invalidFrontend, 1);
  assertEquals(queue.stats.invalidBackend, 2);
  assertEquals(queue.stats.replies, 4);
  assertEquals(events.count("message:invalid"), 3);
  await client.close();
  badClient.close();
  badWorker.close();
  await w1.close();
  await w2.close();
  await queue.close();
});

Deno.test("SimplePirateWorker: a failing handler drops the request and answers READY on the same socket", async () => {
  const queue = await SimplePirateQueue.bind(LOCAL, LOCAL, QUIET);
  let n = 0;
  const seen = new Recorder<PirateWorkerEvent>();
  const worker = await SimplePirateWorker.connect(
    queue.backendEndpoint,
    (req) => {
      if (n++ === 0) throw new Error("boom");
      return req;
    },
    { onEvent: seen.on, ...QUIET },
  );
  const client = await lazyClient(queue.frontendEndpoint, {
    timeoutMs: 1000,
    attempts: 10,
  });
  assertEquals(td.decode((await client.request(["a"]))[0]), "a");
  assertEquals(worker.stats.failures, 1);
  assertEquals(worker.stats.requests, 1);
  assertEquals(worker.stats.reconnects, 0);
  assertEquals(seen.count("handler:failed"), 1);
  assertEquals(client.stats.retries, 1);
  await client.close();
  await worker.close();
  await queue.close();
});

for (const core of ["wasm", "ts"] as const) {
  Deno.test(`ParanoidPirateQueue (${core} core) serves 10 workers and 10 clients, and counts malformed frames`, async () => {
    const events = new Recorder<PirateQueueEvent>();
    const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, {
      ...FAST,
      core,
      onEvent: events.on,
    });
    assertEquals(queue.coreImpl, core);
    const workers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ParanoidPirateWorker.connect(
          queue.backendEndpoint,
          (req) => [`w${i}`, ...req],
          FAST,
        )),
    );
    await Promise.all(workers.map((w) => w.ready));
    const bad = new DealerSocket();
    bad.connect(queue.backendEndpoint);
    await bad.send([new Uint8Array([9])]); // unknown command
    await bad.send(["c", "not-empty", "body"]); // missing delimiter
    const badC = new DealerSocket();
    badC.connect(queue.frontendEndpoint);
    await badC.send(["x", "y"]);
    await events.until(() =>
      queue.stats.invalidBackend === 2 && queue.stats.invalidFrontend === 1
    );
    const clients = await Promise.all(
      Array.from({ length: 10 }, () => lazyClient(queue.frontendEndpoint)),
    );
    const served = new Set<string>();
    await Promise.all(clients.map(async (c, ci) => {
      for (let k = 0; k < 20; k++) {
        const r = await c.request([`${ci}-${k}`]);
        assertEquals(td.decode(r[1]), `${ci}-${k}`);
        served.add(td.decode(r[0]));
      }
    }));
    assert(served.size >= 2, `only ${served.size} workers served`);
    const s = queue.stats;
    assertEquals([s.requests, s.replies], [200, 200]);
    assertEquals(s.invalidBackend, 2);
    assertEquals(s.invalidFrontend, 1);
    for (const c of clients) await c.close();
    bad.close();
    badC.close();
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
  });
}

Deno.test("ParanoidPirateQueue does not expire a worker busy with a long request", async () => {
  const events = new Recorder<PirateQueueEvent>();
  const HB = { heartbeatIntervalMs: 100, liveness: 3, ...QUIET };
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, {
    ...HB,
    onEvent: events.on,
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  let started!: () => void;
  const begun = new Promise<void>((r) => started = r);
  const worker = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    async (req) => {
      started();
      await gate;
      return req;
    },
    HB,
  );
  const client = await lazyClient(queue.frontendEndpoint, {
    timeoutMs: 60000,
    attempts: 1,
  });
  const reply = client.request(["long"]);
  await begun;
  assertEquals(worker.state, "busy");
  // Ten liveness windows (3 s) pass (time passing is what is tested here,
  // not an ordering); sampled every 100 ms, the worker stays busy and known.
  const t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    await new Promise((r) => setTimeout(r, 100));
    assertEquals(queue.stats.busyWorkers, 1);
    assertEquals(worker.stats.reconnects, 0);
  }
  release();
  assertEquals(td.decode((await reply)[0]), "long");
  assertEquals(events.count("worker:expired"), 0);
  assertEquals(worker.stats.reconnects, 0);
  await events.until(() => queue.stats.idleWorkers === 1);
  await client.close();
  await worker.close();
  await queue.close();
});

Deno.test("ParanoidPirateQueue forgets a worker busy longer than maxBusyMs", async () => {
  const events = new Recorder<PirateQueueEvent>();
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, {
    ...FAST,
    maxBusyMs: 600,
    onEvent: events.on,
  });
  const worker = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    (_req, { signal }) =>
      new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason))
      ),
    FAST,
  );
  await events.until(() => queue.stats.idleWorkers === 1);
  const client = await lazyClient(queue.frontendEndpoint, { attempts: 1 });
  const p = client.request(["stuck"]).catch((e) => e);
  await events.until(() => events.count("worker:expired") === 1);
  const e = events.seen.find((e) => e.type === "worker:expired")!;
  assert(e.type === "worker:expired" && e.busy);
  assertEquals(queue.stats.busyWorkers, 0);
  assertEquals(queue.stats.expired, 1);
  await client.close();
  await p;
  await worker.close();
  await queue.close();
});

Deno.test("ParanoidPirateWorker: a failing handler frees its slot with a fresh READY, logged and reported", async () => {
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, FAST);
  let n = 0;
  const warned: string[] = [];
  const seen = new Recorder<PirateWorkerEvent>();
  const worker = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    (req) => {
      if (n++ === 0) throw new Error("boom");
      return req;
    },
    {
      ...FAST,
      onEvent: seen.on,
      logger: { ...silentLogger, warn: (m) => warned.push(m) },
    },
  );
  const client = await lazyClient(queue.frontendEndpoint, {
    timeoutMs: 1000,
    attempts: 5,
  });
  assertEquals(td.decode((await client.request(["a"]))[0]), "a");
  assertEquals(worker.stats.failures, 1);
  assertEquals(client.stats.retries, 1);
  assertEquals(seen.count("handler:failed"), 1);
  assert(warned.some((m) => m.includes("handler failed")), String(warned));
  await client.close();
  await worker.close();
  await queue.close();
});

Deno.test("Pirate workers: ready resolves once connected; close() before that rejects it with ClosedError", async () => {
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, FAST);
  const seen = new Recorder<PirateWorkerEvent>();
  const w = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    (r) => r,
    { ...FAST, onEvent: seen.on },
  );
  await w.ready;
  assertEquals(w.state, "ready");
  assertEquals(seen.count("worker:ready"), 1);
  await w.close();
  assertEquals(w.state, "closed");
  await queue.close();
  // Nobody listens on this port: never ready; close rejects `ready`.
  const lonely = await SimplePirateWorker.connect(
    "tcp://127.0.0.1:9",
    (r) => r,
    QUIET,
  );
  assertEquals(lonely.state, "connecting");
  await lonely.close();
  await assertRejects(() => lonely.ready, ClosedError);
  await lonely.close(); // idempotent
});

Deno.test("ParanoidPirateWorker reports a queue it cannot reach: connection:failed events, counted", async () => {
  const seen = new Recorder<PirateWorkerEvent>();
  const w = await ParanoidPirateWorker.connect("tcp://127.0.0.1:9", (r) => r, {
    ...FAST,
    onEvent: seen.on,
  });
  await seen.until(() => seen.count("connection:failed") >= 1, 20000);
  assert(w.stats.connectFailures >= 1);
  await w.close();
});

Deno.test("teardown", async () => {
  await shutdown();
});
