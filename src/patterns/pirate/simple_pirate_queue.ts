/**
 * Simple Pirate queue: LRU routing of requests to workers that announce
 * READY (zguide `spqueue`, chapter 4).
 * @module
 */
import type {
  SecurityReload,
  SecurityStats,
  ServerSecurity,
} from "../../security/settings.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import type { Message } from "../../types.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import { PppCommand } from "../../protocol/ppp/codec.ts";
import { overLimits } from "../_kit/limits.ts";
import type { PirateQueueEvent, PirateQueueStats } from "./events.ts";
import { SimpleQueueCore } from "./_simple_queue_core.ts";
import {
  isClientRequest,
  QUEUE_KEYS,
  queueSetup,
  QueueShell,
  received,
} from "./_queue_base.ts";

const CLS = "SimplePirateQueue";

/**
 * Options of {@linkcode SimplePirateQueue.bind}.
 *
 * @example
 * ```ts
 * import type { SimplePirateQueueOptions } from "@reliable/zmq";
 * const options: SimplePirateQueueOptions = { core: "ts", maxFrameBytes: 1024 * 1024 };
 * ```
 */
export interface SimplePirateQueueOptions {
  /** Which core implementation keeps the idle workers. @default "auto" (WebAssembly, else TypeScript) */
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
  /** The time source (used by the log's rate limit). @default the real clock */
  clock?: Clock;
}

/**
 * A Simple Pirate queue (zguide `spqueue`, chapter 4): a ROUTER frontend for
 * Lazy Pirate clients, a ROUTER backend for REQ workers that announce
 * READY (`0x01`). Each request goes to the least recently used ready
 * worker; clients are read only while some worker is ready, which
 * back-pressures them. Ready workers wait in the core's `WorkerQueue`
 * (WebAssembly by default). There are no heartbeats: a dead idle worker
 * stays on the list until a send to it fails (the backend is
 * `ROUTER_MANDATORY`, so a worker whose connection is gone is skipped), and
 * a worker that dies with a request loses it (the client's retry recovers).
 * Malformed or oversized messages are dropped, counted and logged at most a
 * few times per interval.
 *
 * @example A queue, a worker and a client in one process
 * ```ts
 * import { LazyPirateClient, SimplePirateQueue, SimplePirateWorker } from "@reliable/zmq";
 * const queue = await SimplePirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
 * const worker = await SimplePirateWorker.connect(queue.backendEndpoint, (req) => req);
 * await worker.ready;
 * const client = await LazyPirateClient.connect(queue.frontendEndpoint);
 * console.log((await client.request(["hi"])).length); // 1
 * await client.close();
 * await worker.close();
 * await queue.close();
 * ```
 */
export class SimplePirateQueue implements AsyncDisposable {
  /** The endpoint the frontend is bound to (port resolved). */
  readonly frontendEndpoint: string;
  /** The endpoint the backend is bound to (port resolved). */
  readonly backendEndpoint: string;
  /** Which core implementation keeps the idle workers. */
  readonly coreImpl: "wasm" | "ts";
  /** Resolved: the queue is bound when `bind()` resolves. */
  readonly ready: Promise<void> = Promise.resolve();
  readonly #q: QueueShell;
  readonly #core: SimpleQueueCore;

  private constructor(q: QueueShell, core: SimpleQueueCore) {
    this.#q = q;
    this.#core = core;
    this.frontendEndpoint = q.frontendEndpoint;
    this.backendEndpoint = q.backendEndpoint;
    this.coreImpl = q.coreImpl;
  }

  /**
   * Binds both sockets and starts routing.
   *
   * @param frontend Where clients connect, e.g. `"tcp://*:5555"`.
   * @param backend Where workers connect, e.g. `"tcp://*:5556"`.
   * @param options Caps, core choice, socket options, events, logger.
   * @returns The running queue.
   * @throws {TypeError} On a malformed endpoint or option, or an unknown
   * option key.
   * @throws {RangeError} On an option out of range.
   * @throws {AddressInUseError} If an endpoint is taken.
   *
   * @example
   * ```ts
   * import { SimplePirateQueue } from "@reliable/zmq";
   * const queue = await SimplePirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
   * console.log(queue.stats.requests); // 0
   * await queue.close();
   * ```
   */
  static bind(
    frontend: string,
    backend: string,
    options?: SimplePirateQueueOptions,
  ): Promise<SimplePirateQueue> {
    try {
      const owner = `${CLS}.bind()`;
      const o = opt.readOptions(owner, options, QUEUE_KEYS);
      const setup = queueSetup(owner, "spqueue", frontend, backend, o);
      const q = new QueueShell(setup);
      const core = new SimpleQueueCore(q.queue, q.env, q);
      q.counts = core.counts;
      const queue = new SimplePirateQueue(q, core);
      q.run(queue.#backendLoop(), q.frontendLoop(core));
      setup.log.info("simple pirate queue up", {
        frontend: q.frontendEndpoint,
        backend: q.backendEndpoint,
      });
      return Promise.resolve(queue);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Counters and current worker counts (a snapshot). `busyWorkers`: workers
   * handed a request that have not answered yet (without heartbeats, one
   * that died busy stays counted until it comes back).
   */
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
   * import { curveKeyPair, SimplePirateQueue } from "@reliable/zmq";
   * const dir = await Deno.makeTempDir();
   * const queue = await SimplePirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", {
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
   * import { SimplePirateQueue } from "@reliable/zmq";
   * const queue = await SimplePirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
   * const off = queue.on((e) => console.log(e.type));
   * off();
   * await queue.close();
   * ```
   */
  on(listener: (event: PirateQueueEvent) => void): () => void {
    return this.#q.events.on(listener);
  }

  async #backendLoop(): Promise<void> {
    const q = this.#q, core = this.#core;
    while (!q.closed) {
      const m: Message | null = await received(() => q.backend.receive());
      if (m === null) return;
      // Router view of a REQ worker: [id(w)][""][READY] or [id(w)][""][reply…]
      if (m.length < 3 || m[1].length !== 0) {
        q.invalid("backend", 'expected [worker id][""][READY or reply]');
        continue;
      }
      if (overLimits(m, q.limits) !== undefined) {
        // A REQ worker that sent a reply waits for its next request.
        const id = m[0].slice();
        q.refuseOversize("backend", m);
        core.ready(id, false);
        continue;
      }
      const id = m[0];
      if (m.length === 3) {
        if (m[2].length !== 1 || m[2][0] !== PppCommand.READY) {
          q.invalid("backend", "a one-frame message must be READY (0x01)");
          continue;
        }
        core.ready(id, true);
        continue;
      }
      const reply = m.slice(2);
      if (!isClientRequest(reply)) {
        q.invalid("backend", 'a reply needs [client id][""][body…]');
        continue;
      }
      core.ready(id, false);
      if (await q.forward(reply, m)) return;
    }
  }

  /**
   * Stops routing and closes both sockets. Idempotent.
   *
   * @returns Resolves once both loops have ended.
   * @example
   * ```ts
   * import { SimplePirateQueue } from "@reliable/zmq";
   * const queue = await SimplePirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
   * await queue.close();
   * ```
   */
  close(): Promise<void> {
    return this.#q.close(() => this.#core.clear());
  }

  /** Closes the queue (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
