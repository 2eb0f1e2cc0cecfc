// Reliability scenarios with real child processes: the broker (CLI), echo
// workers (example) and pools of workers/clients (fixtures) are separate
// processes; chaos is SIGKILL, SIGSTOP/SIGCONT and a broker restart.
import { MajordomoAsyncClient, MajordomoClient, shutdown } from "../../mod.ts";
import { spawnChild } from "../helpers/spawn.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  brokerStats,
  HB,
  spawnBroker,
  spawnWorker,
  td,
  until,
} from "./_helpers.ts";

const POOL = new URL("./fixtures/worker_pool.ts", import.meta.url);
const CLIENTS = new URL("./fixtures/client_pool.ts", import.meta.url);

async function waitWorkers(ep: string, service: string, n: number) {
  await until(
    async () => {
      const s = (await brokerStats(ep)).services.find((x) =>
        x.name === service
      );
      return (s?.workers ?? 0) === n;
    },
    20000,
    `${n} ${service} workers`,
  );
}

Deno.test("worker SIGKILL mid-request: the sync client gets its reply from another worker", async () => {
  //  C ──req──► B ──► A (busy 3 s) ✗ SIGKILL
  //  C (timeout, new socket) ──req──► B ──► W2 ──reply──► C
  await using broker = await spawnBroker();
  const ep = broker.endpoint;
  await using a = await spawnWorker(ep, ["--tag", "A", "--delay-ms", "3000"]);
  await waitWorkers(ep, "echo", 1);
  await using _b = await spawnWorker(ep, ["--tag", "B"]);
  await waitWorkers(ep, "echo", 2);
  const client = new MajordomoClient(ep, { timeoutMs: 1000, attempts: 3 });
  const reply = client.request("echo", ["x"]);
  // A (longest waiting) takes it: one worker left waiting.
  await until(
    async () => (await brokerStats(ep)).services[0].waiting === 1,
    10000,
    "A busy",
  );
  await a.kill();
  const r = await reply;
  assertEquals(r.map((f) => td.decode(f)), ["x", "B"]);
  // A is gone from the broker too (heartbeat to it fails / it expires).
  await waitWorkers(ep, "echo", 1);
  client.close();
});

Deno.test("worker SIGSTOP: purged after liveness, requests go elsewhere, re-registers after SIGCONT", async () => {
  await using broker = await spawnBroker();
  const ep = broker.endpoint;
  await using a = await spawnWorker(ep, ["--tag", "A"]);
  await waitWorkers(ep, "echo", 1);
  await using _b = await spawnWorker(ep, ["--tag", "B"]);
  await waitWorkers(ep, "echo", 2);
  a.pause();
  const stoppedAt = performance.now();
  const client = new MajordomoClient(ep, { timeoutMs: 600, attempts: 5 });
  const tags: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await client.request("echo", [`${i}`]);
    assertEquals(td.decode(r[0]), `${i}`);
    tags.push(td.decode(r[1]));
  }
  assert(tags.every((t) => t === "B"), `replies: ${tags.join(",")}`);
  await waitWorkers(ep, "echo", 1);
  assert(
    performance.now() - stoppedAt >= 2 * HB,
    "purged before liveness ran out",
  );
  a.resume();
  // Its heartbeat reaches a broker that forgot it: DISCONNECT, then READY.
  await waitWorkers(ep, "echo", 2);
  client.close();
});

Deno.test("broker SIGKILL and restart: workers re-register, the async client resends, every request answered exactly once", async () => {
  let broker = await spawnBroker();
  const ep = broker.endpoint;
  await using _w1 = await spawnWorker(ep, [
    "--delay-ms",
    "5",
    "--liveness",
    "3",
  ]);
  await using _w2 = await spawnWorker(ep, [
    "--delay-ms",
    "5",
    "--liveness",
    "3",
  ]);
  await waitWorkers(ep, "echo", 2);
  const client = new MajordomoAsyncClient(ep, {
    timeoutMs: 500,
    deadlineMs: 60000,
  });
  const N = 300;
  try {
    // Two rounds: the second starts after the client went idle, so the
    // failover watchdog must re-arm itself.
    for (let round = 1; round <= 2; round++) {
      let answered = 0;
      const resentBefore = client.stats.resent;
      const calls = Array.from(
        { length: N },
        (_, i) =>
          client.request("echo", [`r${round}-${i}`]).then((r) => {
            answered++;
            return td.decode(r[0]);
          }),
      );
      await until(() => answered >= 20, 20000, "first replies");
      await broker.kill();
      const killedWith = N - answered;
      broker = await spawnBroker([], ep);
      const replies = await Promise.all(calls);
      replies.forEach((r, i) => assertEquals(r, `r${round}-${i}`));
      assertEquals(answered, N);
      assert(
        killedWith > 0 && client.stats.resent > resentBefore,
        JSON.stringify(client.stats),
      );
      await waitWorkers(ep, "echo", 2);
    }
    assertEquals(client.stats.replies, 2 * N);
  } finally {
    await client.close();
    await broker.kill();
  }
});

Deno.test("100 workers × 100 clients through one broker", async () => {
  await using broker = await spawnBroker(["--heartbeat-ms", "1000"]);
  const ep = broker.endpoint;
  await using _p1 = await spawnChild(POOL, {
    args: [
      "--endpoint",
      ep,
      "--count",
      "50",
      "--tag",
      "a",
      "--heartbeat-ms",
      "1000",
    ],
  });
  await using _p2 = await spawnChild(POOL, {
    args: [
      "--endpoint",
      ep,
      "--count",
      "50",
      "--tag",
      "b",
      "--heartbeat-ms",
      "1000",
    ],
  });
  await waitWorkers(ep, "echo", 100);
  const pools = await Promise.all(
    [0, 1].map((i) =>
      spawnChild(CLIENTS, {
        args: [
          "--endpoint",
          ep,
          "--count",
          "50",
          "--requests",
          "20",
          "--id",
          `p${i}`,
        ],
      })
    ),
  );
  let ok = 0;
  let seen = 0;
  for (const p of pools) {
    const line = await p.waitForLine((l) => l.includes('"done"'), 60000);
    const r = JSON.parse(line);
    assertEquals(r.bad + r.failed, 0, line);
    ok += r.ok;
    seen += r.workers;
    await p.exited;
  }
  assertEquals(ok, 2000);
  assert(seen > 20, `only ${seen} distinct workers answered`);
  const s = await brokerStats(ep);
  assertEquals(s.workers, 100);
  assertEquals(s.counters.internalErrors, 0);
  await shutdown();
});
