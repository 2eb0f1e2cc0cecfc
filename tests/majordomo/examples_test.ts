// Every Majordomo example runs, as a real process, against the broker CLI.
import { shutdown } from "../../mod.ts";
import { spawnChild } from "../helpers/spawn.ts";
import { assertEquals } from "../helpers/assert.ts";
import { brokerStats, spawnBroker, spawnWorker, until } from "./_helpers.ts";

const ex = (name: string) =>
  new URL(`../../examples/majordomo/${name}`, import.meta.url);

async function run(name: string, args: string[]) {
  const child = await spawnChild(ex(name), { args, waitReady: false });
  const line = await child.waitForLine(
    (l) => l.includes('"done"') || l.includes('"error"'),
    60000,
  );
  assertEquals((await child.exited).code, 0, child.stderrText());
  return JSON.parse(line);
}

Deno.test("examples: echo worker, sync client, async client, MMI lookup", async () => {
  await using broker = await spawnBroker();
  const ep = broker.endpoint;
  await using worker = await spawnWorker(ep);
  await until(
    async () => (await brokerStats(ep)).workers === 1,
    20000,
    "worker",
  );
  const sync = await run("sync_client.ts", ["--endpoint", ep, "--count", "50"]);
  assertEquals([sync.event, sync.ok], ["done", 50]);
  const async = await run("async_client.ts", [
    "--endpoint",
    ep,
    "--count",
    "500",
    "--window",
    "50",
  ]);
  assertEquals([async.event, async.ok], ["done", 500]);
  const mmi = await run("mmi_lookup.ts", [
    "--endpoint",
    ep,
    "--service",
    "echo",
    "--service",
    "nosuch",
  ]);
  assertEquals(mmi.available, { echo: true, nosuch: false });
  assertEquals(mmi.stats.workers, 1);
  assertEquals((await worker.terminate()).code, 0);
  // The worker's DISCONNECT on SIGTERM removes it (well before expiry).
  await until(async () => (await brokerStats(ep)).workers === 0, 5000, "gone");
  await shutdown();
});
