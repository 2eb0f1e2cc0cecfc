/**
 * An echo worker: registers a service (default "echo") with a Majordomo
 * broker and returns each request unchanged, optionally after a delay.
 * Prints `{"event":"ready",...}` once started.
 *
 *   deno run -A examples/majordomo/echo_worker.ts --endpoint tcp://127.0.0.1:5555
 */
import { consoleLogger, MajordomoWorker, shutdown } from "../../mod.ts";
import {
  helpText,
  intFlag,
  parseFlags,
  UsageError,
} from "../../src/_util/args.ts";

const SPEC = {
  endpoint: {
    type: "string",
    description: "broker endpoint",
    default: "tcp://127.0.0.1:5555",
  },
  service: { type: "string", description: "service name", default: "echo" },
  "heartbeat-ms": {
    type: "string",
    description: "heartbeat interval, ms",
    default: "2500",
  },
  liveness: {
    type: "string",
    description: "silent heartbeats before the broker is dead",
    default: "3",
  },
  "reconnect-ms": {
    type: "string",
    description: "first reconnect delay, ms",
    default: "2500",
  },
  "delay-ms": {
    type: "string",
    description: "work time per request, ms",
    default: "0",
  },
  tag: {
    type: "string",
    description: "append this frame to each reply (tells workers apart)",
  },
  "log-level": {
    type: "string",
    description: "debug, info, warn, error, silent",
    default: "warn",
  },
  help: { type: "boolean", description: "show this help" },
} as const;

let f;
try {
  f = parseFlags(Deno.args, SPEC);
  if (f.help) {
    console.log(helpText("echo_worker.ts [flags]", SPEC));
    Deno.exit(0);
  }
} catch (e) {
  if (e instanceof UsageError) {
    console.error(e.message);
    Deno.exit(2);
  }
  throw e;
}
const delayMs = intFlag(f, "delay-ms")!;
const tag = f.tag as string | undefined;
const worker = new MajordomoWorker(
  f.endpoint as string,
  f.service as string,
  async (request) => {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    return tag === undefined ? request : [...request, tag];
  },
  {
    heartbeatIntervalMs: intFlag(f, "heartbeat-ms", 1),
    liveness: intFlag(f, "liveness", 1),
    reconnectIntervalMs: intFlag(f, "reconnect-ms", 0),
    logger: consoleLogger(f["log-level"] as "warn", "worker"),
  },
);
worker.start();
const stop = async () => {
  await worker.close();
  await shutdown();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
console.log(
  JSON.stringify({
    event: "ready",
    endpoint: f.endpoint,
    service: f.service,
    pid: Deno.pid,
  }),
);
