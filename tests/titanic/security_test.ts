// Titanic on a CURVE broker: its workers and dispatcher and its clients
// prove who they are with the `security` option (passed to every Majordomo
// socket they open); a Titanic client with an unknown key is refused by the
// broker's ZAP handler and its call fails within its deadline.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  MajordomoBroker,
  MajordomoWorker,
  silentLogger,
  writeKeyPair,
} from "../../mod.ts";
import { TitanicClient } from "../../src/patterns/titanic/client.ts";
import { TitanicService } from "../../src/patterns/titanic/service.ts";
import { HB, LIVENESS, td } from "./_helpers.ts";

Deno.test({
  name:
    "Titanic on a CURVE broker: allowed keys store and answer, an unknown key is refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "titanic-sec-" });
    await Deno.mkdir(`${dir}/clients`);
    await Deno.mkdir(`${dir}/store`);
    const server = await writeKeyPair(`${dir}/broker`);
    const app = await writeKeyPair(`${dir}/clients/app`);
    await Deno.rename(app.secretFile, `${dir}/app_secret`);
    const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
      logger: silentLogger,
      heartbeatIntervalMs: HB,
      liveness: LIVENESS,
      security: {
        curve: {
          secretFile: server.secretFile,
          allow: { dir: `${dir}/clients` },
        },
      },
    });
    const [ep] = broker.endpoints;
    const security = {
      curve: { serverKey: server.publicKey, secretFile: `${dir}/app_secret` },
    };
    const titanic = await TitanicService.connect(ep, {
      dir: `${dir}/store`,
      heartbeatIntervalMs: HB,
      liveness: LIVENESS,
      logger: silentLogger,
      security,
    });
    const worker = await MajordomoWorker.connect(
      ep,
      "echo",
      (r) => [`re:${td.decode(r[0])}`],
      {
        heartbeatIntervalMs: HB,
        liveness: LIVENESS,
        logger: silentLogger,
        security,
      },
    );
    const good = await TitanicClient.connect(ep, {
      logger: silentLogger,
      pollInitialMs: 20,
      security,
    });
    const stranger = await TitanicClient.connect(ep, {
      logger: silentLogger,
      attemptTimeoutMs: 300,
      maxAttempts: 1,
      security: { curve: { serverKey: server.publicKey } }, // an unknown key
    });
    try {
      await titanic.ready;
      const reply = await good.call("echo", ["secret"], { deadlineMs: 20_000 });
      assertEquals(td.decode(reply[0]), "re:secret");
      let failed: unknown;
      await stranger.request("echo", ["let me in"]).catch((e) => failed = e);
      assert(failed instanceof Error, "the unknown key's request must fail");
      assert((broker.securityStats?.counters.refused ?? 0) >= 1);
      assertEquals(titanic.stats.requests.stored, 1); // the stranger's never arrived
    } finally {
      await stranger.close();
      await good.close();
      await worker.close();
      await titanic.close();
      await broker.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
