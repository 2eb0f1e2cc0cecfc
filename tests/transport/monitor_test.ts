// Monitors must never stall the process's other sockets. libzmq sends
// monitor events from its I/O thread with a blocking send; before the fix,
// closing a monitor (or the monitored socket) and then opening sockets in
// the same context left every new socket deaf: the I/O thread was stuck
// sending the "closed" event to a monitor nobody listened to any more.
import { DealerSocket, type MonitorEvent, RouterSocket } from "../../mod.ts";
import { assertEquals } from "../helpers/assert.ts";

/** A round trip on fresh sockets: what a stalled context cannot do. */
async function roundTrip(): Promise<boolean> {
  const router = new RouterSocket();
  const dealer = new DealerSocket();
  try {
    dealer.connect(router.bind("tcp://127.0.0.1:*"));
    await dealer.send(["ping"]);
    await router.receive({ timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  } finally {
    dealer.close();
    router.close();
  }
}

async function monitored(order: "monitor-first" | "socket-first" | "idle") {
  const router = new RouterSocket();
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const events = router.monitor();
  const dealer = new DealerSocket();
  let accepted = order === "idle";
  if (!accepted) {
    dealer.connect(endpoint);
    // A stalled context never reports: wait with a deadline, not forever.
    for (;;) {
      const ev = await events.next({ timeoutMs: 10_000 }).catch(() => null);
      if (ev === null) break;
      if (ev.type === "accepted") {
        accepted = true;
        break;
      }
    }
  }
  if (order === "socket-first") {
    router.close();
    events.close();
  } else {
    events.close();
    router.close();
  }
  dealer.close();
  return accepted;
}

Deno.test("sockets opened right after a monitor closes still work (3 orders × 10 rounds, same context)", async () => {
  let ok = 0;
  for (let i = 0; i < 10; i++) {
    for (const order of ["monitor-first", "socket-first", "idle"] as const) {
      if (await monitored(order) && await roundTrip()) ok++;
    }
  }
  assertEquals(ok, 30);
});

Deno.test("a second monitor ends the first one's stream; the second gets the events", async () => {
  const router = new RouterSocket();
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const first = router.monitor();
  const second = router.monitor();
  const seen: MonitorEvent[] = [];
  for await (const ev of first) seen.push(ev); // ends at once
  const dealer = new DealerSocket();
  dealer.connect(endpoint);
  let accepted = 0;
  for await (const ev of second) {
    if (ev.type === "accepted") {
      accepted++;
      break;
    }
  }
  assertEquals(accepted, 1);
  assertEquals(seen.filter((e) => e.type === "accepted").length, 0);
  dealer.close();
  router.close(); // ends the second stream too
  assertEquals(await second.next(), null);
  assertEquals(await roundTrip(), true);
});
