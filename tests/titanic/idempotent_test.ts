// IdempotentCache under a fake clock: each key runs once per window, a
// retry while the first run is going shares its reply, failures are not
// remembered, memory stays within its bounds.
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import {
  IdempotentCache,
  requestKey,
} from "../../src/patterns/titanic/idempotent.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const req = (key: string, body = "x") => [te.encode(key), te.encode(body)];

Deno.test("idempotent: a retried request is answered from the cache, not run again", async () => {
  const clock = new FakeClock();
  const cache = new IdempotentCache({ clock, windowMs: 1000 });
  let runs = 0;
  const h = cache.wrap((r) => [`run${++runs}`, r[1]]);
  const first = await h(req("c1:1"));
  for (let i = 0; i < 5; i++) {
    const again = await h(req("c1:1"));
    assertEquals(
      again.map((f) => td.decode(f)),
      first.map((f) => td.decode(f)),
    );
  }
  await h(req("c1:2"));
  await h(req("c2:1"));
  assertEquals(runs, 3);
  assertEquals(cache.stats.hits, 5);
  assertEquals(cache.stats.entries, 3);
  // After the window, a retry runs again.
  clock.advance(1000);
  await h(req("c1:1"));
  assertEquals(runs, 4);
  assertEquals(cache.stats.expired, 3);
});

Deno.test("idempotent: concurrent retries share the running call", async () => {
  const clock = new FakeClock();
  const cache = new IdempotentCache({ clock });
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const h = cache.wrap(async () => {
    runs++;
    await gate;
    return ["done"];
  });
  const all = Promise.all([h(req("k")), h(req("k")), h(req("k"))]);
  release();
  const replies = await all;
  assertEquals(runs, 1);
  assertEquals(cache.stats.joined, 2);
  assertEquals(replies.map((r) => td.decode(r[0])), ["done", "done", "done"]);
});

Deno.test("idempotent: a failure is not remembered; no key means no caching", async () => {
  const cache = new IdempotentCache({ clock: new FakeClock() });
  let runs = 0;
  const h = cache.wrap(() => {
    if (++runs === 1) throw new Error("transient");
    return ["ok"];
  });
  await h(req("k")).then(
    () => assert(false),
    (e) => assertEquals(e.message, "transient"),
  );
  assertEquals(td.decode((await h(req("k")))[0]), "ok");
  assertEquals(runs, 2);
  const nokey = new IdempotentCache({ key: () => null });
  let n = 0;
  const h2 = nokey.wrap(() => [`${++n}`]);
  await h2(req("k"));
  await h2(req("k"));
  assertEquals(n, 2);
});

Deno.test("idempotent: memory stays within maxEntries and maxBytes, oldest first", async () => {
  const clock = new FakeClock();
  const cache = new IdempotentCache({
    clock,
    maxEntries: 100,
    maxBytes: 100_000,
  });
  let runs = 0;
  const h = cache.wrap((r) => [new Uint8Array(2000), r[0]]);
  for (let i = 0; i < 1000; i++) {
    runs++;
    await h(req(`k${i}`));
    const s = cache.stats;
    assert(s.entries <= 100 && s.bytes <= 100_000, JSON.stringify(s));
  }
  const s = cache.stats;
  assert(s.entries >= 40, `entries ${s.entries}`);
  assertEquals(s.evicted, 1000 - s.entries);
  // The newest are kept, the oldest went.
  const before = cache.stats.runs;
  await h(req("k999"));
  await h(req("k0"));
  assertEquals(cache.stats.runs - before, 1);
  // A reply larger than the whole cache is not kept.
  const huge = new IdempotentCache({ maxBytes: 1000 });
  const hh = huge.wrap(() => [new Uint8Array(5000)]);
  await hh(req("a"));
  assertEquals(huge.stats.entries, 0);
  assertEquals(runs, 1000);
});

Deno.test("idempotent: keys and options are checked", () => {
  assertEquals(requestKey("client", 3), "client:3");
  assertThrows(() => requestKey("", 1), TypeError);
  assertThrows(() => requestKey("c", -1), TypeError);
  assertThrows(() => new IdempotentCache({ windowMs: 0 }), RangeError);
  assertThrows(() => new IdempotentCache({ maxEntries: 0 }), RangeError);
  assertThrows(() => new IdempotentCache({ nope: 1 } as never), TypeError);
  assertThrows(() => new IdempotentCache().wrap(1 as never), TypeError);
});
