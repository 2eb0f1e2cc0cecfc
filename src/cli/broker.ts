/**
 * `deno task broker`: runs a Majordomo broker (7/MDP + 8/MMI, with the
 * reliable-zmq extension).
 *
 * Output: one ready line on stdout once bound, then a stats line on stdout
 * each `--stats-ms` in which something changed (every interval at
 * `--log-level debug`); diagnostics on stderr. Every line follows
 * `--log-format`: `json` (the default: one object per line with `time`,
 * `level`, `name`, `msg`, then the fields; the ready line has
 * `"event":"ready"` and `endpoint`) or `text`. SIGINT/SIGTERM shut down
 * cleanly (workers get DISCONNECT; exit 0). A bad flag prints one line and
 * the usage and exits 2; a bind failure exits 1.
 *
 * Run from the package without a checkout:
 * `deno run --allow-ffi jsr:@reliable/zmq/broker --bind tcp://*:5555`.
 *
 * `--http HOST:PORT` also serves `/healthz` (200 while serving, 503 once
 * shutting down), `/stats` (JSON), `/metrics` (Prometheus text) and a live
 * page at `/` (see docs/OBSERVABILITY.md); the ready line then has `http`.
 * `--log-events` writes every broker event as one log line (`"event"`: its
 * type, then its fields) at debug level. With `--curve-secret`, SIGHUP
 * reads the `--allow-clients` and `--allow-workers` directories again
 * (docs/SECURITY.md).
 *
 * @module
 */
import { MajordomoBroker } from "../patterns/majordomo/broker.ts";
import { MajordomoBrokerPair } from "../patterns/binary_star/majordomo_pair.ts";
import { TitanicService } from "../patterns/titanic/service.ts";
import { titanicOptions } from "./titanic.ts";
import type {
  MajordomoBrokerOptions,
  MajordomoBrokerStats,
} from "../patterns/majordomo/broker_types.ts";
import { BROKER_DEFAULTS } from "../patterns/majordomo/_broker_policy.ts";
import { shutdown } from "../transport/mod.ts";
import { KeyFileError } from "../errors.ts";
import { configureReactor } from "../transport/reactor.ts";
import {
  consoleLogger,
  type LogFormat,
  LogLevel,
  type LogLevelName,
} from "../_util/logger.ts";
import { VERSION } from "../_util/version.ts";
import { BrokerMetrics } from "../observe/metrics.ts";
import { ObserveServer } from "../observe/http.ts";
import { eventLogger } from "../observe/log.ts";
import {
  HTTP_FLAG_HELP,
  type HttpAddress,
  readHttpFlag,
} from "./_http_flag.ts";
import {
  printLine,
  PROCESS_FLAGS,
  usageExit,
  VERSION_HELP_FLAGS,
} from "./_common.ts";
import {
  choiceFlag,
  type FlagSpec,
  helpText,
  intFlag,
  parseFlags,
  UsageError,
} from "../_util/args.ts";

