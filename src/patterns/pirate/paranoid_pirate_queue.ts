/**
 * Paranoid Pirate queue: LRU routing with 6/PPP heartbeats and worker
 * expiry (zguide `ppqueue`, chapter 4; rfc.zeromq.org/spec/6).
 * @module
 */
import type { Logger } from "../../_util/logger.ts";
import type { RouterSocket } from "../../transport/socket.ts";
import { PPP_HEARTBEAT } from "../../protocol/ppp/codec.ts";
import { MessageKind } from "../../core/mod.ts";
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import type { PirateQueueEvent, PirateQueueStats } from "./events.ts";
import { checkOptions, count, durationMs, hex } from "./_common.ts";
import {
  bindQueue,
  checkEndpoints,
  checkSetup,
  type Dispatch,
  QueueBase,
  type QueueSetup,
  received,
  SERVICE,
} from "./_queue_base.ts";

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
 * - A busy worker is not expired while it works (until `maxBusyMs`); its
 *   HEARTBEAT counts as liveness only, never as "ready" (6/PPP interop,
 *   §4.7). Once it has been busy for `liveness` intervals it is sent
 *   heartbeats too, so a worker whose connection is gone (it died
 *   mid-request) is forgotten (`worker:gone`) rather than kept forever.
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
  /** Sockets, core, counters, events; its `ids` hold every known worker (idle or busy). */
  readonly #q: QueueBase;
  readonly #intervalMs: number;
  readonly #expiryMs: number;
  readonly #maxBusyMs: number;
  /** Busy workers: handle -> when the request was sent. */
  readonly #busy = new Map<number, number>();
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    frontend: RouterSocket,
    backend: RouterSocket,
    fe: string,
    be: string,
    o: QueueSetup & { intervalMs: number; liveness: number; maxBusyMs: number },
  ) {
    this.#q = new QueueBase(frontend, backend, o);
    this.frontendEndpoint = fe;
    this.backendEndpoint = be;
    this.coreImpl = this.#q.coreImpl;
    this.#intervalMs = o.intervalMs;
    this.#expiryMs = o.intervalMs * o.liveness;
    this.#maxBusyMs = o.maxBusyMs;
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
    const { fe, be } = checkEndpoints(owner, options);
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
    const setup = checkSetup(owner, options);
    const q = bindQueue(fe, be, (frontend, backend, f, b) => {
      const q = new ParanoidPirateQueue(frontend, backend, f, b, {
        ...setup,
        intervalMs,
        liveness,
        maxBusyMs,
      });
      q.#timer = setInterval(() => q.#tick(), intervalMs);
      q.#q.loops = Promise.all([
        q.#backendLoop(),
        q.#q.frontendLoop(q.#dispatch),
      ]);
      setup.log.info("paranoid pirate queue up", {
        frontend: f,
        backend: b,
        core: q.coreImpl,
      });
      return q;
    });
    return Promise.resolve(q);
  }

  /** Counters and current worker counts (a snapshot). */
  get stats(): PirateQueueStats {
    return this.#q.stats(this.#busy.size);
  }

  /** DEALER workers: `[id][client id][""][body…]`; the worker stays known while busy. */
  readonly #dispatch: Dispatch = {
    frames: (id, m) => [id, ...m],
    taken: () => {},
    sent: (h) => this.#busy.set(h, performance.now()),
    gone: (h) => this.#forget(h),
  };

  #forget(h: number): void {
    this.#busy.delete(h);
    this.#q.forget(h);
  }

  #idle(h: number, now: number): void {
    this.#busy.delete(h);
    this.#q.queue.push(h, SERVICE, now + this.#expiryMs);
    this.#q.ready.notify();
  }

  async #backendLoop(): Promise<void> {
    const q = this.#q, env = q.env;
    while (!q.closed) {
      if ((await received(() => q.backend.receiveInto(env))) === null) return;
      const kind = env.classifyPpp();
      if (kind === MessageKind.INVALID) {
        q.invalid("backend", env.errorReason);
        continue;
      }
      const now = performance.now();
      let h = env.find(0);
      const known = h >= 0 && q.ids.has(h);
      if (!known) {
        h = env.intern(0);
        q.ids.set(h, env.frame(0).slice());
      }
      if (kind === MessageKind.PPP_READY) {
        // A fresh conversation: a request it had is lost (the client retries).
        this.#idle(h, now);
        q.emit({
          type: "worker:ready",
          worker: hex(env.frame(0)),
          implicit: false,
        });
      } else if (kind === MessageKind.PPP_HEARTBEAT) {
        if (this.#busy.has(h)) continue; // liveness only, never "ready"
        if (!q.queue.touch(h, now + this.#expiryMs)) {
          this.#idle(h, now);
          q.emit({
            type: "worker:ready",
            worker: hex(env.frame(0)),
            implicit: true,
          });
        }
      } else {
        // PPP_REPLY: [id(w)][id(c)][""][body…]
        if (!this.#busy.has(h)) {
          q.counts.droppedReplies++;
          q.emit({
            type: "reply:dropped",
            reason: "no outstanding request",
          });
        } else if (await q.forward(env.build(env.frame(1), [], 2), true)) {
          return;
        }
        if (q.ids.has(h)) this.#idle(h, performance.now());
      }
    }
  }

  #tick(): void {
    const q = this.#q;
    if (q.closed) return;
    const now = performance.now();
    for (const h of q.queue.expire(now)) {
      const id = q.ids.get(h);
      q.counts.expired++;
      q.log.warn("worker expired", { worker: id ? hex(id) : h });
      this.#forget(h);
      q.emit({
        type: "worker:expired",
        worker: id ? hex(id) : "",
        busy: false,
      });
    }
    if (this.#maxBusyMs !== Infinity) {
      for (const [h, since] of this.#busy) {
        if (now - since < this.#maxBusyMs) continue;
        const id = q.ids.get(h);
        q.counts.expired++;
        this.#forget(h);
        q.emit({
          type: "worker:expired",
          worker: id ? hex(id) : "",
          busy: true,
        });
      }
    }
    for (const [h, id] of q.ids) {
      // Idle workers get a heartbeat every tick. A worker busy for longer
      // than the expiry window gets one too: harmless to a live worker (6/PPP
      // allows heartbeats at any time), while the ROUTER_MANDATORY send fails
      // for a worker whose connection is gone (it died mid-request), so its
      // bookkeeping is released instead of kept forever.
      const since = this.#busy.get(h);
      if (since !== undefined && now - since < this.#expiryMs) continue;
      try {
        q.backend.trySend([id, PPP_HEARTBEAT]);
      } catch (e) {
        if (e instanceof HostUnreachableError) {
          this.#forget(h);
          q.emit({ type: "worker:gone", worker: hex(id) });
        } else if (!(e instanceof ClosedError)) {
          q.log.error("heartbeat failed", { error: String(e) });
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
  close(): Promise<void> {
    return this.#q.close(() => clearInterval(this.#timer));
  }

  /** Closes the queue (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
