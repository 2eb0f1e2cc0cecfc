/**
 * Paranoid Pirate queue: LRU routing with 6/PPP heartbeats and worker
 * expiry (zguide `ppqueue`, chapter 4; rfc.zeromq.org/spec/6).
 * @module
 */
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Message } from "../../types.ts";
import { RouterSocket } from "../../transport/socket.ts";
import { PPP_HEARTBEAT } from "../../protocol/ppp.ts";
import {
  createCore,
  type Envelope,
  MessageKind,
  type WorkerQueue,
} from "../../core/mod.ts";
import type { PirateQueueEvent, PirateQueueStats } from "./events.ts";
import { isClientRequest } from "./simple_pirate_queue.ts";
import {
  checkOptions,
  copyFrames,
  count,
  durationMs,
  endpoint as checkEndpoint,
  hex,
  logger as checkLogger,
  optionalFn,
  safeCall,
  Signal,
} from "./_common.ts";

/** Options of {@linkcode ParanoidPirateQueue.bind}. */
export interface ParanoidPirateQueueOptions {
  /** Where clients connect (ROUTER). @default "tcp://*:5555" */
  frontend?: string;
  /** Where workers connect (ROUTER). @default "tcp://*:5556" */
  backend?: string;
  /** Heartbeat interval towards idle workers, ms (guide HEARTBEAT_INTERVAL). @default 1000 */
  heartbeatIntervalMs?: number;
  /** Intervals of silence before an idle worker expires (guide HEARTBEAT_LIVENESS). @default 3 */
  liveness?: number;
  /**
   * How long a worker may stay busy on one request before it is forgotten,
   * ms. A busy worker sends no heartbeats (6/PPP §4.7), so this is the only
   * way to reclaim the bookkeeping of a worker that died mid-request.
   * @default Infinity (a busy worker is never declared dead)
   */
  maxBusyMs?: number;
  /** Which core implementation keeps the worker queue. @default "auto" (WebAssembly, else TypeScript) */
  core?: "auto" | "wasm" | "ts";
  /** Called for each {@linkcode PirateQueueEvent}. @default none */
  onEvent?: (event: PirateQueueEvent) => void;
  /** Diagnostics. @default silent */
  logger?: Logger;
}

const SERVICE = 0;

