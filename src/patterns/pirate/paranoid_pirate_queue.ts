/**
 * Paranoid Pirate queue: LRU routing with 6/PPP heartbeats and worker
 * expiry (zguide `ppqueue`, chapter 4; rfc.zeromq.org/spec/6).
 * @module
 */
import type {
  SecurityReload,
  SecurityStats,
  ServerSecurity,
} from "../../security/settings.ts";
import { ProtocolError } from "../../errors.ts";
import type { Clock, Timer } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import { decodeQueueMessage } from "../../protocol/ppp/codec.ts";
import { overLimits, releaseMessage } from "../_kit/limits.ts";
import type { PirateQueueEvent, PirateQueueStats } from "./events.ts";
import { ParanoidQueueCore } from "./_paranoid_queue_core.ts";
import { QUEUE_KEYS, queueSetup, QueueShell, received } from "./_queue_base.ts";

const CLS = "ParanoidPirateQueue";
const KEYS = [
  "heartbeatIntervalMs",
  "liveness",
  "maxBusyMs",
  ...QUEUE_KEYS,
] as const;

/**
 * Options of {@linkcode ParanoidPirateQueue.bind}.
 *
 * @example
 * ```ts
 * import type { ParanoidPirateQueueOptions } from "@reliable/zmq";
 * const options: ParanoidPirateQueueOptions = { heartbeatIntervalMs: 500, liveness: 4 };
 * ```
 */
