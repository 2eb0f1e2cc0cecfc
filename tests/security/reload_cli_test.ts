// The broker process with CURVE allow-lists: SIGHUP reads the directories
// again (a removed key is refused at its next handshake and counted, a new
// key admitted, an invalid directory keeps the old lists), and requests are
// attributed to client keys in /stats and /metrics.
import { assert, assertEquals } from "../helpers/assert.ts";
import { spawnChild } from "../helpers/spawn.ts";
import { BROKER } from "../majordomo/_helpers.ts";
import {
  MajordomoClient,
  shutdown,
  silentLogger,
  writeKeyPair,
} from "../../mod.ts";

const td = new TextDecoder();

async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 20000,
): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name:
    "security CLI: SIGHUP reloads --allow-clients (removed key refused and counted, added key admitted, bad dir kept); requests attributed per key",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rzmq-reload-" });
    await Deno.mkdir(`${dir}/clients`);
    await Deno.mkdir(`${dir}/secret`);
    const server = await writeKeyPair(`${dir}/broker`);
    const mk = async (name: string, listed: boolean) => {
      const k = await writeKeyPair(`${dir}/secret/${name}`);
      if (listed) await Deno.copyFile(k.publicFile, `${dir}/clients/${name}`);
      return k;
    };
    const alice = await mk("alice", true);
    const carol = await mk("carol", false);
    const clients: MajordomoClient[] = [];
    const client = async (secretFile: string, timeoutMs = 10000) => {
      const c = await MajordomoClient.connect(ep, {
        logger: silentLogger,
        attemptTimeoutMs: timeoutMs,
        maxAttempts: 1,
        checkServiceOnTimeout: false,
        security: { curve: { serverKeyFile: server.publicFile, secretFile } },
      });
      clients.push(c);
      return c;
    };
    const served = async (c: MajordomoClient) => {
      const [status] = await c.request("mmi.service", ["echo"]);
      return td.decode(status) === "404"; // answered by the broker itself
    };
    await using broker = await spawnChild(BROKER, {
      args: [
        "--bind",
        "tcp://127.0.0.1:*",
        "--curve-secret",
        server.secretFile,
        "--allow-clients",
        `${dir}/clients`,
        "--stats-ms",
        "100",
        "--log-level",
        "info",
        "--http",
        "127.0.0.1:0",
        "--users-counted",
        "10",
      ],
    });
    const ep = String(broker.ready.endpoint);
    const http = String(broker.ready.http);
    const refused = () =>
      broker.stdoutLines.some((l) => {
        try {
          return JSON.parse(l).connectionsRefused >= 1;
        } catch {
          return false;
        }
      });
    try {
      const old = await client(alice.secretFile);
      assert(await served(old));
      assert(await served(old));
      const stats = await (await fetch(new URL("/stats", http))).json();
      assertEquals(stats.users.users[alice.publicKey], 2);
      assertEquals(stats.users.usersCounted, 10);
      const metrics = await (await fetch(new URL("/metrics", http))).text();
      assert(
        metrics.includes(
          `rzmq_broker_user_requests_total{user="${alice.publicKey}"} 2`,
        ),
        metrics,
      );

      // alice out, carol in; SIGHUP.
      await Deno.remove(`${dir}/clients/alice`);
      await Deno.copyFile(carol.publicFile, `${dir}/clients/carol`);
      broker.signal("SIGHUP");
      await until(
        () => broker.stderrText().includes("security reloaded"),
        "reload logged",
      );
      const line = broker.stderrText().split("\n").find((l) =>
        l.includes("security reloaded")
      )!;
      const logged = JSON.parse(line);
      assertEquals(logged.clientsAdded, 1);
      assertEquals(logged.clientsRemoved, 1);
      assertEquals(refused(), false);

      // A new connection with alice's key is refused and counted...
      const again = await client(alice.secretFile, 500);
      let failed: unknown;
      await served(again).catch((e) => failed = e);
      assert(failed instanceof Error, "alice's new connection must fail");
      await until(refused, "refusal counted in the stats line");
      // ...carol's is admitted, and alice's open connection is not dropped.
      assert(await served(await client(carol.secretFile)));
      assert(await served(old));

      // A directory that became invalid: the old lists stay in force.
      await Deno.writeTextFile(`${dir}/clients/junk`, "not a key\n");
      broker.signal("SIGHUP");
      await until(
        () => broker.stderrText().includes("security reload failed"),
        "failed reload logged",
      );
      assert(broker.stderrText().includes("junk"), broker.stderrText());
      assert(await served(await client(carol.secretFile)));
      // A bad --users-counted is a usage error (exit 2).
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", BROKER.pathname, "--users-counted", "-1"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(out.code, 2);
      assert(
        td.decode(out.stderr).includes("--users-counted"),
        td.decode(out.stderr),
      );
    } finally {
      for (const c of clients) await c.close();
      await shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
