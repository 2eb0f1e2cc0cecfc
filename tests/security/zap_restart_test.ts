// The ZAP handler stops with the last secure socket of the process and must
// start again for the next one: its ROUTER's inproc endpoint has to be free
// at once (libzmq releases an inproc name lazily unless the socket unbinds).
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  curveKeyPair,
  MajordomoBroker,
  MajordomoClient,
  MajordomoWorker,
  silentLogger,
  zapStats,
} from "../../mod.ts";

const td = new TextDecoder();
const quiet = { logger: silentLogger };

Deno.test("zap: close every secure broker, open a new one, a CURVE client is answered (3 times over)", async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  for (let round = 0; round < 3; round++) {
    const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
      ...quiet,
      heartbeatIntervalMs: 200,
      security: {
        curve: { secretKey: server.secretKey, allow: [client.publicKey] },
      },
    });
    assert(zapStats().running, `round ${round}: the handler runs`);
    const [ep] = broker.endpoints;
    const sec = { curve: { serverKey: server.publicKey, ...client } };
    const worker = await MajordomoWorker.connect(ep, "echo", (r) => r, {
      ...quiet,
      heartbeatIntervalMs: 200,
      security: sec,
    });
    const c = await MajordomoClient.connect(ep, {
      ...quiet,
      attemptTimeoutMs: 5000,
      maxAttempts: 1,
      security: sec,
    });
    try {
      const [reply] = await c.request("echo", [`round ${round}`]);
      assertEquals(td.decode(reply), `round ${round}`);
      assertEquals(broker.securityStats?.counters.allowed, 2);
    } finally {
      await c.close();
      await worker.close();
      await broker.close();
    }
    assertEquals(zapStats().running, false, `round ${round}: handler stopped`);
  }
});

Deno.test("zap: a new secure broker right after close, no turn of the event loop between", async () => {
  const server = curveKeyPair();
  for (let round = 0; round < 3; round++) {
    const a = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
      ...quiet,
      security: { curve: { secretKey: server.secretKey, allow: "any" } },
    });
    const closing = a.close(); // the handler stops here, synchronously
    const b = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
      ...quiet,
      security: { curve: { secretKey: server.secretKey, allow: "any" } },
    });
    await closing;
    const c = await MajordomoClient.connect(b.endpoints[0], {
      ...quiet,
      attemptTimeoutMs: 5000,
      maxAttempts: 1,
      security: { curve: { serverKey: server.publicKey } },
    });
    try {
      // mmi.service needs no worker: the broker itself answers.
      const [status] = await c.request("mmi.service", ["echo"]);
      assertEquals(td.decode(status), "404");
    } finally {
      await c.close();
      await b.close();
    }
  }
});
