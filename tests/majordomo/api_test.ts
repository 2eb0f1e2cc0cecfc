// In-process tests of the public API: argument validation, errors that tell
// "no such service" from "timed out" and "closed", per-request deadlines and
// abort signals, worker error handling, long requests, close semantics.
import {
  BrokerUnreachableError,
  ClosedError,
  HandlerFailedError,
  LazyPirateClient,
  MajordomoAsyncClient,
  MajordomoBroker,
  MajordomoClient,
  MajordomoWorker,
  RequestTimeoutError,
  RouterSocket,
  ServiceUnavailableError,
  shutdown,
} from "../../mod.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../helpers/assert.ts";
import { Peer, show, td, until } from "./_helpers.ts";

const HB = 100;
const fast = { heartbeatIntervalMs: HB, reconnectInitialMs: 50 };

Deno.test("constructors and methods validate their arguments", async () => {
  // deno-lint-ignore no-explicit-any
  const any = (x: unknown) => x as any;
  const L = "tcp://127.0.0.1:*";
  await assertRejects(() => MajordomoBroker.bind(L, any(5)), TypeError);
  await assertRejects(
    () => MajordomoBroker.bind(L, { heartbeatIntervalMs: 0 }),
    RangeError,
  );
  await assertRejects(
    () => MajordomoBroker.bind(L, { liveness: 1.5 }),
    RangeError,
  );
  await assertRejects(
    () => MajordomoBroker.bind(L, { core: any("gpu") }),
    TypeError,
  );
  await assertRejects(
    () => MajordomoBroker.bind(L, { logger: any({}) }),
    TypeError,
  );
  const ep = "tcp://127.0.0.1:1";
  await assertRejects(() => MajordomoClient.connect(any(1)), TypeError);
  await assertRejects(() => MajordomoClient.connect("nonsense"), TypeError);
  await assertRejects(
    () => MajordomoClient.connect(ep, { attemptTimeoutMs: -1 }),
    RangeError,
  );
  await assertRejects(
    () => MajordomoClient.connect(ep, any({ timeout: 5 })),
    {
      name: "TypeError",
      message: /unknown option "timeout".*attemptTimeoutMs/,
    },
  );
  await assertRejects(
    () => MajordomoAsyncClient.connect(ep, { maxInFlight: 0 }),
    RangeError,
  );
  await assertRejects(
    () =>
      MajordomoAsyncClient.connect(ep, {
        attemptTimeoutMs: 5000,
        deadlineMs: 1000,
      }),
    {
      name: "RangeError",
      message: /attemptTimeoutMs \(5000\) must not exceed deadlineMs \(1000\)/,
    },
  );
  await assertRejects(
    () => MajordomoWorker.connect(ep, "", (r) => r),
    RangeError,
  );
  await assertRejects(
    () => MajordomoWorker.connect(ep, "mmi.x", (r) => r),
    RangeError,
  );
  await assertRejects(
    () => MajordomoWorker.connect(ep, "echo", any("no")),
    TypeError,
  );
  await assertRejects(
    () => MajordomoWorker.connect("foo://bar", "echo", (r) => r),
    TypeError,
  );
  await assertRejects(
    () =>
      MajordomoWorker.connect(
        ep,
        "echo",
        (r) => r,
        any({ correlation: "auto" }),
      ),
    { name: "TypeError", message: /unknown option "correlation"/ },
  );
  const c = await MajordomoClient.connect(ep);
  await assertRejects(() => c.request("", ["x"]), RangeError);
  await assertRejects(() => c.request("echo", []), TypeError);
  await assertRejects(() => c.request(any(1), ["x"]), TypeError);
  await assertRejects(
    () => c.request("echo", [any(5)]),
    {
      name: "TypeError",
      message:
        /MajordomoClient\.request\(\): body\[0\] must be a Uint8Array or a string, got 5/,
    },
  );
  await assertRejects(
    () => c.request("echo", ["x"], { signal: any(1) }),
    TypeError,
  );
  await c.close();
  await c.close(); // idempotent
  await assertRejects(() => c.request("echo", ["x"]), ClosedError);
  const a = await MajordomoAsyncClient.connect(ep);
  await assertRejects(() => a.request("echo", [any(null)]), TypeError);
  await a.close();
  await assertRejects(() => a.request("echo", ["x"]), ClosedError);
  await assertRejects(() => MajordomoBroker.bind(any(null)), TypeError);
});

