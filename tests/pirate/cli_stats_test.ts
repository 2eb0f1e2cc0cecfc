/**
 * The stats the queue CLI serves that the queues gained for it:
 * `stats.queued` (a request read from a client and held until a worker is
 * ready) and the Simple queue's `busyWorkers`. In-process queues, raw
 * sockets as workers so that every step is decided by the test.
 */
import { assertEquals } from "../helpers/assert.ts";
import {
  type Clock,
  DealerSocket,
  FakeClock,
  ParanoidPirateQueue,
  ReqSocket,
  shutdown,
  silentLogger,
  SimplePirateQueue,
} from "../../mod.ts";
import { lazyClient, LOCAL, Waiter } from "./_helpers.ts";

const td = new TextDecoder();
const READY = new Uint8Array([1]);

Deno.test("ParanoidPirateQueue stats.queued: a request read while the only idle worker had expired is held (1) until a worker is ready (0)", async () => {
  // Time moves only when the test says, and the queue's tick never runs:
  // the expired worker is found by take(), not by the sweep.
  let t = 0;
  const timers = new FakeClock();
  const clock: Clock = {
    now: () => t,
    setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
    clearTimeout: (x) => timers.clearTimeout(x),
    sleep: (ms, signal) => timers.sleep(ms, signal),
  };
  const w = new Waiter();
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, {
    heartbeatIntervalMs: 100,
    liveness: 3,
    clock,
    logger: silentLogger,
    onEvent: w.poke,
  });
  const w1 = new DealerSocket({ routingId: "W1", lingerMs: 0 });
  const w2 = new DealerSocket({ routingId: "W2", lingerMs: 0 });
  const client = await lazyClient(queue.frontendEndpoint, {
    timeoutMs: 20000,
    attempts: 1,
  });
  try {
    w1.connect(queue.backendEndpoint);
    await w1.send([READY]);
    await w.until(() => queue.stats.idleWorkers === 1);
    assertEquals(queue.stats.queued, 0);
    t += 10_000; // W1 is long expired; no sweep has run
    const reply = client.request(["held"]);
    await w.until(() => queue.stats.queued === 1, 20000, "request held");
    assertEquals(queue.stats.expired, 1);
    assertEquals(queue.stats.idleWorkers, 0);
    assertEquals(queue.stats.requests, 0);
    // W2 says READY: the held request goes to it at once.
    w2.connect(queue.backendEndpoint);
    await w2.send([READY]);
    const req = await w2.receive();
    assertEquals(td.decode(req[req.length - 1]), "held");
    assertEquals(queue.stats.queued, 0);
    assertEquals(queue.stats.busyWorkers, 1);
    await w2.send([...req.slice(0, -1), new TextEncoder().encode("done")]);
    assertEquals(td.decode((await reply)[0]), "done");
    await w.until(() => queue.stats.busyWorkers === 0);
    const s = queue.stats;
    assertEquals(
      [s.requests, s.replies, s.queued, s.idleWorkers, s.expired],
      [1, 1, 0, 1, 1],
    );
  } finally {
    await client.close();
    w1.close();
    w2.close();
    await queue.close();
    await shutdown();
  }
});

Deno.test("SimplePirateQueue stats.busyWorkers: taken by a request, freed by the reply or a READY instead; a worker that dies busy stays counted", async () => {
  const w = new Waiter();
  const queue = await SimplePirateQueue.bind(LOCAL, LOCAL, {
    logger: silentLogger,
    onEvent: w.poke,
  });
  const worker = new ReqSocket({ routingId: "R1", lingerMs: 0 });
  const client = await lazyClient(queue.frontendEndpoint, {
    timeoutMs: 20000,
    attempts: 1,
  });
  // For the requests never answered: they time out soon.
  const short = await lazyClient(queue.frontendEndpoint, {
    timeoutMs: 1500,
    attempts: 1,
  });
  const stats = () => {
    const s = queue.stats;
    return [s.idleWorkers, s.busyWorkers, s.requests, s.replies];
  };
  try {
    worker.connect(queue.backendEndpoint);
    await worker.send([READY]);
    await w.until(() => queue.stats.idleWorkers === 1);
    assertEquals(stats(), [1, 0, 0, 0]);
    // A request: busy until the reply.
    const r1 = client.request(["one"]);
    let req = await worker.receive();
    assertEquals(stats(), [0, 1, 1, 0]);
    await worker.send(req);
    assertEquals(td.decode((await r1)[0]), "one");
    await w.until(() => queue.stats.idleWorkers === 1);
    assertEquals(stats(), [1, 0, 1, 1]);
    // A worker that gives up on a request says READY instead: not busy.
    const r2 = short.request(["two"]);
    req = await worker.receive();
    assertEquals(stats(), [0, 1, 2, 1]);
    await worker.send([READY]);
    await w.until(() => queue.stats.idleWorkers === 1);
    assertEquals(stats(), [1, 0, 2, 1]);
    // Busy, then gone: without heartbeats the queue cannot tell.
    await r2.catch(() => {});
    const r3 = short.request(["three"]);
    req = await worker.receive();
    worker.close();
    assertEquals(stats(), [0, 1, 3, 1]);
    await r3.catch(() => {});
  } finally {
    await short.close();
    worker.close();
    await client.close();
    await queue.close();
    await shutdown();
  }
});
