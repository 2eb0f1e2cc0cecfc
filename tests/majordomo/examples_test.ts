// Every Majordomo example runs, as a real process, against the broker CLI;
// each handles --help, refuses unknown flags and bad values with its usage
// (exit 2, no stack trace), and exits non-zero when its requests fail.
import { shutdown } from "../../mod.ts";
import { spawnChild } from "../helpers/spawn.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { brokerStats, spawnBroker, spawnWorker, until } from "./_helpers.ts";

const PROGRAMS = [
  "echo_worker.ts",
  "sync_client.ts",
  "async_client.ts",
  "mmi_lookup.ts",
];
const ex = (name: string) =>
  new URL(`../../examples/majordomo/${name}`, import.meta.url);

async function run(name: string, args: string[]) {
  const child = await spawnChild(ex(name), { args, waitReady: false });
  const line = await child.waitForLine(
    (l) => l.includes('"done"') || l.includes('"error"'),
    60000,
  );
  return { json: JSON.parse(line), code: (await child.exited).code, child };
}

async function exitOf(name: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ex(name).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("examples: --help, unknown flags and bad values give the usage, never a stack trace", async () => {
  for (const name of PROGRAMS) {
    const help = await exitOf(name, ["--help"]);
    assertEquals(help.code, 0, `${name} --help: ${help.stderr}`);
    assert(help.stdout.includes("Usage:"), `${name} --help: ${help.stdout}`);
    for (
      const bad of [
        ["--nosuch"],
        ["--endpoint", "nonsense"],
        ...(name.includes("client")
          ? [["--count", "abc"], ["--count", "0"]]
          : []),
        ...(name === "echo_worker.ts"
          ? [["--heartbeat-ms", "-5"], ["--log-level", "loud"]]
          : []),
      ]
    ) {
      const r = await exitOf(name, bad);
      assertEquals(r.code, 2, `${name} ${bad.join(" ")}: ${r.stderr}`);
      assert(
        r.stderr.includes("Usage:"),
        `${name} ${bad.join(" ")}: ${r.stderr}`,
      );
      assert(!/^\s+at /m.test(r.stderr), `stack trace: ${r.stderr}`);
    }
  }
});

Deno.test("examples: echo worker, sync client, async client, MMI lookup; failures exit 1", async () => {
  await using broker = await spawnBroker();
  const ep = broker.endpoint;
  await using worker = await spawnWorker(ep);
  await until(
    async () => (await brokerStats(ep)).workers === 1,
    20000,
    "worker",
  );
  const sync = await run("sync_client.ts", ["--endpoint", ep, "--count", "50"]);
  assertEquals([sync.json.event, sync.json.ok, sync.code], ["done", 50, 0]);
  const async = await run("async_client.ts", [
    "--endpoint",
    ep,
    "--count",
    "500",
    "--window",
    "50",
  ]);
  assertEquals([async.json.event, async.json.ok, async.code], ["done", 500, 0]);
  const mmi = await run("mmi_lookup.ts", [
    "--endpoint",
    ep,
    "--service",
    "echo",
    "--service",
    "nosuch",
  ]);
  assertEquals(mmi.json.available, { echo: true, nosuch: false });
  assertEquals(mmi.json.stats.workers, 1);
  // Failures: a service nobody serves.
  const nosync = await run("sync_client.ts", [
    "--endpoint",
    ep,
    "--service",
    "nosuch",
    "--attempt-ms",
    "200",
  ]);
  assertEquals([nosync.json.name, nosync.code], ["ServiceUnavailableError", 1]);
  assert(!/^\s+at /m.test(nosync.child.stderrText()));
  const noasync = await run("async_client.ts", [
    "--endpoint",
    ep,
    "--service",
    "nosuch",
    "--count",
    "3",
    "--deadline-ms",
    "300",
  ]);
  assertEquals([noasync.json.event, noasync.json.ok, noasync.code], [
    "error",
    0,
    1,
  ]);
  assertEquals((await worker.terminate()).code, 0);
  // The worker's DISCONNECT on SIGTERM removes it (well before expiry).
  await until(async () => (await brokerStats(ep)).workers === 0, 5000, "gone");
  await shutdown();
});
