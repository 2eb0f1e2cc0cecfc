/**
 * Hostile input to the Pirate queues and workers: 100,000 fuzzed messages
 * on each queue socket and 20,000 on each worker produce a bounded number
 * of log lines (the rate limiter: a few per kind per interval, then one
 * line counting the rest), and every bad message is counted exactly, in
 * the stats and in the log's accounting. Messages over the size caps are
 * refused, counted, and the service goes on.
 *
 *   fuzz DEALER ──► queue frontend / backend (this process) ◄── echo worker
 *   fuzz ROUTER ──► worker (this process)
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  DealerSocket,
  ParanoidPirateQueue,
  ParanoidPirateWorker,
  ProtocolError,
  RouterSocket,
  shutdown,
  silentLogger,
  SimplePirateQueue,
  SimplePirateWorker,
} from "../../mod.ts";
import {
  decodeQueueMessage,
  decodeWorkerMessage,
} from "../../src/protocol/ppp/codec.ts";
import { blast, randomMessage, RecordingLogger, rng } from "./_fuzz.ts";
import { lazyClient, LOCAL, until } from "./_helpers.ts";

const N = 100_000;
const te = new TextEncoder();

/** At most `burst` lines per kind per 10 s, plus one summary per kind per interval. */
function lineBound(kinds: number, elapsedMs: number, burst = 5): number {
  return kinds * (burst + 1) * (1 + Math.ceil(elapsedMs / 10_000));
}

for (const kind of ["paranoid", "simple"] as const) {
  Deno.test(`${kind === "paranoid" ? "ParanoidPirateQueue" : "SimplePirateQueue"}: 100,000 fuzzed backend messages give a bounded log, every one counted`, async () => {
    const log = new RecordingLogger();
    const queue = kind === "paranoid"
      ? await ParanoidPirateQueue.bind(LOCAL, LOCAL, { logger: log })
      : await SimplePirateQueue.bind(LOCAL, LOCAL, { logger: log });
    const fuzz = new DealerSocket({ routingId: "F", sendHighWaterMark: 0 });
    fuzz.connect(queue.backendEndpoint);
    const r = rng(kind === "paranoid" ? 1 : 2);
    const messages = Array.from({ length: N }, () => randomMessage(r));
    // What the queue should make of each, by the reference rules.
    const id = te.encode("F");
    let invalid = 0, replies = 0;
    for (const m of messages) {
      if (kind === "paranoid") {
        const d = decodeQueueMessage([id, ...m]);
        if (d instanceof ProtocolError) invalid++;
        else if (d.type === "reply") replies++;
      } else {
        const view = [id, ...m];
        const ready = view.length === 3 && view[1].length === 0 &&
          view[2].length === 1 && view[2][0] === 1;
        const reply = view.length >= 5 && view[1].length === 0 &&
          view[2].length > 0 && view[3].length === 0;
        if (!ready && !reply) invalid++;
        else if (reply) replies++;
      }
    }
    const t0 = performance.now();
    await blast(fuzz, messages);
    await until(
      () =>
        queue.stats.invalidBackend === invalid &&
        queue.stats.replies + queue.stats.droppedReplies === replies,
      120_000,
      `${invalid} invalid and ${replies} replies counted`,
    );
    const elapsed = performance.now() - t0;
    fuzz.close();
    await queue.close(); // flushes the suppressed counts
    assertEquals(queue.stats.invalidBackend, invalid);
    assertEquals(queue.stats.invalidFrontend, 0);
    assert(invalid > N / 2, `${invalid} invalid of ${N}`);
    assertEquals(
      log.accounted("invalid message dropped", "backend:invalid"),
      invalid,
    );
    assert(
      log.warnings.length <= lineBound(2, elapsed),
      `${log.warnings.length} log lines in ${Math.round(elapsed)} ms`,
    );
  });
}

Deno.test("ParanoidPirateQueue: 100,000 fuzzed frontend messages give a bounded log, every one counted; the valid ones are answered", async () => {
  const log = new RecordingLogger();
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, { logger: log });
  const worker = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    (req) => req,
    { logger: silentLogger },
  );
  await worker.ready;
  await until(() => queue.stats.idleWorkers === 1);
  const fuzz = new DealerSocket({ sendHighWaterMark: 0 });
  fuzz.connect(queue.frontendEndpoint);
  const r = rng(3);
  const messages = Array.from({ length: N }, () => {
    const m = randomMessage(r);
    // Mostly requests without the delimiter; about 1 in 250 well formed.
    if (m[0].length === 0 && r() > 0.02) m[0] = new Uint8Array([0]);
    return m;
  });
  let valid = 0;
  for (const m of messages) if (m.length >= 2 && m[0].length === 0) valid++;
  let answered = 0;
  const draining = (async () => {
    while (answered < valid) {
      await fuzz.receive({ timeoutMs: 120_000 });
      answered++;
    }
  })();
  const t0 = performance.now();
  await blast(fuzz, messages);
  await draining;
  await until(() => queue.stats.invalidFrontend === N - valid, 120_000);
  const elapsed = performance.now() - t0;
  fuzz.close();
  await worker.close();
  await queue.close();
  assertEquals(queue.stats.invalidFrontend, N - valid);
  assertEquals([queue.stats.requests, queue.stats.replies], [valid, valid]);
  assertEquals(
    log.accounted("invalid message dropped", "frontend:invalid"),
    N - valid,
  );
  assert(
    log.warnings.length <= lineBound(1, elapsed),
    `${log.warnings.length} log lines in ${Math.round(elapsed)} ms`,
  );
});

