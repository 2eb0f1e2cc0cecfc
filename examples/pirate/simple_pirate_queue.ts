// Simple Pirate queue (the guide's spqueue): LRU routing to READY workers.
import { consoleLogger, shutdown, SimplePirateQueue } from "../../mod.ts";
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
  usage: "deno run -A examples/pirate/simple_pirate_queue.ts [flags]",
  about: `
Clients (REQ, e.g. lazy_pirate_client.ts) connect to --frontend; workers
(simple_pirate_worker.ts) connect to --backend. Prints one JSON ready line.

What to expect: each request goes to the least recently used ready worker.
Run several workers to see them take turns, in one process or in several:

  deno run -A examples/pirate/simple_pirate_queue.ts
  deno run -A examples/pirate/simple_pirate_worker.ts --count 3
  deno run -A examples/pirate/simple_pirate_worker.ts --chaos
  deno run -A examples/pirate/lazy_pirate_client.ts --requests 20

There are no heartbeats: a worker started with --chaos that crashes while
holding a request loses it, and the client's retry gets another worker.`,
  flags: {
    frontend: {
      type: "string",
      description: "endpoint clients connect to",
      default: "tcp://*:5555",
    },
    backend: {
      type: "string",
      description: "endpoint workers connect to",
      default: "tcp://*:5556",
    },
    "max-frame-bytes": {
      type: "string",
      description: "largest frame accepted, bytes",
      default: String(16 * 1024 * 1024),
    },
    events: {
      type: "boolean",
      description: "print one JSON line per queue event on stdout",
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
  const maxFrameBytes = int(f, "max-frame-bytes", 1);
  const level = logLevel(f);
  // deno-lint-ignore prefer-const
  let queue: SimplePirateQueue | undefined;
  queue = await SimplePirateQueue.bind(str(f, "frontend"), str(f, "backend"), {
    maxFrameBytes,
    // --events: one JSON line per queue event on stdout, with the counters.
    onEvent: f.events
      ? (e) =>
        console.log(
          JSON.stringify({ event: e.type, ...e, stats: queue?.stats }),
        )
      : undefined,
    logger: consoleLogger(level, "spqueue"),
  });
  exitOnSignal(async () => {
    await queue!.close();
    await shutdown();
  });
  ready({
    endpoint: queue.frontendEndpoint,
    frontend: queue.frontendEndpoint,
    backend: queue.backendEndpoint,
  });
});
