// The deadline heap (src/patterns/_kit/deadlines.ts) under a FakeClock: one
// platform timer for many deadlines, re-armed only when the earliest
// deadline moves earlier, never held by an empty set.
import { assert, assertEquals } from "../helpers/assert.ts";
import { FakeClock, type Timer } from "../../src/_util/clock.ts";
import { Deadlines } from "../../src/patterns/_kit/deadlines.ts";

/** A FakeClock that counts the timers armed on it. */
class CountingClock extends FakeClock {
  armed = 0;
  override setTimeout(fn: () => void, ms: number): Timer {
    this.armed++;
    return super.setTimeout(fn, ms);
  }
}

Deno.test("Deadlines: a steady stream of requests answered in order arms one timer per timeout period, not one per request", () => {
  const clock = new CountingClock();
  const fired: number[] = [];
  const d = new Deadlines<number>(clock, (n) => fired.push(n));
  const window: ReturnType<typeof d.add>[] = [];
  // 1,000 in flight, each due 5 s after it was sent; one answered (the
  // oldest) and one sent every ms, for 60 s: 60,000 requests.
  for (let i = 0; i < 1000; i++) window.push(d.add(clock.now() + 5000, i));
  for (let i = 1000; i < 61_000; i++) {
    clock.advance(1);
    assert(d.remove(window.shift()!));
    window.push(d.add(clock.now() + 5000, i));
  }
  assertEquals(fired.length, 0, "nothing was due");
  assertEquals(d.size, 1000);
  assertEquals(clock.pending, 1, "one platform timer");
  // One arm at the start, then one each time the timer fired early (the
  // earliest entry had moved later): about one per 5 s period (15 here),
  // where re-arming on every change of the earliest made 60,000.
  assert(clock.armed <= 20, `${clock.armed} timers armed`);
});

Deno.test("Deadlines: the earliest moving earlier re-arms at once and fires on time", () => {
  const clock = new CountingClock();
  const fired: [string, number][] = [];
  const d = new Deadlines<string>(clock, (s) => fired.push([s, clock.now()]));
  d.add(1000, "late");
  const e = d.add(900, "moved");
  assertEquals(clock.armed, 2, "900 is earlier than 1000: re-armed");
  d.move(e, 100);
  assertEquals(clock.nextAt, 100);
  d.add(50, "new earliest");
  assertEquals(clock.nextAt, 50);
  assertEquals(clock.pending, 1);
  clock.advance(1000);
  assertEquals(fired, [["new earliest", 50], ["moved", 100], ["late", 1000]]);
  assertEquals(clock.pending, 0);
});

Deno.test("Deadlines: the earliest moving later keeps the timer; it fires early, nothing runs before its time, then once", () => {
  const clock = new CountingClock();
  const fired: [string, number][] = [];
  const d = new Deadlines<string>(clock, (s) => fired.push([s, clock.now()]));
  const a = d.add(100, "a");
  d.add(500, "b");
  assertEquals(clock.armed, 1);
  d.move(a, 300);
  assertEquals(clock.armed, 1, "not re-armed when the earliest moves later");
  clock.advance(100); // the early wake: nothing due, armed again for 300
  assertEquals(fired, []);
  assertEquals(clock.nextAt, 300);
  clock.advance(1000);
  assertEquals(fired, [["a", 300], ["b", 500]]);
  assertEquals(clock.armed, 3);
  assertEquals(clock.pending, 0);
});

Deno.test("Deadlines: cancelling every entry leaves no timer; cancelled entries never fire", () => {
  const clock = new CountingClock();
  const d = new Deadlines<number>(clock, () => assert(false, "cancelled"));
  const all = Array.from({ length: 5000 }, (_, i) => d.add(1000 + i, i));
  for (const e of all.reverse()) assert(d.remove(e));
  assertEquals(d.size, 0);
  assertEquals(clock.pending, 0, "an empty set holds no timer");
  assert(!d.remove(all[0]), "removing twice is a no-op");
  clock.advance(10_000);
  // Infinity is kept but arms nothing.
  d.add(Infinity, -1);
  assertEquals(clock.pending, 0);
});

Deno.test("Deadlines: equal deadlines all fire at that time, each once, from one timer", () => {
  const clock = new CountingClock();
  const fired: number[] = [];
  const d = new Deadlines<number>(clock, (n) => {
    assertEquals(clock.now(), 700);
    fired.push(n);
  });
  for (let i = 0; i < 100; i++) d.add(700, i);
  assertEquals(clock.armed, 1);
  clock.advance(699);
  assertEquals(fired.length, 0);
  clock.advance(1);
  assertEquals(
    fired.sort((x, y) => x - y),
    Array.from({ length: 100 }, (_, i) => i),
  );
  clock.advance(10_000);
  assertEquals(fired.length, 100);
  assertEquals(clock.pending, 0);
});

Deno.test("Deadlines: an entry put back from onDue (a retry) fires again at its new time", () => {
  const clock = new FakeClock();
  const times: number[] = [];
  const held: { e?: ReturnType<Deadlines<string>["add"]> } = {};
  const d = new Deadlines<string>(clock, () => {
    times.push(clock.now());
    if (times.length < 3) d.move(held.e!, clock.now() + 250);
  });
  held.e = d.add(250, "attempt");
  clock.advance(2000);
  assertEquals(times, [250, 500, 750]);
  assertEquals(clock.pending, 0);
});

Deno.test("lazy: entries added and removed one at a time, each due later, arm one timer; an early firing re-arms for the next", () => {
  const clock = new FakeClock();
  let armed = 0;
  const setTimeout = clock.setTimeout.bind(clock);
  clock.setTimeout = (fn, ms) => {
    armed++;
    return setTimeout(fn, ms);
  };
  const due: number[] = [];
  const d = new Deadlines<number>(clock, (n) => due.push(n), { lazy: true });
  for (let i = 0; i < 100; i++) {
    const e = d.add(clock.now() + 1000, i);
    clock.advance(1);
    d.remove(e);
  }
  assertEquals(armed, 1);
  d.add(clock.now() + 1000, 100);
  clock.advance(999);
  assertEquals(due, []);
  clock.advance(1);
  assertEquals(due, [100]);
  assertEquals(d.size, 0);
  d.add(clock.now() + 10, 101);
  clock.advance(10);
  assertEquals(due, [100, 101]);
});