export interface ParanoidPirateQueueOptions {
  /** Heartbeat interval towards idle workers, ms (guide HEARTBEAT_INTERVAL). @default 1000 */
  heartbeatIntervalMs?: number;
  /** Intervals of silence before an idle worker expires (guide HEARTBEAT_LIVENESS). @default 3 */
  liveness?: number;
  /**
   * How long a worker may stay busy on one request before it is forgotten,
   * ms. A busy worker sends no heartbeats (6/PPP), so this is the only way
   * to reclaim a worker that hangs mid-request with its connection open.
   * `Infinity`: never.
   * @default Infinity
   */
  maxBusyMs?: number;
  /** Which core implementation keeps the worker queue. @default "auto" (WebAssembly, else TypeScript) */
  core?: "auto" | "wasm" | "ts";
  /**
   * Largest frame accepted on either socket, in bytes; a message with a
   * larger one is refused, counted (`stats.oversize`) and its memory freed.
   * @default 16777216 (16 MiB)
   */
  maxFrameBytes?: number;
  /**
   * Largest message accepted (all frames), in bytes; also `ZMQ_MAXMSGSIZE`
   * of both sockets, so a single frame above it is cut off by libzmq with
   * its connection before it takes memory (that case is not counted).
   * @default 67108864 (64 MiB), or `maxFrameBytes` if larger
   */
  maxMessageBytes?: number;
  /** Options for both ROUTER sockets (CURVE keys, high-water marks...). @default {} */
  socketOptions?: SocketOptions;
  /**
   * Who may connect to the frontend (clients), checked by the process's
   * ZAP handler: CURVE with an allow-list, PLAIN, or address lists
   * (docs/SECURITY.md). Also the backend's, unless `workerSecurity` is given.
   * @default none
   */
  security?: ServerSecurity;
  /**
   * Who may connect to the backend (workers); the backend is a socket of
   * its own, so workers can need keys clients do not have.
   * @default `security`
   */
  workerSecurity?: ServerSecurity;
  /** Where diagnostics go. @default warnings and errors to stderr */
  logger?: Logger;
  /** Called for each {@linkcode PirateQueueEvent}. @default none */
  onEvent?: (event: PirateQueueEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * A Paranoid Pirate queue (zguide `ppqueue`, chapter 4; 6/PPP): a ROUTER
 * frontend for Lazy Pirate clients and a ROUTER backend for
 * {@linkcode ParanoidPirateWorker}s (or any 6/PPP worker).
 *
 * - Requests go to the least recently used idle worker; clients are read
 *   only while one is idle, which back-pressures them. Idle workers wait in
 *   the core's `WorkerQueue` (WebAssembly by default), identities interned
 *   to handles by the core's `Envelope`.
 * - Every `heartbeatIntervalMs` the queue sends HEARTBEAT to each idle
 *   worker and forgets idle workers silent for `liveness` intervals.
 * - A busy worker is not expired while it works (until `maxBusyMs`); its
 *   HEARTBEAT counts as liveness only, never as "ready". Once it has been
 *   busy for `liveness` intervals it is heartbeated too, so a worker whose
 *   connection is gone (it died mid-request) is forgotten (`worker:gone`).
 * - A message from a worker it does not know registers that worker, so
 *   workers come back by themselves after a queue restart.
 * - Malformed or oversized messages on either socket are dropped, counted
 *   and logged at most a few times per interval (the rest are counted).
 *
 * @example A queue, a worker and a client in one process
 * ```ts
 * import { LazyPirateClient, ParanoidPirateQueue, ParanoidPirateWorker } from "@reliable/zmq";
 * const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
 * const worker = await ParanoidPirateWorker.connect(queue.backendEndpoint, (req) => req);
 * await worker.ready;
 * const client = await LazyPirateClient.connect(queue.frontendEndpoint);
 * console.log(new TextDecoder().decode((await client.request(["hi"]))[0])); // "hi"
 * await client.close();
 * await worker.close();
 * await queue.close();
 * ```
 */
export class ParanoidPirateQueue implements AsyncDisposable {
  /** The endpoint the frontend is bound to (port resolved). */
  readonly frontendEndpoint: string;
  /** The endpoint the backend is bound to (port resolved). */
  readonly backendEndpoint: string;
  /** Which core implementation keeps the workers. */
  readonly coreImpl: "wasm" | "ts";
  /** Resolved: the queue is bound when `bind()` resolves. */
  readonly ready: Promise<void> = Promise.resolve();
  readonly #q: QueueShell;
  readonly #core: ParanoidQueueCore;
  #timer: Timer | undefined;

  private constructor(q: QueueShell, core: ParanoidQueueCore) {
    this.#q = q;
    this.#core = core;
    this.frontendEndpoint = q.frontendEndpoint;
    this.backendEndpoint = q.backendEndpoint;
    this.coreImpl = q.coreImpl;
  }

  /**
   * Binds both sockets and starts routing and heartbeating.
   *
   * @param frontend Where clients connect, e.g. `"tcp://*:5555"`.
   * @param backend Where workers connect, e.g. `"tcp://*:5556"`.
   * @param options Timing, caps, core choice, socket options, events,
   * logger, clock.
   * @returns The running queue.
   * @throws {TypeError} On a malformed endpoint or option, or an unknown
   * option key.
   * @throws {RangeError} On an option out of range.
   * @throws {AddressInUseError} If an endpoint is taken.
   *
   * @example
   * ```ts
   * import { ParanoidPirateQueue } from "@reliable/zmq";
   * const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
   *   heartbeatIntervalMs: 500,
   *   liveness: 4,
   * });
   * console.log(queue.stats.idleWorkers); // 0
   * await queue.close();
   * ```
   */
  static bind(
    frontend: string,
    backend: string,
    options?: ParanoidPirateQueueOptions,
  ): Promise<ParanoidPirateQueue> {
    try {
      const owner = `${CLS}.bind()`;
      const o = opt.readOptions(owner, options, KEYS);
      const policy = {
        heartbeatIntervalMs: opt.durationMs(
          owner,
          "heartbeatIntervalMs",
          o.heartbeatIntervalMs,
          1000,
          { min: 1 },
        ),
        liveness: opt.count(owner, "liveness", o.liveness, 3, 1, 1000),
        maxBusyMs: opt.durationMs(owner, "maxBusyMs", o.maxBusyMs, Infinity, {
          min: 1,
          infinity: true,
        }),
      };
      const setup = queueSetup(owner, "ppqueue", frontend, backend, o);
      const q = new QueueShell(setup);
      const core = new ParanoidQueueCore(
        policy,
        q.queue,
        q.env,
        q,
        setup.clock.now(),
      );
      q.counts = core.counts;
      const queue = new ParanoidPirateQueue(q, core);
      queue.#arm();
      q.run(queue.#backendLoop(), q.frontendLoop(core));
      setup.log.info("paranoid pirate queue up", {
        frontend: q.frontendEndpoint,
        backend: q.backendEndpoint,
        core: q.coreImpl,
      });
      return Promise.resolve(queue);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Counters and current worker counts (a snapshot). */
  get stats(): PirateQueueStats {
    return this.#q.stats(this.#core.idleCount, this.#core.busyCount);
  }

  /**
   * The frontend's and the backend's security: mechanism, public key and
   * the ZAP handler's admissions and refusals (`undefined` without
   * `security`).
   */
  get securityStats(): { frontend?: SecurityStats; backend?: SecurityStats } {
    return this.#q.securityStats();
  }

  /**
   * Reads the allow-lists again (`security` and `workerSecurity` given as
   * `allow: { dir }` or a PLAIN users file) and puts them in force on both
   * sockets, or on neither when one cannot be read (the error is logged
   * and returned). A key no longer listed is refused at its next
   * handshake; open connections are not dropped. `deno task queue` calls
   * it on SIGHUP.
   * @returns What changed: `clients` (frontend), `workers` (backend).
   * @throws {TypeError} When the queue has no security.
   * @example
   * ```ts
   * import { curveKeyPair, ParanoidPirateQueue } from "@reliable/zmq";
   * const dir = await Deno.makeTempDir();
   * const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
   *   security: { curve: { secretKey: curveKeyPair().secretKey, allow: { dir } } },
   * });
   * console.log(queue.reloadSecurity().ok); // true
   * await queue.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  reloadSecurity(): SecurityReload {
    return this.#q.reloadSecurity(`${CLS}.reloadSecurity()`);
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   *
   * @param listener Called with every event, synchronously.
   * @returns A function that removes it.
   * @example
   * ```ts
   * import { ParanoidPirateQueue } from "@reliable/zmq";
   * const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
   * const off = queue.on((e) => console.log(e.type));
   * off();
   * await queue.close();
   * ```
   */
  on(listener: (event: PirateQueueEvent) => void): () => void {
    return this.#q.events.on(listener);
  }

  #arm(): void {
    const clock = this.#q.clock;
    this.#timer = clock.setTimeout(() => {
      if (this.#q.closed) return;
      this.#core.tick(clock.now());
      this.#arm();
    }, this.#core.nextTickAt - clock.now());
  }

  async #backendLoop(): Promise<void> {
    const q = this.#q, core = this.#core;
    while (!q.closed) {
      const m = await received(() => q.backend.receive());
      if (m === null) return;
      if (overLimits(m, q.limits) !== undefined) {
        // The worker sent something too large; if it was a reply, the
        // worker is done with its request all the same.
        const id = m[0].slice();
        q.refuseOversize("backend", m);
        core.discard(id, q.clock.now());
        continue;
      }
      const msg = decodeQueueMessage(m);
      const now = q.clock.now();
      if (msg instanceof ProtocolError) {
        q.invalid("backend", msg.reason);
        continue;
      }
      switch (msg.type) {
        case "ready":
          core.ready(msg.worker, now);
          break;
        case "heartbeat":
          core.heartbeat(msg.worker, now);
          break;
        case "reply":
          if (!core.reply(msg.worker, now)) releaseMessage(m);
          else if (await q.forward(msg.reply, m)) return;
          break;
      }
    }
  }

  /**
   * Stops routing and heartbeating and closes both sockets. Idempotent.
   *
   * @returns Resolves once both loops have ended.
   * @example
   * ```ts
   * import { ParanoidPirateQueue } from "@reliable/zmq";
   * const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
   * await queue.close();
   * await queue.close(); // idempotent
   * ```
   */
  close(): Promise<void> {
    return this.#q.close(() => {
      this.#q.clock.clearTimeout(this.#timer);
      this.#core.clear();
    });
  }

  /** Closes the queue (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
