/**
 * Smoke tests: the client examples run to completion against the example
 * servers (the servers, queues and workers are spawned by the scenarios).
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { spawnChild } from "../helpers/spawn.ts";

const ex = (p: string) => new URL(`../../examples/${p}`, import.meta.url);

Deno.test("examples: lazy_pirate_client.ts against lazy_pirate_server.ts", async () => {
  await using server = await spawnChild(ex("pirate/lazy_pirate_server.ts"), {
    args: ["--bind", "tcp://127.0.0.1:*", "--work-ms", "0"],
    readyTimeoutMs: 60000,
  });
  await using client = await spawnChild(ex("pirate/lazy_pirate_client.ts"), {
    args: ["--connect", server.endpoint, "--requests", "5"],
    waitReady: false,
  });
  await client.waitForLine((l) => l === "I: server replied OK (5)", 60000);
  const status = await client.exited;
  assertEquals(status.code, 0, client.stderrText());
});

Deno.test("examples: dynamic/client.ts against dynamic/server.ts", async () => {
  await using server = await spawnChild(ex("dynamic/server.ts"), {
    args: [
      "--bind",
      "tcp://127.0.0.1:*",
      "--kind",
      "web-worker",
      "--log-level",
      "warn",
    ],
    readyTimeoutMs: 60000,
  });
  await using client = await spawnChild(ex("dynamic/client.ts"), {
    args: ["--connect", server.endpoint, "--clients", "20"],
    waitReady: false,
  });
  await client.waitForLine((l) => l === "20 replies OK, 0 errors", 60000);
  const status = await client.exited;
  assertEquals(status.code, 0, client.stderrText());
});

/** Runs an example to its exit (no ready line expected). */
async function runExample(p: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ex(p).pathname, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const td = new TextDecoder();
  return {
    code: out.code,
    stdout: td.decode(out.stdout),
    stderr: td.decode(out.stderr),
  };
}

const STACK = /^\s+at .+:\d+:\d+\)?$/m;

Deno.test("examples: a bad flag value exits 2 with one line and the usage, never a stack trace", async () => {
  const cases: [string, string[]][] = [
    ["pirate/lazy_pirate_client.ts", ["--requests", "abc"]],
    ["pirate/lazy_pirate_client.ts", ["--timeout-ms", "-5"]],
    ["pirate/lazy_pirate_server.ts", ["--work-ms", "1.5"]],
    ["pirate/simple_pirate_queue.ts", ["--max-frame-bytes", "0"]],
    ["pirate/simple_pirate_queue.ts", ["--log-level", "loud"]],
    ["pirate/paranoid_pirate_queue.ts", ["--heartbeat-ms", "abc"]],
    ["pirate/paranoid_pirate_queue.ts", ["--core", "gpu"]],
    ["pirate/paranoid_pirate_worker.ts", ["--liveness", "0"]],
    ["pirate/simple_pirate_worker.ts", ["--count", "x"]],
    ["dynamic/server.ts", ["--kind", "thread"]],
    ["dynamic/server.ts", ["--job-timeout-ms", "2147483648"]],
    ["dynamic/client.ts", ["--clients", "0"]],
  ];
  for (const [p, args] of cases) {
    const r = await runExample(p, args);
    const what = `${p} ${args.join(" ")}`;
    assertEquals(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
    assert(r.stderr.startsWith("error: "), `${what}:\n${r.stderr}`);
    assert(r.stderr.includes("Usage:"), `${what}:\n${r.stderr}`);
    assert(!STACK.test(r.stderr), `${what}: a stack trace\n${r.stderr}`);
  }
});

Deno.test("examples: clients exit 1 when their requests fail", async () => {
  // Nobody at this endpoint: the Lazy Pirate client gives up.
  const lp = await runExample("pirate/lazy_pirate_client.ts", [
    "--connect",
    "tcp://127.0.0.1:9",
    "--timeout-ms",
    "200",
    "--attempts",
    "2",
  ]);
  assertEquals(lp.code, 1, lp.stderr);
  assert(lp.stdout.includes("E: server seems to be offline"), lp.stdout);
  // A server whose jobs fail: "500" replies are failures.
  await using server = await spawnChild(ex("dynamic/server.ts"), {
    args: ["--frontend", "tcp://127.0.0.1:*", "--log-level", "error"],
    readyTimeoutMs: 60000,
  });
  const failed = await runExample("dynamic/client.ts", [
    "--connect",
    server.endpoint,
    "--clients",
    "1",
    "--text",
    "fail",
  ]);
  assertEquals(failed.code, 1, failed.stderr);
  assert(failed.stdout.includes("0 replies OK, 1 errors"), failed.stdout);
});

Deno.test("examples: the dynamic demos validate their job arguments (sleep:abc is a 500 with a reason, no TimeoutNaNWarning)", async () => {
  for (const kind of ["task", "process"]) {
    await using server = await spawnChild(ex("dynamic/server.ts"), {
      args: [
        "--frontend",
        "tcp://127.0.0.1:*",
        "--backend",
        "tcp://127.0.0.1:*",
        "--kind",
        kind,
        "--log-level",
        "error",
      ],
      readyTimeoutMs: 60000,
    });
    const r = await runExample("dynamic/client.ts", [
      "--connect",
      server.endpoint,
      "--clients",
      "1",
      "--text",
      "sleep:abc",
    ]);
    assertEquals(r.code, 1, r.stderr);
    assert(
      r.stdout.includes("500") && r.stdout.includes("sleep:<ms> needs"),
      `${kind}: ${r.stdout}`,
    );
    await server.terminate();
    assert(
      !server.stderrText().includes("TimeoutNaNWarning"),
      server.stderrText(),
    );
  }
});
