// Paranoid Pirate worker(s) (the guide's ppworker): --count workers in this
// process, each echoing after --work-ms; with --chaos a worker crashes the
// process or stalls at random.
import { consoleLogger, ParanoidPirateWorker } from "../../mod.ts";
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
  usage: "deno run -A examples/pirate/paranoid_pirate_worker.ts [flags]",
  about: `
Starts --count 6/PPP workers in this process, connected to a Paranoid Pirate
queue's backend. Each echoes a request after --work-ms (--tag: prefixed with
its identity). Prints one JSON ready line with the identities once every
worker is connected; exits 0 on SIGINT/SIGTERM.

What to expect: the workers heartbeat the queue every --heartbeat-ms. Kill
the queue and they warn "queue silent; reconnecting" and back off (from
--reconnect-ms, doubling up to --reconnect-max-ms); restart it and they come
back. With --chaos, after three requests a worker may crash this process
(simulating a crash) or stall for 3 s (simulating overload): the queue
expires it, and clients retry elsewhere. Run several workers with --count N,
or start this program several times.`,
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
    "heartbeat-ms": {
      type: "string",
      description: "heartbeat interval, ms (match the queue's)",
      default: "1000",
    },
    liveness: {
      type: "string",
      description: "silent intervals before the queue counts as dead",
      default: "3",
    },
    "reconnect-ms": {
      type: "string",
      description: "first reconnect delay, ms",
      default: "1000",
    },
    "reconnect-max-ms": {
      type: "string",
      description: "longest reconnect delay, ms",
      default: "32000",
    },
    tag: {
      type: "boolean",
      description: "prefix each reply with the worker's identity",
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
  const options = {
    heartbeatIntervalMs: int(f, "heartbeat-ms", 1, 2 ** 31 - 1),
    liveness: int(f, "liveness", 1, 1000),
    reconnectInitialMs: int(f, "reconnect-ms", 1, 2 ** 31 - 1),
    reconnectMaxMs: int(f, "reconnect-max-ms", 1, 2 ** 31 - 1),
  };
  const level = logLevel(f);
  const te = new TextEncoder();
  let cycles = 0;
  const workers: ParanoidPirateWorker[] = [];
  exitOnSignal(async () => {
    await Promise.all(workers.map((w) => w.close()));
  });
  for (let i = 0; i < count; i++) {
    let identity = "";
    const w = await ParanoidPirateWorker.connect(
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
        return f.tag ? [te.encode(identity), ...request] : request;
      },
      { ...options, logger: consoleLogger(level, `ppworker ${i}`) },
    );
    identity = w.identity;
    workers.push(w);
  }
  await Promise.all(workers.map((w) => w.ready));
  ready({ identities: workers.map((w) => w.identity) });
});
