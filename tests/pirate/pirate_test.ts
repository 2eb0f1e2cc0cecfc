/**
 * In-process tests of the Pirate classes (loopback TCP, one process).
 */
import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
  fail,
} from "../helpers/assert.ts";
import {
  ClosedError,
  DealerSocket,
  RepSocket,
  RequestTimeoutError,
  shutdown,
} from "../../mod.ts";
import {
  LazyPirateClient,
  ParanoidPirateQueue,
  ParanoidPirateWorker,
  type PirateQueueEvent,
  SimplePirateQueue,
  SimplePirateWorker,
} from "../../src/patterns/pirate/mod.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const LOCAL = { frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*" };
const FAST = { heartbeatIntervalMs: 150, liveness: 3 };

function waitFor<T>(
  subscribe: (fn: (e: T) => void) => void,
  test: (e: T) => boolean,
  timeoutMs = 20000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (e: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      resolve(e);
    };
    const timer = setTimeout(() => {
      clearInterval(poll);
      done = true;
      reject(new Error(`event not seen within ${timeoutMs} ms`));
    }, timeoutMs);
    // State such as idle counts also changes without an event: re-check.
    const poll = setInterval(() => {
      try {
        if (test(undefined as T)) finish(undefined as T);
      } catch {
        // this test needs an event
      }
    }, 50);
    subscribe((e) => {
      if (test(e)) finish(e);
    });
  });
}

class Events {
  readonly seen: PirateQueueEvent[] = [];
  #subs = new Set<(e: PirateQueueEvent) => void>();
  on = (e: PirateQueueEvent) => {
    this.seen.push(e);
    for (const s of [...this.#subs]) s(e);
  };
  next(test: (e: PirateQueueEvent) => boolean, timeoutMs?: number) {
    const found = this.seen.find(test);
    if (found) return Promise.resolve(found);
    return waitFor<PirateQueueEvent>(
      (fn) => this.#subs.add(fn),
      test,
      timeoutMs,
    );
  }
}

Deno.test("LazyPirateClient.request() gets the echo and checks the sequence", async () => {
  const rep = new RepSocket();
  const endpoint = rep.bind("tcp://127.0.0.1:*");
  const serving = (async () => {
    for (let i = 0; i < 3; i++) await rep.send(await rep.receive());
  })();
  const client = await LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: 5000,
    validateReply: (req, rep) => td.decode(rep[0]) === req[0],
  });
  for (let seq = 1; seq <= 3; seq++) {
    const [r] = await client.request([String(seq)]);
    assertEquals(td.decode(r), String(seq));
  }
  await serving;
  assertEquals(client.stats.replies, 3);
  client.close();
  rep.close();
});

Deno.test("LazyPirateClient.request() fails with RequestTimeoutError after its attempts", async () => {
  const rep = new RepSocket(); // never answers
  const endpoint = rep.bind("tcp://127.0.0.1:*");
  const client = await LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: 200,
    maxAttempts: 3,
  });
  const err = await client.request(["1"]).then(
    () => fail("expected a RequestTimeoutError"),
    (e) => e,
  );
  assert(err instanceof RequestTimeoutError, String(err));
  assertEquals(err.attempts, 3);
  assert(err.elapsedMs >= 3 * 200 - 5, `elapsed ${err.elapsedMs}`);
  assertEquals(client.stats.retries, 2);
  client.close();
  await assertRejects(() => client.request(["2"]), ClosedError);
  rep.close();
});

Deno.test("LazyPirateClient: close() rejects a pending request with ClosedError", async () => {
  const rep = new RepSocket();
  const endpoint = rep.bind("tcp://127.0.0.1:*");
  const client = await LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: 10000,
  });
  const p = client.request(["x"]);
  await rep.receive();
  client.close();
  await assertRejects(() => p, ClosedError);
  rep.close();
});

Deno.test("LazyPirateClient.request() rejects with the signal's reason on abort and stays usable", async () => {
  const rep = new RepSocket();
  const endpoint = rep.bind("tcp://127.0.0.1:*");
  const client = await LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: 10000,
  });
  const ac = new AbortController();
  const p = client.request(["first"], { signal: ac.signal });
  const seen = await rep.receive(); // the server has it; now give up
  assertEquals(td.decode(seen[0]), "first");
  const reason = new Error("user gave up");
  ac.abort(reason);
  const err = await p.then(() => null, (e) => e);
  assertEquals(err, reason);
  // The abandoned socket is gone; the next request uses a fresh one.
  await rep.send(seen); // reply to the abandoned request is never delivered
  const next = client.request(["second"]);
  const m = await rep.receive();
  await rep.send(m);
  assertEquals(td.decode((await next)[0]), "second");
  client.close();
  rep.close();
});

