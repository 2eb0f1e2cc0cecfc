// TitanicClient's wait under a fake clock: the polling schedule, the
// deadline, and how 400 and 500 end the wait.
import { assert, assertEquals } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import { TimeoutError, TitanicError } from "../../src/errors.ts";
import { pollForReply } from "../../src/patterns/titanic/_wait.ts";
import type { TitanicReply } from "../../src/patterns/titanic/client.ts";

const U = "0123456789ABCDEF0123456789ABCDEF";

function scripted(clock: FakeClock, answers: TitanicReply[]) {
  const at: number[] = [];
  let i = 0;
  const fetch = () => {
    at.push(clock.now());
    return Promise.resolve(answers[Math.min(i++, answers.length - 1)]);
  };
  return { at, fetch };
}

async function run<T>(clock: FakeClock, p: Promise<T>, ms: number): Promise<T> {
  let settled = false;
  p.then(() => settled = true, () => settled = true);
  for (let t = 0; t < ms && !settled; t += 50) await clock.tick(50);
  return p;
}

Deno.test("waitForReply polls at 100, 200, 400 ... ms up to pollMaxMs, and returns the reply", async () => {
  const clock = new FakeClock();
  const pending: TitanicReply = { status: "pending" };
  const s = scripted(clock, [
    ...Array(7).fill(pending),
    { status: "ready", reply: [new Uint8Array([7])] },
  ]);
  const reply = await run(
    clock,
    pollForReply(
      s.fetch,
      clock,
      { pollInitialMs: 100, pollMaxMs: 1000 },
      Infinity,
      U,
    ),
    20000,
  );
  assertEquals(reply, [new Uint8Array([7])]);
  const gaps = s.at.slice(1).map((t, i) => t - s.at[i]);
  assertEquals(gaps, [100, 200, 400, 800, 1000, 1000, 1000]);
});

Deno.test("waitForReply gives up at its deadline with one last look, as TimeoutError", async () => {
  const clock = new FakeClock();
  const s = scripted(clock, [{ status: "pending" }]);
  const err = await run(
    clock,
    pollForReply(
      s.fetch,
      clock,
      { pollInitialMs: 100, pollMaxMs: 100 },
      1000,
      U,
    )
      .then(() => null, (e) => e),
    5000,
  );
  assert(err instanceof TimeoutError);
  assertEquals(s.at[s.at.length - 1], 1000, "the last poll is at the deadline");
  assertEquals(s.at.length, 11);
});

Deno.test("waitForReply ends at once on 400 and on 500", async () => {
  for (
    const [answer, status] of [
      [{ status: "unknown" }, "400"],
      [{ status: "error", text: "no reply after 5 attempts" }, "500"],
    ] as const
  ) {
    const clock = new FakeClock();
    const s = scripted(clock, [{ status: "pending" }, answer]);
    const err = await run(
      clock,
      pollForReply(
        s.fetch,
        clock,
        { pollInitialMs: 100, pollMaxMs: 100 },
        Infinity,
        U,
      )
        .then(() => null, (e) => e),
      1000,
    );
    assert(err instanceof TitanicError);
    assertEquals(err.status, status);
    assertEquals(s.at, [0, 100]);
  }
});

Deno.test("waitForReply is cancelled by its signal", async () => {
  const clock = new FakeClock();
  const s = scripted(clock, [{ status: "pending" }]);
  const ac = new AbortController();
  const p = pollForReply(
    s.fetch,
    clock,
    { pollInitialMs: 100, pollMaxMs: 100 },
    Infinity,
    U,
    ac.signal,
  )
    .then(() => null, (e) => e);
  await clock.tick(250);
  ac.abort(new Error("stop"));
  const err = await p;
  assertEquals((err as Error).message, "stop");
  assertEquals(s.at.length, 3);
});
