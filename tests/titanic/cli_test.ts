// `deno task titanic` and `deno task broker --titanic-dir`: help, bad flags
// (exit 2 with the usage), the ready and registered lines, SIGINT/SIGTERM
// exit 0, a directory already in use (exit 1), and a request end to end
// through the broker with Titanic inside.
import { assert, assertEquals, match } from "../helpers/assert.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { TitanicClient } from "../../src/patterns/titanic/client.ts";
import { shutdown } from "../../src/transport/socket.ts";
import {
  spawnBroker,
  spawnTitanic,
  spawnWorker,
  td,
  TITANIC_CLI,
} from "./_helpers.ts";

async function run(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TITANIC_CLI.pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: td.decode(out.stdout),
    stderr: td.decode(out.stderr),
  };
}

Deno.test("titanic CLI: --help prints the flags and exits 0", async () => {
  const r = await run(["--help"]);
  assertEquals(r.code, 0);
  match(r.stdout, /Usage: deno task titanic/);
  for (
    const flag of [
      "--endpoint",
      "--dir",
      "--store",
      "--no-sync",
      "--max-attempts",
      "--attempt-timeout-ms",
    ]
  ) {
    assert(r.stdout.includes(flag), flag);
  }
});

Deno.test("titanic CLI: bad flags exit 2 with one line and the usage, never a stack trace", async () => {
  for (
    const args of [
      ["--bogus"],
      ["--store", "mongo"],
      ["--max-attempts", "0"],
      ["--attempt-timeout-ms", "-5"],
      ["--attempt-timeout-ms", "abc"],
      ["--retry-initial-ms", "500", "--retry-max-ms", "100"],
      ["--log-level", "loud"],
      ["--log-format", "xml"],
      ["--endpoint", "localhost:5555"],
      ["--dir", ""],
      ["positional"],
    ]
  ) {
    const r = await run(args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    match(r.stderr, /^titanic: /);
    assert(r.stderr.includes("Usage:"), args.join(" "));
    assert(!r.stderr.includes("    at "), `stack trace for ${args.join(" ")}`);
  }
});

Deno.test({
  name:
    "titanic CLI: ready and registered lines, SIGINT/SIGTERM exit 0, a busy directory exits 1",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "titanic-cli-" });
    try {
      await using broker = await spawnBroker();
      for (const sig of ["SIGINT", "SIGTERM"] as const) {
        const t = await spawnTitanic(broker.endpoint, dir);
        assertEquals(t.ready.store, "log");
        assertEquals(t.ready.dir, dir);
        assertEquals(t.ready.tailBytesCut, 0);
        await t.waitForLine((l) => l.includes('"registered"'));
        // A second Titanic on the same directory is refused.
        const second = await run([
          "--endpoint",
          broker.endpoint,
          "--dir",
          dir,
          "--stats-ms",
          "0",
        ]);
        assertEquals(second.code, 1);
        match(second.stderr, /in use by process/);
        t.signal(sig);
        const status = await t.exited;
        assertEquals(status.code, 0, `${sig}: ${t.stderrText()}`);
      }
      const sq = await spawnTitanic(broker.endpoint, dir + "-sqlite", [
        "--store",
        "sqlite",
      ]);
      assertEquals(sq.ready.store, "sqlite");
      assertEquals(await sq.terminate(), {
        success: true,
        code: 0,
        signal: null,
      });
      Deno.removeSync(dir + "-sqlite", { recursive: true });
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "broker CLI --titanic-dir: Titanic inside the broker process, a request end to end",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "titanic-inbroker-" });
    try {
      await using broker = await spawnBroker(["--titanic-dir", dir]);
      assertEquals(broker.ready.titanic, dir);
      await using worker = await spawnWorker(broker.endpoint);
      const c = await TitanicClient.connect(broker.endpoint, {
        logger: silentLogger,
        pollInitialMs: 20,
      });
      const reply = await c.call("echo", ["inside"], { deadlineMs: 20000 });
      assertEquals(td.decode(reply[0]), "re:inside");
      await c.close();
      assert(worker.stdoutLines.some((l) => l.includes('"inside"')));
      assertEquals((await broker.terminate()).code, 0);
      assert([...Deno.readDirSync(dir)].some((e) => e.name.endsWith(".log")));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
    const bad = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../src/cli/broker.ts", import.meta.url).pathname,
        "--titanic-store",
        "nope",
      ],
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    assertEquals(bad.code, 2, td.decode(bad.stderr));
  },
});

Deno.test("cli teardown", async () => {
  await shutdown();
});
