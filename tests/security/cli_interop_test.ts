// The broker CLI with --curve-secret / --allow-clients / --allow-workers,
// keys from `deno task keygen`, and peers in Deno and in Python (pyzmq with
// CURVE) through it.
import { assert, assertEquals } from "../helpers/assert.ts";
import { spawnBroker } from "../majordomo/_helpers.ts";
import { hasPyzmq, spawnPython } from "../interop/_python.ts";
import {
  loadKeyPair,
  MajordomoClient,
  MajordomoWorker,
  shutdown,
  silentLogger,
  writeKeyPair,
} from "../../mod.ts";

const td = new TextDecoder();

async function keys() {
  const dir = await Deno.makeTempDir({ prefix: "rzmq-cli-sec-" });
  await Deno.mkdir(`${dir}/clients`);
  await Deno.mkdir(`${dir}/workers`);
  await Deno.mkdir(`${dir}/secret`);
  const broker = await writeKeyPair(`${dir}/broker`);
  const mk = async (kind: "clients" | "workers", name: string) => {
    const k = await writeKeyPair(`${dir}/${kind}/${name}`);
    await Deno.rename(k.secretFile, `${dir}/secret/${name}_secret`);
    return { ...k, secretFile: `${dir}/secret/${name}_secret` };
  };
  return {
    dir,
    broker,
    client: await mk("clients", "client"),
    worker: await mk("workers", "worker"),
    pyClient: await mk("clients", "py-client"),
    pyWorker: await mk("workers", "py-worker"),
  };
}

function brokerArgs(k: Awaited<ReturnType<typeof keys>>): string[] {
  return [
    "--curve-secret",
    k.broker.secretFile,
    "--allow-clients",
    `${k.dir}/clients`,
    "--allow-workers",
    `${k.dir}/workers`,
    "--heartbeat-ms",
    "250",
  ];
}

Deno.test({
  name:
    "security CLI: a CURVE broker from key files serves allowed peers; a client key cannot register a worker",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const k = await keys();
    try {
      await using broker = await spawnBroker(brokerArgs(k));
      const ep = String(broker.ready.endpoint);
      assertEquals(broker.ready.curvePublicKey, k.broker.publicKey);
      const serverKeyFile = k.broker.publicFile;
      const worker = await MajordomoWorker.connect(ep, "echo", (r) => r, {
        logger: silentLogger,
        heartbeatIntervalMs: 250,
        security: { curve: { serverKeyFile, secretFile: k.worker.secretFile } },
      });
      // A client's key: admitted, but its READY is refused.
      const impostor = await MajordomoWorker.connect(ep, "echo", () => ["x"], {
        logger: silentLogger,
        heartbeatIntervalMs: 250,
        security: { curve: { serverKeyFile, secretFile: k.client.secretFile } },
      });
      const client = await MajordomoClient.connect(ep, {
        logger: silentLogger,
        security: { curve: { serverKeyFile, secretFile: k.client.secretFile } },
      });
      try {
        for (let i = 0; i < 20; i++) {
          const [r] = await client.request("echo", [`m${i}`]);
          assertEquals(td.decode(r), `m${i}`);
        }
        const stats = JSON.parse(
          td.decode((await client.request("mmi.stats", [""]))[1]),
        );
        assertEquals(stats.workers, 1);
        assert(stats.counters.refusedWorkers >= 1);
      } finally {
        await client.close();
        await impostor.close();
        await worker.close();
      }
      // A bad flag combination or key file is a usage error (exit 2).
      await Deno.chmod(k.broker.secretFile, 0o640);
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../../src/cli/broker.ts", import.meta.url).pathname,
          "--bind",
          "tcp://127.0.0.1:*",
          ...brokerArgs(k),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(out.code, 2);
      assert(
        td.decode(out.stderr).includes("chmod 600"),
        td.decode(out.stderr),
      );
    } finally {
      await shutdown();
      await Deno.remove(k.dir, { recursive: true });
    }
  },
});

if (!hasPyzmq) {
  console.warn(
    "security interop test skipped: python3 with pyzmq (Debian python3-zmq) is not installed",
  );
}

Deno.test({
  name:
    "security interop: a pyzmq CURVE client and worker through our CURVE broker; a pyzmq client with an unknown key gets nothing",
  ignore: !hasPyzmq,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const k = await keys();
    try {
      await using broker = await spawnBroker(brokerArgs(k));
      const ep = String(broker.ready.endpoint);
      const env = async (secretFile: string) => {
        const p = await loadKeyPair(secretFile);
        return {
          MDP_CURVE_SERVERKEY: k.broker.publicKey,
          MDP_CURVE_PUBLICKEY: p.publicKey,
          MDP_CURVE_SECRETKEY: p.secretKey,
        };
      };
      await using _w = await spawnPython(
        "mdp_worker.py",
        [ep, "echo", "250"],
        await env(k.pyWorker.secretFile),
      );
      await using client = await spawnPython(
        "mdp_client.py",
        [ep, "echo", "50"],
        await env(k.pyClient.secretFile),
      );
      const done = await client.waitFor("done", 60000);
      assertEquals(done, { event: "done", ok: 50, bad: 0, mmi: "200" });
      // An unknown key: refused by the ZAP handler, its retries give up.
      const stranger = await writeKeyPair(`${k.dir}/stranger`);
      await using bad = await spawnPython(
        "mdp_client.py",
        [ep, "echo", "1"],
        await env(stranger.secretFile),
      );
      const status = await bad.process.status;
      assert(!status.success, "the stranger's client must fail");
      assert(bad.stderr.includes("TimeoutError"), bad.stderr);
    } finally {
      await shutdown();
      await Deno.remove(k.dir, { recursive: true });
    }
  },
});