Deno.test("every time option refuses 2^31 ms and Infinity where it would fire at once (one validator, each class)", async () => {
  // deno-lint-ignore no-explicit-any
  const any = (x: unknown) => x as any;
  const ep = "tcp://127.0.0.1:1";
  const big = 2 ** 31;
  for (const v of [big, Infinity, NaN, -1]) {
    await assertRejects(
      () => MajordomoClient.connect(ep, { attemptTimeoutMs: v }),
      RangeError,
    );
    await assertRejects(
      () => MajordomoAsyncClient.connect(ep, { attemptTimeoutMs: v }),
      RangeError,
    );
    await assertRejects(
      () =>
        MajordomoWorker.connect(ep, "echo", (r) => r, {
          heartbeatIntervalMs: v,
        }),
      RangeError,
    );
    await assertRejects(
      () => LazyPirateClient.connect(ep, { attemptTimeoutMs: v }),
      RangeError,
    );
    if (v !== Infinity) {
      await assertRejects(
        () => MajordomoAsyncClient.connect(ep, { deadlineMs: v }),
        RangeError,
      );
      await assertRejects(
        () => MajordomoClient.connect(ep, { deadlineMs: v }),
        RangeError,
      );
    }
  }
  await assertRejects(
    () => MajordomoClient.connect(ep, { attemptTimeoutMs: any("5") }),
    TypeError,
  );
  // Infinity is "never" where documented: a deadline that never fires.
  const a = await MajordomoAsyncClient.connect(ep, {
    deadlineMs: Infinity,
    attemptTimeoutMs: 2 ** 31 - 1,
    failoverMs: Infinity,
  });
  const p = a.request("echo", ["x"]).catch((e) => e);
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(a.outstanding, 1, "still waiting after 50 ms");
  await a.close();
  assert((await p) instanceof ClosedError);
  const s = await MajordomoClient.connect(ep, { deadlineMs: Infinity });
  const q = s.request("echo", ["x"], { attemptTimeoutMs: 2 ** 31 - 1 }).catch((
    e,
  ) => e);
  await new Promise((r) => setTimeout(r, 50));
  await s.close();
  assert((await q) instanceof ClosedError, String(await q));
});

Deno.test("MajordomoClient tells no such service (404) from timed out, unreachable and closed", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    // The raw "slow" worker never heartbeats: keep it registered throughout.
    heartbeatIntervalMs: 10_000,
  });
  const [ep] = broker.endpoints;
  const client = await MajordomoClient.connect(ep, {
    attemptTimeoutMs: 150,
    maxAttempts: 3,
  });
  const t0 = performance.now();
  await assertRejects(
    () => client.request("nosuch", ["x"]),
    ServiceUnavailableError,
  );
  assert(performance.now() - t0 < 1500, "reported after one attempt");
  // A worker that never answers: the service exists, so it is a timeout.
  const w = new Peer(ep);
  await w.send(["", "MDPW01", "\x01", "slow"]);
  assertEquals(await w.mmi("slow"), "200");
  const err = await client.request("slow", ["x"]).catch((e) => e);
  assert(err instanceof RequestTimeoutError, String(err));
  assertEquals(err.attempts, 3);
  assertEquals(err.service, "slow");
  // Closing mid-request rejects with ClosedError.
  const pending = client.request("slow", ["y"], { attemptTimeoutMs: 5000 });
  await client.close();
  await assertRejects(() => pending, ClosedError);
  // Abort mid-request rejects with the signal's reason.
  const c2 = await MajordomoClient.connect(ep);
  const ac = new AbortController();
  const p2 = c2.request("slow", ["z"], { signal: ac.signal });
  ac.abort(new Error("stop"));
  await assertRejects(() => p2, Error, "stop");
  await c2.close();
  w.close();
  // No broker there (a port that accepts TCP and never speaks ZMTP, like a
  // frozen broker): its own error, with every millisecond counted.
  using silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadEp = `tcp://127.0.0.1:${silent.addr.port}`;
  const c3 = await MajordomoClient.connect(deadEp, { attemptTimeoutMs: 200 });
  const t1 = performance.now();
  const e3 = await c3.request("echo", ["x"]).catch((e) => e);
  assert(e3 instanceof BrokerUnreachableError, String(e3));
  assert(e3.elapsedMs >= 400, `elapsedMs ${e3.elapsedMs}`);
  assert(Math.abs(e3.elapsedMs - (performance.now() - t1)) < 100);
  await c3.close();
});

