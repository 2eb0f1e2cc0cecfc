/**
 * `deno task queue` with CURVE allow-lists: SIGHUP reads the directories
 * again; a client key removed is refused on its next connection (counted
 * in /stats), a key added is served, and the reload is logged with its
 * counts.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  LazyPirateClient,
  ParanoidPirateWorker,
  shutdown,
  silentLogger,
  writeKeyPair,
} from "../../mod.ts";
import {
  getJson,
  HB,
  LIVENESS,
  showStderr,
  startQueue,
  td,
  until,
} from "./_cli_helpers.ts";

Deno.test("deno task queue: SIGHUP reloads --allow-clients (removed key refused and counted, added key served)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rzmq-queue-reload-" });
  for (const d of ["clients", "workers", "secret"]) {
    await Deno.mkdir(`${dir}/${d}`);
  }
  const queue = await writeKeyPair(`${dir}/queue`);
  const mk = async (name: string) =>
    await writeKeyPair(`${dir}/secret/${name}`);
  const alice = await mk("alice");
  const carol = await mk("carol");
  const w = await mk("worker");
  await Deno.copyFile(alice.publicFile, `${dir}/clients/alice`);
  await Deno.copyFile(w.publicFile, `${dir}/workers/worker`);
  const q = await startQueue([
    "--heartbeat-ms",
    String(HB),
    "--liveness",
    String(LIVENESS),
    "--log-level",
    "info",
    "--curve-secret",
    queue.secretFile,
    "--allow-clients",
    `${dir}/clients`,
    "--allow-workers",
    `${dir}/workers`,
  ]);
  const url = q.ready.http as string;
  const serverKeyFile = queue.publicFile;
  const worker = await ParanoidPirateWorker.connect(
    q.ready.backend as string,
    (r) => r,
    {
      heartbeatIntervalMs: HB,
      liveness: LIVENESS,
      logger: silentLogger,
      security: { curve: { serverKeyFile, secretFile: w.secretFile } },
    },
  );
  const clients: LazyPirateClient[] = [];
  const client = async (secretFile: string, attemptTimeoutMs = 10000) => {
    const c = await LazyPirateClient.connect(q.endpoint, {
      attemptTimeoutMs,
      maxAttempts: 1,
      logger: silentLogger,
      security: { curve: { serverKeyFile, secretFile } },
    });
    clients.push(c);
    return c;
  };
  const echo = async (c: LazyPirateClient, s: string) =>
    td.decode((await c.request([s]))[0]) === s;
  try {
    await showStderr([q], async () => {
      await worker.ready;
      const old = await client(alice.secretFile);
      assert(await echo(old, "a"));
      await Deno.remove(`${dir}/clients/alice`);
      await Deno.copyFile(carol.publicFile, `${dir}/clients/carol`);
      q.signal("SIGHUP");
      await until(
        "reload logged",
        () => q.stderrText().includes("security reloaded"),
      );
      const line = q.stderrText().split("\n").find((l) =>
        l.includes("security reloaded")
      )!;
      const logged = JSON.parse(line);
      assertEquals(
        [logged.clientsAdded, logged.clientsRemoved, logged.workersAdded],
        [1, 1, 0],
      );
      let failed: unknown;
      await echo(await client(alice.secretFile, 500), "b").catch((e) =>
        failed = e
      );
      assert(failed instanceof Error, "alice's new connection is refused");
      await until("refusal counted", async () => {
        const [, s] = await getJson(`${url}stats`);
        return (s.security?.frontend.refused ?? 0) >= 1;
      });
      assert(await echo(await client(carol.secretFile), "c"));
      assert(await echo(old, "d"), "an open connection is not dropped");
    });
  } finally {
    for (const c of clients) await c.close();
    await worker.close();
    await q.terminate();
    await shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
