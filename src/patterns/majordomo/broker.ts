/**
 * The Majordomo broker (7/MDP + 8/MMI, zguide `mdbroker`).
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import { RouterSocket } from "../../transport/socket.ts";
import type { Logger } from "../../_util/logger.ts";
import { createCore } from "../../core/mod.ts";
import type { Envelope, WorkerQueue } from "../../core/mod.ts";
import { MessageKind } from "../../core/mod.ts";
import {
  COMMAND_FRAME,
  EMPTY,
  MDPC01,
  MdpLimits,
  MDPW01,
  MdpWorkerCommand,
} from "../../protocol/mdp/codec.ts";
import {
  isMmiService,
  MMI_FRAME,
  MMI_SERVICE,
  MMI_STATS,
} from "../../protocol/mmi/codec.ts";
import { Deque } from "./_deque.ts";
import {
  checkEndpoint,
  checkOptions,
  loggerOption,
  numberOption,
} from "./_validate.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const MMI_SERVICE_BYTES = te.encode(MMI_SERVICE);
const MMI_STATS_BYTES = te.encode(MMI_STATS);
const HEARTBEAT = [
  EMPTY,
  MDPW01,
  COMMAND_FRAME[MdpWorkerCommand.HEARTBEAT],
] as const;
const REQUEST_PREFIX = [
  EMPTY,
  MDPW01,
  COMMAND_FRAME[MdpWorkerCommand.REQUEST],
];
const DISCONNECT = COMMAND_FRAME[MdpWorkerCommand.DISCONNECT];
const CLS = "MajordomoBroker";

/**
 * Which implementation of the core runs the broker's hot path.
 *
 * @example
 * ```ts
 * import { MajordomoBroker, shutdown } from "@reliable/zmq";
 * const broker = new MajordomoBroker({ core: "ts" });
 * console.log(broker.core); // "ts"
 * await broker.close();
 * await shutdown();
 * ```
 */
export type MajordomoCoreImpl = "wasm" | "ts";

/**
 * Options of {@linkcode MajordomoBroker}.
 *
 * @example
 * ```ts
 * import type { MajordomoBrokerOptions } from "@reliable/zmq";
 * const options: MajordomoBrokerOptions = { heartbeatIntervalMs: 1000, liveness: 5, requestTtlMs: 10000 };
 * ```
 */
export interface MajordomoBrokerOptions {
  /**
   * How often the broker heartbeats each worker and sweeps expired workers
   * and requests, in ms (zguide `HEARTBEAT_INTERVAL`).
   * @default 2500
   */
  heartbeatIntervalMs?: number;
  /**
   * Heartbeat intervals of silence after which a worker counts as dead
   * (zguide `HEARTBEAT_LIVENESS`; the spec says usually 3-5).
   * @default 3
   */
  liveness?: number;
  /**
   * How long a request may wait in its service's queue for a worker, in ms.
   * Then it is dropped and counted; the client times out (7/MDP has no
   * error reply). `Infinity` keeps requests forever, as the guide does.
   * @default 60000
   */
  requestTtlMs?: number;
  /**
   * Most requests waiting per service; a request past it is dropped and
   * counted.
   * @default 10000
   */
  maxQueue?: number;
  /**
   * Most requests waiting across all services.
   * @default 100000
   */
  maxPendingRequests?: number;
  /**
   * Most bytes of request bodies waiting across all services.
   * @default 268435456 (256 MiB)
   */
  maxPendingBytes?: number;
  /**
   * Most services known at once (a service is forgotten as soon as it has
   * no worker and no waiting request). Requests for a new service past it
   * are dropped; READYs past it are answered with DISCONNECT.
   * @default 10000
   */
  maxServices?: number;
  /**
   * Most registered workers; a READY past it is answered with DISCONNECT.
   * @default 100000
   */
  maxWorkers?: number;
  /**
   * Largest inbound frame in bytes (`ZMQ_MAXMSGSIZE`); a peer sending a
   * larger frame is disconnected by libzmq.
   * @default 16777216 (16 MiB)
   */
  maxFrameBytes?: number;
  /**
   * Which core runs the hot path: the WebAssembly `Envelope` and
   * `WorkerQueue` (`"wasm"`), their TypeScript twins (`"ts"`), or WASM with
   * a fallback to TS when WebAssembly cannot be loaded (`"auto"`).
   * @default "auto"
   */
  core?: "auto" | MajordomoCoreImpl;
  /**
   * How long `close()` keeps trying to deliver the final DISCONNECTs, in ms.
   * @default 1000
   */
  lingerMs?: number;
  /**
   * Messages the ROUTER queues for one peer before further sends to it are
   * dropped (and counted); bounds the memory a client that never reads can
   * pin.
   * @default 10000
   */
  sendHighWaterMark?: number;
  /**
   * Messages libzmq buffers from one peer before that peer's sends wait
   * (back-pressure); bounds the memory a fast sender can pin.
   * @default 1000
   */
  receiveHighWaterMark?: number;
  /**
   * Whether a busy worker silent for `liveness` heartbeat intervals is
   * purged too. 7/MDP says both sides MUST heartbeat at regular intervals,
   * and our `MajordomoWorker` heartbeats while it works; but the guide's
   * single-threaded worker (`mdwrkapi`) is silent while its handler runs, so
   * set this to `false` for such workers with requests longer than
   * `heartbeatIntervalMs × liveness` (the guide's broker never expires busy
   * workers; a crashed busy worker then stays registered).
   * @default true
   */
  expireBusyWorkers?: boolean;
  /** Where diagnostics go. @default silent */
  logger?: Logger;
}

