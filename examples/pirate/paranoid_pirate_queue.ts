// Paranoid Pirate queue (the guide's ppqueue): LRU routing with 6/PPP
// heartbeats and worker expiry.
import { consoleLogger, ParanoidPirateQueue, shutdown } from "../../mod.ts";
import {
  exitOnSignal,
  int,
  logLevel,
  parse,
  type Program,
  ready,
  run,
  str,
  UsageError,
} from "../_cli.ts";

const PROGRAM: Program = {
  usage: "deno run -A examples/pirate/paranoid_pirate_queue.ts [flags]",
  about: `
Clients (REQ, e.g. lazy_pirate_client.ts) connect to --frontend; workers
(paranoid_pirate_worker.ts) connect to --backend. Prints one JSON ready line.

What to expect: each request goes to the least recently used idle worker.
Idle workers are heartbeated every --heartbeat-ms and forgotten after
--liveness silent intervals (a warning on stderr). Run several workers, in
one process or several, and kill some:

  deno run -A examples/pirate/paranoid_pirate_queue.ts
  deno run -A examples/pirate/paranoid_pirate_worker.ts --count 3
  deno run -A examples/pirate/paranoid_pirate_worker.ts --chaos
  deno run -A examples/pirate/lazy_pirate_client.ts --requests 50

Kill and restart this queue: the workers notice the silence, back off and
come back by themselves (their next READY or heartbeat registers them).`,
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
    "heartbeat-ms": {
      type: "string",
      description: "heartbeat interval, ms",
      default: "1000",
    },
    liveness: {
      type: "string",
      description: "silent intervals before a worker expires",
      default: "3",
    },
    "max-busy-ms": {
      type: "string",
      description: "longest a worker may stay busy, ms (default: no limit)",
    },
    "max-frame-bytes": {
      type: "string",
      description: "largest frame accepted, bytes",
      default: String(16 * 1024 * 1024),
    },
    "max-message-bytes": {
      type: "string",
      description:
        "largest message accepted, bytes (default: 64 MiB or the frame cap)",
    },
    core: {
      type: "string",
      description: "auto, wasm or ts: where idle workers are kept",
      default: "auto",
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
  const heartbeatIntervalMs = int(f, "heartbeat-ms", 1, 2 ** 31 - 1);
  const liveness = int(f, "liveness", 1, 1000);
  const maxBusyMs = f["max-busy-ms"] === undefined
    ? Infinity
    : int(f, "max-busy-ms", 1, 2 ** 31 - 1);
  const maxFrameBytes = int(f, "max-frame-bytes", 1);
  const maxMessageBytes = f["max-message-bytes"] === undefined
    ? undefined
    : int(f, "max-message-bytes", 1);
  const core = str(f, "core");
  if (core !== "auto" && core !== "wasm" && core !== "ts") {
    throw new UsageError(`--core must be auto, wasm or ts, got "${core}"`);
  }
  const level = logLevel(f);
  // deno-lint-ignore prefer-const
  let queue: ParanoidPirateQueue | undefined;
  queue = await ParanoidPirateQueue.bind(
    str(f, "frontend"),
    str(f, "backend"),
    {
      heartbeatIntervalMs,
      liveness,
      maxBusyMs,
      maxFrameBytes,
      maxMessageBytes,
      core,
      // --events: one JSON line per queue event on stdout, with the counters.
      onEvent: f.events
        ? (e) =>
          console.log(
            JSON.stringify({ event: e.type, ...e, stats: queue?.stats }),
          )
        : undefined,
      logger: consoleLogger(level, "ppqueue"),
    },
  );
  exitOnSignal(async () => {
    await queue!.close();
    await shutdown();
  });
  ready({
    endpoint: queue.frontendEndpoint,
    frontend: queue.frontendEndpoint,
    backend: queue.backendEndpoint,
    core: queue.coreImpl,
    pid: Deno.pid,
  });
});
