/**
 * `deno task broker`: runs a Majordomo broker (7/MDP + 8/MMI).
 *
 * Prints one JSON line on stdout when ready,
 * `{"event":"ready","endpoint":"tcp://0.0.0.0:5555","endpoints":[...]}`, logs
 * to stderr, prints one stats line per `--stats-ms` at info level, and shuts
 * down cleanly on SIGINT/SIGTERM (workers get DISCONNECT; exit code 0). Bad
 * flags print a message and exit 2.
 *
 * @module
 */
import { MajordomoBroker } from "../patterns/majordomo/broker.ts";
import { TitanicService } from "../patterns/titanic/service.ts";
import { titanicOptions } from "./titanic.ts";
import { shutdown } from "../transport/socket.ts";
import { configureReactor } from "../transport/reactor.ts";
import { consoleLogger, LogLevel, type LogLevelName } from "../_util/logger.ts";
import {
  type FlagSpec,
  helpText,
  intFlag,
  parseFlags,
  UsageError,
} from "../_util/args.ts";

const SPEC: Record<string, FlagSpec> = {
  bind: {
    type: "string",
    multiple: true,
    description: "endpoint to bind; may be repeated",
    default: "tcp://*:5555",
  },
  "heartbeat-ms": {
    type: "string",
    description: "heartbeat interval in ms",
    default: "2500",
  },
  liveness: {
    type: "string",
    description: "silent heartbeats before a worker is dead",
    default: "3",
  },
  "request-ttl-ms": {
    type: "string",
    description: "how long a request waits for a worker, ms",
    default: "60000",
  },
  "max-queue": {
    type: "string",
    description: "most requests waiting per service",
    default: "10000",
  },
  "max-pending-bytes": {
    type: "string",
    description: "most bytes of waiting requests, all services",
    default: "268435456",
  },
  "max-services": {
    type: "string",
    description: "most services known at once",
    default: "10000",
  },
  core: {
    type: "string",
    description: "hot-path core: auto, wasm or ts",
    default: "auto",
  },
  "keep-busy-workers": {
    type: "boolean",
    description:
      "never expire busy workers (for guide-style workers silent while busy)",
  },
  "spin-us": {
    type: "string",
    description:
      "reactor spin before napping, µs (0 saves CPU on busy shared hosts)",
  },
  "stats-ms": {
    type: "string",
    description: "interval of the stats line (info level); 0 disables",
    default: "10000",
  },
  "log-level": {
    type: "string",
    description: "debug, info, warn, error or silent",
    default: "info",
  },
  "titanic-dir": {
    type: "string",
    description:
      "also run Titanic (9/TSP) in this process, storing in this directory",
  },
  "titanic-store": {
    type: "string",
    description: "Titanic's store: log or sqlite",
    default: "log",
  },
  help: { type: "boolean", short: "h", description: "show this help" },
};

const USAGE = "deno task broker [flags]";

function fail(message: string): never {
  console.error(`broker: ${message}\n\n${helpText(USAGE, SPEC)}`);
  Deno.exit(2);
}

async function main(): Promise<void> {
  let flags;
  let hb: number,
    liveness: number,
    ttl: number,
    maxQueue: number,
    statsMs: number;
  let level: LogLevelName;
  let core: "auto" | "wasm" | "ts";
  try {
    flags = parseFlags(Deno.args, SPEC);
    if (flags.help) {
      console.log(helpText(USAGE, SPEC));
      return;
    }
    hb = intFlag(flags, "heartbeat-ms", 1)!;
    liveness = intFlag(flags, "liveness", 1, 1000)!;
    ttl = intFlag(flags, "request-ttl-ms", 1)!;
    maxQueue = intFlag(flags, "max-queue", 0)!;
    statsMs = intFlag(flags, "stats-ms", 0)!;
    const l = flags["log-level"] as string;
    if (!(l in LogLevel)) {
      throw new UsageError(
        `--log-level must be one of ${Object.keys(LogLevel).join(", ")}`,
      );
    }
    level = l as LogLevelName;
    const c = flags.core as string;
    if (c !== "auto" && c !== "wasm" && c !== "ts") {
      throw new UsageError(`--core must be auto, wasm or ts`);
    }
    core = c;
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  let titanicOpts;
  try {
    titanicOpts = titanicOptions(flags, "titanic-");
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  const spinUs = intFlag(flags, "spin-us", 0, 1_000_000);
  if (spinUs !== undefined) configureReactor({ spinUs });
  const log = consoleLogger(level, "broker");
  const broker = new MajordomoBroker({
    heartbeatIntervalMs: hb,
    liveness,
    requestTtlMs: ttl,
    maxQueue,
    maxPendingBytes: intFlag(flags, "max-pending-bytes", 0),
    maxServices: intFlag(flags, "max-services", 1),
    core,
    expireBusyWorkers: !flags["keep-busy-workers"],
    logger: log,
  });
  const endpoints: string[] = [];
  for (const ep of flags.bind as string[]) {
    try {
      endpoints.push(broker.bind(ep));
    } catch (e) {
      if (e instanceof TypeError) fail(`--bind: ${e.message}`);
      log.error(`cannot bind ${ep}`, { error: String(e) });
      await broker.close();
      await shutdown();
      Deno.exit(1);
    }
  }
  let titanic: TitanicService | undefined;
  const titanicDir = flags["titanic-dir"] as string | undefined;
  if (titanicDir !== undefined) {
    // Titanic reaches the broker over an in-process endpoint.
    const inproc = broker.bind(`inproc://titanic-broker-${Deno.pid}`);
    try {
      titanic = await TitanicService.connect(inproc, {
        ...titanicOpts,
        dir: titanicDir,
        heartbeatIntervalMs: hb,
        liveness,
        logger: consoleLogger(level, "titanic"),
      });
    } catch (e) {
      log.error(`cannot start Titanic: ${e instanceof Error ? e.message : e}`);
      await broker.close();
      await shutdown();
      Deno.exit(1);
    }
  }
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${sig}: shutting down`);
    clearInterval(statsTimer);
    await titanic?.close();
    await broker.close();
    await shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  const statsTimer = statsMs > 0
    ? setInterval(() => {
      const s = broker.stats();
      log.info(
        `stats workers=${s.workers} services=${s.services.length} queued=${s.queued} requests=${s.counters.requests} replies=${s.counters.replies} dropped=${
          s.counters.droppedRequests + s.counters.expiredRequests
        } invalid=${s.counters.invalidMessages}`,
      );
    }, statsMs)
    : undefined;
  console.log(JSON.stringify({
    event: "ready",
    endpoint: endpoints[0],
    endpoints,
    core: broker.core,
    ...(titanicDir !== undefined ? { titanic: titanicDir } : {}),
    pid: Deno.pid,
  }));
}

await main();
