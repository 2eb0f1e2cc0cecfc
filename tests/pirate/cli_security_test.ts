/**
 * `deno task queue --curve-secret FILE --allow-clients DIR --allow-workers
 * DIR`: allowed clients and workers served over CURVE, a stranger client
 * and a client key on the backend refused and counted in /stats and
 * /metrics; a secret key file readable by others is a usage error (exit 2).
 */
import parsePrometheus from "npm:parse-prometheus-text-format@1.1.1";
import { assert, assertEquals } from "../helpers/assert.ts";
import { spawnChild } from "../helpers/spawn.ts";
import {
  LazyPirateClient,
  ParanoidPirateWorker,
  RequestTimeoutError,
  shutdown,
  silentLogger,
  writeKeyPair,
} from "../../mod.ts";
import {
  type Family,
  getJson,
  HB,
  LIVENESS,
  metric,
  QUEUE,
  showStderr,
  startQueue,
  td,
  te,
  until,
} from "./_cli_helpers.ts";

async function keys() {
  const dir = await Deno.makeTempDir({ prefix: "rzmq-queue-sec-" });
  for (const d of ["clients", "workers", "secret"]) {
    await Deno.mkdir(`${dir}/${d}`);
  }
  const queue = await writeKeyPair(`${dir}/queue`);
  const mk = async (kind: "clients" | "workers", name: string) => {
    const k = await writeKeyPair(`${dir}/${kind}/${name}`);
    await Deno.rename(k.secretFile, `${dir}/secret/${name}_secret`);
    return { ...k, secretFile: `${dir}/secret/${name}_secret` };
  };
  return {
    dir,
    queue,
    client: await mk("clients", "client"),
    worker: await mk("workers", "worker"),
  };
}

Deno.test("deno task queue --curve-secret --allow-clients --allow-workers: allowed peers served, others refused and counted", async () => {
  const k = await keys();
  const flags = [
    "--curve-secret",
    k.queue.secretFile,
    "--allow-clients",
    `${k.dir}/clients`,
    "--allow-workers",
    `${k.dir}/workers`,
  ];
  const q = await startQueue([
    "--heartbeat-ms",
    String(HB),
    "--liveness",
    String(LIVENESS),
    ...flags,
  ]);
  const url = q.ready.http as string;
  const backend = q.ready.backend as string;
  assertEquals(q.ready.curvePublicKey, k.queue.publicKey);
  const serverKeyFile = k.queue.publicFile;
  const worker = await ParanoidPirateWorker.connect(
    backend,
    (r) => [te.encode("w"), ...r],
    {
      heartbeatIntervalMs: HB,
      liveness: LIVENESS,
      logger: silentLogger,
      security: { curve: { serverKeyFile, secretFile: k.worker.secretFile } },
    },
  );
  // A client's key on the backend: not in --allow-workers.
  const impostor = await ParanoidPirateWorker.connect(
    backend,
    () => [te.encode("impostor")],
    {
      heartbeatIntervalMs: HB,
      liveness: LIVENESS,
      logger: silentLogger,
      security: { curve: { serverKeyFile, secretFile: k.client.secretFile } },
    },
  );
  const client = await LazyPirateClient.connect(q.endpoint, {
    attemptTimeoutMs: 10000,
    maxAttempts: 1,
    logger: silentLogger,
    security: { curve: { serverKeyFile, secretFile: k.client.secretFile } },
  });
  // A key of its own, in no list.
  const stranger = await LazyPirateClient.connect(q.endpoint, {
    attemptTimeoutMs: 500,
    maxAttempts: 1,
    logger: silentLogger,
    security: { curve: { serverKeyFile } },
  });
  try {
    await showStderr([q], async () => {
      await worker.ready;
      for (let i = 0; i < 8; i++) {
        const r = (await client.request([`s${i}`])).map((f) => td.decode(f));
        assertEquals(r, ["w", `s${i}`]);
      }
      let failed: unknown;
      await stranger.request(["let me in"]).catch((e) => failed = e);
      assert(failed instanceof RequestTimeoutError, String(failed));
      await until("refusals counted", async () => {
        const [, s] = await getJson(`${url}stats`);
        return (s.security?.frontend.refused ?? 0) >= 1 &&
          (s.security?.backend.refused ?? 0) >= 1;
      });
      const [, s] = await getJson(`${url}stats`);
      assertEquals(s.workers, { idle: 1, busy: 0, total: 1 });
      assertEquals([s.counters.requests, s.counters.replies], [8, 8]);
      assertEquals(s.security!.frontend.mechanism, "CURVE");
      assertEquals(s.security!.frontend.publicKey, k.queue.publicKey);
      assertEquals(s.security!.frontend.admitted, 1);
      assertEquals(s.security!.backend.admitted, 1);
      const fams = parsePrometheus(
        await (await fetch(`${url}metrics`)).text(),
      ) as Family[];
      const conn = (socket: string, outcome: string) =>
        metric(fams, "rzmq_queue_connections_total", { socket, outcome });
      assertEquals(conn("frontend", "admitted"), 1);
      assertEquals(conn("backend", "admitted"), 1);
      assert(conn("frontend", "refused") >= 1);
      assert(conn("backend", "refused") >= 1);
    });
  } finally {
    await stranger.close();
    await client.close();
    await impostor.close();
    await worker.close();
    assertEquals((await q.terminate()).code, 0);
  }

  // A secret key file others can read is refused: exit 2, says chmod 600.
  await Deno.chmod(k.queue.secretFile, 0o640);
  const bad = await spawnChild(QUEUE, { args: flags, waitReady: false });
  assertEquals((await bad.exited).code, 2);
  const err = bad.stderrText();
  assert(err.startsWith("queue: --curve-secret: "), err);
  assert(err.includes("chmod 600"), err);
  await Deno.remove(k.dir, { recursive: true });
  await shutdown();
});
