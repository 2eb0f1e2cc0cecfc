// Titanic's CLIs on a CURVE broker: `deno task titanic --curve-server-key
// --curve-secret` registers with a broker that admits only listed keys, and
// `deno task broker --curve-secret --titanic-dir` runs Titanic inside the
// broker (over its in-process endpoint, which carries no handshake) even
// with a worker allow-list. A request goes end to end in both; a key outside
// the lists is refused; a missing or wrong key file is a usage error.
import { assert, assertEquals, match } from "../helpers/assert.ts";
import { MajordomoWorker, silentLogger, writeKeyPair } from "../../mod.ts";
import { TitanicClient } from "../../src/patterns/titanic/client.ts";
import { shutdown } from "../../src/transport/socket.ts";
import {
  HB,
  LIVENESS,
  spawnBroker,
  spawnTitanic,
  td,
  TITANIC_CLI,
} from "./_helpers.ts";

async function keys() {
  const dir = await Deno.makeTempDir({ prefix: "titanic-cli-sec-" });
  for (const d of ["clients", "workers", "secrets", "store"]) {
    await Deno.mkdir(`${dir}/${d}`);
  }
  const broker = await writeKeyPair(`${dir}/broker`);
  const pair = async (name: string, list: "clients" | "workers") => {
    const k = await writeKeyPair(`${dir}/${list}/${name}`);
    const secretFile = `${dir}/secrets/${name}_secret`;
    await Deno.rename(k.secretFile, secretFile);
    return { publicKey: k.publicKey, secretFile };
  };
  return {
    dir,
    broker,
    app: await pair("app", "clients"),
    worker: await pair("worker", "workers"),
    titanic: await pair("titanic", "workers"),
  };
}

function curveFlags(k: Awaited<ReturnType<typeof keys>>): string[] {
  return [
    "--curve-secret",
    k.broker.secretFile,
    "--allow-clients",
    `${k.dir}/clients`,
    "--allow-workers",
    `${k.dir}/workers`,
  ];
}

async function endToEnd(
  endpoint: string,
  k: Awaited<ReturnType<typeof keys>>,
): Promise<void> {
  const serverKey = k.broker.publicKey;
  const worker = await MajordomoWorker.connect(
    endpoint,
    "echo",
    (r) => [`re:${td.decode(r[0])}`],
    {
      heartbeatIntervalMs: HB,
      liveness: LIVENESS,
      logger: silentLogger,
      security: { curve: { serverKey, secretFile: k.worker.secretFile } },
    },
  );
  const good = await TitanicClient.connect(endpoint, {
    logger: silentLogger,
    pollInitialMs: 20,
    security: { curve: { serverKey, secretFile: k.app.secretFile } },
  });
  const stranger = await TitanicClient.connect(endpoint, {
    logger: silentLogger,
    attemptTimeoutMs: 300,
    maxAttempts: 1,
    security: { curve: { serverKey } }, // a fresh key, in no list
  });
  try {
    const reply = await good.call("echo", ["sealed"], { deadlineMs: 30_000 });
    assertEquals(td.decode(reply[0]), "re:sealed");
    let failed: unknown;
    await stranger.request("echo", ["let me in"]).catch((e) => failed = e);
    assert(failed instanceof Error, "a key in no list must be refused");
  } finally {
    await good.close();
    await stranger.close();
    await worker.close();
  }
}

Deno.test({
  name:
    "titanic CLI --curve-server-key --curve-secret: registers with a CURVE broker; a request end to end",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const k = await keys();
    try {
      await using broker = await spawnBroker(curveFlags(k));
      await using titanic = await spawnTitanic(
        broker.endpoint,
        `${k.dir}/store`,
        [
          "--curve-server-key",
          k.broker.publicFile,
          "--curve-secret",
          k.titanic.secretFile,
        ],
      );
      await titanic.waitForLine((l) => l.includes('"registered"'));
      await endToEnd(broker.endpoint, k);
      assertEquals((await titanic.terminate()).code, 0);
    } finally {
      await Deno.remove(k.dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "broker CLI --curve-secret --titanic-dir: Titanic inside a CURVE broker with a worker allow-list; a request end to end",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const k = await keys();
    try {
      await using broker = await spawnBroker([
        ...curveFlags(k),
        "--titanic-dir",
        `${k.dir}/store`,
      ]);
      assertEquals(broker.ready.titanic, `${k.dir}/store`);
      await endToEnd(broker.endpoint, k);
      assertEquals((await broker.terminate()).code, 0);
    } finally {
      await Deno.remove(k.dir, { recursive: true });
    }
  },
});

Deno.test("titanic CLI: key flags without their pair or with a wrong file exit 2 with one line", async () => {
  const k = await keys();
  try {
    for (
      const [args, why] of [
        [["--curve-secret", k.titanic.secretFile], /needs --curve-server-key/],
        [["--curve-server-key", `${k.dir}/nope`], /nope/],
        [
          [
            "--curve-server-key",
            k.broker.publicFile,
            "--curve-secret",
            k.broker.publicFile,
          ],
          /secret/,
        ],
      ] as const
    ) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", TITANIC_CLI.pathname, "--dir", k.dir, ...args],
        stdout: "null",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const err = td.decode(out.stderr);
      assertEquals(out.code, 2, `${args.join(" ")}: ${err}`);
      match(err, /^titanic: /);
      match(err, why);
      assert(!err.includes("    at "), `stack trace for ${args.join(" ")}`);
    }
  } finally {
    await Deno.remove(k.dir, { recursive: true });
  }
});

Deno.test("cli security teardown", async () => {
  await shutdown();
});
