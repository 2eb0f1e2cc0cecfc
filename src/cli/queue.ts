/**
 * `deno task queue`: runs a Pirate queue as a process, the guide's
 * `spqueue` (`--kind simple`) or `ppqueue` (`--kind paranoid`, the
 * default: 6/PPP heartbeats and worker expiry). Clients (Lazy Pirate, REQ)
 * connect to `--frontend`, workers to `--backend`.
 *
 * Output, as the broker's: one ready line on stdout once bound, then a
 * stats line on stdout each `--stats-ms` in which something changed (every
 * interval at `--log-level debug`); diagnostics on stderr. Every line
 * follows `--log-format`: `json` (the default: one object per line with
 * `time`, `level`, `name`, `msg`, then the fields; the ready line has
 * `"event":"ready"`, `endpoint` (the frontend), `frontend` and `backend`)
 * or `text`. SIGINT/SIGTERM shut down cleanly (exit 0), after `--grace-ms`
 * of serving with `/healthz` at 503; a second signal cuts the grace short.
 * A bad flag prints one line and the usage and exits 2; a bind failure
 * exits 1.
 *
 * `--http HOST:PORT` also serves `/healthz` (200 while serving, 503 once
 * shutting down), `/stats` (JSON: workers idle and busy, queue depth,
 * counters) and `/metrics` (Prometheus text, `rzmq_queue_*`); the ready
 * line then has `http`. `--curve-secret FILE --allow-clients DIR
 * [--allow-workers DIR]` turn on CURVE with allow-lists (docs/SECURITY.md);
 * SIGHUP reads their directories again.
 *
 * Run from the package without a checkout:
 * `deno run --allow-net --allow-ffi --allow-read --allow-env jsr:@reliable/zmq/queue --kind paranoid`.
 *
 * @module
 */
import { ParanoidPirateQueue } from "../patterns/pirate/paranoid_pirate_queue.ts";
import { SimplePirateQueue } from "../patterns/pirate/simple_pirate_queue.ts";
import type {
  PirateQueueEvent,
  PirateQueueStats,
} from "../patterns/pirate/events.ts";
import type { SecurityStats, ServerSecurity } from "../security/settings.ts";
import { shutdown } from "../transport/mod.ts";
import { configureReactor } from "../transport/reactor.ts";
import { AddressInUseError, KeyFileError } from "../errors.ts";
import { checkEndpoint } from "../_util/endpoint.ts";
import { loadAllowedKeysSync, loadKeyPairSync } from "../security/keys.ts";
import {
  consoleLogger,
  type LogFormat,
  LogLevel,
  type LogLevelName,
} from "../_util/logger.ts";
import { VERSION } from "../_util/version.ts";
import { ObserveServer, type ObserveTarget } from "../observe/http.ts";
import { eventLogger } from "../observe/log.ts";
import { PromWriter } from "../observe/prometheus.ts";
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
  type ParsedFlags,
  parseFlags,
  UsageError,
} from "../_util/args.ts";

const MAX_MS = 2 ** 31 - 1;

/** Flags only the Paranoid queue takes (no `default` here: see PARANOID_DEFAULTS). */
const PARANOID_ONLY = ["heartbeat-ms", "liveness", "max-busy-ms"] as const;
const PARANOID_DEFAULTS: Record<(typeof PARANOID_ONLY)[number], string> = {
  "heartbeat-ms": "1000",
  liveness: "3",
  "max-busy-ms": "never",
};