/**
 * Counters kept by {@linkcode MajordomoBroker}.
 *
 * @example
 * ```ts
 * import { MajordomoBroker, shutdown } from "@reliable/zmq";
 * const broker = new MajordomoBroker();
 * console.log(broker.stats().counters.requests); // 0
 * await broker.close();
 * await shutdown();
 * ```
 */
export interface MajordomoBrokerCounters {
  /** Valid client requests received (MMI included). */
  requests: number;
  /** Requests handed to a worker. */
  dispatched: number;
  /** Replies forwarded to clients. */
  replies: number;
  /** Requests answered by the broker itself (`mmi.*`). */
  mmi: number;
  /** Requests dropped after waiting `requestTtlMs`. */
  expiredRequests: number;
  /** Requests dropped because a queue limit was reached. */
  droppedRequests: number;
  /** Replies that could not be routed (the client had gone). */
  unroutableReplies: number;
  /** Messages that broke 7/MDP (dropped). */
  invalidMessages: number;
  /** DISCONNECT commands sent to workers. */
  disconnectsSent: number;
  /** Workers removed after `liveness` silent heartbeat intervals. */
  expiredWorkers: number;
  /** Errors caught inside the broker loop (should stay 0). */
  internalErrors: number;
}

/**
 * One service in {@linkcode MajordomoBrokerStats}.
 *
 * @example
 * ```ts
 * import type { MajordomoServiceStats } from "@reliable/zmq";
 * const s: MajordomoServiceStats = { name: "echo", workers: 2, waiting: 1, queued: 0 };
 * ```
 */
export interface MajordomoServiceStats {
  /** The service name. */
  name: string;
  /** Registered workers (busy or waiting). */
  workers: number;
  /** Workers waiting for a request. */
  waiting: number;
  /** Requests waiting for a worker. */
  queued: number;
}

/**
 * A snapshot of the broker's state, from `stats()` or `mmi.stats`.
 *
 * @example
 * ```ts
 * import { MajordomoBroker, shutdown } from "@reliable/zmq";
 * const broker = new MajordomoBroker();
 * const { workers, queued, services } = broker.stats();
 * console.log(workers, queued, services.length); // 0 0 0
 * await broker.close();
 * await shutdown();
 * ```
 */
export interface MajordomoBrokerStats {
  /** Which core implementation the broker runs on. */
  core: MajordomoCoreImpl;
  /** Registered workers. */
  workers: number;
  /** Requests waiting across all services. */
  queued: number;
  /** Bytes of request bodies waiting. */
  queuedBytes: number;
  /** Every known service. */
  services: MajordomoServiceStats[];
  /** Running counters. */
  counters: MajordomoBrokerCounters;
  /** The process's memory use (`Deno.memoryUsage()`), in bytes. */
  memory: {
    rss: number;
    heapTotal: number;
    heapUsed: number;
    external: number;
  };
}

