/**
 * The Titanic service (9/TSP, zguide "Disconnected Reliability"): three
 * Majordomo services, `titanic.request`, `titanic.reply` and
 * `titanic.close`, in front of a crash-safe store, plus the dispatcher that
 * hands stored requests to their services.
 *
 * @module
 */
import { ClosedError } from "../../errors.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Clock } from "../../_util/clock.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import {
  bool,
  clock as clockOption,
  count,
  durationMs,
  fn,
  logger as loggerOption,
  readOptions,
} from "../../_util/options.ts";
import { EventHub } from "../_kit/events.ts";
import { TspService } from "../../protocol/tsp/codec.ts";
import type { TitanicStore, TitanicStoreStats } from "./store/types.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import type { ClientSecurity } from "../../security/settings.ts";
import { checkSocketOptions } from "../_kit/checks.ts";
import { LogStore } from "./store/log_store.ts";
import { SqliteStore } from "./store/sqlite_store.ts";
import { Dispatcher, type DispatchStats } from "./_dispatcher.ts";
import {
  handleClose,
  type HandlerContext,
  handleReply,
  handleRequest,
  type ServiceCounters,
} from "./_handlers.ts";
import { openClient, startWorker, type WorkerPort } from "./_mdp.ts";
import type { TitanicEvent } from "./events.ts";

const CLS = "TitanicService";

/**
 * Options of {@linkcode TitanicService.connect}.
 *
 * @example
 * ```ts
 * import type { TitanicServiceOptions } from "./service.ts";
 * const options: TitanicServiceOptions = { dir: "/var/lib/titanic", store: "sqlite", maxAttempts: 3 };
 * ```
 */
export interface TitanicServiceOptions {
  /**
   * Where requests and replies are kept: `"log"` (an append-only log with
   * an in-memory index), `"sqlite"` (`DIR/titanic.sqlite`), or a store
   * object of your own that keeps the `TitanicStore` contract.
   * @default "log"
   */
  store?: "log" | "sqlite" | TitanicStore;
  /** The store's directory (for `"log"` and `"sqlite"`). @default ".titanic" */
  dir?: string;
  /**
   * Sync every write to disk before acknowledging it. `false` is a
   * measuring ceiling: acknowledged requests survive a crash of Titanic
   * but not of the machine.
   * @default true
   */
  sync?: boolean;
  /**
   * Workers serving `titanic.request`. A 7/MDP worker holds one request at
   * a time, so this is how many stores can share one disk sync.
   * @default 32
   */
  requestWorkers?: number;
  /** Workers serving `titanic.reply` (and as many `titanic.close`). @default 2 */
  replyWorkers?: number;
  /** Stored requests in flight to their services at once. @default 16 */
  dispatchConcurrency?: number;
  /**
   * How long one dispatch attempt waits for the service's reply, in ms
   * (the zguide's Titanic: 1000). A request still running after this is
   * counted as failed and retried, so set it above the slowest service's
   * time.
   * @default 10000
   */
  attemptTimeoutMs?: number;
  /**
   * Dispatch attempts before a request is parked: `titanic.reply` then
   * answers 500 with the reason. Counted durably, across restarts.
   * @default 5
   */
  maxAttempts?: number;
  /** Wait before retrying a failed attempt, in ms; doubles per attempt. @default 1000 */
  retryInitialMs?: number;
  /** Ceiling of the retry wait, in ms. @default 30000 */
  retryMaxMs?: number;
  /**
   * How often to ask the broker again (`mmi.service`) whether a service
   * without workers has some now, in ms (the zguide's Titanic: 1000).
   * @default 1000
   */
  serviceCheckMs?: number;
  /** Largest request body accepted (all frames), in bytes; larger ones get 400. @default 16777216 */
  maxRequestBytes?: number;
  /** Heartbeat interval of Titanic's workers, in ms; match the broker's. @default 2500 */
  heartbeatIntervalMs?: number;
  /** Silent heartbeats after which a worker takes its broker for dead. @default 3 */
  liveness?: number;
  /** Where diagnostics go. @default warnings and errors to stderr */
  logger?: Logger;
  /** Receives the service's and the store's events. @default none */
  onEvent?: (event: TitanicEvent) => void;
  /** ZeroMQ options for every socket Titanic opens to the broker. @default none */
  socketOptions?: SocketOptions;
  /**
   * How Titanic's workers and dispatcher prove who they are to a secure
   * broker (docs/SECURITY.md); passed to each Majordomo socket it opens.
   * @default none
   */
  security?: ClientSecurity;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

const KNOWN: (keyof TitanicServiceOptions)[] = [
  "store",
  "dir",
  "sync",
  "requestWorkers",
  "replyWorkers",
  "dispatchConcurrency",
  "attemptTimeoutMs",
  "maxAttempts",
  "retryInitialMs",
  "retryMaxMs",
  "serviceCheckMs",
  "maxRequestBytes",
  "heartbeatIntervalMs",
  "liveness",
  "logger",
  "onEvent",
  "socketOptions",
  "security",
  "clock",
];

/**
 * A snapshot of a {@linkcode TitanicService}'s counters.
 *
 * @example
 * ```ts
 * import type { TitanicServiceStats } from "./service.ts";
 * const show = (s: TitanicServiceStats) => `${s.store.pending} pending, ${s.dispatch.parked} parked`;
 * ```
 */
export interface TitanicServiceStats extends ServiceCounters {
  /** The store's counters. */
  readonly store: TitanicStoreStats;
  /** The dispatcher's counters. */
  readonly dispatch: DispatchStats;
}

/**
 * The Titanic service: disconnected, persistent request-reply on top of a
 * Majordomo broker. Clients store requests with `titanic.request` and get
 * a UUID once the request is on disk (synced); Titanic hands each request
 * to its service whenever that service has workers, retrying a bounded
 * number of times, and keeps the reply until the client closes the UUID.
 * Nothing acknowledged is lost by a crash of Titanic, its workers, the
 * broker or the machine.
 *
 * Hostile input is answered with 400 and never stored: a request without a
 * body, an empty or over-long or non-printable service name, a `titanic.*`
 * target, an over-size body, a UUID that is not 32 hex characters (a UUID
 * is only ever a key, never part of a path).
 *
 * Delivery: at least once. A request may run more than once when a reply
 * is lost or an attempt times out while the service is still working;
 * make such services idempotent (see `IdempotentCache`).
 *
 * @example Titanic, a worker and a client in one process
 * ```ts
 * import { MajordomoBroker, MajordomoWorker, shutdown } from "../../../mod.ts";
 * import { TitanicClient, TitanicService } from "./mod.ts";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", { heartbeatIntervalMs: 250 });
 * const endpoint = broker.endpoints[0];
 * const dir = Deno.makeTempDirSync();
 * const titanic = await TitanicService.connect(endpoint, { dir, heartbeatIntervalMs: 250 });
 * const echo = await MajordomoWorker.connect(endpoint, "echo", (r) => r, { heartbeatIntervalMs: 250 });
 * await titanic.ready;
 * const client = await TitanicClient.connect(endpoint);
 * const reply = await client.call("echo", ["hello"], { deadlineMs: 10000 });
 * console.log(new TextDecoder().decode(reply[0])); // "hello"
 * await client.close();
 * await echo.close();
 * await titanic.close();
 * await broker.close();
 * await shutdown();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export class TitanicService implements AsyncDisposable {
  /**
   * Resolves once the broker reports all three TSP services registered
   * (or has no MMI to ask); rejects with `ClosedError` if the service is
   * closed first.
   */
  readonly ready: Promise<void>;
  readonly #store: TitanicStore;
  readonly #ownsStore: boolean;
  readonly #dispatcher: Dispatcher;
  readonly #workers: WorkerPort[];
  readonly #counters: ServiceCounters;
  readonly #stop = new AbortController();
  #closing: Promise<void> | undefined;

