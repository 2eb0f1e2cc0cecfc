// The fast tier of the asynchronous Majordomo client: its core (per-request
// attempts, backoff, deadlines, failover, the RZ contract and the foreign
// fallback) driven under a FakeClock through a fake port. No sockets, no
// sleeping; the fake port plays the broker by hand.
import {
  BrokerUnreachableError,
  ClosedError,
  HandlerFailedError,
  RequestExpiredError,
  RequestRejectedError,
  RequestTimeoutError,
  ServiceUnavailableError,
  WorkerLostError,
} from "../../src/errors.ts";
import { FakeClock, type Timer } from "../../src/_util/clock.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { RateLimitedLog } from "../../src/_util/rate_limit.ts";
import { EventHub } from "../../src/patterns/_kit/events.ts";
import {
  AsyncClientCore,
  type AsyncPolicy,
  type AsyncPort,
  PROBES_BEFORE_FOREIGN,
} from "../../src/patterns/majordomo/_async_core.ts";
import {
  correlationFrame,
  errorFrame,
  readCorrelationId,
} from "../../src/patterns/majordomo/correlation.ts";
import type { MajordomoAsyncClientEvent } from "../../src/patterns/majordomo/client_events.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const E = new Uint8Array(0);
const H = te.encode("MDPC01");

class FakePort implements AsyncPort {
  main: Uint8Array[][] = [];
  replaced = 0;
  slots = new Map<number, Uint8Array[][]>();
  closedSlots: number[] = [];
  #next = 1;
  sendMain(frames: Uint8Array[]): void {
    this.main.push(frames);
  }
  replaceMain(): void {
    this.replaced++;
  }
  openSlot(): number {
    const id = this.#next++;
    this.slots.set(id, []);
    return id;
  }
  sendSlot(slot: number, frames: Uint8Array[]): void {
    this.slots.get(slot)!.push(frames);
  }
  closeSlot(slot: number): void {
    this.slots.delete(slot);
    this.closedSlots.push(slot);
  }
  /** Main sends for a service (frame 2), taken out of the log. */
  take(service: string): Uint8Array[][] {
    const out = this.main.filter((f) => td.decode(f[2]) === service);
    this.main = this.main.filter((f) => td.decode(f[2]) !== service);
    return out;
  }
}

interface Result {
  value?: string[];
  error?: unknown;
}

/** A FakeClock that counts the timers armed on it. */
class CountingClock extends FakeClock {
  armed = 0;
  override setTimeout(fn: () => void, ms: number): Timer {
    this.armed++;
    return super.setTimeout(fn, ms);
  }
}

function setup(policy: Partial<AsyncPolicy> = {}) {
  const clock = new CountingClock();
  const port = new FakePort();
  const events: MajordomoAsyncClientEvent[] = [];
  const hub = new EventHub<MajordomoAsyncClientEvent>(
    silentLogger,
    (e) => events.push(e),
  );
  const core = new AsyncClientCore(
    clock,
    port,
    {
      deadlineMs: 30000,
      attemptTimeoutMs: 5000,
      maxAttempts: 3,
      fallbackConcurrency: 4,
      ...policy,
    },
    hub,
    silentLogger,
    new RateLimitedLog(silentLogger, clock),
    "tcp://test",
  );
  let nextId = 100;
  const request = (service: string, body = ["x"], deadlineMs = 30000) => {
    const r: Result = {};
    const req = core.submit(
      nextId++,
      service,
      te.encode(service),
      body.map((b) => te.encode(b)),
      deadlineMs,
      (b) => r.value = b.map((f) => td.decode(f)),
      (e) => r.error = e,
    );
    return { r, req };
  };
  const probeReply = (kind: "rz" | "foreign", instance = "i1", max = 0) =>
    core.onMainMessage(
      kind === "rz"
        ? [
          E,
          H,
          te.encode("mmi.rz"),
          te.encode("200"),
          te.encode(JSON.stringify({
            name: "reliable-zmq",
            version: "0.1.0",
            instance,
            extensions: ["corr"],
            ...(max ? { maxFrameBytes: max } : {}),
          })),
        ]
        : [E, H, te.encode("mmi.rz"), te.encode("501")],
    );
  const reply = (service: string, id: number, ...body: string[]) =>
    core.onMainMessage([
      E,
      H,
      te.encode(service),
      correlationFrame(id),
      ...body.map((b) => te.encode(b)),
    ]);
  const errorReply = (service: string, id: number, code: string, text = "") =>
    core.onMainMessage([
      E,
      H,
      te.encode(service),
      errorFrame(id),
      te.encode(code),
      te.encode(text),
    ]);
  /** CORR ids of the main sends for `service`, taken out of the log. */
  const sentIds = (service: string) =>
    port.take(service).map((f) => readCorrelationId(f[3]));
  core.start();
  return {
    clock,
    port,
    core,
    events,
    request,
    probeReply,
    reply,
    errorReply,
    sentIds,
  };
}

