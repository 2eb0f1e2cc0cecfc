// Security on the Pirate queues and workers, the Lazy Pirate client and the
// dynamic server: allow-listed keys served, unknown keys refused and counted.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  curveKeyPair,
  DynamicWorkerServer,
  LazyPirateClient,
  ParanoidPirateQueue,
  ParanoidPirateWorker,
  parseDynamicReply,
  silentLogger,
  SimplePirateQueue,
  SimplePirateWorker,
} from "../../mod.ts";

const td = new TextDecoder();
const quiet = { logger: silentLogger };

async function until(cond: () => boolean, ms = 10000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("security: Paranoid Pirate queue with separate client and worker allow-lists", async () => {
  const queueKey = curveKeyPair();
  const client = curveKeyPair();
  const worker = curveKeyPair();
  const queue = await ParanoidPirateQueue.bind(
    "tcp://127.0.0.1:*",
    "tcp://127.0.0.1:*",
    {
      ...quiet,
      heartbeatIntervalMs: 200,
      security: {
        curve: { secretKey: queueKey.secretKey, allow: [client.publicKey] },
      },
      workerSecurity: {
        curve: { secretKey: queueKey.secretKey, allow: [worker.publicKey] },
      },
    },
  );
  const as = (k: { secretKey: string }) => ({
    security: {
      curve: { serverKey: queueKey.publicKey, secretKey: k.secretKey },
    },
  });
  const good = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    (r) => ["ok", ...r],
    {
      ...quiet,
      heartbeatIntervalMs: 200,
      ...as(worker),
    },
  );
  // A client key on the backend, and an unknown key: both refused.
  const wrong = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    () => ["wrong"],
    {
      ...quiet,
      heartbeatIntervalMs: 200,
      ...as(client),
    },
  );
  const c = await LazyPirateClient.connect(queue.frontendEndpoint, {
    ...quiet,
    ...as(client),
  });
  const stranger = await LazyPirateClient.connect(queue.frontendEndpoint, {
    ...quiet,
    attemptTimeoutMs: 300,
    maxAttempts: 2,
    security: { curve: { serverKey: queueKey.publicKey } },
  });
  try {
    for (let i = 0; i < 10; i++) {
      const r = await c.request([`q${i}`]);
      assertEquals(r.map((f) => td.decode(f)), ["ok", `q${i}`]);
    }
    let failed: unknown;
    await stranger.request(["in?"]).catch((e) => failed = e);
    assert(failed instanceof Error);
    await until(() =>
      (queue.securityStats.backend?.counters.refused ?? 0) >= 1 &&
      (queue.securityStats.frontend?.counters.refused ?? 0) >= 1
    );
    const s = queue.securityStats;
    assertEquals(s.frontend?.counters.allowed, 1);
    assertEquals(s.backend?.counters.allowed, 1);
    assert(s.backend!.counters.refusedBy["unknown-key"]! >= 1);
    assertEquals(queue.stats.idleWorkers + queue.stats.busyWorkers, 1);
  } finally {
    await stranger.close();
    await c.close();
    await wrong.close();
    await good.close();
    await queue.close();
  }
});

Deno.test("security: Simple Pirate queue and worker over CURVE (any key admitted, explicitly)", async () => {
  const queueKey = curveKeyPair();
  const queue = await SimplePirateQueue.bind(
    "tcp://127.0.0.1:*",
    "tcp://127.0.0.1:*",
    {
      ...quiet,
      security: { curve: { secretKey: queueKey.secretKey, allow: "any" } },
    },
  );
  const sec = { security: { curve: { serverKey: queueKey.publicKey } } };
  const w = await SimplePirateWorker.connect(queue.backendEndpoint, (r) => r, {
    ...quiet,
    ...sec,
  });
  const c = await LazyPirateClient.connect(queue.frontendEndpoint, {
    ...quiet,
    ...sec,
  });
  try {
    for (let i = 0; i < 5; i++) {
      assertEquals(td.decode((await c.request([`s${i}`]))[0]), `s${i}`);
    }
    assertEquals(queue.securityStats.frontend?.counters.allowed, 1);
    assertEquals(queue.securityStats.backend?.counters.allowed, 1);
    assertEquals(queue.securityStats.frontend?.mechanism, "CURVE");
  } finally {
    await c.close();
    await w.close();
    await queue.close();
  }
});

Deno.test("security: DynamicWorkerServer frontend with a CURVE allow-list", async () => {
  const serverKey = curveKeyPair();
  const alice = curveKeyPair();
  const server = await DynamicWorkerServer.bind(
    "tcp://127.0.0.1:*",
    "tcp://127.0.0.1:*",
    {
      ...quiet,
      worker: (req) => ["hello", ...req],
      security: {
        curve: { secretKey: serverKey.secretKey, allow: [alice.publicKey] },
      },
    },
  );
  const c = await LazyPirateClient.connect(server.frontendEndpoint, {
    ...quiet,
    security: {
      curve: { serverKey: serverKey.publicKey, secretKey: alice.secretKey },
    },
  });
  const stranger = await LazyPirateClient.connect(server.frontendEndpoint, {
    ...quiet,
    attemptTimeoutMs: 300,
    maxAttempts: 1,
    security: { curve: { serverKey: serverKey.publicKey } },
  });
  try {
    const reply = parseDynamicReply(await c.request(["x"]));
    assertEquals(reply.ok, true);
    let failed: unknown;
    await stranger.request(["x"]).catch((e) => failed = e);
    assert(failed instanceof Error);
    await until(() => (server.securityStats?.counters.refused ?? 0) >= 1);
    assertEquals(server.securityStats?.counters.allowed, 1);
    assertEquals(server.stats.requests, 1); // the stranger's never arrived
  } finally {
    await stranger.close();
    await c.close();
    await server.close();
  }
});
