/**
 * Freelance model one's decisions under a FakeClock: servers in turn from
 * the last good one, a timeout per try, the typed error.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import { NoServerAnsweredError } from "../../src/errors.ts";
import {
  defaultMaxAttempts,
  failover,
  serverFor,
} from "../../src/patterns/freelance/_retry_core.ts";

const te = new TextEncoder();

Deno.test("attempts: three with one server, else one per server; round the list from the start", () => {
  assertEquals([1, 2, 3].map(defaultMaxAttempts), [3, 2, 3]);
  assertEquals([1, 2, 3, 4].map((n) => serverFor(1, n, 3)), [1, 2, 0, 1]);
});

/** Servers that never answer, except `live`, which answers at once. */
function run(clock: FakeClock, live: string | null, opts: {
  start?: number;
  maxAttempts?: number;
  deadlineMs?: number;
} = {}) {
  const log: { endpoint: string; at: number; dueAt: number }[] = [];
  const p = failover({
    clock,
    endpoints: ["A", "B", "C"],
    start: opts.start ?? 0,
    maxAttempts: opts.maxAttempts ?? 3,
    attemptTimeoutMs: 1000,
    deadlineMs: opts.deadlineMs ?? Infinity,
    attempt: (endpoint, dueAt) => {
      log.push({ endpoint, at: clock.now(), dueAt });
      if (endpoint === live) return Promise.resolve([te.encode(endpoint)]);
      return clock.sleep(dueAt - clock.now()).then(() => null);
    },
  });
  return { p, log };
}

Deno.test("each dead server ahead of the live one costs one full timeout", async () => {
  const clock = new FakeClock();
  const { p, log } = run(clock, "C");
  await clock.tick(2000);
  const r = await p;
  assertEquals(r.index, 2);
  assertEquals(log.map((l) => [l.endpoint, l.at, l.dueAt]), [
    ["A", 0, 1000],
    ["B", 1000, 2000],
    ["C", 2000, 3000],
  ]);
});

Deno.test("starting from the last good server costs nothing", async () => {
  const clock = new FakeClock();
  const { p, log } = run(clock, "C", { start: 2 });
  assertEquals((await p).index, 2);
  assertEquals(log.length, 1);
});

Deno.test("all silent: NoServerAnsweredError after the attempts, or at the deadline", async () => {
  const clock = new FakeClock();
  const a = run(clock, null);
  const failed = a.p.catch((e) => e);
  await clock.tick(3000);
  const e = await failed;
  assert(e instanceof NoServerAnsweredError);
  assertEquals([e.attempts, e.elapsedMs, e.peers], [3, 3000, ["A", "B", "C"]]);

  const clock2 = new FakeClock();
  const b = run(clock2, null, { maxAttempts: 10, deadlineMs: 2500 });
  const failed2 = b.p.catch((e) => e);
  await clock2.tick(2500);
  const e2 = await failed2;
  assert(e2 instanceof NoServerAnsweredError);
  assertEquals([e2.attempts, e2.elapsedMs], [3, 2500]);
  assertEquals(b.log[2].dueAt, 2500, "the last attempt stops at the deadline");
});