Deno.test("ParanoidPirateWorker: 20,000 malformed messages give a bounded log, every one counted, and it keeps serving", async () => {
  const router = new RouterSocket({ sendHighWaterMark: 0 });
  const endpoint = router.bind(LOCAL);
  const log = new RecordingLogger();
  const worker = await ParanoidPirateWorker.connect(endpoint, (req) => req, {
    logger: log,
    identity: "W",
    heartbeatIntervalMs: 60_000, // junk is no sign of life: no expiry meanwhile
  });
  await worker.ready;
  await router.receive({ timeoutMs: 10_000 }); // READY
  const r = rng(4);
  const junk: Uint8Array[][] = [];
  while (junk.length < 20_000) {
    const m = randomMessage(r);
    if (decodeWorkerMessage(m) instanceof ProtocolError) junk.push(m);
  }
  const t0 = performance.now();
  await blast(router, junk.map((m) => [te.encode("W"), ...m]));
  await until(() => worker.stats.invalid === 20_000, 120_000);
  const elapsed = performance.now() - t0;
  // Still serving: a real request is answered.
  await router.send([
    te.encode("W"),
    te.encode("C"),
    new Uint8Array(0),
    te.encode("hi"),
  ]);
  for (;;) {
    const m = await router.receive({ timeoutMs: 10_000 });
    if (m.length === 4) {
      assertEquals(new TextDecoder().decode(m[3]), "hi");
      break;
    }
  }
  await worker.close();
  router.close();
  assertEquals(worker.stats.invalid, 20_000);
  assertEquals(
    log.accounted("invalid message from the queue dropped", "invalid"),
    20_000,
  );
  assert(
    log.warnings.length <= lineBound(1, elapsed),
    `${log.warnings.length} log lines`,
  );
});

Deno.test("SimplePirateWorker: 2,000 malformed requests in lock step, each answered with READY, counted, a bounded log", async () => {
  const router = new RouterSocket();
  const endpoint = router.bind(LOCAL);
  const log = new RecordingLogger();
  const worker = await SimplePirateWorker.connect(endpoint, (req) => req, {
    logger: log,
    identity: "S",
  });
  const first = await router.receive({ timeoutMs: 10_000 });
  assertEquals([...first[2]], [1]); // [id][""][READY]
  const r = rng(5);
  for (let i = 0; i < 2000; i++) {
    // A REQ gets [""][frames…]; junk: no client address before a delimiter.
    const m = randomMessage(r).filter((f) => f.length > 0);
    if (m.length === 0) m.push(new Uint8Array([7]));
    await router.send([te.encode("S"), new Uint8Array(0), ...m]);
    const back = await router.receive({ timeoutMs: 10_000 });
    assertEquals([...back[2]], [1], `junk ${i}: READY again`);
  }
  await worker.close();
  router.close();
  assertEquals(worker.stats.invalid, 2000);
  assertEquals(
    log.accounted("invalid message from the queue dropped", "invalid"),
    2000,
  );
  assert(log.warnings.length <= 20, `${log.warnings.length} log lines`);
});

Deno.test("Pirate queue and worker refuse messages over their caps, count them, and go on serving", async () => {
  const CAP = { maxFrameBytes: 64 * 1024, maxMessageBytes: 256 * 1024 };
  const log = new RecordingLogger();
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, {
    ...CAP,
    logger: log,
  });
  const worker = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    (req) => req,
    { logger: silentLogger, maxFrameBytes: 16 * 1024 },
  );
  await worker.ready;
  await until(() => queue.stats.idleWorkers === 1);
  const client = await lazyClient(queue.frontendEndpoint, {
    timeoutMs: 500,
    attempts: 1,
  });
  // A frame over maxFrameBytes, within maxMessageBytes: read, refused, counted.
  const big = new Uint8Array(100 * 1024);
  await client.request([big]).catch(() => {});
  await until(() => queue.stats.oversize === 1);
  assertEquals(queue.stats.requests, 0);
  // A frame over maxMessageBytes (ZMQ_MAXMSGSIZE): cut off by libzmq with
  // the connection, never read, not counted; the client times out.
  await client.request([new Uint8Array(1024 * 1024)]).catch(() => {});
  assertEquals(queue.stats.oversize, 1);
  // Within the queue's caps, over the worker's: the worker refuses it,
  // counts it and frees its place with READY; the client times out.
  await client.request([new Uint8Array(32 * 1024)]).catch(() => {});
  await until(() => worker.stats.oversize === 1);
  await until(() => queue.stats.idleWorkers === 1);
  // Service goes on.
  const ok = await client.request(["fine"]);
  assertEquals(new TextDecoder().decode(ok[0]), "fine");
  await client.close();
  await worker.close();
  await queue.close();
  assertEquals(
    log.accounted("message over the size caps refused", "frontend:oversize"),
    1,
  );
});

Deno.test("teardown", async () => {
  await shutdown();
});
