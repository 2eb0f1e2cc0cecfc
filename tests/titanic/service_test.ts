// The Titanic service in one process with a real broker, real sockets and
// real files: the TSP statuses, hostile input refused and never stored,
// poison messages parked after a bounded number of attempts, replies never
// seen half-written, services that come late.
//
//   client ──MDP──▶ broker ──MDP──▶ titanic.request/reply/close (workers)
//                     ▲   │
//        dispatcher ──┘   └──▶ echo worker (when there is one)
import { assert, assertEquals } from "../helpers/assert.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { shutdown } from "../../src/transport/socket.ts";
import { TitanicError } from "../../src/errors.ts";
import {
  TitanicService,
  type TitanicServiceOptions,
} from "../../src/patterns/titanic/service.ts";
import { TitanicClient } from "../../src/patterns/titanic/client.ts";
import type { TitanicEvent } from "../../src/patterns/titanic/events.ts";
import { TSP_VECTORS } from "../../src/protocol/tsp/vectors.ts";

/** A vector's frames as bytes (its notation: a string is UTF-8, an array octets). */
const vectorFrames = (frames: readonly (string | readonly number[])[]) =>
  frames.map((f) => typeof f === "string" ? te.encode(f) : new Uint8Array(f));
import {
  mdpCall,
  startBroker,
  startWorker,
  td,
  te,
  until,
} from "./_helpers.ts";

const FAST: TitanicServiceOptions = {
  heartbeatIntervalMs: 100,
  liveness: 10,
  attemptTimeoutMs: 500,
  retryInitialMs: 50,
  retryMaxMs: 200,
  serviceCheckMs: 100,
  logger: silentLogger,
};

