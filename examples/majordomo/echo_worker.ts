/**
 * An echo worker: registers a service (default "echo") with a Majordomo
 * broker and returns each request unchanged, optionally after a delay.
 * Prints `{"event":"ready",...}` once registered; SIGINT or SIGTERM closes
 * it cleanly (DISCONNECT to the broker).
 *
 *   deno run -A examples/majordomo/echo_worker.ts --endpoint tcp://127.0.0.1:5555
 */
import {
  consoleLogger,
  type LogLevelName,
  MajordomoWorker,
  shutdown,
} from "../../mod.ts";
import { endpoint, int, parseOrExit, run, UsageError } from "./_cli.ts";

const LEVELS = ["debug", "info", "warn", "error", "silent"];
const o = parseOrExit({
  usage: "echo_worker.ts [flags]",
  about:
    "Serves a Majordomo service by echoing each request (plus --tag). Runs until SIGINT/SIGTERM.",
  flags: {
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
      default: "1000",
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
  },
}, (f) => {
  const level = String(f["log-level"]);
  if (!LEVELS.includes(level)) {
    throw new UsageError(
      `--log-level must be one of ${LEVELS.join(", ")}, got "${level}"`,
    );
  }
  const service = String(f.service);
  if (service.length === 0 || service.startsWith("mmi.")) {
    throw new UsageError(
      `--service must be a name not starting with "mmi.", got "${service}"`,
    );
  }
  return {
    endpoint: endpoint(f),
    service,
    heartbeatIntervalMs: int(f, "heartbeat-ms", 1, 2 ** 31 - 1),
    liveness: int(f, "liveness", 1, 1000),
    reconnectInitialMs: int(f, "reconnect-ms", 0, 2 ** 31 - 1),
    delayMs: int(f, "delay-ms", 0, 2 ** 31 - 1),
    tag: f.tag as string | undefined,
    level: level as LogLevelName,
  };
});

await run(async () => {
  const worker = await MajordomoWorker.connect(
    o.endpoint,
    o.service,
    async (request) => {
      if (o.delayMs > 0) await new Promise((r) => setTimeout(r, o.delayMs));
      return o.tag === undefined ? request : [...request, o.tag];
    },
    {
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      liveness: o.liveness,
      reconnectInitialMs: o.reconnectInitialMs,
      reconnectMaxMs: Math.max(32000, o.reconnectInitialMs),
      logger: consoleLogger(o.level, "worker"),
    },
  );
  const stopped = new Promise<void>((resolve) => {
    Deno.addSignalListener("SIGINT", () => resolve());
    Deno.addSignalListener("SIGTERM", () => resolve());
  });
  await Promise.race([worker.ready, stopped]);
  console.log(
    JSON.stringify({
      event: "ready",
      endpoint: o.endpoint,
      service: o.service,
      pid: Deno.pid,
    }),
  );
  await stopped;
  await worker.close();
  await shutdown();
});
