import assert from "node:assert/strict";
import { FakeClock, MAX_TIMER_MS, realClock } from "../../src/_util/clock.ts";

Deno.test("FakeClock runs timers in due order, each at its own time", () => {
  const clock = new FakeClock(100);
  const seen: string[] = [];
  clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => seen.push(`a2@${clock.now()}`), 10);
  clock.advance(15);
  assert.deepEqual(seen, ["a@110", "a2@110"]);
  assert.equal(clock.now(), 115);
  clock.advance(100);
  assert.deepEqual(seen, ["a@110", "a2@110", "b@120"]);
  assert.equal(clock.pending, 0);
});

Deno.test("FakeClock runs timers armed by timers within the same advance", () => {
  const clock = new FakeClock();
  const at: number[] = [];
  const again = () => {
    at.push(clock.now());
    if (at.length < 5) clock.setTimeout(again, 100);
  };
  clock.setTimeout(again, 100);
  clock.advance(1000);
  assert.deepEqual(at, [100, 200, 300, 400, 500]);
});

Deno.test("FakeClock: cancelled, Infinity and negative delays", () => {
  const clock = new FakeClock();
  let n = 0;
  const t = clock.setTimeout(() => n += 100, 5);
  clock.clearTimeout(t);
  clock.setTimeout(() => n += 10, Infinity);
  clock.setTimeout(() => n += 1, -5);
  clock.setTimeout(() => n += 1, NaN);
  assert.equal(clock.nextAt, 0);
  clock.advance(0);
  assert.equal(n, 2);
  clock.advance(1e12);
  assert.equal(n, 2);
  assert.equal(clock.pending, 0);
  assert.throws(() => clock.advance(-1), RangeError);
});

Deno.test("FakeClock.tick lets async code react between timers", async () => {
  const clock = new FakeClock();
  const log: number[] = [];
  const loop = (async () => {
    for (let i = 0; i < 3; i++) {
      await clock.sleep(1000);
      log.push(clock.now());
    }
  })();
  await clock.tick(3000);
  await loop;
  assert.deepEqual(log, [1000, 2000, 3000]);
});

Deno.test("Clock.sleep rejects with the signal's reason", async () => {
  const clock = new FakeClock();
  const ac = new AbortController();
  const p = clock.sleep(1000, ac.signal);
  ac.abort(new Error("stop"));
  await assert.rejects(p, /stop/);
  assert.equal(clock.pending, 0);
  await assert.rejects(clock.sleep(1, ac.signal), /stop/);
  await assert.rejects(realClock.sleep(1, ac.signal), /stop/);
});

Deno.test("realClock: delays past the timer limit and Infinity never fire early", async () => {
  let fired = 0;
  const a = realClock.setTimeout(() => fired++, MAX_TIMER_MS + 1);
  const b = realClock.setTimeout(() => fired++, 2 ** 40);
  const c = realClock.setTimeout(() => fired++, Infinity);
  const d = realClock.setTimeout(() => fired += 100, 1);
  await realClock.sleep(30);
  assert.equal(fired, 100);
  assert.ok(a.at > realClock.now() + 2 ** 30);
  realClock.clearTimeout(a);
  realClock.clearTimeout(b);
  realClock.clearTimeout(c);
  realClock.clearTimeout(d);
});
