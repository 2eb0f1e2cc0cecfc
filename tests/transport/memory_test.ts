// trimMemory() (issue 15): after 2,000 peers connected and left, glibc keeps
// the freed connection memory in its arenas; one trim returns most of it.
//
//   2,000 DEALERs ──tcp──► ROUTER (same process): one round trip each; the
//   DEALERs close, and the ROUTER (which stays, as a server would) counts
//   2,000 disconnect notifications before the trim.
import { assert } from "../helpers/assert.ts";
import {
  DealerSocket,
  RouterNotify,
  RouterSocket,
  shutdown,
  trimMemory,
} from "../../mod.ts";

const rss = () => Deno.memoryUsage().rss;

Deno.test("trimMemory() returns the memory of 2,000 closed connections to the system", async () => {
  trimMemory();
  const start = rss();
  const router = new RouterSocket({ routerNotify: RouterNotify.DISCONNECT });
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const dealers: DealerSocket[] = [];
  try {
    for (let i = 0; i < 2000; i++) {
      const d = new DealerSocket();
      d.connect(endpoint);
      dealers.push(d);
    }
    await Promise.all(dealers.map((d) => d.send(["x"])));
    for (let i = 0; i < 2000; i++) {
      router.trySend(await router.receive({ timeoutMs: 30000 }));
    }
    await Promise.all(dealers.map((d) => d.receive({ timeoutMs: 30000 })));
    for (const d of dealers) d.close();
    for (let gone = 0; gone < 2000;) {
      const [, empty] = await router.receive({ timeoutMs: 30000 });
      if (empty.length === 0) gone++;
    }
    const closed = rss();
    const grew = closed - start;
    // About 10 KiB per connection when measured alone (20 MiB); other test
    // modules in the same process leave free arena pages that the
    // connections reuse, so only ask for a growth that a trim can show.
    assert(grew > 8 * 2 ** 20, `only ${grew} bytes for 2,000 connections`);
    assert(trimMemory(), "malloc_trim returned nothing");
    const trimmed = rss();
    assert(
      closed - trimmed > grew / 4,
      `trim gave back ${closed - trimmed} of ${grew} bytes`,
    );
  } finally {
    for (const d of dealers) d.close();
    router.close();
    await shutdown();
  }
});