Deno.test("MajordomoAsyncClient: deadline, abort, out-of-order replies matched, window", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
  });
  const [ep] = broker.endpoints;
  // Two workers with different delays: replies come back out of order.
  const slow = await MajordomoWorker.connect(ep, "echo", async (r) => {
    await new Promise((res) => setTimeout(res, 150));
    return r;
  }, fast);
  const quick = await MajordomoWorker.connect(ep, "echo", (r) => r, fast);
  await Promise.all([slow.ready, quick.ready]);
  const client = await MajordomoAsyncClient.connect(ep, {
    attemptTimeoutMs: 2000,
  });
  await until(async () =>
    (await client.serviceAvailable("echo")) &&
    broker.stats.services[0].workers === 2
  );
  const replies = await Promise.all(
    Array.from({ length: 50 }, (_, i) => client.request("echo", [`${i}`, "b"])),
  );
  replies.forEach((r, i) =>
    assertEquals(r.map((f) => td.decode(f)), [`${i}`, "b"])
  );
  // Deadline on a service nobody serves (shorter than one attempt).
  const e = await client.request("nobody", ["x"], { deadlineMs: 200 }).catch((
    x,
  ) => x);
  assert(e instanceof RequestTimeoutError, String(e));
  assertEquals(e.timeoutMs, 200);
  assert(/deadline 200 ms/.test(e.message), e.message);
  // Abort.
  const ac = new AbortController();
  const p = client.request("nobody", ["x"], { signal: ac.signal });
  ac.abort(new Error("cancelled"));
  await assertRejects(() => p, Error, "cancelled");
  assertEquals(client.outstanding, 0);
  // close() rejects what is outstanding.
  const q = client.request("nobody", ["x"]);
  await client.close();
  await assertRejects(() => q, ClosedError);
  // maxInFlight: a caller waits for room, and can abort while waiting.
  const small = await MajordomoAsyncClient.connect(ep, { maxInFlight: 2 });
  const held = [small.request("nobody", ["1"]), small.request("nobody", ["2"])];
  const ac2 = new AbortController();
  const third = small.request("nobody", ["3"], { signal: ac2.signal });
  assertEquals(small.outstanding, 2);
  ac2.abort(new Error("gave up waiting"));
  await assertRejects(() => third, Error, "gave up waiting");
  const fourth = small.request("echo", ["4"]);
  await small.close();
  for (const p of [...held, fourth]) await assertRejects(() => p, ClosedError);
  await slow.close();
  await quick.close();
});

