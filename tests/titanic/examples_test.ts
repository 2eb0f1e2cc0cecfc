// The Titanic examples run as documented: --help, bad flags (exit 2), a
// client round through the example service and a worker (exit 0), a client
// whose requests cannot be answered in time (exit 1), and the idempotent
// worker answering a retried debit from its cache.
import { assert, assertEquals, match } from "../helpers/assert.ts";
import { spawnChild } from "../helpers/spawn.ts";
import { mdpCall, spawnBroker, spawnWorker, td } from "./_helpers.ts";

const EX = (name: string) =>
  new URL(`../../examples/titanic/${name}`, import.meta.url);

async function run(name: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", EX(name).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: td.decode(out.stdout),
    stderr: td.decode(out.stderr),
  };
}

Deno.test("Titanic examples: --help exits 0, an unknown flag or bad value exits 2 with the usage", async () => {
  for (const name of ["service.ts", "client.ts", "idempotent_worker.ts"]) {
    const h = await run(name, ["--help"]);
    assertEquals(h.code, 0, name);
    match(h.stdout, /Usage:/);
    const bad = await run(name, ["--nope"]);
    assertEquals(bad.code, 2, name);
    match(bad.stderr, /Usage:/);
    assert(!bad.stderr.includes("    at "), `${name}: stack trace`);
  }
  assertEquals((await run("client.ts", ["--count", "-1"])).code, 2);
  assertEquals((await run("service.ts", ["--store", "nosql"])).code, 2);
});

Deno.test({
  name:
    "Titanic examples: the client gets every reply (exit 0), or exits 1 when they cannot come",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "titanic-ex-" });
    try {
      await using broker = await spawnBroker();
      await using _service = await spawnChild(EX("service.ts"), {
        args: ["--endpoint", broker.endpoint, "--dir", `${dir}/store`],
      });
      await using _worker = await spawnWorker(broker.endpoint);
      const uuids = `${dir}/uuids.txt`;
      const ok = await run("client.ts", [
        "--endpoint",
        broker.endpoint,
        "--count",
        "5",
        "--uuids",
        uuids,
      ]);
      assertEquals(ok.code, 0, ok.stderr);
      assertEquals(ok.stdout.trim().split("\n").length, 5);
      match(ok.stdout, /re:request 4/);
      // No worker for "nobody": the wait runs out, the client says so, exit 1,
      // and keeps the UUIDs for a later run.
      const nope = await run("client.ts", [
        "--endpoint",
        broker.endpoint,
        "--service",
        "nobody",
        "--count",
        "2",
        "--uuids",
        uuids,
        "--deadline-ms",
        "300",
      ]);
      assertEquals(nope.code, 1);
      match(nope.stderr, /failed/);
      assertEquals(Deno.readTextFileSync(uuids).trim().split("\n").length, 2);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Titanic examples: the idempotent worker runs a retried debit once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using broker = await spawnBroker();
    await using worker = await spawnChild(EX("idempotent_worker.ts"), {
      args: ["--endpoint", broker.endpoint],
    });
    const a = await mdpCall(broker.endpoint, "debit", ["client-1:1", "10"]);
    const b = await mdpCall(broker.endpoint, "debit", ["client-1:1", "10"]); // a retry
    const c = await mdpCall(broker.endpoint, "debit", ["client-1:2", "10"]);
    assertEquals([a, b, c], [["balance 990"], ["balance 990"], [
      "balance 980",
    ]]);
    // The balances already show the retry did not run; the worker's log says so too.
    const debits = () =>
      worker.stdoutLines.filter((l) => l.includes('"event":"debit"')).length;
    await worker.waitForLine(() => debits() >= 2);
    assertEquals(debits(), 2);
  },
});
