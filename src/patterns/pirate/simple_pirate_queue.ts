/**
 * Simple Pirate queue: LRU routing of requests to workers that announce
 * READY (zguide `spqueue`, chapter 4).
 * @module
 */
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Message } from "../../types.ts";
import { RouterSocket } from "../../transport/socket.ts";
import { PppCommand } from "../../protocol/ppp.ts";
import type { PirateQueueEvent, PirateQueueStats } from "./events.ts";
import {
  checkOptions,
  endpoint as checkEndpoint,
  hex,
  logger as checkLogger,
  optionalFn,
  safeCall,
  Signal,
} from "./_common.ts";

/** Options of {@linkcode SimplePirateQueue.bind}. */
export interface SimplePirateQueueOptions {
  /** Where clients connect (ROUTER). @default "tcp://*:5555" */
  frontend?: string;
  /** Where workers connect (ROUTER). @default "tcp://*:5556" */
  backend?: string;
  /** Called for each {@linkcode PirateQueueEvent}. @default none */
  onEvent?: (event: PirateQueueEvent) => void;
  /** Diagnostics. @default silent */
  logger?: Logger;
}

const EMPTY = new Uint8Array(0);

/** Whether a Router-view message is `[id][""][body…]`. @internal */
export function isClientRequest(m: Message): boolean {
  return m.length >= 3 && m[0].length > 0 && m[1].length === 0;
}

/**
 * A Simple Pirate queue (zguide `spqueue`, chapter 4): a ROUTER frontend for
 * Lazy Pirate clients, a ROUTER backend for REQ workers that announce
 * READY (`0x01`). Each request goes to the least recently used ready
 * worker; clients are read only while some worker is ready, which
 * back-pressures them. There are no heartbeats: a dead idle worker stays on
 * the list until a send to it fails (the backend is `ROUTER_MANDATORY`, so
 * a worker whose connection is gone is skipped) or a client's retry
 * recovers. Malformed messages are dropped and counted.
 *
 * @example A queue, a worker and a client in one process
 * ```ts
 * import { LazyPirateClient, SimplePirateQueue, SimplePirateWorker } from "@reliable/zmq";
 * const queue = await SimplePirateQueue.bind({ frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*" });
 * const worker = await SimplePirateWorker.connect(queue.backendEndpoint, (req) => req);
 * const client = await LazyPirateClient.connect(queue.frontendEndpoint);
 * console.log((await client.request(["hi"])).length); // 1
 * client.close();
 * await worker.close();
 * await queue.close();
 * ```
 */
export class SimplePirateQueue implements AsyncDisposable {
  /** The endpoint the frontend is bound to (port resolved). */
  readonly frontendEndpoint: string;
  /** The endpoint the backend is bound to (port resolved). */
  readonly backendEndpoint: string;
  readonly #frontend: RouterSocket;
  readonly #backend: RouterSocket;
  readonly #log: Logger;
  readonly #onEvent?: (e: PirateQueueEvent) => void;
  readonly #idle = new Map<string, Uint8Array>();
  readonly #ready = new Signal();
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
    log: Logger,
    onEvent?: (e: PirateQueueEvent) => void,
  ) {
    this.#frontend = frontend;
    this.#backend = backend;
    this.frontendEndpoint = fe;
    this.backendEndpoint = be;
    this.#log = log;
    this.#onEvent = onEvent;
  }

  /**
   * Binds both sockets and starts routing.
   *
   * @param options Endpoints, event listener, logger.
   * @returns The running queue.
   * @throws {TypeError} On a malformed option.
   * @throws {AddressInUseError} If an endpoint is taken.
   *
   * @example
   * ```ts ignore
   * const queue = await SimplePirateQueue.bind(); // tcp://*:5555 and tcp://*:5556
   * ```
   */
  static bind(
    options: SimplePirateQueueOptions = {},
  ): Promise<SimplePirateQueue> {
    const owner = "SimplePirateQueue.bind()";
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
    const log = checkLogger(owner, options.logger);
    const onEvent = optionalFn<(e: PirateQueueEvent) => void>(
      owner,
      "onEvent",
      options.onEvent,
    );
    const frontend = new RouterSocket({ routerMandatory: true });
    // Handover: a worker that reconnects with its identity takes it over.
    const backend = new RouterSocket({
      routerMandatory: true,
      routerHandover: true,
    });
    try {
      const f = frontend.bind(fe);
      const b = backend.bind(be);
      const q = new SimplePirateQueue(frontend, backend, f, b, log, onEvent);
      q.#loops = Promise.all([q.#backendLoop(), q.#frontendLoop()]);
      log.info("simple pirate queue up", { frontend: f, backend: b });
      return Promise.resolve(q);
    } catch (e) {
      frontend.close();
      backend.close();
      throw e;
    }
  }

  /** Counters and current worker counts (a snapshot). */
  get stats(): PirateQueueStats {
    return { ...this.#stats, idleWorkers: this.#idle.size, busyWorkers: 0 };
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

  async #backendLoop(): Promise<void> {
    while (!this.#closed) {
      let m: Message;
      try {
        m = await this.#backend.receive();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      // Router view of a REQ worker: [id(w)][""][rest…]
      if (m.length < 3 || m[1].length !== 0) {
        this.#invalid("backend", 'expected [worker id][""][READY or reply]');
        continue;
      }
      const id = m[0];
      if (m.length === 3) {
        if (m[2].length !== 1 || m[2][0] !== PppCommand.READY) {
          this.#invalid("backend", "a one-frame message must be READY (0x01)");
          continue;
        }
      } else {
        const reply = m.slice(2);
        if (!isClientRequest(reply)) {
          this.#invalid("backend", 'a reply needs [client id][""][body…]');
          continue;
        }
        await this.#forward(reply);
      }
      const key = hex(id);
      this.#idle.delete(key);
      this.#idle.set(key, id);
      this.#ready.notify();
      if (m.length === 3) {
        this.#emit({ type: "worker:ready", worker: key, implicit: false });
      }
    }
  }

  async #forward(reply: Message): Promise<void> {
    try {
      if (!this.#frontend.trySend(reply)) await this.#frontend.send(reply);
      this.#stats.replies++;
    } catch (e) {
      if (e instanceof HostUnreachableError) {
        this.#stats.droppedReplies++;
        this.#emit({ type: "reply:dropped", reason: "client gone" });
        return;
      }
      if (e instanceof ClosedError) return;
      throw e;
    }
  }

  async #frontendLoop(): Promise<void> {
    while (!this.#closed) {
      if (this.#idle.size === 0) {
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
        const first = this.#idle.entries().next();
        if (first.done) {
          await this.#ready.wait();
          if (this.#closed) return;
          continue;
        }
        const [key, id] = first.value;
        this.#idle.delete(key);
        try {
          const out = [id, EMPTY, ...m];
          if (!this.#backend.trySend(out)) await this.#backend.send(out);
          this.#stats.requests++;
          break;
        } catch (e) {
          if (e instanceof HostUnreachableError) {
            this.#emit({ type: "worker:gone", worker: key });
            continue; // try the next worker
          }
          if (e instanceof ClosedError) return;
          throw e;
        }
      }
    }
  }

  /**
   * Stops routing and closes both sockets. Idempotent.
   *
   * @example
   * ```ts ignore
   * await queue.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return await this.#loops.then(() => {}, () => {});
    this.#closed = true;
    this.#frontend.close();
    this.#backend.close();
    this.#ready.notify();
    await this.#loops.then(() => {}, () => {});
  }

  /** Closes the queue (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
