// Paranoid Pirate queue (the guide's ppqueue).
//
//   deno run -A examples/pirate/paranoid_pirate_queue.ts
//   deno run -A examples/pirate/paranoid_pirate_queue.ts --frontend tcp://127.0.0.1:* --backend tcp://127.0.0.1:* --heartbeat-ms 250
import { consoleLogger, ParanoidPirateQueue, shutdown } from "../../mod.ts";
import { flags, num, ready } from "./_args.ts";

const f = flags({
  frontend: "string",
  backend: "string",
  "heartbeat-ms": "string",
  liveness: "string",
  "log-level": "string",
  events: "boolean",
}, {
  frontend: "tcp://*:5555",
  backend: "tcp://*:5556",
  "heartbeat-ms": "1000",
  liveness: "3",
  "log-level": "info",
});
// deno-lint-ignore prefer-const
let queue: ParanoidPirateQueue | undefined;
queue = await ParanoidPirateQueue.bind({
  frontend: f.frontend as string,
  backend: f.backend as string,
  heartbeatIntervalMs: num(f, "heartbeat-ms"),
  liveness: num(f, "liveness"),
  // --events: one JSON line per queue event on stdout, with the counters.
  onEvent: f.events
    ? (e) =>
      console.log(JSON.stringify({ event: e.type, ...e, stats: queue?.stats }))
    : undefined,
  logger: consoleLogger(f["log-level"] as "info", "ppqueue"),
});
ready({
  endpoint: queue.frontendEndpoint,
  frontend: queue.frontendEndpoint,
  backend: queue.backendEndpoint,
  core: queue.coreImpl,
});
Deno.addSignalListener("SIGTERM", async () => {
  await queue!.close();
  await shutdown();
  Deno.exit(0);
});
