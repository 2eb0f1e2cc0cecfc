// Lazy Pirate server (the guide's lpserver, as flags): a REP echo server.
// With --chaos it is MEANT to fail: after a few requests it crashes or
// stalls at random, so that lazy_pirate_client.ts shows its retries.
import { RepSocket, shutdown } from "../../mod.ts";
import {
  exitOnSignal,
  int,
  parse,
  type Program,
  ready,
  run,
  str,
} from "../_cli.ts";

const PROGRAM: Program = {
  usage: "deno run -A examples/pirate/lazy_pirate_server.ts [flags]",
  about: `
A REP server that echoes each request after --work-ms. Prints one JSON ready
line on stdout, then "I: normal request (N)" on stderr per request.

What to expect: with --chaos the server is MEANT to die. After --safe-cycles
requests it crashes (exit 2) or stalls for --stall-ms at random, like the
guide's lpserver; the client then retries on a fresh socket and, if the server
stays down, gives up ("server seems to be offline"). Restart this server on
the same port and the next client run recovers.

  deno run -A examples/pirate/lazy_pirate_server.ts --chaos
  deno run -A examples/pirate/lazy_pirate_client.ts --requests 20`,
  flags: {
    bind: {
      type: "string",
      description: "endpoint to bind",
      default: "tcp://*:5555",
    },
    chaos: {
      type: "boolean",
      description: "crash or stall at random after --safe-cycles requests",
    },
    "work-ms": {
      type: "string",
      description: "time each request takes, ms",
      default: "1000",
    },
    "stall-ms": {
      type: "string",
      description: "length of a simulated overload (--chaos), ms",
      default: "2000",
    },
    "safe-cycles": {
      type: "string",
      description: "requests served before --chaos starts",
      default: "3",
    },
    "crash-after": {
      type: "string",
      description: "exit with code 3 on request N+1 (for scripts)",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const workMs = int(f, "work-ms", 0, 600_000);
  const stallMs = int(f, "stall-ms", 0, 600_000);
  const safe = int(f, "safe-cycles", 0);
  const crashAfter = f["crash-after"] === undefined
    ? Infinity
    : int(f, "crash-after", 0);
  const rep = new RepSocket();
  const endpoint = rep.bind(str(f, "bind"));
  exitOnSignal(async () => {
    rep.close();
    await shutdown();
  });
  ready({ endpoint });
  let cycles = 0;
  for await (const request of rep) {
    cycles++;
    if (cycles > crashAfter) Deno.exit(3); // deterministic crash for scripts
    if (f.chaos && cycles > safe) {
      const roll = Math.random();
      if (roll < 1 / 3) {
        console.error("I: simulating a crash");
        Deno.exit(2);
      } else if (roll < 1 / 3 + 2 / 9) {
        console.error("I: simulating CPU overload");
        await new Promise((r) => setTimeout(r, stallMs));
      }
    }
    console.error(
      `I: normal request (${new TextDecoder().decode(request[0])})`,
    );
    if (workMs > 0) await new Promise((r) => setTimeout(r, workMs));
    await rep.send(request);
  }
  await shutdown();
});
