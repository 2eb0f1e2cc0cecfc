/**
 * Freelance model three's decisions under a FakeClock: server liveness,
 * where each request goes, failover within the deadline, late replies.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import { NoServerAnsweredError } from "../../src/errors.ts";
import type { Frame } from "../../src/types.ts";
import {
  ClientCore,
  type ClientPolicy,
  type SendResult,
} from "../../src/patterns/freelance/_client_core.ts";
import { SERVER_MACHINE } from "../../src/patterns/freelance/_fsm.ts";
import { step } from "../../src/patterns/_kit/fsm.ts";
import type { FreelanceClientEvent } from "../../src/patterns/freelance/events.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const A = "tcp://127.0.0.1:5001";
const B = "tcp://127.0.0.1:5002";
const C = "tcp://127.0.0.1:5003";
const POLICY: ClientPolicy = {
  heartbeatIntervalMs: 100,
  liveness: 3,
  attemptTimeoutMs: 50,
};

const text = (f: Frame) => typeof f === "string" ? f : td.decode(f);

function harness(policy = POLICY) {
  const clock = new FakeClock();
  const sent: string[][] = [];
  const events: FreelanceClientEvent[] = [];
  const reach = new Map<string, SendResult>();
  const core = new ClientCore(clock, policy, {
    send: (frames) => {
      const to = text(frames[0]);
      const r = reach.get(to) ?? "sent";
      if (r === "sent") sent.push(frames.map(text));
      return r;
    },
    event: (e) => events.push(e),
  });
  const from = (server: string, ...frames: string[]) =>
    core.receive([server, ...frames].map((f) => te.encode(f)));
  /** Requests (not pings) sent to `server`, as [seq, ...body]. */
  const requestsTo = (server: string) =>
    sent.filter((m) => m[0] === server && m.length > 2).map((m) => m.slice(1));
  return { clock, core, sent, events, reach, from, requestsTo };
}