Deno.test("async core: requests wait for the mmi.rz probe, then go with a correlation id; replies in any order; a duplicate is dropped and counted", () => {
  const t = setup();
  assertEquals(t.port.take("mmi.rz").length, 1, "probe sent at start");
  const a = t.request("echo", ["a"]);
  const b = t.request("echo", ["b"]);
  assertEquals(t.port.main.length, 0, "held until the broker is known");
  t.probeReply("rz");
  assertEquals(t.sentIds("echo"), [a.req.id, b.req.id]);
  t.reply("echo", b.req.id, "B");
  t.reply("echo", a.req.id, "A");
  assertEquals([a.r.value, b.r.value], [["A"], ["B"]]);
  t.reply("echo", a.req.id, "A again");
  assertEquals(t.core.counters.duplicates, 1);
  assertEquals(t.core.counters.replies, 2);
  assertEquals(t.core.outstanding, 0);
});

Deno.test("async core: 20,000 outstanding requests use one timer", () => {
  const t = setup();
  t.probeReply("rz");
  for (let i = 0; i < 20_000; i++) t.request("echo");
  assertEquals(t.clock.pending, 1, "one timer for every request and the probe");
  assertEquals(t.core.outstanding, 20_000);
});

Deno.test("async core: 60,000 requests answered in a steady stream arm about one timer per attempt period; an unanswered one among them is resent at its own attempt timeout, once", () => {
  const t = setup({ attemptTimeoutMs: 5000, maxAttempts: 3 });
  t.probeReply("rz");
  const armedBefore = t.clock.armed;
  const window: ReturnType<typeof t.request>[] = [];
  for (let i = 0; i < 1000; i++) window.push(t.request("echo"));
  const stuck = t.request("echo", ["stuck"]);
  const sentAt = t.clock.now();
  t.sentIds("echo");
  let answered = 0;
  // One reply (the oldest) and one new request per ms for 60 s.
  for (let i = 0; i < 60_000; i++) {
    t.clock.advance(1);
    const a = window.shift()!;
    t.reply("echo", a.req.id, "ok");
    if (a.r.value) answered++;
    window.push(t.request("echo"));
    if (t.clock.now() === sentAt + 4999) {
      assertEquals(t.sentIds("echo").includes(stuck.req.id), false);
    }
    if (t.clock.now() === sentAt + 5000) {
      const resent = t.sentIds("echo").filter((id) => id === stuck.req.id);
      assertEquals(resent.length, 1, "resent at exactly its attempt timeout");
      t.reply("echo", stuck.req.id, "late but fine");
    }
  }
  assertEquals(answered, 60_000);
  assertEquals(stuck.r.value, ["late but fine"]);
  assertEquals(t.core.counters.resent, 1);
  assertEquals(t.core.counters.resentTimeout, 1);
  assertEquals(t.core.counters.duplicates, 0);
  assertEquals(t.clock.pending, 1, "one timer");
  const armed = t.clock.armed - armedBefore;
  // Re-arming whenever the earliest entry changed made one per request.
  assert(armed <= 40, `${armed} timers armed for 61,001 requests`);
});

Deno.test("async core: a 3 s handler under the defaults is sent once and succeeds", () => {
  const t = setup();
  t.probeReply("rz");
  const a = t.request("slow");
  t.clock.advance(3000);
  t.reply("slow", a.req.id, "done");
  assertEquals(a.r.value, ["done"]);
  assertEquals(t.core.counters.sent, 1);
  assertEquals(t.core.counters.resent, 0);
});

Deno.test("async core: an attempt that times out resends that request alone, at most maxAttempts sends; then it waits for the deadline (the RZ broker still holds it)", () => {
  const t = setup({ attemptTimeoutMs: 1000, maxAttempts: 3 });
  t.probeReply("rz");
  const a = t.request("echo", ["a"], 10_000);
  t.clock.advance(500);
  const b = t.request("echo", ["b"], 10_000);
  t.sentIds("echo");
  t.clock.advance(500); // a's first attempt times out; b's has 500 ms left
  assertEquals(t.sentIds("echo"), [a.req.id]);
  assertEquals(t.port.take("mmi.service").length, 1, "one MMI check for echo");
  t.core.onMainMessage([E, H, te.encode("mmi.service"), te.encode("200")]);
  t.clock.advance(500); // b times out
  assertEquals(t.sentIds("echo"), [b.req.id]);
  t.clock.advance(500); // a's second attempt times out
  assertEquals(t.sentIds("echo"), [a.req.id]);
  t.clock.advance(5000); // a's attempts are spent: no more sends of a
  assertEquals(t.sentIds("echo"), [b.req.id], "b's third and last");
  assertEquals(a.req.attempts, 3);
  assertEquals(a.req.state, "sent", "still waiting for its answer");
  t.reply("echo", b.req.id, "late but welcome");
  assertEquals(b.r.value, ["late but welcome"]);
  t.clock.advance(3000); // a's deadline
  assert(a.r.error instanceof RequestTimeoutError, String(a.r.error));
  assertEquals((a.r.error as RequestTimeoutError).timeoutMs, 10_000);
  assert(/deadline 10000 ms/.test((a.r.error as Error).message));
  assertEquals(t.core.counters.resentTimeout, 4); // a twice, b twice
  assertEquals(t.core.counters.failed, 1);
});