/**
 * A Paranoid Pirate queue (zguide `ppqueue`, chapter 4; 6/PPP): a ROUTER
 * frontend for Lazy Pirate clients and a ROUTER backend for
 * {@linkcode ParanoidPirateWorker}s (or any 6/PPP worker).
 *
 * - Idle workers wait in the core's `WorkerQueue` (WebAssembly by default),
 *   identities interned to integer handles by the core's `Envelope`, which
 *   also classifies each backend message; requests go to the least recently
 *   used idle worker, and clients are read only while one is idle.
 * - Every `heartbeatIntervalMs` the queue sends HEARTBEAT to each idle
 *   worker and forgets idle workers silent for `liveness` intervals.
 * - A busy worker gets no heartbeats and is not expired while it works
 *   (until `maxBusyMs`); its HEARTBEAT counts as liveness only, never as
 *   "ready" (6/PPP interop, §4.7).
 * - A HEARTBEAT from an unknown worker registers it, like the guide's queue,
 *   so workers come back by themselves after a queue restart.
 * - Malformed messages on either socket are dropped, counted and reported.
 *
 * @example A queue, a worker and a client in one process
 * ```ts
 * import { LazyPirateClient, ParanoidPirateQueue, ParanoidPirateWorker } from "@reliable/zmq";
 * const queue = await ParanoidPirateQueue.bind({ frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*" });
 * const worker = await ParanoidPirateWorker.connect(queue.backendEndpoint, (req) => req);
 * const client = await LazyPirateClient.connect(queue.frontendEndpoint);
 * console.log(new TextDecoder().decode((await client.request(["hi"]))[0])); // "hi"
 * client.close();
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
  readonly #frontend: RouterSocket;
  readonly #backend: RouterSocket;
  readonly #env: Envelope;
  readonly #queue: WorkerQueue;
  readonly #intervalMs: number;
  readonly #expiryMs: number;
  readonly #maxBusyMs: number;
  readonly #log: Logger;
  readonly #onEvent?: (e: PirateQueueEvent) => void;
  /** Identity bytes of every known worker (idle or busy), by handle. */
  readonly #ids = new Map<number, Uint8Array>();
  /** Busy workers: handle -> when the request was sent. */
  readonly #busy = new Map<number, number>();
  readonly #ready = new Signal();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #loops: Promise<unknown> = Promise.resolve();
  readonly #stats = {
    requests: 0,
    replies: 0,
    invalidFrontend: 0,
    invalidBackend: 0,
    expired: 0,
    droppedReplies: 0,
  };

  private constructor(
    frontend: RouterSocket,
    backend: RouterSocket,
    fe: string,
    be: string,
    o: {
      intervalMs: number;
      liveness: number;
      maxBusyMs: number;
      core: "auto" | "wasm" | "ts";
      log: Logger;
      onEvent?: (e: PirateQueueEvent) => void;
    },
  ) {
    this.#frontend = frontend;
    this.#backend = backend;
    this.frontendEndpoint = fe;
    this.backendEndpoint = be;
    const core = createCore({ impl: o.core });
    this.coreImpl = core.impl;
    this.#env = core.createEnvelope();
    this.#queue = core.createWorkerQueue();
    this.#intervalMs = o.intervalMs;
    this.#expiryMs = o.intervalMs * o.liveness;
    this.#maxBusyMs = o.maxBusyMs;
    this.#log = o.log;
    this.#onEvent = o.onEvent;
  }

  /**
   * Binds both sockets and starts routing and heartbeating.
   *
   * @param options Endpoints, timing, core choice, event listener, logger.
   * @returns The running queue.
   * @throws {TypeError} On a malformed option.
   * @throws {RangeError} On an option out of range.
   * @throws {AddressInUseError} If an endpoint is taken.
   *
   * @example
   * ```ts ignore
   * const queue = await ParanoidPirateQueue.bind({ heartbeatIntervalMs: 500, liveness: 4 });
   * ```
   */
  static bind(
    options: ParanoidPirateQueueOptions = {},
  ): Promise<ParanoidPirateQueue> {
    const owner = "ParanoidPirateQueue.bind()";
    checkOptions(owner, options);
    const fe = checkEndpoint(
      owner,
      "frontend",
      options.frontend ?? "tcp://*:5555",
    );
    const be = checkEndpoint(
      owner,
      "backend",
      options.backend ?? "tcp://*:5556",
    );
    const intervalMs = durationMs(
      owner,
      "heartbeatIntervalMs",
      options.heartbeatIntervalMs,
      1000,
    );
    const liveness = count(owner, "liveness", options.liveness, 3, 1, 1000);
    const maxBusyMs = durationMs(
      owner,
      "maxBusyMs",
      options.maxBusyMs,
      Infinity,
      1,
      true,
    );
    const core = options.core ?? "auto";
    if (core !== "auto" && core !== "wasm" && core !== "ts") {
      throw new TypeError(`${owner}: core must be "auto", "wasm" or "ts"`);
    }
    const log = checkLogger(owner, options.logger);
    const onEvent = optionalFn<(e: PirateQueueEvent) => void>(
      owner,
      "onEvent",
      options.onEvent,
    );
    const frontend = new RouterSocket({ routerMandatory: true });
    // Handover: a worker that reconnects with its old identity takes it over.
    const backend = new RouterSocket({
      routerMandatory: true,
      routerHandover: true,
    });
    try {
      const f = frontend.bind(fe);
      const b = backend.bind(be);
      const q = new ParanoidPirateQueue(frontend, backend, f, b, {
        intervalMs,
        liveness,
        maxBusyMs,
        core,
        log,
        onEvent,
      });
      q.#timer = setInterval(() => q.#tick(), intervalMs);
      q.#loops = Promise.all([q.#backendLoop(), q.#frontendLoop()]);
      log.info("paranoid pirate queue up", {
        frontend: f,
        backend: b,
        core: q.coreImpl,
      });
      return Promise.resolve(q);
    } catch (e) {
      frontend.close();
      backend.close();
      throw e;
    }
  }

  /** Counters and current worker counts (a snapshot). */
  get stats(): PirateQueueStats {
    return {
      ...this.#stats,
      idleWorkers: this.#queue.size(),
      busyWorkers: this.#busy.size,
    };
  }

  #emit(e: PirateQueueEvent): void {
    safeCall(this.#log, this.#onEvent, e);
  }

  #invalid(socket: "frontend" | "backend", reason: string): void {
    if (socket === "frontend") this.#stats.invalidFrontend++;
    else this.#stats.invalidBackend++;
    this.#log.warn("invalid message dropped", { socket, reason });
    this.#emit({ type: "message:invalid", socket, reason });
  }

  #forget(h: number): void {
    this.#queue.remove(h);
    this.#busy.delete(h);
    this.#ids.delete(h);
    this.#env.release(h);
  }

  #idle(h: number, now: number): void {
    this.#busy.delete(h);
    this.#queue.push(h, SERVICE, now + this.#expiryMs);
    this.#ready.notify();
  }

  async #backendLoop(): Promise<void> {
    const env = this.#env;
    while (!this.#closed) {
      try {
        await this.#backend.receiveInto(env);
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      const kind = env.classifyPpp();
      if (kind === MessageKind.INVALID) {
        this.#invalid("backend", env.errorReason);
        continue;
      }
      const now = performance.now();
      let h = env.find(0);
      const known = h >= 0 && this.#ids.has(h);
      if (!known) {
        h = env.intern(0);
        this.#ids.set(h, env.frame(0).slice());
      }
      if (kind === MessageKind.PPP_READY) {
        // A fresh conversation: a request it had is lost (the client retries).
        this.#idle(h, now);
        this.#emit({
          type: "worker:ready",
          worker: hex(env.frame(0)),
          implicit: false,
        });
      } else if (kind === MessageKind.PPP_HEARTBEAT) {
        if (this.#busy.has(h)) continue; // liveness only, never "ready"
        if (!this.#queue.touch(h, now + this.#expiryMs)) {
          this.#idle(h, now);
          this.#emit({
            type: "worker:ready",
            worker: hex(env.frame(0)),
            implicit: true,
          });
        }
      } else {
        // PPP_REPLY: [id(w)][id(c)][""][body…]
        if (!this.#busy.has(h)) {
          this.#stats.droppedReplies++;
          this.#emit({
            type: "reply:dropped",
            reason: "no outstanding request",
          });
        } else {
          const out = env.build(env.frame(1), [], 2);
          try {
            if (!this.#frontend.trySend(out)) {
              await this.#frontend.send(copyFrames(out));
            }
            this.#stats.replies++;
          } catch (e) {
            if (e instanceof ClosedError) return;
            if (!(e instanceof HostUnreachableError)) throw e;
            this.#stats.droppedReplies++;
            this.#emit({ type: "reply:dropped", reason: "client gone" });
          }
        }
        if (this.#ids.has(h)) this.#idle(h, performance.now());
      }
    }
  }

  async #frontendLoop(): Promise<void> {
    while (!this.#closed) {
      if (this.#queue.size(SERVICE) === 0) {
        await this.#ready.wait();
        continue;
      }
      let m: Message;
      try {
        m = await this.#frontend.receive();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      if (!isClientRequest(m)) {
        this.#invalid("frontend", 'expected [client id][""][body…]');
        continue;
      }
      for (;;) {
        const h = this.#queue.pop(SERVICE);
        if (h < 0) {
          await this.#ready.wait(); // expired meanwhile; hold the request
          if (this.#closed) return;
          continue;
        }
        const id = this.#ids.get(h)!;
        const out = [id, ...m];
        try {
          if (!this.#backend.trySend(out)) await this.#backend.send(out);
          this.#busy.set(h, performance.now());
          this.#stats.requests++;
          break;
        } catch (e) {
          if (e instanceof ClosedError) return;
          if (!(e instanceof HostUnreachableError)) throw e;
          this.#forget(h);
          this.#emit({ type: "worker:gone", worker: hex(id) });
        }
      }
    }
  }

  #tick(): void {
    if (this.#closed) return;
    const now = performance.now();
    for (const h of this.#queue.expire(now)) {
      const id = this.#ids.get(h);
      this.#stats.expired++;
      this.#log.warn("worker expired", { worker: id ? hex(id) : h });
      this.#forget(h);
      this.#emit({
        type: "worker:expired",
        worker: id ? hex(id) : "",
        busy: false,
      });
    }
    if (this.#maxBusyMs !== Infinity) {
      for (const [h, since] of this.#busy) {
        if (now - since < this.#maxBusyMs) continue;
        const id = this.#ids.get(h);
        this.#stats.expired++;
        this.#forget(h);
        this.#emit({
          type: "worker:expired",
          worker: id ? hex(id) : "",
          busy: true,
        });
      }
    }
    for (const [h, id] of this.#ids) {
      if (this.#busy.has(h)) continue;
      try {
        this.#backend.trySend([id, PPP_HEARTBEAT]);
      } catch (e) {
        if (e instanceof HostUnreachableError) {
          this.#forget(h);
          this.#emit({ type: "worker:gone", worker: hex(id) });
        } else if (!(e instanceof ClosedError)) {
          this.#log.error("heartbeat failed", { error: String(e) });
        }
      }
    }
  }

  /**
   * Stops routing and heartbeating and closes both sockets. Idempotent.
   *
   * @example
   * ```ts ignore
   * await queue.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#timer);
      this.#frontend.close();
      this.#backend.close();
      this.#ready.notify();
    }
    await this.#loops.then(() => {}, () => {});
  }

  /** Closes the queue (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