function settled<T>(p: Promise<T>) {
  const s: { value?: T; error?: unknown; done: boolean } = { done: false };
  p.then((v) => {
    s.value = v;
    s.done = true;
  }, (e) => {
    s.error = e;
    s.done = true;
  });
  return s;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

Deno.test("server table: every state takes every event", () => {
  for (const s of SERVER_MACHINE.states) {
    for (const e of SERVER_MACHINE.events) {
      assert(step(SERVER_MACHINE, s, e) !== undefined, `${s} × ${e}`);
    }
  }
  assertEquals(step(SERVER_MACHINE, "alive", "expired")?.actions, [
    "fail-over",
  ]);
  assertEquals(step(SERVER_MACHINE, "dead", "heard")?.next, "alive");
});

Deno.test("a request waits for a live server, goes to it, and is answered once; a PONG is never a reply", async () => {
  const h = harness();
  h.core.addServer(A);
  assertEquals(h.sent, [[A, "PING"]]);
  const r = settled(h.core.request([te.encode("hello")], 1000));
  assertEquals(h.requestsTo(A), [], "not sent before the server answers");
  assertEquals(h.core.stats.waiting, 1);
  h.from(A, "PONG");
  assertEquals(h.requestsTo(A), [["1", "hello"]]);
  h.from(A, "PONG");
  await flush();
  assert(!r.done, "a PONG does not answer request 1");
  h.from(A, "1", "world");
  await flush();
  assertEquals(r.value?.map(text), ["world"]);
  h.from(A, "1", "again");
  const s = h.core.stats;
  assertEquals([s.requests, s.replies, s.late, s.pongs], [1, 1, 1, 2]);
  assertEquals(h.events[0], { type: "server:alive", endpoint: A });
  h.core.close();
});

Deno.test("an attempt with no reply fails over to another live server within the deadline; the first reply wins", async () => {
  const h = harness();
  h.core.addServer(A);
  h.core.addServer(B);
  h.from(A, "PONG");
  h.from(B, "PONG");
  const r = settled(h.core.request([te.encode("q")], 1000));
  assertEquals(h.requestsTo(A).length + h.requestsTo(B).length, 1);
  const first = h.requestsTo(A).length ? A : B;
  const second = first === A ? B : A;
  await h.clock.tick(49);
  assertEquals(h.requestsTo(second).length, 0);
  await h.clock.tick(1);
  assertEquals(h.requestsTo(second), [["1", "q"]], "failover after 50 ms");
  h.from(second, "1", "from-second");
  await flush();
  assertEquals(r.value?.map(text), ["from-second"]);
  h.from(first, "1", "from-first");
  assertEquals(h.core.stats.late, 1);
  assertEquals(h.core.stats.failovers, 1);
  assert(
    h.events.some((e) => e.type === "request:failover" && e.from === first),
  );
  h.core.close();
});

Deno.test("a late reply from the first server still answers the request after failover", async () => {
  const h = harness();
  for (const s of [A, B]) {
    h.core.addServer(s);
    h.from(s, "PONG");
  }
  const r = settled(h.core.request([te.encode("q")], 1000));
  const first = h.requestsTo(A).length ? A : B;
  await h.clock.tick(60);
  h.from(first, "1", "slow-but-first");
  await flush();
  assertEquals(r.value?.map(text), ["slow-but-first"]);
  h.core.close();
});

Deno.test("with no answer the request fails at its deadline with NoServerAnsweredError naming the servers tried", async () => {
  const h = harness({ ...POLICY, heartbeatIntervalMs: 10_000 });
  for (const s of [A, B]) {
    h.core.addServer(s);
    h.from(s, "PONG");
  }
  const r = settled(h.core.request([te.encode("q")], 120));
  await h.clock.tick(119);
  assert(!r.done);
  await h.clock.tick(1);
  await flush();
  assert(r.error instanceof NoServerAnsweredError, String(r.error));
  const e = r.error as NoServerAnsweredError;
  assertEquals(e.attempts, 3, "50 + 50 + 20 ms");
  assertEquals(e.elapsedMs, 120);
  assertEquals(new Set(e.peers), new Set([A, B]));
  assertEquals(h.core.stats.failures, 1);
  h.core.close();
});

Deno.test("with no server alive at all, the request fails at its deadline having been sent nowhere", async () => {
  const h = harness();
  h.core.addServer(A);
  const r = settled(h.core.request([te.encode("q")], 300));
  await h.clock.tick(300);
  await flush();
  assert(r.error instanceof NoServerAnsweredError);
  assertEquals((r.error as NoServerAnsweredError).peers, []);
  assertEquals(h.requestsTo(A), []);
  h.core.close();
});

Deno.test("a silent server is pinged every interval, expires after liveness intervals, hands its requests over at once, and is used again when it answers", async () => {
  const h = harness({ ...POLICY, attemptTimeoutMs: 1000 });
  for (const s of [A, B]) {
    h.core.addServer(s);
    h.from(s, "PONG");
  }
  // B keeps answering its pings; A goes silent.
  const r = settled(h.core.request([te.encode("q")], 5000));
  const first = h.requestsTo(A).length ? A : B;
  if (first === B) {
    h.from(B, "1", "ok");
    await flush();
    assert(r.done);
  }
  // Drive time in steps, B answering every ping.
  const pingsTo = (s: string) =>
    h.sent.filter((m) => m[0] === s && m[1] === "PING").length;
  let answered = pingsTo(B);
  const req2 = settled(h.core.request([te.encode("q2")], 5000));
  for (let t = 0; t < 300; t += 10) {
    await h.clock.tick(10);
    while (answered < pingsTo(B)) {
      answered++;
      h.from(B, "PONG");
    }
  }
  assertEquals(
    h.core.servers.find((s) => s.endpoint === A)?.state,
    "dead",
    "A expired after 3 × 100 ms",
  );
  assert(pingsTo(A) >= 3, `A pinged ${pingsTo(A)} times`);
  assert(
    h.events.some((e) =>
      e.type === "server:dead" && e.endpoint === A &&
      e.cause === "expired"
    ),
  );
  // Everything A held went to B.
  for (const [seq] of h.requestsTo(B)) h.from(B, seq, "from-B");
  await flush();
  assert(req2.done && req2.value !== undefined, "request 2 answered");
  assert(r.done && r.value !== undefined, "request 1 answered");
  // A comes back: it is used again.
  h.from(A, "PONG");
  assertEquals(h.core.servers.find((s) => s.endpoint === A)?.state, "alive");
  const before = h.requestsTo(A).length;
  const reqs = [1, 2, 3, 4].map((i) =>
    settled(h.core.request([te.encode(`r${i}`)], 5000))
  );
  assert(h.requestsTo(A).length > before, "A gets requests again");
  for (const s of [A, B]) {
    for (const [seq] of h.requestsTo(s)) h.from(s, seq, "x");
  }
  await flush();
  assert(reqs.every((q) => q.done && q.value));
  h.core.close();
});

Deno.test("an unreachable server (its connection dropped) is dead at once and its requests move on", async () => {
  const h = harness({ ...POLICY, attemptTimeoutMs: 1000 });
  for (const s of [A, B]) {
    h.core.addServer(s);
    h.from(s, "PONG");
  }
  const reqs = [1, 2, 3, 4].map(() =>
    settled(h.core.request([te.encode("q")], 5000))
  );
  const onA = h.requestsTo(A).length;
  assert(onA >= 1 && onA <= 3, `balanced: ${onA} on A`);
  h.core.disconnected(A);
  assertEquals(h.core.servers[0].state, "dead");
  assertEquals(h.core.stats.failovers, onA);
  assertEquals(h.requestsTo(B).length, 4);
  // A send that finds no route marks the server lost too.
  h.from(A, "PONG");
  h.reach.set(A, "unreachable");
  const r5 = settled(h.core.request([te.encode("q")], 5000));
  for (const [seq] of h.requestsTo(B)) h.from(B, seq, "ok");
  await flush();
  assert(reqs.every((q) => q.value) && r5.value, "all answered by B");
  h.core.close();
});

Deno.test("many concurrent requests are spread over the servers and correlated by their control frame", async () => {
  const h = harness({ ...POLICY, attemptTimeoutMs: 1000 });
  for (const s of [A, B, C]) {
    h.core.addServer(s);
    h.from(s, "PONG");
  }
  const N = 3000;
  const reqs = Array.from(
    { length: N },
    (_, i) => h.core.request([te.encode(`body-${i}`)], 5000),
  );
  const counts = [A, B, C].map((s) => h.requestsTo(s).length);
  assertEquals(counts, [1000, 1000, 1000]);
  // Answer in reverse order, each server echoing the body.
  for (const s of [C, A, B]) {
    for (const [seq, body] of h.requestsTo(s).reverse()) h.from(s, seq, body);
  }
  const replies = await Promise.all(reqs);
  for (let i = 0; i < N; i++) assertEquals(text(replies[i][0]), `body-${i}`);
  assertEquals(h.core.stats.replies, N);
  assertEquals(h.core.stats.inFlight, 0);
  h.core.close();
});

Deno.test("abort and close reject the request; malformed and unknown-sender messages are counted and change nothing", async () => {
  const h = harness();
  h.core.addServer(A);
  h.from(A, "PONG");
  const ac = new AbortController();
  const r = settled(h.core.request([te.encode("q")], 5000, ac.signal));
  ac.abort(new Error("stop"));
  await flush();
  assertEquals((r.error as Error).message, "stop");
  h.from(A, "1", "late");
  h.from(A, "PING");
  h.from(A, "17");
  h.from("tcp://elsewhere:1", "PONG");
  const s = h.core.stats;
  assertEquals([s.aborted, s.late, s.malformed, s.unknownSender], [1, 1, 2, 1]);
  const r2 = settled(h.core.request([te.encode("q")], 5000));
  h.core.close();
  await flush();
  assertEquals((r2.error as Error).name, "ClosedError");
  await h.core.request([te.encode("q")], 10).then(
    () => assert(false),
    (e) => assertEquals(e.name, "ClosedError"),
  );
  assertEquals(h.clock.pending, 0, "no timer left");
});
