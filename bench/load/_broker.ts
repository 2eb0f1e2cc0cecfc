// Load-run child: a Majordomo broker (through the API adapter) that prints a
// ready line, then one JSON stats line per --progress-ms, and a last one when
// it is told to stop (SIGTERM).
import { configureReactor, shutdown } from "../../src/transport/mod.ts";
import { intFlag, parseFlags } from "../../src/_util/args.ts";
import { bindBroker } from "./_api.ts";

const f = parseFlags(Deno.args, {
  bind: {
    type: "string",
    description: "endpoint",
    default: "tcp://127.0.0.1:*",
  },
  "progress-ms": {
    type: "string",
    description: "stats interval",
    default: "1000",
  },
  "spin-us": { type: "string", description: "reactor spin, µs" },
  "heartbeat-ms": { type: "string", description: "broker heartbeat, ms" },
  "request-ttl-ms": { type: "string", description: "broker requestTtlMs" },
});
const spin = intFlag(f, "spin-us", 0);
if (spin !== undefined) configureReactor({ spinUs: spin });
const hb = intFlag(f, "heartbeat-ms", 1);
const ttl = intFlag(f, "request-ttl-ms", 1);
const options: Record<string, unknown> = {};
if (hb !== undefined) options.heartbeatIntervalMs = hb;
if (ttl !== undefined) options.requestTtlMs = ttl;
const broker = await bindBroker(f.bind as string, options);
const line = (event: string) =>
  console.log(
    JSON.stringify({ event, t: performance.now(), ...broker.stats() }),
  );
const timer = setInterval(() => line("broker"), intFlag(f, "progress-ms", 10)!);
Deno.addSignalListener("SIGTERM", async () => {
  clearInterval(timer);
  line("broker-final");
  await broker.close();
  await shutdown();
  Deno.exit(0);
});
console.log(
  JSON.stringify({ event: "ready", endpoint: broker.endpoint, pid: Deno.pid }),
);
