/**
 * DynamicWorkerServer with a secure frontend secures its backend by
 * default: CURVE with a key pair made in memory, admitting only the key it
 * hands its Web Workers and child processes. An outside DEALER that
 * reaches the backend's port is refused at the handshake (counted) and
 * cannot answer a job; `secureBackend: false` leaves it open.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  curveKeyPair,
  DealerSocket,
  DynamicWorkerServer,
  silentLogger,
} from "../../mod.ts";

const td = new TextDecoder();
const LOCAL = "tcp://127.0.0.1:*";
const WORKER_URL = new URL(
  "../../examples/dynamic/upper_worker.ts",
  import.meta.url,
);

async function until(cond: () => boolean, ms = 20000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (
  const [kind, worker] of [
    ["web-worker", WORKER_URL],
    ["process", { process: WORKER_URL }],
    ["task", (req: Uint8Array[]) => ["task", ...req]],
  ] as const
) {
  Deno.test(`DynamicWorkerServer (${kind}): a CURVE frontend makes a CURVE backend; its own workers answer, an outside DEALER is refused`, async () => {
    const server = curveKeyPair();
    const alice = curveKeyPair();
    const dyn = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
      logger: silentLogger,
      worker,
      maxWorkers: 1,
      security: {
        curve: { secretKey: server.secretKey, allow: [alice.publicKey] },
      },
    });
    const client = new DealerSocket({
      curveServerKey: server.publicKey,
      curvePublicKey: alice.publicKey,
      curveSecretKey: alice.secretKey,
    });
    client.connect(dyn.frontendEndpoint);
    // Outsiders: one without CURVE (its handshake fails on the mechanism,
    // before any ZAP request), and one that knows the backend's public key
    // but has a key of its own (refused by the ZAP handler, counted).
    const outsider = new DealerSocket({ reconnectInitialMs: 50 });
    const own = curveKeyPair();
    const stranger = new DealerSocket({
      reconnectInitialMs: 50,
      curveServerKey: dyn.backendSecurityStats!.publicKey,
      curvePublicKey: own.publicKey,
      curveSecretKey: own.secretKey,
    });
    outsider.connect(dyn.backendEndpoint);
    stranger.connect(dyn.backendEndpoint);
    try {
      assertEquals(dyn.backendSecurityStats?.mechanism, "CURVE");
      await client.send(["", "hello"]);
      const reply = (await client.receive({ timeoutMs: 60000 })).map((f) =>
        td.decode(f)
      );
      assertEquals(reply.slice(0, 2), ["", "200"]);
      assertEquals(reply.at(-1), kind === "task" ? "hello" : "HELLO");
      void outsider.send(["job", "", "200", "forged"]).catch(() => {});
      void stranger.send(["job", "", "200", "forged"]).catch(() => {});
      await until(() => (dyn.backendSecurityStats?.counters.refused ?? 0) >= 1);
      const c = dyn.backendSecurityStats!.counters;
      assert(c.refusedBy["unknown-key"]! >= 1, JSON.stringify(c));
      // Web Workers and processes connect with the key they were handed.
      assertEquals(c.allowed, kind === "task" ? 0 : 1);
      await new Promise((r) => setTimeout(r, 200));
      assertEquals(dyn.stats.staleReplies, 0);
      assertEquals(dyn.stats.invalidReplies, 0);
    } finally {
      outsider.close();
      stranger.close();
      client.close();
      await dyn.close();
    }
  });
}

Deno.test("DynamicWorkerServer: secureBackend false leaves the backend open; no security, no backend security", async () => {
  const server = curveKeyPair();
  const open = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
    logger: silentLogger,
    worker: (req) => req,
    secureBackend: false,
    security: { curve: { secretKey: server.secretKey, allow: "any" } },
  });
  const none = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
    logger: silentLogger,
    worker: (req) => req,
  });
  assertEquals(open.backendSecurityStats, undefined);
  assertEquals(none.backendSecurityStats, undefined);
  await open.close();
  await none.close();
});