Deno.test("Pirate classes validate their arguments", async () => {
  await assertRejects(() => LazyPirateClient.connect("nope"), TypeError);
  await assertRejects(
    () => LazyPirateClient.connect("tcp://127.0.0.1:1", { maxAttempts: 0 }),
    RangeError,
  );
  await assertRejects(
    () =>
      LazyPirateClient.connect("tcp://127.0.0.1:1", { attemptTimeoutMs: -1 }),
    RangeError,
  );
  const c = await LazyPirateClient.connect("tcp://127.0.0.1:1");
  await assertRejects(() => c.request([] as string[]), TypeError);
  await assertRejects(() => c.request([1 as unknown as string]), TypeError);
  c.close();
  assertThrows(
    () => ParanoidPirateQueue.bind({ ...LOCAL, liveness: 0 }),
    RangeError,
  );
  assertThrows(
    () => ParanoidPirateQueue.bind({ ...LOCAL, heartbeatIntervalMs: 0 }),
    RangeError,
  );
  assertThrows(
    () => ParanoidPirateQueue.bind({ frontend: "x" }),
    TypeError,
  );
  assertThrows(
    () =>
      ParanoidPirateWorker.connect("tcp://127.0.0.1:1", (r) => r, {
        reconnectInitialMs: 5000,
        reconnectMaxMs: 1000,
      }),
    RangeError,
  );
  assertThrows(
    () =>
      ParanoidPirateWorker.connect(
        "tcp://127.0.0.1:1",
        "x" as unknown as () => [],
      ),
    TypeError,
  );
  assertThrows(
    () =>
      SimplePirateWorker.connect("tcp://127.0.0.1:1", (r) => r, {
        identity: "",
      }),
    TypeError,
  );
});

Deno.test("SimplePirateQueue routes to the least recently used worker and drops malformed frames", async () => {
  const events = new Events();
  const queue = await SimplePirateQueue.bind({ ...LOCAL, onEvent: events.on });
  const w1 = await SimplePirateWorker.connect(
    queue.backendEndpoint,
    () => ["w1"],
  );
  await events.next((e) => e.type === "worker:ready");
  const w2 = await SimplePirateWorker.connect(
    queue.backendEndpoint,
    () => ["w2"],
  );
  await events.next((e) =>
    e.type === "worker:ready" &&
    events.seen.filter((x) => x.type === "worker:ready").length === 2
  );
  // Malformed on both sockets.
  const badClient = new DealerSocket();
  badClient.connect(queue.frontendEndpoint);
  await badClient.send(["no-delimiter"]);
  const badWorker = new DealerSocket();
  badWorker.connect(queue.backendEndpoint);
  await badWorker.send(["", "\x07"]);
  await badWorker.send(["junk"]);
  await events.next((e) =>
    e.type === "message:invalid" && e.socket === "frontend"
  );
  await events.next(() => queue.stats.invalidBackend === 2);
  const client = await LazyPirateClient.connect(queue.frontendEndpoint, {
    attemptTimeoutMs: 5000,
  });
  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    order.push(td.decode((await client.request(["x"]))[0]));
  }
  assertEquals(order, ["w1", "w2", "w1", "w2"]);
  assertEquals(queue.stats.invalidFrontend, 1);
  assertEquals(queue.stats.invalidBackend, 2);
  assertEquals(queue.stats.replies, 4);
  client.close();
  badClient.close();
  badWorker.close();
  await w1.close();
  await w2.close();
  await queue.close();
});

Deno.test("SimplePirateWorker: a failing handler drops the request and announces READY again", async () => {
  const queue = await SimplePirateQueue.bind(LOCAL);
  let n = 0;
  const worker = await SimplePirateWorker.connect(
    queue.backendEndpoint,
    (req) => {
      if (n++ === 0) throw new Error("boom");
      return req;
    },
  );
  const client = await LazyPirateClient.connect(queue.frontendEndpoint, {
    attemptTimeoutMs: 1000,
    maxAttempts: 10,
  });
  assertEquals(td.decode((await client.request(["a"]))[0]), "a");
  assertEquals(worker.stats.failures, 1);
  assertEquals(worker.stats.reconnects, 1);
  client.close();
  await worker.close();
  await queue.close();
});

