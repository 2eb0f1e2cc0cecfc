/**
 * Closing a monitored socket (or its monitor) must not freeze libzmq: with
 * the monitor's PAIR gone and monitoring still on, libzmq blocks its I/O
 * thread on the next event forever (libzmq issue #3575), so the socket's
 * connection is never torn down (nor any other that thread serves). The
 * Pirate workers close and reopen their monitored DEALER this way.
 *
 *   DEALER "Wi" (monitored) ── "hello i" ──► ROUTER; close; the ROUTER's
 *   monitor sees "disconnected"; repeat × 4
 */
import { assertEquals } from "../helpers/assert.ts";
import { DealerSocket, RouterSocket, shutdown } from "../../mod.ts";

const td = new TextDecoder();

for (const closeMonitorFirst of [false, true]) {
  Deno.test(
    `Socket.close() with a monitor (${
      closeMonitorFirst ? "monitor closed first" : "monitor open"
    }) releases its connection, 4 times in a row`,
    async () => {
      const router = new RouterSocket();
      const endpoint = router.bind("tcp://127.0.0.1:*");
      const events = router.monitor();
      const disconnected = async () => {
        for (;;) {
          const ev = await events.next({ timeoutMs: 10000 });
          if (ev === null || ev.type === "disconnected") return ev;
        }
      };
      try {
        for (let i = 0; i < 4; i++) {
          const d = new DealerSocket({ lingerMs: 0, routingId: `W${i}` });
          const m = d.monitor();
          const drained = (async () => {
            while ((await m.next()) !== null) { /* drain */ }
          })();
          d.connect(endpoint);
          await d.send([`hello ${i}`]);
          const got = await router.receive({ timeoutMs: 10000 });
          assertEquals(td.decode(got[1]), `hello ${i}`);
          if (closeMonitorFirst) m.close();
          d.close();
          await drained;
          assertEquals((await disconnected())?.type, "disconnected");
        }
      } finally {
        events.close();
        router.close();
      }
    },
  );
}

Deno.test("teardown", async () => {
  await shutdown();
});
