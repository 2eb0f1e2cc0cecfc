// Does the reactor's cost stay flat as sockets are added? One DEALER↔ROUTER
// pair does synchronous round trips in this process while K other sockets are
// registered, each with a receive pending (so each is in the reactor's
// waiting set). With a poll() over every descriptor the round-trip rate would
// fall with K; with the epoll set it should not.
//
//   deno run -A bench/reactor_scale.ts [roundTrips]
import { DealerSocket, reactorStats, RouterSocket, shutdown } from "../mod.ts";

const trips = Number(Deno.args[0] ?? 5000);

async function run(k: number): Promise<number> {
  const router = new RouterSocket();
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const dealer = new DealerSocket();
  dealer.connect(endpoint);
  const idleRouter = new RouterSocket();
  const idleEndpoint = idleRouter.bind("tcp://127.0.0.1:*");
  const idle: DealerSocket[] = [];
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < k; i++) {
    const d = new DealerSocket();
    d.connect(idleEndpoint);
    idle.push(d);
    pending.push(d.receive().catch(() => {}));
  }
  for (let i = 0; i < 200; i++) { // warm up
    await dealer.send(["w"]);
    const [id, b] = await router.receive();
    await router.send([id, b]);
    await dealer.receive();
  }
  const t0 = performance.now();
  for (let i = 0; i < trips; i++) {
    await dealer.send(["ping"]);
    const [id, b] = await router.receive();
    await router.send([id, b]);
    await dealer.receive();
  }
  const rate = trips / ((performance.now() - t0) / 1000);
  const waiting = reactorStats().waiting;
  for (const d of idle) d.close();
  await Promise.all(pending);
  idleRouter.close();
  dealer.close();
  router.close();
  console.log(
    JSON.stringify({
      idleSockets: k,
      waiting,
      roundTripsPerSec: Math.round(rate),
    }),
  );
  return rate;
}

const base = await run(0);
for (const k of [10, 100, 1000, 2000]) {
  const r = await run(k);
  console.log(
    `  ${k} waiting sockets: ${(r / base).toFixed(2)}× the rate with none`,
  );
}
await shutdown();
