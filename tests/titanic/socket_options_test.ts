// Titanic's service and client take `socketOptions` like every other
// pattern class: checked at connect (unknown keys are a TypeError) and
// applied to every socket they open to the broker.
import { assertEquals, assertRejects } from "../helpers/assert.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { shutdown } from "../../src/transport/socket.ts";
import { TitanicClient } from "../../src/patterns/titanic/client.ts";
import { TitanicService } from "../../src/patterns/titanic/service.ts";
import { HB, LIVENESS, startBroker, startWorker, td } from "./_helpers.ts";

Deno.test({
  name:
    "Titanic service and client: socketOptions are checked, and a request flows with them set",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startBroker();
    const dir = await Deno.makeTempDir({ prefix: "titanic-sockopts-" });
    try {
      await assertRejects(
        () =>
          TitanicClient.connect(broker.endpoint, {
            socketOptions: { lingerMillis: 0 } as never,
          }),
        TypeError,
      );
      await assertRejects(
        () =>
          TitanicService.connect(broker.endpoint, {
            dir,
            socketOptions: { lingerMs: -5 },
          }),
        RangeError,
      );
      const titanic = await TitanicService.connect(broker.endpoint, {
        dir,
        heartbeatIntervalMs: HB,
        liveness: LIVENESS,
        logger: silentLogger,
        socketOptions: { lingerMs: 0, sendHighWaterMark: 5000 },
      });
      await titanic.ready;
      const worker = await startWorker(
        broker.endpoint,
        "echo",
        (r) => [`re:${td.decode(r[0])}`],
      );
      const client = await TitanicClient.connect(broker.endpoint, {
        logger: silentLogger,
        pollInitialMs: 20,
        socketOptions: { lingerMs: 0 },
      });
      const reply = await client.call("echo", ["x"], { deadlineMs: 20_000 });
      assertEquals(td.decode(reply[0]), "re:x");
      await client.close();
      await worker.close();
      await titanic.close();
    } finally {
      await broker.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("socket options teardown", async () => {
  await shutdown();
});
