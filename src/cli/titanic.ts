/**
 * `deno task titanic`: runs the Titanic service (9/TSP) against a Majordomo
 * broker: `titanic.request`, `titanic.reply`, `titanic.close` and the
 * dispatcher, over a crash-safe store in `--dir`.
 *
 * Prints one JSON line on stdout once the store is open and the workers
 * are started, `{"event":"ready","endpoint":...,"dir":...,"store":"log",
 * "pending":N,"pid":...}`, and a second one, `{"event":"registered"}`, once
 * the broker reports the three services. Logs to stderr, prints one stats
 * line per `--stats-ms` at info level, and shuts down cleanly on
 * SIGINT/SIGTERM (exit code 0). Bad flags print a message and the usage and
 * exit 2; a store that cannot be opened (e.g. its directory is in use by
 * another Titanic) exits 1.
 *
 * @module
 */
import {
  TitanicService,
  type TitanicServiceOptions,
} from "../patterns/titanic/service.ts";
import { KeyFileError, StorageError } from "../errors.ts";
import { loadKeyFileSync, loadKeyPairSync } from "../security/keys.ts";
import { shutdown } from "../transport/socket.ts";
import {
  consoleLogger,
  type Logger,
  LogLevel,
  type LogLevelName,
} from "../_util/logger.ts";
import {
  choiceFlag,
  type FlagSpec,
  helpText,
  intFlag,
  type ParsedFlags,
  parseFlags,
  UsageError,
} from "../_util/args.ts";
import { ObserveServer } from "../observe/http.ts";
import { StatsMetrics } from "../observe/stats_metrics.ts";
import {
  HTTP_FLAG_HELP,
  type HttpAddress,
  readHttpFlag,
} from "./_http_flag.ts";
import { usageExit } from "./_common.ts";

/** The flags that configure Titanic (shared with `broker --titanic-dir`). */
export const TITANIC_FLAGS: Record<string, FlagSpec> = {
  store: {
    type: "string",
    description: "store backend: log or sqlite",
    default: "log",
  },
  "no-sync": {
    type: "boolean",
    description:
      "acknowledge before syncing to disk (NOT crash-safe; a measuring ceiling)",
  },
  "request-workers": {
    type: "string",
    description: "workers for titanic.request (requests sharing one disk sync)",
    default: "32",
  },
  "reply-workers": {
    type: "string",
    description: "workers for titanic.reply and for titanic.close",
    default: "2",
  },
  "dispatch-concurrency": {
    type: "string",
    description: "stored requests in flight to their services",
    default: "16",
  },
  "attempt-timeout-ms": {
    type: "string",
    description: "how long one dispatch attempt waits for the service, ms",
    default: "10000",
  },
  "max-attempts": {
    type: "string",
    description: "dispatch attempts before a request is parked (500)",
    default: "5",
  },
  "retry-initial-ms": {
    type: "string",
    description: "wait before retrying a failed attempt, ms (doubles)",
    default: "1000",
  },
  "retry-max-ms": {
    type: "string",
    description: "longest retry wait, ms",
    default: "30000",
  },
  "service-check-ms": {
    type: "string",
    description: "how often to ask MMI again for a service without workers, ms",
    default: "1000",
  },
  "max-request-bytes": {
    type: "string",
    description: "largest request body accepted, bytes",
    default: "16777216",
  },
};

