/**
 * Every Pirate and dynamic-worker class checks its options the one way:
 * unknown keys refused (naming the known ones), times finite and within
 * timer range (2^31 ms refused; `Infinity` only where documented as
 * "never"), counts and caps in range, endpoints and handlers typed. And
 * each takes its time from the `clock` option.
 */
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import {
  DealerSocket,
  DynamicWorkerServer,
  ParanoidPirateQueue,
  ParanoidPirateWorker,
  RouterSocket,
  shutdown,
  silentLogger,
  SimplePirateQueue,
  SimplePirateWorker,
} from "../../mod.ts";
import { LOCAL, until } from "./_helpers.ts";

const NOWHERE = "tcp://127.0.0.1:9";

/** The error `fn` rejects with, checked to be a `type`. */
async function rejection<E extends Error>(
  fn: () => Promise<unknown>,
  type: new (...a: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    assert(e instanceof type, String(e));
    return e;
  }
  throw new Error("expected a rejection");
}
const echo = (r: Uint8Array[]) => r;

type Make = (o: Record<string, unknown>) => Promise<{ close(): Promise<void> }>;

const CLASSES: {
  name: string;
  make: Make;
  times: string[];
  infinite: string[];
}[] = [
  {
    name: "SimplePirateQueue",
    make: (o) => SimplePirateQueue.bind(LOCAL, LOCAL, o as never),
    times: [],
    infinite: [],
  },
  {
    name: "ParanoidPirateQueue",
    make: (o) => ParanoidPirateQueue.bind(LOCAL, LOCAL, o as never),
    times: ["heartbeatIntervalMs", "maxBusyMs"],
    infinite: ["maxBusyMs"],
  },
  {
    name: "SimplePirateWorker",
    make: (o) => SimplePirateWorker.connect(NOWHERE, echo, o as never),
    times: [],
    infinite: [],
  },
  {
    name: "ParanoidPirateWorker",
    make: (o) => ParanoidPirateWorker.connect(NOWHERE, echo, o as never),
    times: ["heartbeatIntervalMs", "reconnectInitialMs", "reconnectMaxMs"],
    infinite: [],
  },
  {
    name: "DynamicWorkerServer",
    make: (o) =>
      DynamicWorkerServer.bind(LOCAL, LOCAL, { worker: echo, ...o } as never),
    times: ["jobTimeoutMs"],
    infinite: ["jobTimeoutMs"],
  },
];

for (const c of CLASSES) {
  Deno.test(`${c.name}: unknown option keys, bad times, counts and caps are refused`, async () => {
    const err = await rejection(
      () => c.make({ timeout: 5, logger: silentLogger }),
      TypeError,
    );
    assert(err.message.includes('unknown option "timeout"'), err.message);
    assert(err.message.includes("known options:"), err.message);
    await assertRejects(() => c.make({ logger: 42 }), TypeError);
    await assertRejects(() => c.make({ onEvent: "x" }), TypeError);
    await assertRejects(() => c.make({ socketOptions: [] }), TypeError);
    await assertRejects(() => c.make({ maxFrameBytes: 0 }), RangeError);
    await assertRejects(() => c.make({ maxFrameBytes: 1.5 }), RangeError);
    await assertRejects(
      () => c.make({ maxFrameBytes: 10, maxMessageBytes: 5 }),
      RangeError,
    );
    for (const t of c.times) {
      for (const bad of [2 ** 31, -1, NaN]) {
        await assertRejects(() => c.make({ [t]: bad }), RangeError, t);
      }
      await assertRejects(() => c.make({ [t]: "1000" }), TypeError, t);
      if (!c.infinite.includes(t)) {
        await assertRejects(() => c.make({ [t]: Infinity }), RangeError, t);
      }
    }
    // The largest timer and, where documented, Infinity ("never") are taken.
    for (const t of c.times) {
      const big = t === "reconnectInitialMs"
        ? { reconnectInitialMs: 2 ** 31 - 1, reconnectMaxMs: 2 ** 31 - 1 }
        : { [t]: 2 ** 31 - 1 };
      await (await c.make({ ...big, logger: silentLogger })).close();
      if (c.infinite.includes(t)) {
        await (await c.make({ [t]: Infinity, logger: silentLogger })).close();
      }
    }
  });
}

Deno.test("Pirate classes refuse malformed endpoints and handlers, naming the method and argument", async () => {
  const e1 = await rejection(
    () => ParanoidPirateQueue.bind("nope", LOCAL),
    TypeError,
  );
  assert(e1.message.startsWith("ParanoidPirateQueue.bind(): frontend"));
  await assertRejects(
    () => SimplePirateQueue.bind(LOCAL, 5 as never),
    TypeError,
  );
  const e2 = await rejection(
    () => ParanoidPirateWorker.connect(NOWHERE, "x" as never),
    TypeError,
  );
  assert(e2.message.includes("handler must be a function"), e2.message);
  await assertRejects(
    () => SimplePirateWorker.connect(NOWHERE, echo, { identity: "" }),
    TypeError,
  );
  await assertRejects(
    () =>
      ParanoidPirateWorker.connect(NOWHERE, echo, {
        reconnectInitialMs: 5000,
        reconnectMaxMs: 1000,
      }),
    RangeError,
  );
  await assertRejects(
    () => ParanoidPirateQueue.bind(LOCAL, LOCAL, { liveness: 0 }),
    RangeError,
  );
});

/*
 *  worker (FakeClock) ── READY ─► ROUTER (this test)
 *  nothing more until the fake clock moves; then one HEARTBEAT per interval
 */
Deno.test("ParanoidPirateWorker takes its time from the clock option", async () => {
  const router = new RouterSocket();
  const endpoint = router.bind(LOCAL);
  const clock = new FakeClock();
  const w = await ParanoidPirateWorker.connect(endpoint, echo, {
    clock,
    heartbeatIntervalMs: 1000,
    logger: silentLogger,
  });
  await w.ready;
  const first = await router.receive({ timeoutMs: 10000 });
  assertEquals([...first[1]], [1]); // READY
  assertEquals(router.tryReceive(), null);
  clock.advance(1000); // a heartbeat is due on the fake clock only
  const beat = await router.receive({ timeoutMs: 10000 });
  assertEquals([...beat[1]], [2]);
  await router.send([beat[0], new Uint8Array([2])]); // the queue answers
  clock.advance(999);
  assertEquals(router.tryReceive(), null);
  assertEquals(w.state, "ready");
  await w.close();
  router.close();
});

/*
 *  DEALER "worker" ── READY ─► queue (FakeClock)
 *  heartbeats only when the fake clock moves; expiry after 3 intervals
 */
Deno.test("ParanoidPirateQueue takes its time from the clock option", async () => {
  const clock = new FakeClock();
  const queue = await ParanoidPirateQueue.bind(LOCAL, LOCAL, {
    clock,
    logger: silentLogger,
  });
  const d = new DealerSocket({ routingId: "W" });
  d.connect(queue.backendEndpoint);
  await d.send([new Uint8Array([1])]);
  await until(() => queue.stats.idleWorkers === 1, 10000, "READY arrived");
  clock.advance(1000);
  assertEquals([...(await d.receive({ timeoutMs: 10000 }))[0]], [2]);
  clock.advance(2000); // 3 intervals of silence on the fake clock
  assertEquals(queue.stats.idleWorkers, 0);
  assertEquals(queue.stats.expired, 1);
  d.close();
  await queue.close();
});

Deno.test("teardown", async () => {
  await shutdown();
});