  private constructor(
    store: TitanicStore,
    ownsStore: boolean,
    dispatcher: Dispatcher,
    workers: WorkerPort[],
    counters: ServiceCounters,
    ready: (signal: AbortSignal) => Promise<void>,
  ) {
    this.#store = store;
    this.#ownsStore = ownsStore;
    this.#dispatcher = dispatcher;
    this.#workers = workers;
    this.#counters = counters;
    this.ready = ready(this.#stop.signal);
    this.ready.catch(() => {});
  }

  /**
   * Opens the store (replaying it), registers the three TSP services with
   * the broker at `endpoint` and starts dispatching what the store holds.
   * It does not wait for the broker: Titanic may start before it
   * ({@linkcode TitanicService.ready} tells when it is registered).
   *
   * @param endpoint The Majordomo broker, e.g. `"tcp://127.0.0.1:5555"`.
   * @param options Store, limits, times, logger, events.
   * @returns The running service.
   * @throws {TypeError} On a badly typed or unknown option.
   * @throws {RangeError} On an option out of range.
   * @throws {StorageError} When the store cannot be opened (e.g. its
   * directory is in use by another Titanic).
   */
  static async connect(
    endpoint: string,
    options?: TitanicServiceOptions,
  ): Promise<TitanicService> {
    if (typeof endpoint !== "string" || endpoint === "") {
      throw new TypeError(
        `${CLS}.connect(): endpoint must be a non-empty string, got ${typeof endpoint}`,
      );
    }
    const o = readOptions(`${CLS}.connect()`, options, KNOWN);
    const log = loggerOption(CLS, o.logger, "titanic");
    const clock = clockOption(CLS, o.clock);
    const onEvent = fn<(e: TitanicEvent) => void>(CLS, "onEvent", o.onEvent);
    const settings = {
      concurrency: count(
        CLS,
        "dispatchConcurrency",
        o.dispatchConcurrency,
        16,
        1,
        4096,
      ),
      attemptTimeoutMs: durationMs(
        CLS,
        "attemptTimeoutMs",
        o.attemptTimeoutMs,
        10000,
        { min: 1 },
      ),
      maxAttempts: count(CLS, "maxAttempts", o.maxAttempts, 5, 1, 1_000_000),
      retryInitialMs: durationMs(CLS, "retryInitialMs", o.retryInitialMs, 1000),
      retryMaxMs: durationMs(CLS, "retryMaxMs", o.retryMaxMs, 30000),
      serviceCheckMs: durationMs(
        CLS,
        "serviceCheckMs",
        o.serviceCheckMs,
        1000,
        { min: 1 },
      ),
    };
    if (settings.retryMaxMs < settings.retryInitialMs) {
      throw new RangeError(
        `${CLS}: retryMaxMs (${settings.retryMaxMs}) must be at least retryInitialMs (${settings.retryInitialMs})`,
      );
    }
    const requestWorkers = count(
      CLS,
      "requestWorkers",
      o.requestWorkers,
      32,
      1,
      1024,
    );
    const replyWorkers = count(CLS, "replyWorkers", o.replyWorkers, 2, 1, 1024);
    const maxRequestBytes = count(
      CLS,
      "maxRequestBytes",
      o.maxRequestBytes,
      16 << 20,
      1,
    );
    const socketOptions = checkSocketOptions(CLS, o.socketOptions ?? {});
    const security = o.security as ClientSecurity | undefined;
    const worker = {
      socketOptions,
      security,
      heartbeatIntervalMs: durationMs(
        CLS,
        "heartbeatIntervalMs",
        o.heartbeatIntervalMs,
        2500,
        { min: 1 },
      ),
      liveness: count(CLS, "liveness", o.liveness, 3, 1, 1000),
      logger: log,
    };
    const sync = bool(CLS, "sync", o.sync, true);
    const dir = o.dir ?? ".titanic";
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError(`${CLS}: dir must be a non-empty string`);
    }
    const events = new EventHub<TitanicEvent>(log, onEvent);
    const storeOptions = {
      sync,
      logger: log,
      onEvent: (e: TitanicEvent) => events.emit(e),
    };
    let store: TitanicStore;
    let owns = true;
    const kind = o.store ?? "log";
    if (kind === "log") store = await LogStore.open(dir, storeOptions);
    else if (kind === "sqlite") {
      store = await SqliteStore.open(dir, storeOptions);
    } else if (
      typeof kind === "object" && kind !== null &&
      typeof (kind as TitanicStore).putRequest === "function"
    ) {
      store = kind;
      owns = false;
    } else {
      throw new TypeError(
        `${CLS}: store must be "log", "sqlite" or a TitanicStore, got ${
          String(kind)
        }`,
      );
    }
    const clients = await Promise.all(
      Array.from(
        { length: settings.concurrency },
        () => openClient(endpoint, log, socketOptions, security),
      ),
    );
    const dispatcher = new Dispatcher(
      store,
      clients,
      await openClient(endpoint, log, socketOptions, security),
      settings,
      clock,
      log,
      events,
    );
    for (const p of await store.pending()) dispatcher.add(p.uuid, p.service);
    const counters: ServiceCounters = {
      requests: { stored: 0, invalid: 0, failed: 0 },
      replies: { ready: 0, pending: 0, unknown: 0, failed: 0 },
      closes: { closed: 0, invalid: 0, failed: 0 },
    };
    const ctx: HandlerContext = {
      store,
      dispatcher,
      maxRequestBytes,
      events,
      limited: new RateLimitedLog(log, clock),
      counters,
    };
    const starts: Promise<WorkerPort>[] = [];
    const add = (service: string, n: number, h: typeof handleRequest) => {
      for (let i = 0; i < n; i++) {
        starts.push(startWorker(endpoint, service, (b) => h(ctx, b), worker));
      }
    };
    add(TspService.REQUEST, requestWorkers, handleRequest);
    add(TspService.REPLY, replyWorkers, handleReply);
    add(TspService.CLOSE, replyWorkers, handleClose);
    const workers = await Promise.all(starts);
    const ready = async (signal: AbortSignal) => {
      const registered = Promise.all(workers.map((w) => w.ready));
      const closed = new Promise<never>((_, reject) =>
        signal.addEventListener("abort", () =>
          reject(
            new ClosedError("Titanic was closed before it was ready"),
          ), { once: true })
      );
      await Promise.race([registered, closed]);
    };
    return new TitanicService(
      store,
      owns,
      dispatcher,
      workers,
      counters,
      ready,
    );
  }

  /** A snapshot of the counters. */
  get stats(): TitanicServiceStats {
    const c = this.#counters;
    return {
      requests: { ...c.requests },
      replies: { ...c.replies },
      closes: { ...c.closes },
      store: this.#store.stats,
      dispatch: this.#dispatcher.stats,
    };
  }

  /**
   * Stops: unregisters the workers (each answers the request in hand
   * first), stops dispatching (an attempt in flight is abandoned and
   * retried after a restart), then closes the store. Idempotent.
   *
   * @returns Resolves when everything is closed.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      await Promise.all(this.#workers.map((w) => w.close()));
      await this.#dispatcher.close();
      if (this.#ownsStore) await this.#store.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode TitanicService.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
