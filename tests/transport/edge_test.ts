// ZMQ_FD is edge-triggered, and any libzmq call on a socket may take in the
// command that the edge announced. A socket that receives while its sends
// wait on a full pipe must still wake those sends: the receive calls take
// in the "room again" commands. Before the fix, a DynamicWorkerServer's
// replies stopped at a multiple of 500 (libzmq's pipe credit) in 2 of 3 runs
// of tests/dynamic/hostile_test.ts under load, which is the reproducer (14 of
// 14 pass with the fix, two CPU hogs running). This test drives the same
// shape directly but did not catch the race before the fix in 7 runs: it
// guards the behaviour, not the race.
import { DealerSocket, RouterSocket, shutdown } from "../../mod.ts";
import { assertEquals } from "../helpers/assert.ts";

Deno.test("a ROUTER that keeps receiving still wakes its sends waiting on a full pipe (no lost ZMQ_FD edge)", async () => {
  const N = 20_000;
  const router = new RouterSocket({
    routerMandatory: true,
    sendHighWaterMark: 100,
    receiveHighWaterMark: 0,
  });
  const ep = router.bind("tcp://127.0.0.1:*");
  const slow = new DealerSocket({
    routingId: "slow",
    receiveHighWaterMark: 100,
  });
  const chatty = new DealerSocket({ sendHighWaterMark: 0 });
  slow.connect(ep);
  chatty.connect(ep);
  try {
    await slow.send(["hello"]);
    const [id] = await router.receive({ timeoutMs: 10_000 });
    // The router receives a steady stream from `chatty` all along...
    let received = 0;
    let stop = false;
    const receiving = (async () => {
      while (!stop) {
        const m = await router.receive({ timeoutMs: 200 }).catch(() => null);
        if (m) received++;
      }
    })();
    const chatter = (async () => {
      for (let i = 0; i < N && !stop; i++) {
        await chatty.send([String(i)]);
        if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0));
      }
    })();
    // ...while it sends N messages to `slow`, which reads them at its pace,
    // so the router's sends wait on the full pipe again and again.
    const sending = (async () => {
      for (let i = 0; i < N; i++) await router.send([id, String(i)]);
    })();
    let got = 0;
    while (got < N) {
      const m = await slow.receive({ timeoutMs: 10_000 });
      assertEquals(new TextDecoder().decode(m[0]), String(got));
      got++;
      if (got % 50 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    await sending;
    stop = true;
    await Promise.all([receiving, chatter]);
    assertEquals(got, N);
    console.log(
      `edge: ${got} sent through a full pipe while receiving ${received}`,
    );
  } finally {
    slow.close();
    chatty.close();
    router.close();
  }
});

Deno.test("teardown", async () => {
  await shutdown();
});