const d = BROKER_DEFAULTS;
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
    default: String(d.heartbeatIntervalMs),
  },
  liveness: {
    type: "string",
    description: "silent heartbeat intervals before a worker is dead",
    default: String(d.liveness),
  },
  "request-ttl-ms": {
    type: "string",
    description: "how long a request waits for a worker, ms ('never': forever)",
    default: String(d.requestTtlMs),
  },
  "max-queue": {
    type: "string",
    description: "most requests waiting per service",
    default: String(d.maxQueue),
  },
  "max-pending-requests": {
    type: "string",
    description: "most requests waiting, all services",
    default: String(d.maxPendingRequests),
  },
  "max-pending-bytes": {
    type: "string",
    description: "most bytes held by waiting requests, all services",
    default: String(d.maxPendingBytes),
  },
  "max-services": {
    type: "string",
    description: "most services known at once",
    default: String(d.maxServices),
  },
  "max-workers": {
    type: "string",
    description: "most registered workers",
    default: String(d.maxWorkers),
  },
  "max-frame-bytes": {
    type: "string",
    description: "largest frame accepted, bytes",
    default: String(d.maxFrameBytes),
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
  ...PROCESS_FLAGS,
  http: { type: "string", description: HTTP_FLAG_HELP },
  "log-events": {
    type: "boolean",
    description: "log every broker event (worker, request, ...) at debug level",
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
  primary: {
    type: "boolean",
    description:
      "run as the primary of a Binary Star pair (needs --local, --peer)",
  },
  backup: {
    type: "boolean",
    description:
      "run as the backup of a Binary Star pair (needs --local, --peer)",
  },
  local: {
    type: "string",
    description: "Binary Star: endpoint to publish this broker's state on",
  },
  peer: {
    type: "string",
    description: "Binary Star: the other broker's state endpoint",
  },
  "pair-heartbeat-ms": {
    type: "string",
    description: "Binary Star: state heartbeat, ms (same on both brokers)",
    default: "1000",
  },
  "pair-liveness": {
    type: "string",
    description:
      "Binary Star: missed heartbeats before the peer is gone (failover timeout = heartbeat x liveness)",
    default: "2",
  },
  "curve-secret": {
    type: "string",
    description:
      "CURVE: the broker's secret key file (deno task keygen; 0600); needs --allow-clients",
  },
  "allow-clients": {
    type: "string",
    description:
      "CURVE: directory of client public key files admitted, or 'any' (every key)",
  },
  "allow-workers": {
    type: "string",
    description:
      "CURVE: directory of worker public key files; only these may register (default: any admitted key)",
  },
  "users-counted": {
    type: "string",
    description:
      "CURVE: client keys whose requests are counted one by one (/stats, /metrics); the rest are summed as 'other'; 0 turns attribution off",
    default: String(d.usersCounted),
  },
  ...VERSION_HELP_FLAGS,
};

const USAGE = "deno task broker [flags]";

function fail(message: string): never {
  usageExit("broker", USAGE, SPEC, message);
}

interface Config {
  endpoints: string[];
  level: LogLevelName;
  format: LogFormat;
  statsMs: number;
  spinUs?: number;
  http?: HttpAddress;
  logEvents: boolean;
  options: Omit<MajordomoBrokerOptions, "logger">;
  titanic?: { dir: string; options: ReturnType<typeof titanicOptions> };
  pair?: {
    role: "primary" | "backup";
    local: string;
    peer: string;
    heartbeatIntervalMs: number;
    liveness: number;
  };
}

function readConfig(args: string[]): Config | "help" | "version" {
  const flags = parseFlags(args, SPEC);
  if (flags.help) return "help";
  if (flags.version) return "version";
  let pair: Config["pair"];
  if (flags.primary || flags.backup) {
    if (flags.primary && flags.backup) {
      throw new UsageError("--primary and --backup exclude each other");
    }
    if (typeof flags.local !== "string" || typeof flags.peer !== "string") {
      throw new UsageError("--primary/--backup need --local and --peer");
    }
    pair = {
      role: flags.primary ? "primary" : "backup",
      local: flags.local,
      peer: flags.peer,
      heartbeatIntervalMs: intFlag(flags, "pair-heartbeat-ms", 1, 2 ** 31 - 1)!,
      liveness: intFlag(flags, "pair-liveness", 1, 1000)!,
    };
    if (flags["titanic-dir"] !== undefined) {
      throw new UsageError(
        "--titanic-dir cannot be combined with --primary/--backup (Titanic is not pair-aware)",
      );
    }
  } else if (flags.local !== undefined || flags.peer !== undefined) {
    throw new UsageError("--local and --peer need --primary or --backup");
  }
  const ttl = flags["request-ttl-ms"] === "never"
    ? Infinity
    : intFlag(flags, "request-ttl-ms", 1, 2 ** 31 - 1)!;
  // The Titanic flags are checked even without --titanic-dir, so that a
  // typo is a usage error and not a broker that silently ignores it.
  const titanicFlags = titanicOptions(flags, "titanic-");
  const titanic = flags["titanic-dir"] as string | undefined;
  if (titanic === undefined) {
    const stray = Object.keys(flags).find((k) =>
      k.startsWith("titanic-") && k !== "titanic-store" &&
      flags[k] !== undefined && flags[k] !== false
    );
    if (stray) throw new UsageError(`--${stray} needs --titanic-dir`);
  }
  const curveSecret = flags["curve-secret"] as string | undefined;
  const allowClients = flags["allow-clients"] as string | undefined;
  const allowWorkers = flags["allow-workers"] as string | undefined;
  let security: Pick<MajordomoBrokerOptions, "security" | "workerSecurity"> =
    {};
  if (curveSecret === undefined) {
    if (allowClients !== undefined || allowWorkers !== undefined) {
      throw new UsageError(
        `--${
          allowClients !== undefined ? "allow-clients" : "allow-workers"
        } needs --curve-secret`,
      );
    }
  } else {
    if (allowClients === undefined) {
      throw new UsageError(
        "--curve-secret needs --allow-clients DIR (or --allow-clients any, to admit every key)",
      );
    }
    const allow = (v: string) => v === "any" ? "any" as const : { dir: v };
    security = {
      security: {
        curve: { secretFile: curveSecret, allow: allow(allowClients) },
      },
      ...(allowWorkers !== undefined
        ? { workerSecurity: { allow: allow(allowWorkers) } }
        : {}),
    };
  }
  return {
    endpoints: flags.bind as string[],
    level: choiceFlag(
      flags,
      "log-level",
      Object.keys(LogLevel) as LogLevelName[],
    ),
    format: choiceFlag(flags, "log-format", ["json", "text"] as const),
    statsMs: intFlag(flags, "stats-ms", 0, 2 ** 31 - 1)!,
    spinUs: intFlag(flags, "spin-us", 0, 1_000_000),
    http: readHttpFlag(flags.http),
    logEvents: flags["log-events"] === true,
    options: {
      heartbeatIntervalMs: intFlag(flags, "heartbeat-ms", 1, 2 ** 31 - 1)!,
      liveness: intFlag(flags, "liveness", 1, 1000)!,
      requestTtlMs: ttl,
      maxQueue: intFlag(flags, "max-queue", 0)!,
      maxPendingRequests: intFlag(flags, "max-pending-requests", 0)!,
      maxPendingBytes: intFlag(flags, "max-pending-bytes", 0)!,
      maxServices: intFlag(flags, "max-services", 1, 1 << 22)!,
      maxWorkers: intFlag(flags, "max-workers", 1, 1 << 22)!,
      maxFrameBytes: intFlag(flags, "max-frame-bytes", 1, 2 ** 29)!,
      core: choiceFlag(flags, "core", ["auto", "wasm", "ts"] as const),
      expireBusyWorkers: !flags["keep-busy-workers"],
      usersCounted: intFlag(flags, "users-counted", 0, 1_000_000)!,
      ...security,
    },
    pair,
    titanic: titanic === undefined ? undefined : {
      dir: titanic,
      options: titanicFlags,
    },
  };
}

/** One line on stdout in the chosen format. */
function print(
  format: LogFormat,
  msg: string,
  fields: Record<string, unknown>,
): void {
  printLine("broker", format, msg, fields);
}

function statsFields(s: MajordomoBrokerStats): Record<string, number> {
  const c = s.counters;
  return {
    workers: s.workers,
    services: s.services.length,
    queued: s.queued,
    requests: c.requests,
    replies: c.replies,
    dropped: c.droppedRequests,
    expired: c.expiredRequests,
    abandoned: c.abandonedRequests,
    duplicates: c.duplicatesSuppressed,
    lost: c.lostRequests,
    errorReplies: c.errorReplies,
    unroutable: c.unroutableReplies,
    invalid: c.invalidMessages,
    oversize: c.oversizeMessages,
    expiredWorkers: c.expiredWorkers,
    pauses: c.pauses,
  };
}

async function main(): Promise<void> {
  let config: Config | "help" | "version";
  try {
    config = readConfig(Deno.args);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  if (config === "help") {
    console.log(helpText(USAGE, SPEC));
    return;
  }
  if (config === "version") {
    console.log(`reliable-zmq broker ${VERSION}`);
    return;
  }
  const { format, level, statsMs } = config;
  if (config.spinUs !== undefined) configureReactor({ spinUs: config.spinUs });
  const log = consoleLogger(level, "broker", format);
  let broker: MajordomoBroker;
  let pair: MajordomoBrokerPair | undefined;
  // Titanic, when asked for, reaches the broker over an in-process endpoint.
  const inproc = `inproc://titanic-broker-${Deno.pid}`;
  try {
    const endpoints = config.titanic
      ? [...config.endpoints, inproc]
      : config.endpoints;
    if (config.pair) {
      const p = config.pair;
      pair = await MajordomoBrokerPair.bind(endpoints, {
        pair: {
          role: p.role,
          stateBind: p.local,
          statePeer: p.peer,
          heartbeatIntervalMs: p.heartbeatIntervalMs,
          liveness: p.liveness,
          logger: consoleLogger(level, `bstar-${p.role}`, format),
          onEvent: (e) => {
            if (e.type === "state:changed") {
              print(format, "state", {
                event: "state",
                state: e.to,
                from: e.from,
                cause: e.cause,
              });
            }
          },
        },
        broker: { ...config.options, logger: log },
      });
      broker = pair.broker;
    } else {
      broker = await MajordomoBroker.bind(endpoints, {
        ...config.options,
        logger: log,
      });
    }
  } catch (e) {
    if (e instanceof KeyFileError) fail(e.message);
    if (e instanceof TypeError || e instanceof RangeError) {
      fail(
        e.message.replace(/^MajordomoBroker\.bind\(\): /, "")
          .replace(/^bind\(\): /, "--bind: "),
      );
    }
    log.error(`cannot bind ${config.endpoints.join(", ")}`, {
      error: String(e),
    });
    await shutdown();
    Deno.exit(1);
  }
  if (config.logEvents) {
    const logEvent = eventLogger(log);
    broker.on(logEvent);
  }
  let stopping = false;
  let http: ObserveServer | undefined;
  if (config.http) {
    const metrics = BrokerMetrics.attach(broker);
    try {
      http = await ObserveServer.bind(metrics, {
        ...config.http,
        healthy: () => !stopping && !broker.closed,
        title: `reliable-zmq broker ${broker.endpoints[0]}`,
        logger: log,
      });
    } catch (e) {
      log.error(
        `cannot serve HTTP on ${config.http.hostname}:${config.http.port}`,
        { error: String(e) },
      );
      await broker.close();
      await shutdown();
      Deno.exit(1);
    }
  }
  let titanic: TitanicService | undefined;
  if (config.titanic) {
    try {
      titanic = await TitanicService.connect(inproc, {
        ...config.titanic.options,
        dir: config.titanic.dir,
        heartbeatIntervalMs: config.options.heartbeatIntervalMs,
        liveness: config.options.liveness,
        logger: consoleLogger(level, "titanic", format),
      });
    } catch (e) {
      log.error(`cannot start Titanic: ${e instanceof Error ? e.message : e}`);
      await broker.close();
      await shutdown();
      Deno.exit(1);
    }
  }
  let last = "";
  const statsTimer = statsMs > 0
    ? setInterval(() => {
      const sec = broker.securityStats?.counters;
      const fields = {
        ...statsFields(broker.stats),
        ...(sec
          ? {
            refusedWorkers: broker.stats.counters.refusedWorkers,
            connectionsAdmitted: sec.allowed,
            connectionsRefused: sec.refused,
          }
          : {}),
      };
      const key = JSON.stringify(fields);
      const changed = key !== last;
      last = key;
      if (
        LogLevel[level] <= LogLevel.debug ||
        (changed && LogLevel[level] <= LogLevel.info)
      ) {
        print(format, "stats", {
          ...fields,
          rssMiB: Math.round(broker.stats.memory.rss / 1048576),
        });
      }
    }, statsMs)
    : undefined;
  last = JSON.stringify(statsFields(broker.stats));
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    http?.shuttingDown();
    log.info(`${sig}: shutting down`);
    clearInterval(statsTimer);
    await titanic?.close();
    await broker.close();
    await pair?.close();
    await http?.close();
    await shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  if (broker.securityStats !== undefined) {
    // SIGHUP: read the allow-list directories again (the broker logs what
    // changed, or why it kept the lists in force).
    Deno.addSignalListener("SIGHUP", () => {
      if (stopping) return;
      log.info("SIGHUP: reloading the allow-lists");
      broker.reloadSecurity();
    });
  }
  print(format, "ready", {
    event: "ready",
    endpoint: broker.endpoints[0],
    endpoints: broker.endpoints.filter((e) => e !== inproc),
    ...(config.titanic ? { titanic: config.titanic.dir } : {}),
    ...(pair
      ? {
        role: pair.node.role,
        state: pair.node.state,
        stateEndpoint: pair.node.stateEndpoint,
      }
      : {}),

    ...(http ? { http: http.url } : {}),
    core: broker.core,
    ...(broker.securityStats?.publicKey
      ? { curvePublicKey: broker.securityStats.publicKey }
      : {}),
    instance: broker.instance,
    version: VERSION,
    pid: Deno.pid,
  });
}

if (import.meta.main) await main();
