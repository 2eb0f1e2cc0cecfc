/**
 * Smoke tests: the client examples run to completion against the example
 * servers (the servers, queues and workers are spawned by the scenarios).
 */
import { assertEquals } from "../helpers/assert.ts";
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
