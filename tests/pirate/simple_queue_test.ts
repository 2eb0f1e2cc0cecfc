/**
 * The Simple Pirate queue on both cores: idle workers in the core's
 * `WorkerQueue`, LRU order, re-announced READY, counts updated before each
 * event, and a worker whose connection is gone is skipped.
 */
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { shutdown } from "../../mod.ts";
import {
  LazyPirateClient,
  type PirateQueueEvent,
  SimplePirateQueue,
  SimplePirateWorker,
} from "../../src/patterns/pirate/mod.ts";
import { isClientRequest } from "../../src/patterns/pirate/simple_pirate_queue.ts";

const td = new TextDecoder();
const LOCAL = { frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*" };

async function until(test: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!test()) {
    if (performance.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("SimplePirateQueue validates its core option", () => {
  assertThrows(
    () =>
      SimplePirateQueue.bind({
        ...LOCAL,
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
    queue = await SimplePirateQueue.bind({
      ...LOCAL,
      core,
      onEvent: (e) => seen.push({ e, idle: queue!.stats.idleWorkers }),
    });
    assertEquals(queue.coreImpl, core);
    const q = queue;
    const w1 = await SimplePirateWorker.connect(
      q.backendEndpoint,
      () => ["w1"],
    );
    await until(() => q.stats.idleWorkers === 1);
    const w2 = await SimplePirateWorker.connect(
      q.backendEndpoint,
      () => ["w2"],
    );
    await until(() => q.stats.idleWorkers === 2);
    const w3 = await SimplePirateWorker.connect(
      q.backendEndpoint,
      () => ["w3"],
    );
    await until(() => q.stats.idleWorkers === 3);
    // Each worker:ready is emitted after the worker joined the idle count.
    assertEquals(
      seen.filter((s) => s.e.type === "worker:ready").map((s) => s.idle),
      [1, 2, 3],
    );
    const client = await LazyPirateClient.connect(q.frontendEndpoint, {
      attemptTimeoutMs: 5000,
    });
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      order.push(td.decode((await client.request(["x"]))[0]));
    }
    assertEquals(order, ["w1", "w2", "w3", "w1", "w2", "w3"]);
    await until(() => q.stats.idleWorkers === 3);
    assertEquals(q.stats.requests, 6);
    assertEquals(q.stats.replies, 6);
    assertEquals(q.stats.busyWorkers, 0);

    // w1 (next in line) goes away while idle: the queue skips it.
    await w1.close();
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(td.decode((await client.request(["y"]))[0]), "w2");
    const gone = seen.find((s) => s.e.type === "worker:gone");
    assert(gone, "worker:gone was reported");
    // Out of the idle count before the event; w2 and w3 still idle.
    assertEquals(gone.idle, 2);
    await until(() => q.stats.idleWorkers === 2);
    assertEquals(td.decode((await client.request(["z"]))[0]), "w3");
    assertEquals(td.decode((await client.request(["z"]))[0]), "w2");
    assertEquals(q.stats.requests, 9);
    assertEquals(q.stats.droppedReplies, 0);
    assertEquals(q.stats.invalidBackend, 0);

    client.close();
    await w2.close();
    await w3.close();
    await q.close();
    await q.close(); // idempotent
  });
}

Deno.test("teardown", async () => {
  await shutdown();
});
