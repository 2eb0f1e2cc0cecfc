// In-process tests of the public API: argument validation, errors that tell
// "no such service" from "timed out" and "closed", per-request deadlines and
// abort signals, worker error handling, long requests, close semantics.
import {
  ClosedError,
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
const fast = { heartbeatIntervalMs: HB, reconnectIntervalMs: 50 };

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
  assertThrows(() => new MajordomoClient(any(1)), TypeError);
  assertThrows(() => new MajordomoClient("nonsense"), TypeError);
  assertThrows(
    () => new MajordomoClient("tcp://127.0.0.1:1", { timeoutMs: -1 }),
    RangeError,
  );
  assertThrows(
    () => new MajordomoAsyncClient("tcp://127.0.0.1:1", { maxInFlight: 0 }),
    RangeError,
  );
  assertThrows(
    () => new MajordomoWorker("tcp://127.0.0.1:1", "", (r) => r),
    RangeError,
  );
  assertThrows(
    () => new MajordomoWorker("tcp://127.0.0.1:1", "mmi.x", (r) => r),
    RangeError,
  );
  assertThrows(
    () => new MajordomoWorker("tcp://127.0.0.1:1", "echo", any("no")),
    TypeError,
  );
  assertThrows(
    () =>
      new MajordomoWorker("tcp://127.0.0.1:1", "echo", (r) => r, {
        correlation: any("x"),
      }),
    TypeError,
  );
  const c = new MajordomoClient("tcp://127.0.0.1:1");
  await assertRejects(() => c.request("", ["x"]), RangeError);
  await assertRejects(() => c.request("echo", []), RangeError);
  await assertRejects(() => c.request(any(1), ["x"]), TypeError);
  await assertRejects(
    () => c.request("echo", ["x"], { signal: any(1) }),
    TypeError,
  );
  c.close();
  await assertRejects(() => c.request("echo", ["x"]), ClosedError);
  const a = new MajordomoAsyncClient("tcp://127.0.0.1:1");
  await assertRejects(() => a.request("echo", [any(null)]), TypeError);
  await a.close();
  await assertRejects(() => a.request("echo", ["x"]), ClosedError);
  await assertRejects(() => MajordomoBroker.bind(any(null)), TypeError);
});

Deno.test("MajordomoClient tells no such service (404) from timed out and closed", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    // The raw "slow" worker never heartbeats: keep it registered throughout.
    heartbeatIntervalMs: 10_000,
  });
  const [ep] = broker.endpoints;
  const client = new MajordomoClient(ep, { timeoutMs: 150, attempts: 2 });
  const e1 = await assertRejects(
    () => client.request("nosuch", ["x"]),
    ServiceUnavailableError,
  );
  void e1;
  // A worker that never answers: the service exists, so it is a timeout.
  const w = new Peer(ep);
  await w.send(["", "MDPW01", "\x01", "slow"]);
  assertEquals(await w.mmi("slow"), "200");
  const err = await client.request("slow", ["x"]).catch((e) => e);
  assert(err instanceof RequestTimeoutError, String(err));
  assertEquals(err.attempts, 2);
  assertEquals(err.service, "slow");
  // Closing mid-request rejects with ClosedError.
  const pending = client.request("slow", ["y"], { timeoutMs: 5000 });
  client.close();
  await assertRejects(() => pending, ClosedError);
  // Abort mid-request rejects with the signal's reason.
  const c2 = new MajordomoClient(ep);
  const ac = new AbortController();
  const p2 = c2.request("slow", ["z"], { signal: ac.signal });
  ac.abort(new Error("stop"));
  await assertRejects(() => p2, Error, "stop");
  c2.close();
  w.close();
});

Deno.test("MajordomoAsyncClient: deadline, abort, out-of-order replies matched", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
  });
  const [ep] = broker.endpoints;
  // Two workers with different delays: replies come back out of order.
  const slow = new MajordomoWorker(ep, "echo", async (r) => {
    await new Promise((res) => setTimeout(res, 150));
    return r;
  }, fast);
  const quick = new MajordomoWorker(ep, "echo", (r) => r, fast);
  slow.start();
  quick.start();
  const client = new MajordomoAsyncClient(ep, { timeoutMs: 2000 });
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
  // Deadline on a service nobody serves.
  const e = await client.request("nobody", ["x"], { deadlineMs: 200 }).catch((
    x,
  ) => x);
  assert(e instanceof RequestTimeoutError);
  assertEquals(e.timeoutMs, 200);
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
  // maxInFlight: a caller waits for a slot, and can abort while waiting.
  const small = new MajordomoAsyncClient(ep, { maxInFlight: 2 });
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

Deno.test("MajordomoWorker: a throwing handler is counted, re-registers, and the worker keeps serving", async () => {
  await using broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
  });
  const [ep] = broker.endpoints;
  const worker = new MajordomoWorker(ep, "flaky", (r) => {
    if (td.decode(r[0]) === "boom") throw new Error("boom");
    return r;
  }, fast);
  worker.start();
  const withReply = new MajordomoWorker(ep, "flaky2", () => {
    throw new Error("bad");
  }, { ...fast, onError: (e) => ["error", String(e)] });
  withReply.start();
  const client = new MajordomoClient(ep, { timeoutMs: 300, attempts: 1 });
  await until(() => client.serviceAvailable("flaky"));
  await assertRejects(
    () => client.request("flaky", ["boom"]),
    RequestTimeoutError,
  );
  assertEquals(
    td.decode((await client.request("flaky", ["ok"], { timeoutMs: 3000 }))[0]),
    "ok",
  );
  assertEquals(worker.stats.handlerErrors, 1);
  assert(worker.stats.connections >= 2, "it re-registered");
  await until(() => client.serviceAvailable("flaky2"));
  const r = await client.request("flaky2", ["x"], { timeoutMs: 3000 });
  assertEquals(td.decode(r[0]), "error");
  client.close();
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
    const workers = [1, 2, 3].map((i) =>
      new MajordomoWorker(ep, `s${i % 2}`, (r) => [...r, `${i}`], fast)
    );
    for (const w of workers) w.start();
    const client = new MajordomoAsyncClient(ep);
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
  const worker = new MajordomoWorker(ep, "long", async (r) => {
    await new Promise((res) => setTimeout(res, HB * 8)); // > liveness × heartbeat
    return r;
  }, { heartbeatIntervalMs: HB, liveness: 3 });
  worker.start();
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