async function setup(options: TitanicServiceOptions = {}) {
  const broker = await startBroker();
  const dir = Deno.makeTempDirSync({ prefix: "titanic-svc-" });
  const events: TitanicEvent[] = [];
  const titanic = await TitanicService.connect(broker.endpoint, {
    ...FAST,
    dir,
    onEvent: (e) => events.push(e),
    ...options,
  });
  await titanic.ready;
  const client = await TitanicClient.connect(broker.endpoint, {
    logger: silentLogger,
    pollInitialMs: 10,
    pollMaxMs: 50,
  });
  return {
    broker,
    dir,
    titanic,
    client,
    events,
    async close() {
      await client.close();
      await titanic.close();
      await broker.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

for (const store of ["log", "sqlite"] as const) {
  Deno.test(`Titanic (${store}): 200 + UUID, then 300 until the service answers, 200 + reply, close, 400`, async () => {
    const t = await setup({ store });
    try {
      const uuid = await t.client.request("echo", ["hello", "world"]);
      assert(/^[0-9A-F]{32}$/.test(uuid));
      // No echo worker yet: pending, and it stays so.
      assertEquals(await t.client.reply(uuid), { status: "pending" });
      assertEquals(await mdpCall(t.broker.endpoint, "titanic.reply", [uuid]), [
        "300",
      ]);
      await until(
        () => t.events.some((e) => e.type === "service:absent"),
        "MMI says absent",
      );
      assertEquals(
        t.titanic.stats.dispatch.sent,
        0,
        "nothing sent to a service without workers",
      );
      const w = await startWorker(
        t.broker.endpoint,
        "echo",
        (r) => ["re", ...r],
      );
      const reply = await t.client.waitForReply(uuid, { deadlineMs: 10000 });
      assertEquals(reply.map((f) => td.decode(f)), ["re", "hello", "world"]);
      // Idempotent: the same answer every time, raw frames exactly as 9/TSP.
      for (let i = 0; i < 3; i++) {
        assertEquals(
          await mdpCall(t.broker.endpoint, "titanic.reply", [uuid]),
          ["200", "re", "hello", "world"],
        );
      }
      assertEquals(await mdpCall(t.broker.endpoint, "titanic.close", [uuid]), [
        "200",
      ]);
      assertEquals(await mdpCall(t.broker.endpoint, "titanic.close", [uuid]), [
        "200",
      ]);
      assertEquals(await t.client.reply(uuid), { status: "unknown" });
      assertEquals(await mdpCall(t.broker.endpoint, "titanic.reply", [uuid]), [
        "400",
      ]);
      // Lower-case UUIDs are the same request.
      const u2 = await t.client.request("echo", ["x"]);
      await t.client.waitForReply(u2, { deadlineMs: 10000 });
      assertEquals(
        (await mdpCall(t.broker.endpoint, "titanic.reply", [u2.toLowerCase()]))[
          0
        ],
        "200",
      );
      const s = t.titanic.stats;
      assertEquals(s.requests.stored, 2);
      assertEquals(s.dispatch.replied, 2);
      assertEquals(s.store.pending, 0);
      await w.close();
    } finally {
      await t.close();
    }
  });
}

Deno.test("Titanic: hostile requests get 400 and nothing is stored", async () => {
  const t = await setup({ maxRequestBytes: 1000 });
  try {
    let invalid = 0;
    for (const v of TSP_VECTORS) {
      if (!("error" in v.expect) || v.frames === undefined) continue;
      if (v.reader === "titanic-store") {
        if (v.frames.length === 0) continue; // 7/MDP needs a body frame at all
        const r = await mdpCall(
          t.broker.endpoint,
          "titanic.request",
          vectorFrames(v.frames),
        );
        assertEquals(r[0], "400", v.name);
        assertEquals(r.length, 2, "the status and a reason");
        invalid++;
      } else if (v.reader === "titanic-uuid" && v.frames.length > 0) {
        assertEquals(
          (await mdpCall(
            t.broker.endpoint,
            "titanic.reply",
            vectorFrames(v.frames),
          ))[0],
          "400",
          v.name,
        );
        assertEquals(
          await mdpCall(
            t.broker.endpoint,
            "titanic.close",
            vectorFrames(v.frames),
          ),
          ["400"],
          v.name,
        );
      }
    }
    for (
      const body of [
        ["titanic.request", "x"],
        ["titanic.reply", "x"],
        ["echo", "y".repeat(1001)],
      ]
    ) {
      assertEquals(
        (await mdpCall(t.broker.endpoint, "titanic.request", body))[0],
        "400",
      );
      invalid++;
    }
    // A well-formed but unknown UUID: close is 200 (9/TSP), reply is 400.
    assertEquals(
      await mdpCall(t.broker.endpoint, "titanic.close", ["0".repeat(32)]),
      ["200"],
    );
    assertEquals(
      await mdpCall(t.broker.endpoint, "titanic.reply", ["0".repeat(32)]),
      ["400"],
    );
    const s = t.titanic.stats;
    assertEquals(s.requests.invalid, invalid);
    assertEquals(s.requests.stored, 0);
    assertEquals([s.store.pending, s.store.replied, s.store.parked], [0, 0, 0]);
    assertEquals(s.store.writes, 0, "nothing was written to the store");
    assertEquals(
      [...Deno.readDirSync(t.dir)].map((e) => e.name).filter((n) =>
        !n.endsWith(".log") && n !== "LOCK"
      ),
      [],
      "no file named after a UUID",
    );
  } finally {
    await t.close();
  }
});

Deno.test("Titanic: a poison message is tried maxAttempts times, parked with 500, and the rest flows", async () => {
  const t = await setup({ maxAttempts: 3, attemptTimeoutMs: 300 });
  let poisonRuns = 0;
  // One worker's handler is slow on the poison body (answers after the
  // attempt timed out), the other's throws on it.
  const w = await startWorker(t.broker.endpoint, "echo", async (r) => {
    if (td.decode(r[0]) === "poison") {
      poisonRuns++;
      await new Promise((res) => setTimeout(res, 700));
    }
    return r;
  });
  const w2 = await startWorker(t.broker.endpoint, "echo", (r) => {
    if (td.decode(r[0]) === "poison") {
      poisonRuns++;
      throw new Error("cannot handle this");
    }
    return r;
  });
  try {
    const bad = await t.client.request("echo", ["poison"]);
    const good = await Promise.all(
      Array.from({ length: 5 }, (_, i) => t.client.request("echo", [`ok${i}`])),
    );
    for (const g of good) await t.client.waitForReply(g, { deadlineMs: 10000 });
    const err = await t.client.waitForReply(bad, { deadlineMs: 20000 }).then(
      () => null,
      (e) => e,
    );
    assert(err instanceof TitanicError, String(err));
    assertEquals(err.status, "500");
    assert(err.text.includes("3 attempt"), err.text);
    const r = await mdpCall(t.broker.endpoint, "titanic.reply", [bad]);
    assertEquals(r[0], "500");
    assertEquals(poisonRuns, 3, "exactly maxAttempts executions");
    const s = t.titanic.stats;
    assertEquals(s.dispatch.parked, 1);
    assertEquals(s.store.parked, 1);
    assertEquals(
      t.events.filter((e) => e.type === "dispatch:parked").length,
      1,
    );
    // Still parked (not retried) after more time than the retry window.
    await new Promise((res) => setTimeout(res, 500));
    assertEquals(poisonRuns, 3);
  } finally {
    await w.close().catch(() => {});
    await w2.close().catch(() => {});
    await t.close();
  }
});

Deno.test("Titanic: titanic.reply polled every millisecond never sees a partial reply", async () => {
  const t = await setup({ dispatchConcurrency: 8 });
  const big = (s: string) => s.repeat(16384); // 64 KiB+ replies
  const w = await startWorker(t.broker.endpoint, "big", async (r) => {
    await new Promise((res) => setTimeout(res, 5));
    return [big(td.decode(r[0]))];
  });
  try {
    const ids: string[] = [];
    const want = new Map<string, string>();
    let submitted = false;
    const submitting = (async () => {
      for (let i = 0; i < 40; i++) {
        const u = await t.client.request("big", [`r${i};`]);
        want.set(u, big(`r${i};`));
        ids.push(u);
      }
      submitted = true;
    })();
    const poller = await TitanicClient.connect(t.broker.endpoint, {
      logger: silentLogger,
    });
    let polls = 0, pending = 0;
    const done = new Set<string>();
    while (!submitted || done.size < ids.length) {
      for (const u of [...ids]) {
        if (done.has(u)) continue;
        const r = await poller.reply(u);
        polls++;
        if (r.status === "pending") pending++;
        else {
          assertEquals(r.status, "ready");
          if (r.status === "ready") {
            assertEquals(r.reply.length, 1);
            assertEquals(
              td.decode(r.reply[0]),
              want.get(u),
              "a reply is whole or not there",
            );
          }
          done.add(u);
        }
      }
      await new Promise((res) => setTimeout(res, 1));
    }
    await submitting;
    await poller.close();
    console.log(
      `${polls} polls, ${pending} pending answers, ${ids.length} whole replies`,
    );
    assert(pending > 0, "polls raced the dispatcher");
  } finally {
    await w.close();
    await t.close();
  }
});

Deno.test("Titanic: requests survive a restart of Titanic and are answered then", async () => {
  const broker = await startBroker();
  const dir = Deno.makeTempDirSync({ prefix: "titanic-restart-" });
  try {
    let titanic = await TitanicService.connect(broker.endpoint, {
      ...FAST,
      dir,
    });
    await titanic.ready;
    const client = await TitanicClient.connect(broker.endpoint, {
      logger: silentLogger,
      pollInitialMs: 10,
    });
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.request("late", [`m${i}`])),
    );
    await titanic.close();
    titanic = await TitanicService.connect(broker.endpoint, { ...FAST, dir });
    assertEquals(titanic.stats.store.pending, 20);
    await titanic.ready;
    const w = await startWorker(broker.endpoint, "late", (r) => r);
    for (const [i, u] of ids.entries()) {
      assertEquals(
        td.decode((await client.waitForReply(u, { deadlineMs: 10000 }))[0]),
        `m${i}`,
      );
    }
    await w.close();
    await client.close();
    await titanic.close();
  } finally {
    await broker.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("Titanic: options are checked", async () => {
  const { assertRejects } = await import("../helpers/assert.ts");
  await assertRejects(
    () => TitanicService.connect("tcp://127.0.0.1:1", { bogus: 1 } as never),
    TypeError,
  );
  await assertRejects(
    () => TitanicService.connect("tcp://127.0.0.1:1", { maxAttempts: 0 }),
    RangeError,
  );
  await assertRejects(
    () =>
      TitanicService.connect("tcp://127.0.0.1:1", {
        attemptTimeoutMs: 2 ** 31,
      }),
    RangeError,
  );
  await assertRejects(
    () =>
      TitanicService.connect("tcp://127.0.0.1:1", {
        retryInitialMs: 10,
        retryMaxMs: 5,
      }),
    RangeError,
  );
  await assertRejects(
    () =>
      TitanicService.connect("tcp://127.0.0.1:1", { store: "mongo" as never }),
    TypeError,
  );
  await assertRejects(
    () => TitanicClient.connect("tcp://127.0.0.1:1", { pollMaxMs: Infinity }),
    RangeError,
  );
  const c = await TitanicClient.connect("tcp://127.0.0.1:1", {
    logger: silentLogger,
  });
  await assertRejects(() => c.request("", ["x"]), RangeError);
  await assertRejects(() => c.reply("../../etc/passwd"), RangeError);
  await assertRejects(() => c.waitForReply("nope"), RangeError);
  await c.close();
  await assertRejects(() => c.request("echo", ["x"]), Error);
  assertEquals(te.encode("x").length, 1);
});

Deno.test("Titanic transport teardown", async () => {
  await shutdown();
});
