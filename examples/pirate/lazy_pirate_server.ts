// Lazy Pirate test server (the guide's lpserver, as options): a REP echo
// server that, with --chaos, crashes or stalls at random after a few cycles.
//
//   deno run -A examples/pirate/lazy_pirate_server.ts --chaos
//   deno run -A examples/pirate/lazy_pirate_server.ts --bind tcp://127.0.0.1:5555 --work-ms 0
import { RepSocket, shutdown } from "../../mod.ts";
import { flags, num, ready } from "./_args.ts";

const f = flags({
  bind: "string",
  chaos: "boolean",
  "work-ms": "string",
  "stall-ms": "string",
  "safe-cycles": "string",
  "crash-after": "string",
}, {
  bind: "tcp://*:5555",
  chaos: false,
  "work-ms": "1000",
  "stall-ms": "2000",
  "safe-cycles": "3",
});
const rep = new RepSocket();
const endpoint = rep.bind(f.bind as string);
ready({ endpoint });
const workMs = num(f, "work-ms");
const crashAfter = f["crash-after"] === undefined
  ? Infinity
  : num(f, "crash-after");
let cycles = 0;
for await (const request of rep) {
  cycles++;
  if (cycles > crashAfter) Deno.exit(3); // deterministic crash for scripts
  if (f.chaos && cycles > num(f, "safe-cycles")) {
    const roll = Math.random();
    if (roll < 1 / 3) {
      console.error("I: simulating a crash");
      Deno.exit(2);
    } else if (roll < 1 / 3 + 2 / 9) {
      console.error("I: simulating CPU overload");
      await new Promise((r) => setTimeout(r, num(f, "stall-ms")));
    }
  }
  console.error(`I: normal request (${new TextDecoder().decode(request[0])})`);
  if (workMs > 0) await new Promise((r) => setTimeout(r, workMs));
  await rep.send(request);
}
await shutdown();