const SPEC: Record<string, FlagSpec> = {
  kind: {
    type: "string",
    description:
      "simple (zguide spqueue: no heartbeats) or paranoid (ppqueue, 6/PPP)",
    default: "paranoid",
  },
  frontend: {
    type: "string",
    description: "endpoint to bind for clients",
    default: "tcp://*:5555",
  },
  backend: {
    type: "string",
    description: "endpoint to bind for workers",
    default: "tcp://*:5556",
  },
  "heartbeat-ms": {
    type: "string",
    description:
      "paranoid: heartbeat interval towards idle workers, ms (match the workers'; default 1000)",
  },
  liveness: {
    type: "string",
    description:
      "paranoid: silent heartbeat intervals before a worker expires (default 3)",
  },
  "max-busy-ms": {
    type: "string",
    description:
      "paranoid: longest a worker may stay busy on one request, ms ('never': no limit; default never)",
  },
  "max-frame-bytes": {
    type: "string",
    description: "largest frame accepted, bytes",
    default: "16777216",
  },
  "max-message-bytes": {
    type: "string",
    description:
      "largest message accepted (all frames), bytes (default 64 MiB, or --max-frame-bytes if larger)",
  },
  core: {
    type: "string",
    description: "worker-queue core: auto, wasm or ts",
    default: "auto",
  },
  "grace-ms": {
    type: "string",
    description:
      "after SIGINT/SIGTERM, go on serving this long with /healthz at 503, then close",
    default: "0",
  },
  ...PROCESS_FLAGS,
  http: {
    type: "string",
    description: HTTP_FLAG_HELP.replace(" and the live page", ""),
  },
  "log-events": {
    type: "boolean",
    description: "log every queue event (worker:ready, worker:expired, ...)",
  },
  "curve-secret": {
    type: "string",
    description:
      "CURVE: the queue's secret key file (deno task keygen; 0600); needs --allow-clients",
  },
  "allow-clients": {
    type: "string",
    description:
      "CURVE: directory of client public key files admitted on the frontend, or 'any' (every key)",
  },
  "allow-workers": {
    type: "string",
    description:
      "CURVE: directory of worker public key files admitted on the backend, or 'any' (default: --allow-clients)",
  },
  ...VERSION_HELP_FLAGS,
};

const USAGE = "deno task queue [flags]";

function fail(message: string): never {
  usageExit("queue", USAGE, SPEC, message);
}

type Kind = "simple" | "paranoid";

interface Config {
  kind: Kind;
  frontend: string;
  backend: string;
  level: LogLevelName;
  format: LogFormat;
  statsMs: number;
  graceMs: number;
  spinUs?: number;
  http?: HttpAddress;
  logEvents: boolean;
  common: {
    core: "auto" | "wasm" | "ts";
    maxFrameBytes: number;
    maxMessageBytes?: number;
    security?: ServerSecurity;
    workerSecurity?: ServerSecurity;
  };
  paranoid: {
    heartbeatIntervalMs: number;
    liveness: number;
    maxBusyMs: number;
  };
}

function endpointFlag(flags: ParsedFlags, name: string): string {
  try {
    return checkEndpoint(`--${name}`, flags[name], "bind");
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) {
      throw new UsageError(e.message);
    }
    throw e;
  }
}

function readSecurity(
  flags: ParsedFlags,
): Pick<Config["common"], "security" | "workerSecurity"> {
  const secretFile = flags["curve-secret"] as string | undefined;
  const clients = flags["allow-clients"] as string | undefined;
  const workers = flags["allow-workers"] as string | undefined;
  if (secretFile === undefined) {
    if (clients !== undefined || workers !== undefined) {
      throw new UsageError(
        `--${
          clients !== undefined ? "allow-clients" : "allow-workers"
        } needs --curve-secret`,
      );
    }
    return {};
  }
  if (clients === undefined) {
    throw new UsageError(
      "--curve-secret needs --allow-clients DIR (or --allow-clients any, to admit every key)",
    );
  }
  // Read now, so that a wrong file or directory is a usage error naming its
  // flag, not a queue that fails at bind.
  const load = <T>(flag: string, read: () => T): T => {
    try {
      return read();
    } catch (e) {
      if (e instanceof KeyFileError) {
        throw new UsageError(`--${flag}: ${e.message}`);
      }
      throw e;
    }
  };
  const { secretKey } = load("curve-secret", () => loadKeyPairSync(secretFile));
  // A directory is read here (a bad one is a usage error) and given as
  // { dir }, so that SIGHUP (reloadSecurity) reads it again.
  const allow = (flag: string, v: string) => {
    if (v === "any") return "any" as const;
    load(flag, () => loadAllowedKeysSync(v));
    return { dir: v };
  };
  const clientKeys = allow("allow-clients", clients);
  // The backend is a socket of its own: workers are checked against their
  // own list when one is given, else against the clients' list.
  return {
    security: { curve: { secretKey, allow: clientKeys } },
    workerSecurity: {
      curve: {
        secretKey,
        allow: workers === undefined
          ? clientKeys
          : allow("allow-workers", workers),
      },
    },
  };
}