Deno.test("async core: a dead worker's request (502) is resent at once, then with growing delays; every attempt lost gives WorkerLostError", () => {
  const t = setup({ attemptTimeoutMs: 5000, maxAttempts: 4 });
  t.probeReply("rz");
  const a = t.request("crashy");
  t.sentIds("crashy");
  t.errorReply("crashy", a.req.id, "502", "worker expired");
  assertEquals(t.sentIds("crashy"), [a.req.id], "first retry at once");
  t.errorReply("crashy", a.req.id, "502", "worker expired");
  assertEquals(t.sentIds("crashy"), [], "second retry waits");
  t.clock.advance(100);
  assertEquals(t.sentIds("crashy"), [a.req.id], "after a backoff <= 100 ms");
  t.errorReply("crashy", a.req.id, "502", "worker expired");
  t.clock.advance(49);
  assertEquals(t.sentIds("crashy"), [], "third waits at least 100 ms");
  t.clock.advance(151);
  assertEquals(t.sentIds("crashy"), [a.req.id]);
  t.errorReply("crashy", a.req.id, "502", "worker gone");
  assert(a.r.error instanceof WorkerLostError, String(a.r.error));
  assertEquals((a.r.error as WorkerLostError).attempts, 4);
  assertEquals(t.core.counters.resentLost, 3);
});

Deno.test("async core: error replies 500, 503, 504 fail the request at once with typed errors", () => {
  const t = setup();
  t.probeReply("rz");
  const cases = [
    ["500", HandlerFailedError],
    ["503", RequestRejectedError],
    ["504", RequestExpiredError],
  ] as const;
  for (const [code, cls] of cases) {
    const a = t.request("svc");
    t.errorReply("svc", a.req.id, code, `text ${code}`);
    assert(a.r.error instanceof cls, `${code}: ${a.r.error}`);
    assertEquals((a.r.error as HandlerFailedError).detail, `text ${code}`);
  }
  assertEquals(t.core.counters.errorReplies, 3);
  assertEquals(t.core.counters.resent, 0);
});

Deno.test("async core: a dropped connection resends exactly the requests outstanding on it, once the new one is probed; requests made meanwhile are sent once", () => {
  const t = setup();
  t.probeReply("rz", "first");
  const reqs = Array.from({ length: 10 }, () => t.request("echo"));
  t.sentIds("echo");
  for (const x of reqs.slice(0, 4)) t.reply("echo", x.req.id, "ok");
  t.core.onDisconnected();
  assertEquals(t.port.replaced, 1);
  assertEquals(t.events.find((e) => e.type === "connection:lost"), {
    type: "connection:lost",
    outstanding: 6,
  });
  assertEquals(t.port.take("mmi.rz").length, 2, "the start's and the new one");
  assertEquals(t.core.mode, null);
  const during = t.request("echo");
  assertEquals(t.sentIds("echo"), [], "held until probed");
  t.clock.advance(20_000); // a long restart: attempt timers do not fire while held
  t.core.onConnected();
  assertEquals(t.port.take("mmi.rz").length, 5, "4 while down, 1 on connect");
  t.probeReply("rz", "second");
  const sent = t.sentIds("echo");
  assertEquals(
    sent.sort(),
    [...reqs.slice(4).map((x) => x.req.id), during.req.id].sort(),
  );
  assertEquals(t.core.counters.resentReconnect, 6);
  assertEquals(t.core.counters.resent, 6);
  const det = t.events.filter((e) => e.type === "broker:detected");
  assertEquals(det.at(-1), {
    type: "broker:detected",
    kind: "rz",
    instance: "second",
    restarted: true,
  });
  for (const x of [...reqs.slice(4), during]) t.reply("echo", x.req.id, "ok");
  assertEquals(t.core.outstanding, 0);
});

Deno.test("async core: nothing heard from the broker at all fails with BrokerUnreachableError at the deadline", () => {
  const t = setup({ attemptTimeoutMs: 1000 });
  const a = t.request("echo", ["x"], 4000);
  t.clock.advance(4000);
  assert(a.r.error instanceof BrokerUnreachableError, String(a.r.error));
  assertEquals((a.r.error as BrokerUnreachableError).elapsedMs, 4000);
  // One probe per attempt timeout while down (they wait in the socket).
  assertEquals(t.port.take("mmi.rz").length, 5); // at 0, 1000, ..., 4000
});

