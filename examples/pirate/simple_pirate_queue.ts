// Simple Pirate queue (the guide's spqueue).
//
//   deno run -A examples/pirate/simple_pirate_queue.ts
//   deno run -A examples/pirate/simple_pirate_queue.ts --frontend tcp://127.0.0.1:* --backend tcp://127.0.0.1:*
import { consoleLogger, shutdown, SimplePirateQueue } from "../../mod.ts";
import { flags, ready } from "./_args.ts";

const f = flags({ frontend: "string", backend: "string", events: "boolean" }, {
  frontend: "tcp://*:5555",
  backend: "tcp://*:5556",
});
// deno-lint-ignore prefer-const
let queue: SimplePirateQueue | undefined;
queue = await SimplePirateQueue.bind({
  frontend: f.frontend as string,
  backend: f.backend as string,
  // --events: one JSON line per queue event on stdout, with the counters.
  onEvent: f.events
    ? (e) =>
      console.log(JSON.stringify({ event: e.type, ...e, stats: queue?.stats }))
    : undefined,
  logger: consoleLogger("info", "spqueue"),
});
ready({
  endpoint: queue.frontendEndpoint,
  frontend: queue.frontendEndpoint,
  backend: queue.backendEndpoint,
});
Deno.addSignalListener("SIGTERM", async () => {
  await queue!.close();
  await shutdown();
  Deno.exit(0);
});