function readConfig(args: string[]): Config | "help" | "version" {
  const flags = parseFlags(args, SPEC);
  if (flags.help) return "help";
  if (flags.version) return "version";
  const kind = choiceFlag(flags, "kind", ["simple", "paranoid"] as const);
  if (kind === "simple") {
    const stray = PARANOID_ONLY.find((k) => flags[k] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --kind paranoid`);
  }
  for (const k of PARANOID_ONLY) flags[k] ??= PARANOID_DEFAULTS[k];
  const maxBusyMs = flags["max-busy-ms"] === "never"
    ? Infinity
    : intFlag(flags, "max-busy-ms", 1, MAX_MS)!;
  const maxFrameBytes = intFlag(flags, "max-frame-bytes", 1, 2 ** 31 - 1)!;
  const maxMessageBytes = intFlag(flags, "max-message-bytes", 1, 2 ** 31 - 1);
  if (maxMessageBytes !== undefined && maxMessageBytes < maxFrameBytes) {
    throw new UsageError(
      "--max-message-bytes must be at least --max-frame-bytes",
    );
  }
  return {
    kind,
    frontend: endpointFlag(flags, "frontend"),
    backend: endpointFlag(flags, "backend"),
    level: choiceFlag(
      flags,
      "log-level",
      Object.keys(LogLevel) as LogLevelName[],
    ),
    format: choiceFlag(flags, "log-format", ["json", "text"] as const),
    statsMs: intFlag(flags, "stats-ms", 0, MAX_MS)!,
    graceMs: intFlag(flags, "grace-ms", 0, MAX_MS)!,
    spinUs: intFlag(flags, "spin-us", 0, 1_000_000),
    http: readHttpFlag(flags.http),
    logEvents: flags["log-events"] === true,
    common: {
      core: choiceFlag(flags, "core", ["auto", "wasm", "ts"] as const),
      maxFrameBytes,
      ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}),
      ...readSecurity(flags),
    },
    paranoid: {
      heartbeatIntervalMs: intFlag(flags, "heartbeat-ms", 1, MAX_MS)!,
      liveness: intFlag(flags, "liveness", 1, 1000)!,
      maxBusyMs,
    },
  };
}

/** One line on stdout in the chosen format. */
function print(
  format: LogFormat,
  msg: string,
  fields: Record<string, unknown>,
): void {
  printLine("queue", format, msg, fields);
}

/** What the CLI needs of either queue. */
interface Queue {
  readonly frontendEndpoint: string;
  readonly backendEndpoint: string;
  readonly coreImpl: "wasm" | "ts";
  readonly stats: PirateQueueStats;
  readonly securityStats: {
    frontend?: SecurityStats;
    backend?: SecurityStats;
  };
  on(listener: (event: PirateQueueEvent) => void): () => void;
  reloadSecurity(): unknown;
  close(): Promise<void>;
}

/** The counters of a queue's stats (no gauges). */
const COUNTERS = [
  ["requests", "requests_total", "Client requests dispatched to a worker."],
  ["replies", "replies_total", "Replies forwarded to clients."],
  [
    "droppedReplies",
    "dropped_replies_total",
    "Replies dropped: their client was gone, or no request was outstanding.",
  ],
  [
    "oversize",
    "oversize_messages_total",
    "Messages refused for their size, either socket.",
  ],
  [
    "expired",
    "expired_workers_total",
    "Workers forgotten: silent for liveness x heartbeat, or busy past max-busy-ms.",
  ],
  [
    "gone",
    "gone_workers_total",
    "Workers found gone when a send to them failed.",
  ],
] as const;

/** `/stats` and `/metrics` of a running queue. */
class QueueTarget implements ObserveTarget {
  readonly #queue: Queue;
  readonly #kind: Kind;
  readonly #config: Record<string, unknown>;
  readonly #startedAt = performance.now();
  /** Workers registered (`worker:ready` events) since start. */
  #registered = 0;

  constructor(queue: Queue, kind: Kind, config: Record<string, unknown>) {
    this.#queue = queue;
    this.#kind = kind;
    this.#config = config;
    queue.on((e) => {
      if (e.type === "worker:ready") this.#registered++;
    });
  }

  snapshot() {
    const q = this.#queue;
    const s = q.stats;
    const sec = q.securityStats;
    const security = sec.frontend || sec.backend
      ? {
        frontend: sec.frontend && secStats(sec.frontend),
        backend: sec.backend && secStats(sec.backend),
      }
      : undefined;
    return {
      kind: this.#kind,
      version: VERSION,
      pid: Deno.pid,
      frontend: q.frontendEndpoint,
      backend: q.backendEndpoint,
      core: q.coreImpl,
      config: this.#config,
      uptimeMs: Math.round(performance.now() - this.#startedAt),
      workers: {
        idle: s.idleWorkers,
        busy: s.busyWorkers,
        total: s.idleWorkers + s.busyWorkers,
      },
      queue: {
        depth: s.queued,
        readingClients: s.idleWorkers > 0,
      },
      counters: {
        requests: s.requests,
        replies: s.replies,
        droppedReplies: s.droppedReplies,
        invalidFrontend: s.invalidFrontend,
        invalidBackend: s.invalidBackend,
        oversize: s.oversize,
        expiredWorkers: s.expired,
        goneWorkers: s.gone,
        registeredWorkers: this.#registered,
      },
      ...(security ? { security } : {}),
      memory: Deno.memoryUsage(),
    };
  }

  prometheus(): string {
    const q = this.#queue;
    const s = q.stats;
    const w = new PromWriter();
    const P = "rzmq_queue_";
    w.family(
      P + "info",
      "gauge",
      "The queue: kind, version and core (always 1).",
    );
    w.sample(P + "info", 1, {
      kind: this.#kind,
      version: VERSION,
      core: q.coreImpl,
    });
    w.family(P + "uptime_seconds", "gauge", "Seconds since the queue started.");
    w.sample(
      P + "uptime_seconds",
      (performance.now() - this.#startedAt) / 1000,
    );
    for (const [key, name, help] of COUNTERS) {
      w.family(P + name, "counter", help);
      w.sample(P + name, s[key]);
    }
    w.family(
      P + "registered_workers_total",
      "counter",
      "Workers registered (READY, or a first message after a queue restart).",
    );
    w.sample(P + "registered_workers_total", this.#registered);
    w.family(
      P + "invalid_messages_total",
      "counter",
      "Malformed messages dropped, per socket.",
    );
    w.sample(P + "invalid_messages_total", s.invalidFrontend, {
      socket: "frontend",
    });
    w.sample(P + "invalid_messages_total", s.invalidBackend, {
      socket: "backend",
    });
    w.family(
      P + "workers",
      "gauge",
      "Workers known to the queue: idle (waiting for a request) or busy.",
    );
    w.sample(P + "workers", s.idleWorkers, { state: "idle" });
    w.sample(P + "workers", s.busyWorkers, { state: "busy" });
    w.family(
      P + "depth",
      "gauge",
      "Requests read from clients and held until a worker is idle (0 or 1; the rest wait in libzmq, uncounted).",
    );
    w.sample(P + "depth", s.queued);
    const sec = q.securityStats;
    if (sec.frontend || sec.backend) {
      w.family(
        P + "connections_total",
        "counter",
        "Connections the ZAP handler admitted or refused, per socket.",
      );
      for (const socket of ["frontend", "backend"] as const) {
        const c = sec[socket]?.counters;
        if (!c) continue;
        w.sample(P + "connections_total", c.allowed, {
          socket,
          outcome: "admitted",
        });
        w.sample(P + "connections_total", c.refused, {
          socket,
          outcome: "refused",
        });
      }
    }
    w.family(P + "memory_bytes", "gauge", "The queue process's memory.");
    for (const [k, v] of Object.entries(Deno.memoryUsage())) {
      w.sample(P + "memory_bytes", v, {
        kind: k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()),
      });
    }
    return w.text();
  }
}

function secStats(s: SecurityStats) {
  return {
    mechanism: s.mechanism,
    ...(s.publicKey ? { publicKey: s.publicKey } : {}),
    admitted: s.counters.allowed,
    refused: s.counters.refused,
    refusedBy: s.counters.refusedBy,
  };
}

function statsFields(q: Queue): Record<string, number> {
  const s = q.stats;
  const sec = q.securityStats;
  return {
    idle: s.idleWorkers,
    busy: s.busyWorkers,
    queued: s.queued,
    requests: s.requests,
    replies: s.replies,
    dropped: s.droppedReplies,
    invalid: s.invalidFrontend + s.invalidBackend,
    oversize: s.oversize,
    expired: s.expired,
    gone: s.gone,
    ...(sec.frontend || sec.backend
      ? {
        connectionsAdmitted: (sec.frontend?.counters.allowed ?? 0) +
          (sec.backend?.counters.allowed ?? 0),
        connectionsRefused: (sec.frontend?.counters.refused ?? 0) +
          (sec.backend?.counters.refused ?? 0),
      }
      : {}),
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
    console.log(`reliable-zmq queue ${VERSION}`);
    return;
  }
  const { format, level, statsMs, kind } = config;
  if (config.spinUs !== undefined) configureReactor({ spinUs: config.spinUs });
  const log = consoleLogger(level, "queue", format);
  let queue: Queue;
  try {
    queue = kind === "simple"
      ? await SimplePirateQueue.bind(config.frontend, config.backend, {
        ...config.common,
        logger: log,
      })
      : await ParanoidPirateQueue.bind(config.frontend, config.backend, {
        ...config.common,
        ...config.paranoid,
        logger: log,
      });
  } catch (e) {
    if (e instanceof KeyFileError) fail(e.message);
    if (e instanceof TypeError || e instanceof RangeError) {
      fail(e.message.replace(/^\w+PirateQueue\.bind\(\)( security)?: /, ""));
    }
    log.error(`cannot bind ${config.frontend}, ${config.backend}`, {
      error: String(e),
      ...(e instanceof AddressInUseError ? { reason: "address in use" } : {}),
    });
    await shutdown();
    Deno.exit(1);
  }
  if (config.logEvents) queue.on(eventLogger(log));
  let stopping = false;
  let http: ObserveServer | undefined;
  if (config.http) {
    const target = new QueueTarget(queue, kind, {
      ...(kind === "paranoid"
        ? {
          heartbeatIntervalMs: config.paranoid.heartbeatIntervalMs,
          liveness: config.paranoid.liveness,
          maxBusyMs: config.paranoid.maxBusyMs === Infinity
            ? "never"
            : config.paranoid.maxBusyMs,
        }
        : {}),
      maxFrameBytes: config.common.maxFrameBytes,
      graceMs: config.graceMs,
    });
    try {
      http = await ObserveServer.bind(target, {
        ...config.http,
        healthy: () => !stopping,
        title: `reliable-zmq ${kind} pirate queue ${queue.frontendEndpoint}`,
        page: false,
        logger: log,
      });
    } catch (e) {
      log.error(
        `cannot serve HTTP on ${config.http.hostname}:${config.http.port}`,
        { error: String(e) },
      );
      await queue.close();
      await shutdown();
      Deno.exit(1);
    }
  }
  let last = JSON.stringify(statsFields(queue));
  const statsTimer = statsMs > 0
    ? setInterval(() => {
      const fields = statsFields(queue);
      const key = JSON.stringify(fields);
      const changed = key !== last;
      last = key;
      if (
        LogLevel[level] <= LogLevel.debug ||
        (changed && LogLevel[level] <= LogLevel.info)
      ) {
        print(format, "stats", {
          kind,
          ...fields,
          rssMiB: Math.round(Deno.memoryUsage().rss / 1048576),
        });
      }
    }, statsMs)
    : undefined;
  let endGrace: (() => void) | undefined;
  const stop = async (sig: string) => {
    if (stopping) {
      endGrace?.(); // a second signal: no more grace
      return;
    }
    stopping = true;
    http?.shuttingDown();
    if (config.graceMs > 0) {
      log.info(`${sig}: shutting down in ${config.graceMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, config.graceMs);
        endGrace = () => {
          clearTimeout(t);
          resolve();
        };
      });
    } else {
      log.info(`${sig}: shutting down`);
    }
    clearInterval(statsTimer);
    await queue.close();
    await http?.close();
    await shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  if (queue.securityStats.frontend || queue.securityStats.backend) {
    // SIGHUP: read the allow-list directories again (the queue logs what
    // changed, or why it kept the lists in force).
    Deno.addSignalListener("SIGHUP", () => {
      if (stopping) return;
      log.info("SIGHUP: reloading the allow-lists");
      queue.reloadSecurity();
    });
  }
  const pub = queue.securityStats.frontend?.publicKey;
  print(format, "ready", {
    event: "ready",
    kind,
    endpoint: queue.frontendEndpoint,
    frontend: queue.frontendEndpoint,
    backend: queue.backendEndpoint,
    ...(http ? { http: http.url } : {}),
    core: queue.coreImpl,
    ...(pub ? { curvePublicKey: pub } : {}),
    version: VERSION,
    pid: Deno.pid,
  });
}

if (import.meta.main) await main();
