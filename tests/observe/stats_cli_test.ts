// `deno task stats`: the broker's services and workers as tables from
// mmi.stats, --watch, --format json, and bad flags (exit 2, no stack).
import { assert, assertEquals } from "../helpers/assert.ts";
import { spawnChild } from "../helpers/spawn.ts";
import {
  MajordomoAsyncClient,
  MajordomoBroker,
  MajordomoWorker,
  shutdown,
} from "../../mod.ts";
import { table } from "../../src/cli/stats.ts";

const STATS = new URL("../../src/cli/stats.ts", import.meta.url);
const HB = 200;

Deno.test("deno task stats: tables of services and workers, --format json, --watch", async () => {
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
  });
  const [ep] = broker.endpoints;
  const workers = await Promise.all(
    ["echo", "echo", "resize"].map((s) =>
      MajordomoWorker.connect(ep, s, (r) => r, { heartbeatIntervalMs: HB })
    ),
  );
  await Promise.all(workers.map((w) => w.ready));
  const client = await MajordomoAsyncClient.connect(ep);
  for (let i = 0; i < 5; i++) await client.request("echo", [`${i}`]);
  const waiting = client.request("billing", ["x"], { deadlineMs: 60_000 })
    .catch((e) => e);

  const once = await spawnChild(STATS, {
    args: ["--endpoint", ep],
    waitReady: false,
  });
  assertEquals((await once.exited).code, 0, once.stderrText());
  const out = once.stdoutLines;
  assert(out[0].startsWith(`broker ${ep}`), out[0]);
  assert(out[1].startsWith("workers 3  services 3  queued 1"), out[1]);
  const svc = out.slice(out.indexOf("") + 1);
  assertEquals(svc[0].split(/\s+/), [
    "SERVICE",
    "WORKERS",
    "IDLE",
    "BUSY",
    "QUEUED",
  ]);
  assertEquals(svc[1].split(/\s+/), ["billing", "0", "0", "0", "1"]);
  assertEquals(svc[2].split(/\s+/), ["echo", "2", "2", "0", "0"]);
  assertEquals(svc[3].split(/\s+/), ["resize", "1", "1", "0", "0"]);
  const wk = svc.slice(svc.indexOf("") + 1);
  assertEquals(wk[0].split(/\s{2,}/), [
    "WORKER",
    "SERVICE",
    "STATE",
    "LAST HEARD",
    "BUSY FOR",
  ]);
  assertEquals(wk.length, 4);
  assertEquals(
    wk.slice(1).map((l) => l.split(/\s+/).slice(1, 3)),
    [["echo", "idle"], ["echo", "idle"], ["resize", "idle"]],
  );

  const json = await spawnChild(STATS, {
    args: ["--endpoint", ep, "--format", "json"],
    waitReady: false,
  });
  assertEquals((await json.exited).code, 0);
  const stats = JSON.parse(json.stdoutLines[0]);
  assertEquals(stats.workers, 3);
  assertEquals(stats.workerList.length, 3);
  assertEquals(stats.counters.replies, 5);

  const watch = await spawnChild(STATS, {
    args: ["--endpoint", ep, "--watch", "--interval-ms", "150"],
    waitReady: false,
  });
  await watch.waitForLine((l) => l.startsWith("SERVICE"), 20_000);
  let tables = 0;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    tables = watch.stdoutLines.filter((l) => l.startsWith("SERVICE")).length;
    if (tables >= 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert(tables >= 2, `refreshed: ${tables}`);
  watch.signal("SIGINT");
  assertEquals((await watch.exited).code, 0);

  await client.close();
  assert((await waiting) instanceof Error);
  await Promise.all(workers.map((w) => w.close()));
  await broker.close();
  await shutdown();
});

Deno.test("deno task stats: no broker exits 1 with one line; bad flags exit 2", async () => {
  const none = await spawnChild(STATS, {
    // A port nobody listens on: the kernel refuses at once.
    args: ["--endpoint", "tcp://127.0.0.1:1", "--timeout-ms", "300"],
    waitReady: false,
  });
  assertEquals((await none.exited).code, 1);
  assertEquals(
    none.stderrText().trim(),
    "stats: no answer from tcp://127.0.0.1:1 within 300 ms",
  );
  for (
    const args of [
      ["--bogus"],
      ["--endpoint", "nonsense"],
      ["--interval-ms", "x"],
      ["--timeout-ms", "0"],
      ["--format", "xml"],
      ["extra"],
    ]
  ) {
    const c = await spawnChild(STATS, { args, waitReady: false });
    assertEquals((await c.exited).code, 2, args.join(" "));
    const err = c.stderrText();
    assert(err.startsWith("stats: "), err);
    assert(err.includes("Usage: deno task stats"), err);
    assert(!/^\s+at /m.test(err) && !err.includes("Uncaught"), err);
  }
  const help = await spawnChild(STATS, { args: ["--help"], waitReady: false });
  assertEquals((await help.exited).code, 0);
  assert(help.stdoutLines.some((l) => l.includes("--watch")));
});

Deno.test("stats table: numbers right-aligned, text left", () => {
  assertEquals(
    table(["A", "N"], [["x", 5], ["long", 123]]),
    ["A       N", "x       5", "long  123"],
  );
});