interface Pending {
  client: Uint8Array;
  body: Uint8Array[];
  bytes: number;
  expiresAt: number;
}

interface Service {
  handle: number;
  name: Uint8Array;
  nameText: string;
  requests: Deque<Pending>;
  workers: number;
}

interface Worker {
  handle: number;
  identity: Uint8Array;
  service: Service;
  busy: boolean;
  /** Deadline while busy (waiting workers keep theirs in the WorkerQueue). */
  expiresAt: number;
  lastSentAt: number;
}

/**
 * A Majordomo broker: one ROUTER for clients and workers, one request queue
 * per service, least-recently-used dispatch to waiting workers, heartbeats
 * both ways, and the 8/MMI service-discovery service. Implements 7/MDP
 * (zguide `mdbroker`), with these choices where the spec leaves room:
 *
 * - **Hot path on the core**: each message is received straight into the
 *   core's `Envelope` (WebAssembly by default, see `core`), classified in one
 *   call, and worker identities and service names become integer handles;
 *   waiting workers live in the core's `WorkerQueue` with their deadlines.
 * - **Bounded memory**: a request waits at most `requestTtlMs` and queues
 *   are capped (`maxQueue`, `maxPendingRequests`, `maxPendingBytes`,
 *   `maxServices`, `maxWorkers`); what is dropped is counted. A service is
 *   forgotten once it has neither workers nor waiting requests.
 * - **Invalid input** is dropped and counted; a registered worker that sends
 *   it is sent DISCONNECT and forgotten. A valid but unexpected command
 *   (second READY, REPLY or HEARTBEAT from an unknown worker, REQUEST from a
 *   worker, READY for `mmi.*`) gets DISCONNECT, as 7/MDP and 8/MMI require.
 * - **Heartbeats** go to every worker, waiting or busy, that has been sent
 *   nothing for half a heartbeat interval. A worker silent for `liveness`
 *   intervals is purged, busy or not (7/MDP: both sides MUST heartbeat; our
 *   `MajordomoWorker` heartbeats while it works). For the guide's
 *   single-threaded workers, which are silent while busy, set
 *   `expireBusyWorkers: false`, as the guide's broker behaves.
 * - **No broker-level retry**: a request taken by a worker that dies is
 *   lost; the client's retry recovers it (7/MDP assumes idempotent workers).
 * - **MMI**: `mmi.service` answers `"200"` when at least one worker (busy or
 *   waiting) is registered for the service named in the body, else `"404"`;
 *   other `mmi.*` names answer `"501"`, except `mmi.stats`.
 * - **`mmi.stats`** (beyond the spec): replies `["200", json]` where `json`
 *   is {@linkcode MajordomoBrokerStats} (services, workers, queue depths,
 *   counters). Other brokers answer it `"501"`.
 *
 * @example A broker, a worker and a client in one process
 * ```ts
 * import {
 *   MajordomoBroker, MajordomoClient, MajordomoWorker, shutdown,
 * } from "@reliable/zmq";
 * const broker = new MajordomoBroker();
 * const endpoint = broker.bind("tcp://127.0.0.1:*");
 * const worker = new MajordomoWorker(endpoint, "echo", (req) => req);
 * worker.start();
 * const client = new MajordomoClient(endpoint);
 * const [reply] = await client.request("echo", ["hello"]);
 * console.log(new TextDecoder().decode(reply)); // "hello"
 * client.close();
 * await worker.close();
 * await broker.close();
 * await shutdown();
 * ```
 */