Deno.test("MajordomoWorker: a throwing handler is logged, counted, and the worker keeps serving", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
  });
  const [ep] = broker.endpoints;
  const warnings: string[] = [];
  const logger = {
    debug() {},
    info() {},
    error() {},
    warn: (m: string, f?: Record<string, unknown>) =>
      warnings.push(`${m} ${JSON.stringify(f)}`),
  };
  const worker = await MajordomoWorker.connect(ep, "flaky", (r) => {
    if (td.decode(r[0]) === "boom") throw new Error("boom");
    return r;
  }, { ...fast, logger });
  const withReply = await MajordomoWorker.connect(ep, "flaky2", () => {
    throw new Error("bad");
  }, { ...fast, onError: (e) => ["error", String(e)], logger });
  await Promise.all([worker.ready, withReply.ready]);
  const client = await MajordomoClient.connect(ep, {
    attemptTimeoutMs: 300,
    maxAttempts: 1,
  });
  const err = await client.request("flaky", ["boom"]).catch((e) => e);
  // Our broker: an error reply, raised at once; another broker: a timeout.
  assert(
    err instanceof HandlerFailedError || err instanceof RequestTimeoutError,
    String(err),
  );
  if (err instanceof HandlerFailedError) assertEquals(err.detail, "boom");
  assert(
    warnings.some((w) => w.includes("handler failed") && w.includes("boom")),
  );
  await until(() => client.serviceAvailable("flaky"));
  assertEquals(
    td.decode(
      (await client.request("flaky", ["ok"], { attemptTimeoutMs: 3000 }))[0],
    ),
    "ok",
  );
  assertEquals(worker.stats.handlerErrors, 1);
  const r = await client.request("flaky2", ["x"], { attemptTimeoutMs: 3000 });
  assertEquals(td.decode(r[0]), "error");
  await client.close();
  await worker.close();
  await withReply.close();
});

Deno.test("MajordomoBroker runs the same on the WASM core and its TS twin", async () => {
  for (const core of ["wasm", "ts"] as const) {
    await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
      heartbeatIntervalMs: HB,
      core,
    });
    assertEquals(broker.core, core);
    const [ep] = broker.endpoints;
    const workers = await Promise.all(
      [1, 2, 3].map((i) =>
        MajordomoWorker.connect(ep, `s${i % 2}`, (r) => [...r, `${i}`], fast)
      ),
    );
    const client = await MajordomoAsyncClient.connect(ep);
    await until(() => broker.stats.workers === 3);
    const replies = await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) => client.request(`s${i % 2}`, [`${i}`]),
      ),
    );
    replies.forEach((r, i) => assertEquals(td.decode(r[0]), `${i}`));
    const s = broker.stats;
    assertEquals(s.counters.replies, 300);
    assertEquals(s.counters.internalErrors, 0);
    await client.close();
    for (const w of workers) await w.close();
    await until(() => broker.stats.workers === 0);
  }
});

Deno.test("MajordomoWorker: no false 'broker dead' during a long request; DISCONNECT on close", async () => {
  // A raw ROUTER plays a guide-style broker that never heartbeats busy workers.
  const router = new RouterSocket();
  const ep = router.bind("tcp://127.0.0.1:*");
  const worker = await MajordomoWorker.connect(ep, "long", async (r) => {
    await new Promise((res) => setTimeout(res, HB * 8)); // > liveness × heartbeat
    return r;
  }, { heartbeatIntervalMs: HB, liveness: 3 });
  // It asks mmi.rz first; a plain 7/MDP broker answers 501.
  const probe = await router.receive({ timeoutMs: 5000 });
  assertEquals(show(probe.slice(1)), ["", "MDPC01", "mmi.rz", "rz"]);
  await router.send([probe[0], "", "MDPC01", "mmi.rz", "501"]);
  const ready = await router.receive({ timeoutMs: 5000 });
  assertEquals(show(ready.slice(1)), ["", "MDPW01", "0x01", "long"]);
  await router.send([ready[0], "", "MDPW01", "\x02", "C1", "", "job"]);
  for (;;) {
    const m = await router.receive({ timeoutMs: 5000 });
    const s = show(m.slice(1));
    if (s[2] === "0x04") continue; // it keeps heartbeating while busy
    assertEquals(s, ["", "MDPW01", "0x03", "C1", "", "job"]); // no READY in between
    break;
  }
  assertEquals(worker.stats.connections, 1);
  const closing = worker.close();
  for (;;) {
    const m = await router.receive({ timeoutMs: 5000 });
    if (show(m.slice(1))[2] === "0x05") break;
  }
  await closing;
  router.close();
  await shutdown();
});
