// Benchmark helper: a raw ROUTER echo server (no protocol), the baseline the
// Majordomo broker's overhead is measured against. Prints a ready line.
import { configureReactor, RouterSocket } from "../src/transport/mod.ts";

const i = Deno.args.indexOf("--spin-us");
if (i >= 0) configureReactor({ spinUs: Number(Deno.args[i + 1]) });

const router = new RouterSocket({
  sendHighWaterMark: 0,
  receiveHighWaterMark: 0,
});
const endpoint = router.bind("tcp://127.0.0.1:*");
console.log(JSON.stringify({ event: "ready", endpoint }));
for (;;) {
  let msg = router.tryReceive();
  if (msg === null) msg = await router.receive();
  router.trySend(msg);
}