Deno.test("async core: unknown service reported after one attempt (MMI 404 -> ServiceUnavailableError)", () => {
  const t = setup({ attemptTimeoutMs: 1000 });
  t.probeReply("rz");
  const a = t.request("nosuch");
  const b = t.request("nosuch");
  t.clock.advance(1000);
  const checks = t.port.take("mmi.service");
  assertEquals(checks.length, 1);
  assertEquals(td.decode(checks[0][3]), "nosuch");
  t.core.onMainMessage([E, H, te.encode("mmi.service"), te.encode("404")]);
  assert(a.r.error instanceof ServiceUnavailableError);
  assert(b.r.error instanceof ServiceUnavailableError);
  assertEquals(t.clock.now(), 1000);
});

Deno.test("async core: a frame over the broker's advertised limit is refused before sending", () => {
  const t = setup();
  t.probeReply("rz", "i", 8);
  const a = t.request("echo", ["123456789"]);
  assert(a.r.error instanceof RangeError, String(a.r.error));
  assertEquals(t.sentIds("echo"), []);
  const b = t.request("echo", ["12345678"]);
  assertEquals(t.sentIds("echo"), [b.req.id]);
});

Deno.test("async core: a foreign broker (501) gets plain 7/MDP, one DEALER per request in flight; a timed-out attempt closes its DEALER", () => {
  const t = setup({
    attemptTimeoutMs: 1000,
    maxAttempts: 2,
    fallbackConcurrency: 2,
  });
  t.probeReply("foreign");
  const reqs = [
    t.request("echo", ["0"]),
    t.request("echo", ["1"]),
    t.request("echo", ["2"]),
  ];
  assertEquals(t.port.slots.size, 2, "two slots, the third waits");
  const [s1, s2] = [...t.port.slots.keys()];
  const sent1 = t.port.slots.get(s1)![0];
  assertEquals(sent1.map((f) => td.decode(f)), ["", "MDPC01", "echo", "0"]);
  t.core.onSlotMessage(s1, [E, H, te.encode("echo"), te.encode("W:0")]);
  assertEquals(reqs[0].r.value, ["W:0"]);
  assertEquals(t.port.slots.get(s1)!.length, 2, "slot reused for the third");
  t.clock.advance(1000); // 1 and 2 time out: their slots close
  assert(t.port.closedSlots.includes(s1) && t.port.closedSlots.includes(s2));
  assertEquals(t.port.slots.size, 2, "both resent on new slots");
  t.clock.advance(1000); // second attempts time out too: attempts spent
  assert(reqs[1].r.error instanceof RequestTimeoutError);
  assert(reqs[2].r.error instanceof RequestTimeoutError);
  assertEquals(t.port.slots.size, 0);
});

Deno.test("async core: a broker that answers no probe on a live connection counts as foreign", () => {
  const t = setup({ attemptTimeoutMs: 1000 });
  const a = t.request("echo");
  t.core.onConnected();
  for (let i = 0; i < PROBES_BEFORE_FOREIGN; i++) t.clock.advance(1000);
  assertEquals(t.core.mode, "foreign");
  // The start's, the one on connect, and one per miss but the last.
  assertEquals(t.port.take("mmi.rz").length, PROBES_BEFORE_FOREIGN + 1);
  assertEquals(t.port.slots.size, 1);
  void a;
});

Deno.test("async core: abort and close settle requests once; a late reply is a duplicate", () => {
  const t = setup();
  t.probeReply("rz");
  const a = t.request("echo");
  const b = t.request("echo");
  t.core.abort(a.req, new Error("stop"));
  assertEquals((a.r.error as Error).message, "stop");
  t.reply("echo", a.req.id, "late");
  assertEquals(t.core.counters.duplicates, 1);
  t.core.close(new ClosedError("closed"));
  assert(b.r.error instanceof ClosedError);
  assertEquals(t.core.outstanding, 0);
  assertEquals(t.clock.pending, 0);
});

Deno.test("async core: a connection that drops again and again never sends a request more than maxAttempts times", () => {
  const t = setup({ maxAttempts: 2 });
  t.probeReply("rz");
  const a = t.request("echo");
  t.core.onDisconnected();
  t.core.onConnected();
  t.probeReply("rz", "second");
  assertEquals(t.sentIds("echo"), [a.req.id, a.req.id]);
  t.core.onDisconnected(); // its two sends are spent
  assert(a.r.error instanceof RequestTimeoutError, String(a.r.error));
  assertEquals(a.req.attempts, 2);
});
