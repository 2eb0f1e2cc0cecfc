// Churn: clients that time out, close their socket, open a new one and retry
// (the Lazy Pirate move) while the server drops every 5th request. Exercises
// registration, removal and timed-out waits on one reactor under load: every
// request must end with its own reply, and nothing may stay waiting.
import {
  DealerSocket,
  reactorStats,
  RouterSocket,
  shutdown,
  TimeoutError,
} from "../../mod.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

const text = new TextDecoder();

Deno.test("10 churning clients × 200 requests with a lossy server: every request answered", async () => {
  const router = new RouterSocket();
  const endpoint = router.bind("tcp://127.0.0.1:*");
  let seen = 0;
  const server = (async () => {
    for await (const [id, body] of router) {
      if (++seen % 5 === 0) continue; // lose it
      router.trySend([id, body]);
    }
  })();
  let retries = 0;
  const client = async (c: number) => {
    let sock = new DealerSocket();
    sock.connect(endpoint);
    for (let i = 0; i < 200; i++) {
      const want = `${c}:${i}`;
      for (;;) {
        await sock.send([want]);
        const reply = await sock.receive({ timeoutMs: 60 }).catch((e) => e);
        if (reply instanceof TimeoutError) {
          retries++;
          sock.close();
          sock = new DealerSocket();
          sock.connect(endpoint);
          continue;
        }
        if (reply instanceof Error) throw reply;
        assertEquals(text.decode(reply[0]), want);
        break;
      }
    }
    sock.close();
  };
  await Promise.all(Array.from({ length: 10 }, (_, c) => client(c)));
  assert(retries > 0, "the lossy server should have forced retries");
  router.close();
  await server;
  await shutdown();
  assertEquals(reactorStats().waiting, 0);
  assertEquals(reactorStats().registered, 0);
});
