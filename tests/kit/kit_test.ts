import assert from "node:assert/strict";
import { FakeClock } from "../../src/_util/clock.ts";
import { RateLimitedLog } from "../../src/_util/rate_limit.ts";
import type { Logger } from "../../src/_util/logger.ts";
import { EventHub } from "../../src/patterns/_kit/events.ts";
import { type Machine, step, toMermaid } from "../../src/patterns/_kit/fsm.ts";
import {
  backoffMs,
  isExpired,
  PeerLiveness,
  RunningClock,
} from "../../src/patterns/_kit/liveness.ts";
import { Deadlines } from "../../src/patterns/_kit/deadlines.ts";

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (m: string) => lines.push(m);
  return { log: { debug: push, info: push, warn: push, error: push }, lines };
}

Deno.test("RateLimitedLog: a flood becomes burst lines plus one summary per interval", () => {
  const { log, lines } = capture();
  const clock = new FakeClock();
  const rl = new RateLimitedLog(log, clock, { intervalMs: 1000, burst: 3 });
  for (let i = 0; i < 100_000; i++) {
    rl.warn("junk", "junk dropped", { i });
    if (i % 1000 === 999) clock.advance(100);
  }
  // 10 s of flood: 3 lines + 1 summary per 1 s window.
  assert.ok(lines.length <= 10 * 4 + 4, `${lines.length} lines`);
  rl.flush();
  const summaries = lines.filter((l) => /suppressed/.test(l));
  assert.ok(summaries.length >= 9);
  assert.equal(rl.suppressed + lines.length - summaries.length, 100_000);
});

Deno.test("RateLimitedLog: keys are bounded", () => {
  const { log, lines } = capture();
  const rl = new RateLimitedLog(log, new FakeClock(), { burst: 1, maxKeys: 4 });
  for (let i = 0; i < 1000; i++) rl.warn(`k${i}`, "x");
  assert.equal(lines.length, 5); // 4 keys, then one shared by the rest
});

Deno.test("EventHub: listeners, unsubscribe, a throwing listener reported once", () => {
  const { log, lines } = capture();
  type E = { type: "a:b"; n: number };
  const got: number[] = [];
  const hub = new EventHub<E>(log, (e) => got.push(e.n));
  const off = hub.on(() => {
    throw new Error("boom");
  });
  hub.emit({ type: "a:b", n: 1 });
  hub.emit({ type: "a:b", n: 2 });
  off();
  hub.emit({ type: "a:b", n: 3 });
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(lines.length, 1);
  assert.ok(hub.active);
  assert.equal(new EventHub<E>(log).active, false);
});

Deno.test("fsm: step reads the table, then the fallback; every pair is defined or refused", () => {
  type S = "idle" | "busy";
  type E = "req" | "rep" | "hb";
  type A = "dispatch" | "forward" | "touch";
  const m: Machine<S, E, A> = {
    states: ["idle", "busy"],
    events: ["req", "rep", "hb"],
    table: {
      idle: { req: { next: "busy", actions: ["dispatch"] } },
      busy: { rep: { next: "idle", actions: ["forward"] } },
    },
    fallback: { hb: { next: "idle", actions: ["touch"] } },
  };
  assert.equal(step(m, "idle", "req")?.next, "busy");
  assert.equal(step(m, "busy", "hb")?.actions[0], "touch");
  assert.equal(step(m, "idle", "rep"), undefined);
  const text = toMermaid(m, ["idle"]);
  assert.match(text, /\[\*\] --> idle/);
  assert.match(text, /busy --> idle: rep \/ forward/);
});

Deno.test("liveness: expiry at exactly liveness intervals; backoff doubles, caps, jitters", () => {
  const p = { heartbeatIntervalMs: 100, liveness: 3 };
  assert.equal(isExpired(0, 299, p), false);
  assert.equal(isExpired(0, 300, p), true);
  const peer = new PeerLiveness(p, 0);
  peer.sent(50);
  assert.equal(peer.heartbeatDue(149), false);
  assert.equal(peer.heartbeatDue(150), true);
  assert.equal(peer.nextCheckAt(), 150);
  const b = { reconnectInitialMs: 10, reconnectMaxMs: 100, jitter: 0.5 };
  assert.deepEqual([1, 2, 3, 4, 5, 1e6].map((n) => backoffMs(n, b, 0)), [
    10,
    20,
    40,
    80,
    100,
    100,
  ]);
  assert.equal(backoffMs(5, b, 0.999999), 100 - 100 * 0.5 * 0.999999);
  for (let i = 0; i < 1000; i++) {
    const d = backoffMs(3, b);
    assert.ok(d > 20 && d <= 40);
  }
});

Deno.test("Deadlines: random adds, moves and removes fire in order, each once", () => {
  const clock = new FakeClock();
  const fired: number[] = [];
  const d = new Deadlines<number>(clock, (n) => fired.push(n));
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const entries = [];
  const expected = new Map<number, number>();
  for (let i = 0; i < 2000; i++) {
    const at = Math.floor(rnd() * 10_000);
    entries.push(d.add(at, i));
    expected.set(i, at);
  }
  for (let i = 0; i < 500; i++) {
    const k = Math.floor(rnd() * entries.length);
    if (rnd() < 0.5) {
      if (d.remove(entries[k])) expected.delete(entries[k].item);
    } else if (expected.has(entries[k].item)) {
      const at = Math.floor(rnd() * 10_000);
      d.move(entries[k], at);
      expected.set(entries[k].item, at);
    }
  }
  let last = -1;
  const order: number[] = [];
  const d2 = new Deadlines<number>(clock, () => {});
  d2.close();
  for (let t = 0; t <= 10_000; t += 250) {
    clock.advance(250);
    for (const n of fired.splice(0)) {
      const at = expected.get(n)!;
      assert.ok(at <= clock.now() && at >= last - 250);
      last = Math.max(last, at);
      order.push(n);
    }
  }
  assert.equal(order.length, expected.size);
  assert.equal(new Set(order).size, order.length);
  assert.equal(d.size, 0);
  assert.equal(clock.pending, 0);
});

Deno.test("Deadlines: one platform timer for many entries; close drops them", () => {
  const clock = new FakeClock();
  const d = new Deadlines<number>(clock, () => assert.fail("closed"));
  for (let i = 0; i < 10_000; i++) d.add(1000 + i, i);
  assert.equal(clock.pending, 1);
  d.add(Infinity, -1);
  d.close();
  clock.advance(1e9);
  assert.equal(d.size, 0);
});

Deno.test("RunningClock: follows real time, a long gap counts one step", () => {
  const t = new RunningClock(100);
  assert.equal(t.advance(1000), 1000);
  assert.equal(t.advance(1040), 1040);
  assert.equal(t.advance(1140), 1140); // exactly one step: counted whole
  assert.equal(t.advance(61_140), 1240); // a 60 s pause: one step
  assert.equal(t.lastGap, 60_000);
  assert.equal(t.advance(61_100), 1240); // time going back changes nothing
  assert.equal(t.lastGap, 0);
  let dead = 1240;
  for (let i = 1; i <= 3; i++) dead = t.advance(61_140 + i * 100);
  assert.equal(dead, 1540); // a dead peer's silence still accumulates
});