export class MajordomoBroker implements AsyncDisposable {
  readonly #sock: RouterSocket;
  readonly #env: Envelope;
  readonly #queue: WorkerQueue;
  readonly #impl: MajordomoCoreImpl;
  readonly #log: Logger;
  readonly #hbMs: number;
  readonly #expiryMs: number;
  readonly #ttlMs: number;
  readonly #maxQueue: number;
  readonly #maxPending: number;
  readonly #maxPendingBytes: number;
  readonly #maxServices: number;
  readonly #maxWorkers: number;
  readonly #lingerMs: number;
  readonly #expireBusy: boolean;
  readonly #services = new Map<number, Service>();
  readonly #workers = new Map<number, Worker>();
  readonly #busy = new Set<Worker>();
  readonly #queuedServices = new Set<Service>();
  readonly #refs = new Map<number, number>();
  readonly #endpoints: string[] = [];
  #pending = 0;
  #pendingBytes = 0;
  #nextTickAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #c: MajordomoBrokerCounters = {
    requests: 0,
    dispatched: 0,
    replies: 0,
    mmi: 0,
    expiredRequests: 0,
    droppedRequests: 0,
    unroutableReplies: 0,
    invalidMessages: 0,
    disconnectsSent: 0,
    expiredWorkers: 0,
    internalErrors: 0,
  };

  /**
   * Creates a broker. It does nothing until {@linkcode MajordomoBroker.bind}.
   *
   * @param options Heartbeat, limits, core and logger.
   * @throws {TypeError} On a badly typed option.
   * @throws {RangeError} On an option out of range.
   * @throws {Error} When `core` is `"wasm"` and WebAssembly cannot be loaded.
   */
  constructor(options?: MajordomoBrokerOptions) {
    const o = checkOptions(CLS, options);
    this.#hbMs = numberOption(
      CLS,
      "heartbeatIntervalMs",
      o.heartbeatIntervalMs,
      2500,
      1,
    );
    const liveness = numberOption(CLS, "liveness", o.liveness, 3, 1);
    this.#expiryMs = this.#hbMs * liveness;
    this.#ttlMs = numberOption(CLS, "requestTtlMs", o.requestTtlMs, 60000, 1);
    this.#maxQueue = numberOption(CLS, "maxQueue", o.maxQueue, 10000, 0);
    this.#maxPending = numberOption(
      CLS,
      "maxPendingRequests",
      o.maxPendingRequests,
      100000,
      0,
    );
    this.#maxPendingBytes = numberOption(
      CLS,
      "maxPendingBytes",
      o.maxPendingBytes,
      268435456,
      0,
    );
    this.#maxServices = numberOption(
      CLS,
      "maxServices",
      o.maxServices,
      10000,
      1,
    );
    this.#maxWorkers = numberOption(CLS, "maxWorkers", o.maxWorkers, 100000, 1);
    const maxFrame = numberOption(
      CLS,
      "maxFrameBytes",
      o.maxFrameBytes,
      16777216,
      1,
    );
    this.#lingerMs = numberOption(CLS, "lingerMs", o.lingerMs, 1000, 0);
    const hwm = numberOption(
      CLS,
      "sendHighWaterMark",
      o.sendHighWaterMark,
      10000,
      0,
    );
    const rcvHwm = numberOption(
      CLS,
      "receiveHighWaterMark",
      o.receiveHighWaterMark,
      1000,
      0,
    );
    this.#log = loggerOption(CLS, o.logger);
    if (
      o.expireBusyWorkers !== undefined &&
      typeof o.expireBusyWorkers !== "boolean"
    ) {
      throw new TypeError(`${CLS}: expireBusyWorkers must be a boolean`);
    }
    this.#expireBusy = o.expireBusyWorkers ?? true;
    const impl = o.core ?? "auto";
    if (impl !== "auto" && impl !== "wasm" && impl !== "ts") {
      throw new TypeError(`${CLS}: core must be "auto", "wasm" or "ts"`);
    }
    const core = createCore({ impl });
    this.#impl = core.impl;
    if (impl === "auto" && core.impl !== "wasm") {
      this.#log.warn("WebAssembly core unavailable; using the TypeScript twin");
    }
    this.#env = core.createEnvelope();
    this.#queue = core.createWorkerQueue();
    this.#sock = new RouterSocket({
      routerMandatory: true,
      sendHighWaterMark: hwm,
      receiveHighWaterMark: rcvHwm,
      maxMessageSize: maxFrame,
      linger: this.#lingerMs,
    });
  }

  /** Which core implementation runs the hot path. */
  get core(): MajordomoCoreImpl {
    return this.#impl;
  }

  /** Endpoints bound so far, as actually bound. */
  get endpoints(): readonly string[] {
    return this.#endpoints;
  }

  /**
   * Binds the broker's ROUTER to an endpoint (it may be called several
   * times) and starts the broker loop if it is not running yet.
   *
   * @param endpoint e.g. `"tcp://*:5555"` or `"tcp://127.0.0.1:*"`.
   * @returns The endpoint actually bound (with the port picked for `*`).
   * @throws {TypeError} When `endpoint` is not an endpoint.
   * @throws {ClosedError} When the broker is closed.
   * @throws {AddressInUseError} When the address is taken.
   * @example
   * ```ts
   * import { MajordomoBroker, shutdown } from "@reliable/zmq";
   * const broker = new MajordomoBroker();
   * console.log(broker.bind("tcp://127.0.0.1:*"));
   * await broker.close();
   * await shutdown();
   * ```
   */
  bind(endpoint: string): string {
    checkEndpoint("MajordomoBroker.bind()", endpoint);
    if (this.#closed) {
      throw new ClosedError("Cannot bind: broker is closed");
    }
    const bound = this.#sock.bind(endpoint);
    this.#endpoints.push(bound);
    if (!this.#loop) {
      this.#nextTickAt = performance.now() + this.#hbMs;
      this.#schedule();
      this.#loop = this.#run();
    }
    this.#log.info("broker bound", { endpoint: bound, core: this.#impl });
    return bound;
  }

  /**
   * A snapshot of services, workers, queue depths and counters (the same
   * data `mmi.stats` returns).
   *
   * @returns The snapshot.
   * @example
   * ```ts
   * import { MajordomoBroker, shutdown } from "@reliable/zmq";
   * const broker = new MajordomoBroker();
   * console.log(broker.stats().workers); // 0
   * await broker.close();
   * await shutdown();
   * ```
   */
  stats(): MajordomoBrokerStats {
    const services: MajordomoServiceStats[] = [];
    for (const s of this.#services.values()) {
      services.push({
        name: s.nameText,
        workers: s.workers,
        waiting: this.#queue.size(s.handle),
        queued: s.requests.length,
      });
    }
    return {
      core: this.#impl,
      workers: this.#workers.size,
      queued: this.#pending,
      queuedBytes: this.#pendingBytes,
      services,
      counters: { ...this.#c },
      memory: Deno.memoryUsage(),
    };
  }

  // ---- loop ---------------------------------------------------------------

  async #run(): Promise<void> {
    const sock = this.#sock;
    const env = this.#env;
    let sinceCheck = 0;
    let sinceYield = 0;
    while (!this.#closed) {
      try {
        if (sock.tryReceiveInto(env) === 0) {
          sinceYield = 0;
          await sock.receiveInto(env);
        }
      } catch (e) {
        if (e instanceof ClosedError || this.#closed) break;
        // A message the envelope refused (too large): dropped and counted.
        this.#c.invalidMessages++;
        this.#log.warn("message refused", { error: String(e) });
        continue;
      }
      const now = performance.now();
      try {
        this.#onMessage(now);
      } catch (e) {
        this.#c.internalErrors++;
        this.#log.error("internal error handling a message", {
          error: String(e),
        });
      }
      if (++sinceCheck >= 64) {
        sinceCheck = 0;
        if (now >= this.#nextTickAt) this.#tick();
      }
      if (++sinceYield >= 1024) {
        // Under sustained load, let timers and signal handlers run. A
        // setImmediate turn does that in microseconds; setTimeout(0) costs
        // about 2 ms in Deno.
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    const wait = Math.max(1, this.#nextTickAt - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (performance.now() >= this.#nextTickAt) this.#tick();
      else this.#schedule();
    }, wait);
  }

  #tick(): void {
    if (this.#closed) return;
    const now = performance.now();
    try {
      this.#purge(now);
      for (const w of this.#busy) {
        if (this.#expireBusy && w.expiresAt <= now) {
          this.#c.expiredWorkers++;
          this.#log.info("busy worker expired", {
            service: w.service.nameText,
          });
          this.#deleteWorker(w, false);
        }
      }
      const due = now - this.#hbMs / 2;
      for (const w of this.#workers.values()) {
        if (w.lastSentAt <= due) this.#send(w, [w.identity, ...HEARTBEAT], now);
      }
      for (const s of this.#queuedServices) {
        let r = s.requests.peek();
        while (r !== undefined && r.expiresAt <= now) {
          s.requests.shift();
          this.#pending--;
          this.#pendingBytes -= r.bytes;
          this.#c.expiredRequests++;
          r = s.requests.peek();
        }
        if (s.requests.length === 0) {
          this.#queuedServices.delete(s);
          this.#maybeForget(s);
        }
      }
    } catch (e) {
      this.#c.internalErrors++;
      this.#log.error("internal error in heartbeat tick", {
        error: String(e),
      });
    }
    this.#nextTickAt = now + this.#hbMs;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#schedule();
  }

  #purge(now: number): void {
    const expired = this.#queue.expire(now);
    for (let i = 0; i < expired.length; i++) {
      const w = this.#workers.get(expired[i]);
      if (w) {
        this.#c.expiredWorkers++;
        this.#log.info("worker expired", { service: w.service.nameText });
        this.#deleteWorker(w, false);
      }
    }
  }

  // ---- messages -------------------------------------------------------------

  #onMessage(now: number): void {
    const env = this.#env;
    const kind = env.classifyMdp();
    if (kind === MessageKind.MDP_CLIENT) return this.#onClient(now);
    if (kind === MessageKind.MDP_WORKER) return this.#onWorker(now);
    this.#c.invalidMessages++;
    const h = env.frameCount > 0 ? env.find(0) : -1;
    const w = h >= 0 ? this.#workers.get(h) : undefined;
    if (w) {
      this.#log.warn("invalid message from a worker; disconnecting it", {
        reason: env.errorReason,
        frame: env.errorFrame,
      });
      this.#deleteWorker(w, true);
    } else {
      this.#log.debug("invalid message dropped", {
        reason: env.errorReason,
        frame: env.errorFrame,
      });
    }
  }

  #onClient(now: number): void {
    const env = this.#env;
    this.#c.requests++;
    const sf = env.serviceFrame;
    if (isMmiService(env.frame(sf))) return this.#onMmi();
    const sh = env.find(sf);
    let svc = sh >= 0 ? this.#services.get(sh) : undefined;
    if (svc !== undefined && svc.requests.length === 0) {
      // Fast path: a waiting worker takes the request straight from the
      // envelope, without copying it.
      if (this.#queue.size(svc.handle) > 0) this.#purge(now);
      for (;;) {
        const wh = this.#queue.pop(svc.handle);
        if (wh < 0) break;
        const w = this.#workers.get(wh);
        if (w === undefined) continue;
        const frames = env.build(w.identity, [
          ...REQUEST_PREFIX,
          env.frame(0),
          EMPTY,
        ], env.bodyFrame);
        if (this.#send(w, frames, now)) {
          this.#markBusy(w, now);
          this.#c.dispatched++;
          return;
        }
      }
    }
    // Queue a copy. (A purge above may have made the service forgettable.)
    if (svc !== undefined && this.#services.get(svc.handle) !== svc) {
      svc = undefined;
    }
    if (svc === undefined) {
      if (this.#services.size >= this.#maxServices) {
        this.#c.droppedRequests++;
        return;
      }
      svc = this.#newService(sf);
    }
    let bytes = 0;
    const n = env.frameCount;
    for (let i = env.bodyFrame; i < n; i++) bytes += env.frameLength(i);
    bytes += env.frameLength(0);
    if (
      svc.requests.length >= this.#maxQueue ||
      this.#pending >= this.#maxPending ||
      this.#pendingBytes + bytes > this.#maxPendingBytes
    ) {
      this.#c.droppedRequests++;
      this.#maybeForget(svc);
      return;
    }
    const body: Uint8Array[] = new Array(n - env.bodyFrame);
    for (let i = env.bodyFrame; i < n; i++) {
      body[i - env.bodyFrame] = env.frame(i).slice();
    }
    svc.requests.push({
      client: env.frame(0).slice(),
      body,
      bytes,
      expiresAt: now + this.#ttlMs,
    });
    this.#pending++;
    this.#pendingBytes += bytes;
    this.#queuedServices.add(svc);
    this.#dispatch(svc, now);
  }

  #onMmi(): void {
    const env = this.#env;
    this.#c.mmi++;
    const sf = env.serviceFrame;
    const name = env.frame(sf);
    let body: Uint8Array[];
    if (eq(name, MMI_SERVICE_BYTES)) {
      const h = env.find(env.bodyFrame);
      const s = h >= 0 ? this.#services.get(h) : undefined;
      body = [MMI_FRAME[s !== undefined && s.workers > 0 ? "200" : "404"]];
    } else if (eq(name, MMI_STATS_BYTES)) {
      body = [MMI_FRAME["200"], te.encode(JSON.stringify(this.stats()))];
    } else {
      body = [MMI_FRAME["501"]];
    }
    this.#sendClient([env.frame(0), EMPTY, MDPC01, name, ...body]);
  }

  #onWorker(now: number): void {
    const env = this.#env;
    const cmd = env.command;
    const h = env.find(0);
    const w = h >= 0 ? this.#workers.get(h) : undefined;
    switch (cmd) {
      case MdpWorkerCommand.READY: {
        if (w !== undefined) return this.#deleteWorker(w, true);
        const sf = env.serviceFrame;
        if (
          isMmiService(env.frame(sf)) ||
          env.frameLength(0) > MdpLimits.ADDRESS_MAX_BYTES ||
          this.#workers.size >= this.#maxWorkers
        ) {
          return this.#disconnectSender();
        }
        const sh = env.find(sf);
        let svc = sh >= 0 ? this.#services.get(sh) : undefined;
        if (svc === undefined) {
          if (this.#services.size >= this.#maxServices) {
            return this.#disconnectSender();
          }
          svc = this.#newService(sf);
        }
        const handle = this.#acquire(env.intern(0));
        const worker: Worker = {
          handle,
          identity: env.frame(0).slice(),
          service: svc,
          busy: false,
          expiresAt: 0,
          lastSentAt: now,
        };
        this.#workers.set(handle, worker);
        svc.workers++;
        this.#log.debug("worker ready", { service: svc.nameText });
        this.#markWaiting(worker, now);
        return;
      }
      case MdpWorkerCommand.REPLY: {
        if (w === undefined || !w.busy) {
          if (w !== undefined) return this.#deleteWorker(w, true);
          return this.#disconnectSender();
        }
        const frames = env.build(env.frame(env.addressFrame), [
          EMPTY,
          MDPC01,
          w.service.name,
        ], env.bodyFrame);
        this.#sendClient(frames);
        this.#c.replies++;
        this.#markWaiting(w, now);
        return;
      }
      case MdpWorkerCommand.HEARTBEAT:
        if (w === undefined) return this.#disconnectSender();
        if (w.busy) {
          w.expiresAt = now + this.#expiryMs;
        } else {
          this.#queue.touch(w.handle, now + this.#expiryMs);
        }
        return;
      case MdpWorkerCommand.DISCONNECT:
        if (w !== undefined) this.#deleteWorker(w, false);
        return;
      case MdpWorkerCommand.REQUEST: // from a worker: valid but unexpected
      default:
        if (w !== undefined) return this.#deleteWorker(w, true);
        return this.#disconnectSender();
    }
  }

  // ---- state --------------------------------------------------------------

  #acquire(handle: number): number {
    this.#refs.set(handle, (this.#refs.get(handle) ?? 0) + 1);
    return handle;
  }

  #unref(handle: number): void {
    const n = (this.#refs.get(handle) ?? 1) - 1;
    if (n > 0) this.#refs.set(handle, n);
    else {
      this.#refs.delete(handle);
      this.#env.release(handle);
    }
  }

  #newService(frame: number): Service {
    const env = this.#env;
    const handle = this.#acquire(env.intern(frame));
    const name = env.frame(frame).slice();
    const svc: Service = {
      handle,
      name,
      nameText: td.decode(name),
      requests: new Deque(),
      workers: 0,
    };
    this.#services.set(handle, svc);
    return svc;
  }

  #maybeForget(svc: Service): void {
    if (svc.workers === 0 && svc.requests.length === 0) {
      if (this.#services.get(svc.handle) === svc) {
        this.#services.delete(svc.handle);
        this.#queuedServices.delete(svc);
        this.#unref(svc.handle);
      }
    }
  }

  #markBusy(w: Worker, now: number): void {
    w.busy = true;
    w.expiresAt = now + this.#expiryMs;
    this.#busy.add(w);
  }

  #markWaiting(w: Worker, now: number): void {
    w.busy = false;
    this.#busy.delete(w);
    this.#queue.push(w.handle, w.service.handle, now + this.#expiryMs);
    if (w.service.requests.length > 0) this.#dispatch(w.service, now);
  }

  #dispatch(svc: Service, now: number): void {
    if (this.#queue.size(svc.handle) === 0) return;
    this.#purge(now);
    while (svc.requests.length > 0) {
      const r = svc.requests.peek()!;
      if (r.expiresAt <= now) {
        svc.requests.shift();
        this.#pending--;
        this.#pendingBytes -= r.bytes;
        this.#c.expiredRequests++;
        continue;
      }
      const wh = this.#queue.pop(svc.handle);
      if (wh < 0) break;
      const w = this.#workers.get(wh);
      if (w === undefined) continue;
      if (
        !this.#send(w, [
          w.identity,
          ...REQUEST_PREFIX,
          r.client,
          EMPTY,
          ...r.body,
        ], now)
      ) {
        continue;
      }
      svc.requests.shift();
      this.#pending--;
      this.#pendingBytes -= r.bytes;
      this.#markBusy(w, now);
      this.#c.dispatched++;
    }
    if (svc.requests.length === 0) this.#queuedServices.delete(svc);
  }

  #deleteWorker(w: Worker, disconnect: boolean): void {
    if (this.#workers.get(w.handle) !== w) return;
    if (disconnect) {
      this.#c.disconnectsSent++;
      this.#trySend([w.identity, EMPTY, MDPW01, DISCONNECT]);
    }
    this.#queue.remove(w.handle);
    this.#busy.delete(w);
    this.#workers.delete(w.handle);
    this.#unref(w.handle);
    const svc = w.service;
    svc.workers--;
    this.#maybeForget(svc);
  }

  /** Sends DISCONNECT to the sender of the current message (not registered). */
  #disconnectSender(): void {
    this.#c.disconnectsSent++;
    this.#trySend([this.#env.frame(0), EMPTY, MDPW01, DISCONNECT]);
  }

  /** Sends to a registered worker; on failure the worker is deleted. */
  #send(w: Worker, frames: Uint8Array[], now: number): boolean {
    if (this.#trySend(frames)) {
      w.lastSentAt = now;
      return true;
    }
    this.#log.info("worker unreachable; forgetting it", {
      service: w.service.nameText,
    });
    this.#deleteWorker(w, false);
    return false;
  }

  #sendClient(frames: Uint8Array[]): void {
    if (!this.#trySend(frames)) this.#c.unroutableReplies++;
  }

  #trySend(frames: Uint8Array[]): boolean {
    try {
      return this.#sock.trySend(frames);
    } catch (e) {
      if (e instanceof HostUnreachableError) return false;
      throw e;
    }
  }

  /**
   * Stops the broker: sends DISCONNECT to every registered worker, stops the
   * loop and closes the socket (keeping it `lingerMs` to flush). Idempotent.
   *
   * @returns Resolves once the loop has ended.
   * @example
   * ```ts
   * import { MajordomoBroker, shutdown } from "@reliable/zmq";
   * const broker = new MajordomoBroker();
   * broker.bind("tcp://127.0.0.1:*");
   * await broker.close();
   * await shutdown();
   * ```
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of [...this.#workers.values()]) {
      try {
        this.#deleteWorker(w, true);
      } catch {
        // the socket may be closed already
      }
    }
    this.#sock.close();
    this.#closing = (this.#loop ?? Promise.resolve()).then(() => {
      this.#log.info("broker closed", { counters: this.#c });
    });
    return this.#closing;
  }

  /** Same as {@linkcode MajordomoBroker.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
