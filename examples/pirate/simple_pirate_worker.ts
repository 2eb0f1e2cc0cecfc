// Simple Pirate worker (the guide's spworker): echoes after --work-ms; with
// --chaos it crashes or stalls at random after a few cycles.
//
//   deno run -A examples/pirate/simple_pirate_worker.ts --connect tcp://127.0.0.1:5556 --chaos
//   deno run -A examples/pirate/simple_pirate_worker.ts --count 10 --work-ms 0
import { consoleLogger, SimplePirateWorker } from "../../mod.ts";
import { flags, num, ready } from "./_args.ts";

const f = flags({
  connect: "string",
  chaos: "boolean",
  "work-ms": "string",
  count: "string",
}, {
  connect: "tcp://127.0.0.1:5556",
  chaos: false,
  "work-ms": "1000",
  count: "1",
});
let cycles = 0;
const identities: string[] = [];
for (let i = 0; i < num(f, "count"); i++) {
  const worker = await SimplePirateWorker.connect(
    f.connect as string,
    async (request) => {
      cycles++;
      if (f.chaos && cycles > 3) {
        const roll = Math.random();
        if (roll < 1 / 5) {
          console.error("I: simulating a crash");
          Deno.exit(2);
        } else if (roll < 2 / 5) {
          console.error("I: simulating CPU overload");
          await new Promise((r) => setTimeout(r, 3000));
        }
      }
      const ms = num(f, "work-ms");
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      return request;
    },
    { logger: consoleLogger("info", "spworker") },
  );
  identities.push(worker.identity);
}
ready({ identities });