for (const core of ["wasm", "ts"] as const) {
  Deno.test(`ParanoidPirateQueue (${core} core) serves 10 workers and 10 clients, and counts malformed frames`, async () => {
    const events = new Events();
    const queue = await ParanoidPirateQueue.bind({
      ...LOCAL,
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
    const bad = new DealerSocket();
    bad.connect(queue.backendEndpoint);
    await bad.send([new Uint8Array([9])]); // unknown command
    await bad.send(["c", "not-empty", "body"]); // missing delimiter
    const badC = new DealerSocket();
    badC.connect(queue.frontendEndpoint);
    await badC.send(["x", "y"]);
    await events.next(() =>
      queue.stats.invalidBackend >= 2 && queue.stats.invalidFrontend >= 1
    );
    const clients = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          LazyPirateClient.connect(queue.frontendEndpoint, {
            attemptTimeoutMs: 5000,
          }),
      ),
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
    assertEquals(s.replies, 200);
    assertEquals(s.invalidBackend, 2);
    assertEquals(s.invalidFrontend, 1);
    for (const c of clients) c.close();
    bad.close();
    badC.close();
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
  });
}

Deno.test("ParanoidPirateQueue does not expire a worker busy with a long request", async () => {
  const events = new Events();
  const queue = await ParanoidPirateQueue.bind({
    ...LOCAL,
    heartbeatIntervalMs: 100,
    liveness: 3,
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
    { heartbeatIntervalMs: 100, liveness: 3 },
  );
  const client = await LazyPirateClient.connect(queue.frontendEndpoint, {
    attemptTimeoutMs: 60000,
    maxAttempts: 1,
  });
  const reply = client.request(["long"]);
  await begun;
  // Let ten liveness windows (3 s) pass: observed through the queue's own
  // heartbeat ticks, not a sleep used for ordering.
  const t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    await new Promise((r) => setTimeout(r, 100));
    assertEquals(queue.stats.busyWorkers, 1);
    assertEquals(worker.stats.reconnects, 0);
  }
  release();
  assertEquals(td.decode((await reply)[0]), "long");
  assertEquals(
    events.seen.filter((e) => e.type === "worker:expired").length,
    0,
  );
  assertEquals(worker.stats.reconnects, 0);
  await events.next(() => queue.stats.idleWorkers === 1);
  client.close();
  await worker.close();
  await queue.close();
});

Deno.test("ParanoidPirateQueue forgets a worker busy longer than maxBusyMs", async () => {
  const events = new Events();
  const queue = await ParanoidPirateQueue.bind({
    ...LOCAL,
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
  await events.next(() => queue.stats.idleWorkers === 1);
  const client = await LazyPirateClient.connect(queue.frontendEndpoint, {
    attemptTimeoutMs: 5000,
    maxAttempts: 1,
  });
  const p = client.request(["stuck"]).catch((e) => e);
  const e = await events.next((e) => e?.type === "worker:expired");
  assert(e.type === "worker:expired" && e.busy);
  assertEquals(queue.stats.busyWorkers, 0);
  client.close();
  await p;
  await worker.close();
  await queue.close();
});

Deno.test("ParanoidPirateWorker: a failing handler frees its slot with a fresh READY", async () => {
  const queue = await ParanoidPirateQueue.bind({ ...LOCAL, ...FAST });
  let n = 0;
  const worker = await ParanoidPirateWorker.connect(
    queue.backendEndpoint,
    (req) => {
      if (n++ === 0) throw new Error("boom");
      return req;
    },
    FAST,
  );
  const client = await LazyPirateClient.connect(queue.frontendEndpoint, {
    attemptTimeoutMs: 1000,
    maxAttempts: 5,
  });
  assertEquals(td.decode((await client.request(["a"]))[0]), "a");
  assertEquals(worker.stats.failures, 1);
  assertEquals(client.stats.retries, 1);
  client.close();
  await worker.close();
  await queue.close();
});

Deno.test("teardown", async () => {
  await shutdown();
});

void te;