const SPEC: Record<string, FlagSpec> = {
  endpoint: {
    type: "string",
    description: "the Majordomo broker to register with",
    default: "tcp://127.0.0.1:5555",
  },
  dir: {
    type: "string",
    description: "the store's directory",
    default: ".titanic",
  },
  ...TITANIC_FLAGS,
  "heartbeat-ms": {
    type: "string",
    description:
      "heartbeat interval of Titanic's workers, ms (match the broker's)",
    default: "2500",
  },
  liveness: {
    type: "string",
    description: "silent heartbeats before the broker counts as dead",
    default: "3",
  },
  "curve-server-key": {
    type: "string",
    description:
      "CURVE: the broker's public key file (NAME, written beside its NAME_secret by deno task keygen)",
  },
  "curve-secret": {
    type: "string",
    description:
      "CURVE: Titanic's own secret key file (deno task keygen; 0600), admitted by the broker's --allow-clients and --allow-workers; default a new key per start",
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
  http: { type: "string", description: HTTP_FLAG_HELP },
  "log-format": {
    type: "string",
    description: "text or json",
    default: "text",
  },
  help: { type: "boolean", short: "h", description: "show this help" },
};

const USAGE = "deno task titanic [flags]";

/**
 * Reads the Titanic flags into service options.
 * @param f Parsed flags (of a spec that includes {@linkcode TITANIC_FLAGS}).
 * @param prefix The flags' prefix (`"titanic-"` in the broker).
 * @returns The options (without `dir`, `logger`, heartbeat).
 * @throws {UsageError} On a bad value.
 */
export function titanicOptions(
  f: ParsedFlags,
  prefix = "",
): TitanicServiceOptions {
  const n = (name: string, min: number, max?: number) =>
    intFlag(f, prefix + name, min, max);
  const store = f[prefix + "store"] ?? "log";
  if (store !== "log" && store !== "sqlite") {
    throw new UsageError(
      `--${prefix}store must be log or sqlite, got ${JSON.stringify(store)}`,
    );
  }
  const o: TitanicServiceOptions = { store };
  if (f[prefix + "no-sync"]) o.sync = false;
  const set = <K extends keyof TitanicServiceOptions>(
    key: K,
    v: number | undefined,
  ) => {
    if (v !== undefined) o[key] = v as TitanicServiceOptions[K];
  };
  set("requestWorkers", n("request-workers", 1, 1024));
  set("replyWorkers", n("reply-workers", 1, 1024));
  set("dispatchConcurrency", n("dispatch-concurrency", 1, 4096));
  set("attemptTimeoutMs", n("attempt-timeout-ms", 1, 2 ** 31 - 1));
  set("maxAttempts", n("max-attempts", 1, 1_000_000));
  set("retryInitialMs", n("retry-initial-ms", 0, 2 ** 31 - 1));
  set("retryMaxMs", n("retry-max-ms", 0, 2 ** 31 - 1));
  set("serviceCheckMs", n("service-check-ms", 1, 2 ** 31 - 1));
  set("maxRequestBytes", n("max-request-bytes", 1));
  if ((o.retryMaxMs ?? 30000) < (o.retryInitialMs ?? 1000)) {
    throw new UsageError(
      `--${prefix}retry-max-ms must be at least --${prefix}retry-initial-ms`,
    );
  }
  return o;
}

/**
 * One stats line.
 * @param t The service.
 * @param log Where it goes (info).
 */
export function logTitanicStats(t: TitanicService, log: Logger): void {
  const s = t.stats;
  log.info(
    `stats pending=${s.store.pending} replied=${s.store.replied} parked=${s.store.parked} stored=${s.requests.stored} invalid=${
      s.requests.invalid + s.replies.unknown + s.closes.invalid
    } failed=${s.requests.failed} dispatched=${s.dispatch.sent} inflight=${s.dispatch.inFlight} retrying=${s.dispatch.retrying} disk=${s.store.diskBytes} commits=${s.store.commits}`,
  );
}

function fail(message: string): never {
  usageExit("titanic", USAGE, SPEC, message);
}

async function main(): Promise<void> {
  let f: ParsedFlags;
  let options: TitanicServiceOptions;
  let level: LogLevelName;
  let format: "text" | "json";
  let statsMs: number;
  let httpAt: HttpAddress | undefined;
  try {
    f = parseFlags(Deno.args, SPEC);
    if (f.help) {
      console.log(helpText(USAGE, SPEC));
      return;
    }
    options = titanicOptions(f);
    options.heartbeatIntervalMs = intFlag(f, "heartbeat-ms", 1, 2 ** 31 - 1);
    options.liveness = intFlag(f, "liveness", 1, 1000);
    statsMs = intFlag(f, "stats-ms", 0, 2 ** 31 - 1)!;
    httpAt = readHttpFlag(f.http);
    level = choiceFlag(f, "log-level", Object.keys(LogLevel) as LogLevelName[]);
    format = choiceFlag(f, "log-format", ["json", "text"] as const);
    if (!/^(tcp|ipc|inproc):\/\/\S+$/.test(f.endpoint as string)) {
      throw new UsageError(
        `--endpoint must be a ZeroMQ endpoint, got ${
          JSON.stringify(f.endpoint)
        }`,
      );
    }
    if (!(f.dir as string)) throw new UsageError("--dir must not be empty");
    const serverKeyFile = f["curve-server-key"] as string | undefined;
    const secretFile = f["curve-secret"] as string | undefined;
    if (secretFile !== undefined && serverKeyFile === undefined) {
      throw new UsageError("--curve-secret needs --curve-server-key");
    }
    if (serverKeyFile !== undefined) {
      // Read now, so that a wrong file is a usage error, not a dead service.
      const serverKey = loadKeyFileSync(serverKeyFile).publicKey;
      const own = secretFile === undefined ? {} : loadKeyPairSync(secretFile);
      options.security = { curve: { serverKey, ...own } };
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof KeyFileError) fail(e.message);
    throw e;
  }
  const log = consoleLogger(level, "titanic", format);
  const endpoint = f.endpoint as string;
  const dir = f.dir as string;
  let titanic: TitanicService;
  try {
    titanic = await TitanicService.connect(endpoint, {
      ...options,
      dir,
      logger: log,
    });
  } catch (e) {
    if (e instanceof StorageError) {
      log.error(`cannot open the store: ${e.message}`);
      await shutdown();
      Deno.exit(1);
    }
    throw e;
  }
  let stopping = false;
  let http: ObserveServer | undefined;
  if (httpAt) {
    try {
      http = await ObserveServer.bind(
        new StatsMetrics("rzmq_titanic", () => titanic.stats),
        {
          ...httpAt,
          healthy: () => !stopping,
          title: `reliable-zmq titanic ${dir}`,
          page: false,
          logger: log,
        },
      );
    } catch (e) {
      log.error(`cannot serve HTTP on ${httpAt.hostname}:${httpAt.port}`, {
        error: String(e),
      });
      await titanic.close();
      await shutdown();
      Deno.exit(1);
    }
  }
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    http?.shuttingDown();
    log.info(`${sig}: shutting down`);
    clearInterval(statsTimer);
    await titanic.close();
    await http?.close();
    await shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  const statsTimer = statsMs > 0
    ? setInterval(() => logTitanicStats(titanic, log), statsMs)
    : undefined;
  const s = titanic.stats;
  const recovery = s.store as {
    tailBytesCut?: number;
    damagedSegments?: number;
  };
  console.log(JSON.stringify({
    event: "ready",
    endpoint,
    dir,
    store: s.store.kind,
    pending: s.store.pending,
    replied: s.store.replied,
    parked: s.store.parked,
    ...(recovery.tailBytesCut !== undefined
      ? {
        tailBytesCut: recovery.tailBytesCut,
        damagedSegments: recovery.damagedSegments,
      }
      : {}),
    ...(http ? { http: http.url } : {}),
    pid: Deno.pid,
  }));
  titanic.ready.then(() => {
    log.info("registered with the broker");
    console.log(JSON.stringify({ event: "registered" }));
  }, () => {});
}

if (import.meta.main) await main();
