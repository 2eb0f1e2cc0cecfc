// Paranoid Pirate worker(s) (the guide's ppworker): --count workers in this
// process, each echoing after --work-ms and prefixing its identity with
// --tag; with --chaos a worker crashes the process or stalls at random.
//
//   deno run -A examples/pirate/paranoid_pirate_worker.ts --connect tcp://127.0.0.1:5556
//   deno run -A examples/pirate/paranoid_pirate_worker.ts --count 10 --heartbeat-ms 250 --work-ms 0
import { consoleLogger, ParanoidPirateWorker } from "../../mod.ts";
import { flags, num, ready } from "./_args.ts";

const f = flags({
  connect: "string",
  count: "string",
  chaos: "boolean",
  "work-ms": "string",
  "heartbeat-ms": "string",
  liveness: "string",
  "reconnect-ms": "string",
  "reconnect-max-ms": "string",
  tag: "boolean",
  "log-level": "string",
}, {
  connect: "tcp://127.0.0.1:5556",
  count: "1",
  chaos: false,
  "work-ms": "1000",
  "heartbeat-ms": "1000",
  liveness: "3",
  "reconnect-ms": "1000",
  "reconnect-max-ms": "32000",
  tag: false,
  "log-level": "info",
});
const te = new TextEncoder();
let cycles = 0;
const workers: ParanoidPirateWorker[] = [];
for (let i = 0; i < num(f, "count"); i++) {
  let identity = "";
  const w = await ParanoidPirateWorker.connect(
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
      return f.tag ? [te.encode(identity), ...request] : request;
    },
    {
      heartbeatIntervalMs: num(f, "heartbeat-ms"),
      liveness: num(f, "liveness"),
      reconnectInitialMs: num(f, "reconnect-ms"),
      reconnectMaxMs: num(f, "reconnect-max-ms"),
      logger: consoleLogger(f["log-level"] as "info", `ppworker ${i}`),
    },
  );
  identity = w.identity;
  workers.push(w);
}
ready({ identities: workers.map((w) => w.identity) });
