/**
 * Freelance model two's decisions under a FakeClock: numbered copies, the
 * first correctly numbered reply wins, duplicates and late replies counted,
 * the deadline.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import { NoServerAnsweredError } from "../../src/errors.ts";
import type { Frame } from "../../src/types.ts";
import { ShotgunCore } from "../../src/patterns/freelance/_shotgun_core.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const text = (f: Frame) => typeof f === "string" ? f : td.decode(f);
const flush = () => new Promise((r) => setTimeout(r, 0));

function harness(room = Infinity) {
  const clock = new FakeClock();
  const sent: string[][] = [];
  let capacity = room;
  const core = new ShotgunCore(clock, {
    send: (frames, copies) => {
      const n = Math.min(copies, capacity);
      for (let i = 0; i < n; i++) sent.push(frames.map(text));
      return n;
    },
  }, () => ["tcp://a:1", "tcp://b:2"]);
  const reply = (...frames: string[]) =>
    core.receive(frames.map((f) => te.encode(f)));
  return {
    clock,
    core,
    sent,
    reply,
    setCapacity: (n: number) => (capacity = n),
  };
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

Deno.test("each request goes once per connected server, numbered; the first matching reply wins, the rest are duplicates", async () => {
  const h = harness();
  h.core.setServers(3);
  const r1 = settled(h.core.request([te.encode("a")], 1000));
  const r2 = settled(h.core.request([te.encode("b")], 1000));
  assertEquals(h.sent, [
    ["", "1", "a"],
    ["", "1", "a"],
    ["", "1", "a"],
    ["", "2", "b"],
    ["", "2", "b"],
    ["", "2", "b"],
  ]);
  h.reply("", "2", "B");
  h.reply("", "1", "A");
  h.reply("", "1", "A2");
  h.reply("", "2", "B2");
  h.reply("", "2", "B3");
  await flush();
  assertEquals(r1.value?.map(text), ["A"]);
  assertEquals(r2.value?.map(text), ["B"]);
  const s = h.core.stats;
  assertEquals([s.requests, s.replies, s.sent, s.duplicates, s.late], [
    2,
    2,
    6,
    3,
    0,
  ]);
  h.core.close();
});

Deno.test("no reply by the deadline fails the request; a reply after that is late; malformed replies are counted", async () => {
  const h = harness();
  h.core.setServers(2);
  const r = settled(h.core.request([te.encode("a")], 2500));
  await h.clock.tick(2499);
  assert(!r.done);
  await h.clock.tick(1);
  await flush();
  assert(r.error instanceof NoServerAnsweredError);
  assertEquals((r.error as NoServerAnsweredError).attempts, 2);
  assertEquals((r.error as NoServerAnsweredError).elapsedMs, 2500);
  h.reply("", "1", "too late");
  h.reply("", "99", "never asked");
  h.reply("1", "OK");
  h.reply("", "1");
  h.reply("", "PONG", "x");
  const s = h.core.stats;
  assertEquals([s.failures, s.late, s.malformed], [1, 2, 3]);
  h.core.close();
});

Deno.test("a request made while no server is connected goes out when one connects", async () => {
  const h = harness(0);
  const r = settled(h.core.request([te.encode("a")], 1000));
  assertEquals(h.sent.length, 0);
  h.setCapacity(Infinity);
  h.core.setServers(2);
  assertEquals(h.sent.length, 2);
  h.reply("", "1", "OK");
  await flush();
  assertEquals(r.value?.map(text), ["OK"]);
  h.core.close();
});

Deno.test("abort and close reject pending requests and leave no timer", async () => {
  const h = harness();
  const ac = new AbortController();
  const r = settled(h.core.request([te.encode("a")], 1000, ac.signal));
  ac.abort(new Error("stop"));
  await flush();
  assertEquals((r.error as Error).message, "stop");
  h.reply("", "1", "late");
  assertEquals(h.core.stats.late, 1);
  const r2 = settled(h.core.request([te.encode("a")], 1000));
  h.core.close();
  await flush();
  assertEquals((r2.error as Error).name, "ClosedError");
  assertEquals(h.clock.pending, 0);
});

Deno.test("one request at a time arms one timer, not one per request; a deadline still fails at its time", async () => {
  const h = harness();
  h.core.setServers(2);
  let armed = 0;
  const setTimeout = h.clock.setTimeout.bind(h.clock);
  h.clock.setTimeout = (fn, ms) => {
    armed++;
    return setTimeout(fn, ms);
  };
  for (let i = 1; i <= 100; i++) {
    const r = settled(h.core.request([te.encode("x")], 1000));
    h.clock.advance(1);
    h.reply("", String(i), "OK");
    h.reply("", String(i), "OK");
    await flush();
    assert(r.done && r.error === undefined);
  }
  assertEquals(armed, 1);
  assertEquals(h.core.stats.duplicates, 100);
  const late = settled(h.core.request([te.encode("y")], 1000));
  h.clock.advance(999);
  await flush();
  assert(!late.done);
  h.clock.advance(1);
  await flush();
  assert(late.error instanceof NoServerAnsweredError);
  h.reply("", "101", "OK");
  assertEquals(h.core.stats.late, 1);
  assertEquals(h.core.pending, 0);
});

Deno.test("more than 4096 requests in flight are each answered once with their own reply; close rejects the rest", async () => {
  const h = harness();
  h.core.setServers(1);
  const N = 5000;
  const rs = Array.from(
    { length: N },
    (_, i) => settled(h.core.request([te.encode(`q${i + 1}`)], 1000)),
  );
  assertEquals(h.core.pending, N);
  for (let i = N; i > 100; i--) h.reply("", String(i), `a${i}`);
  h.reply("", "3000", "again");
  await flush();
  for (let i = 101; i <= N; i++) {
    const r = rs[i - 1];
    assert(r.done && text(r.value![0]) === `a${i}`, `request ${i}`);
  }
  assertEquals(h.core.stats.duplicates, 1);
  assertEquals(h.core.pending, 100);
  h.core.close();
  await flush();
  for (let i = 0; i < 100; i++) assert(rs[i].done && rs[i].error !== undefined);
  assertEquals(h.core.pending, 0);
  assertEquals(h.core.stats.aborted, 100);
});
