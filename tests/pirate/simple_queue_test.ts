/**
 * The Simple Pirate queue on both cores: idle workers in the core's
 * `WorkerQueue`, LRU order, re-announced READY, counts updated before each
 * event, and a worker whose connection is gone is skipped.
 */
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { shutdown, silentLogger } from "../../mod.ts";
import {
  type PirateQueueEvent,
  SimplePirateQueue,
  SimplePirateWorker,
} from "../../src/patterns/pirate/mod.ts";
import { isClientRequest } from "../../src/patterns/pirate/_queue_base.ts";
import { lazyClient, LOCAL, until } from "./_helpers.ts";

const td = new TextDecoder();
const QUIET = { logger: silentLogger };

Deno.test("SimplePirateQueue validates its core option", async () => {
  await assertRejects(
    () =>
      SimplePirateQueue.bind(LOCAL, LOCAL, {
        core: "gpu" as unknown as "ts",
      }),
    TypeError,
  );
  assert(
    isClientRequest([
      new Uint8Array([1]),
      new Uint8Array(0),
      new Uint8Array(0),
    ]),
  );
  assert(!isClientRequest([new Uint8Array([1]), new Uint8Array([0])]));
});

for (const core of ["wasm", "ts"] as const) {
  Deno.test(`SimplePirateQueue (${core} core): LRU order, counts before events, gone workers skipped`, async () => {
    const seen: { e: PirateQueueEvent; idle: number }[] = [];
    // deno-lint-ignore prefer-const
    let queue: SimplePirateQueue | undefined;
    queue = await SimplePirateQueue.bind(LOCAL, LOCAL, {
      core,
      onEvent: (e) => seen.push({ e, idle: queue!.stats.idleWorkers }),
      ...QUIET,
    });
    assertEquals(queue.coreImpl, core);
    const q = queue;
    const w1 = await SimplePirateWorker.connect(
      q.backendEndpoint,
      () => ["w1"],
      QUIET,
    );
    await until(() => q.stats.idleWorkers === 1);
    const w2 = await SimplePirateWorker.connect(
      q.backendEndpoint,
      () => ["w2"],
      QUIET,
    );
    await until(() => q.stats.idleWorkers === 2);
    const w3 = await SimplePirateWorker.connect(
      q.backendEndpoint,
      () => ["w3"],
      QUIET,
    );
    await until(() => q.stats.idleWorkers === 3);
    // Each worker:ready is emitted after the worker joined the idle count.
    assertEquals(
      seen.filter((s) => s.e.type === "worker:ready").map((s) => s.idle),
      [1, 2, 3],
    );
    const client = await lazyClient(q.frontendEndpoint, { timeoutMs: 1000 });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      order.push(td.decode((await client.request(["x"]))[0]));
    }
    assertEquals(order, ["w1", "w2", "w3", "w1", "w2", "w3"]);
    await until(() => q.stats.idleWorkers === 3);
    assertEquals(q.stats.requests, 6);
    assertEquals(q.stats.replies, 6);
    assertEquals(q.stats.busyWorkers, 0);

    // w1 (next in line) goes away while idle. Either the queue's ROUTER has
    // seen its connection go, and the queue skips it (worker:gone), or not
    // yet, and the request goes down the dying pipe and the client's retry
    // reaches w2: exactly one of the two, and w2 answers.
    await w1.close();
    const retriesBefore = client.stats.retries;
    assertEquals(td.decode((await client.request(["y"]))[0]), "w2");
    const skipped = q.stats.gone;
    assertEquals(skipped + client.stats.retries - retriesBefore, 1);
    const gone = seen.find((s) => s.e.type === "worker:gone");
    assertEquals(gone !== undefined, skipped === 1);
    // Out of the idle count before the event; w2 and w3 still idle.
    if (gone) assertEquals(gone.idle, 2);
    await until(() => q.stats.idleWorkers === 2);
    assertEquals(td.decode((await client.request(["z"]))[0]), "w3");
    assertEquals(td.decode((await client.request(["z"]))[0]), "w2");
    assertEquals(q.stats.requests, 9 + (1 - skipped));
    assertEquals(q.stats.droppedReplies, 0);
    assertEquals(q.stats.invalidBackend, 0);

    await client.close();
    await w2.close();
    await w3.close();
    await q.close();
    await q.close(); // idempotent
  });
}

Deno.test("teardown", async () => {
  await shutdown();
});
