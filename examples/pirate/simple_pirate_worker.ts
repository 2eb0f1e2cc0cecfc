// Simple Pirate worker(s) (the guide's spworker): --count workers in this
// process, each echoing after --work-ms; with --chaos a worker crashes the
// process or stalls at random.
import { consoleLogger, SimplePirateWorker } from "../../mod.ts";
import {
  exitOnSignal,
  int,
  logLevel,
  parse,
  type Program,
  ready,
  run,
  str,
} from "../_cli.ts";

const PROGRAM: Program = {
  usage: "deno run -A examples/pirate/simple_pirate_worker.ts [flags]",
  about: `
Starts --count REQ workers in this process, connected to a Simple Pirate
queue's backend; each says READY and echoes requests after --work-ms. Prints
one JSON ready line with the identities once every worker is connected;
exits 0 on SIGINT/SIGTERM.

What to expect: the queue hands requests to the workers in turn. With
--chaos, after three requests a worker may crash this process (simulating a
crash) or stall for 3 s (simulating overload); the request it held is lost,
and the client's retry goes to another worker. Run several workers with
--count N, or start this program several times.`,
  flags: {
    connect: {
      type: "string",
      description: "the queue's backend endpoint",
      default: "tcp://127.0.0.1:5556",
    },
    count: {
      type: "string",
      description: "workers in this process",
      default: "1",
    },
    chaos: {
      type: "boolean",
      description: "crash or stall at random after three requests",
    },
    "work-ms": {
      type: "string",
      description: "time each request takes, ms",
      default: "1000",
    },
    "log-level": {
      type: "string",
      description: "debug, info, warn, error or silent",
      default: "info",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const count = int(f, "count", 1, 10_000);
  const workMs = int(f, "work-ms", 0, 600_000);
  const level = logLevel(f);
  let cycles = 0;
  const workers: SimplePirateWorker[] = [];
  exitOnSignal(async () => {
    await Promise.all(workers.map((w) => w.close()));
  });
  for (let i = 0; i < count; i++) {
    const worker = await SimplePirateWorker.connect(
      str(f, "connect"),
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
        if (workMs > 0) await new Promise((r) => setTimeout(r, workMs));
        return request;
      },
      { logger: consoleLogger(level, `spworker ${i}`) },
    );
    workers.push(worker);
  }
  await Promise.all(workers.map((w) => w.ready));
  ready({ identities: workers.map((w) => w.identity) });
});
