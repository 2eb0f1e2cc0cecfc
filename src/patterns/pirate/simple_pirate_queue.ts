/**
 * Simple Pirate queue: LRU routing of requests to workers that announce
 * READY (zguide `spqueue`, chapter 4).
 * @module
 */
import type { Logger } from "../../_util/logger.ts";
import type { Message } from "../../types.ts";
import type { RouterSocket } from "../../transport/socket.ts";
import { PppCommand } from "../../protocol/ppp/codec.ts";
import type { PirateQueueEvent, PirateQueueStats } from "./events.ts";
import { checkOptions, hex } from "./_common.ts";
import {
  bindQueue,
  checkEndpoints,
  checkSetup,
  type Dispatch,
  isClientRequest,
  QueueBase,
  type QueueSetup,
  received,
  SERVICE,
} from "./_queue_base.ts";

export { isClientRequest } from "./_queue_base.ts";

/** Options of {@linkcode SimplePirateQueue.bind}. */
export interface SimplePirateQueueOptions {
  /** Where clients connect (ROUTER). @default "tcp://*:5555" */
  frontend?: string;
  /** Where workers connect (ROUTER). @default "tcp://*:5556" */
  backend?: string;
  /** Which core implementation keeps the idle workers. @default "auto" (WebAssembly, else TypeScript) */
  core?: "auto" | "wasm" | "ts";
  /** Called for each {@linkcode PirateQueueEvent}. @default none */
  onEvent?: (event: PirateQueueEvent) => void;
  /** Diagnostics. @default silent */
  logger?: Logger;
}

const EMPTY = new Uint8Array(0);
/** Idle workers never expire here (no heartbeats): the queue's latest deadline. */
const NEVER = Infinity;

/**
 * A Simple Pirate queue (zguide `spqueue`, chapter 4): a ROUTER frontend for
 * Lazy Pirate clients, a ROUTER backend for REQ workers that announce
 * READY (`0x01`). Each request goes to the least recently used ready
 * worker; clients are read only while some worker is ready, which
 * back-pressures them. Ready workers wait in the core's `WorkerQueue`
 * (WebAssembly by default), identities interned to handles by the core's
 * `Envelope`. There are no heartbeats: a dead idle worker stays on the list
 * until a send to it fails (the backend is `ROUTER_MANDATORY`, so a worker
 * whose connection is gone is skipped) or a client's retry recovers.
 * Malformed messages are dropped and counted.
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
  /** Which core implementation keeps the idle workers. */
  readonly coreImpl: "wasm" | "ts";
  readonly #q: QueueBase;

  private constructor(
    frontend: RouterSocket,
    backend: RouterSocket,
    fe: string,
    be: string,
    setup: QueueSetup,
  ) {
    this.#q = new QueueBase(frontend, backend, setup);
    this.frontendEndpoint = fe;
    this.backendEndpoint = be;
    this.coreImpl = this.#q.coreImpl;
  }

  /**
   * Binds both sockets and starts routing.
   *
   * @param options Endpoints, core choice, event listener, logger.
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
    const { fe, be } = checkEndpoints(owner, options);
    const setup = checkSetup(owner, options);
    const q = bindQueue(fe, be, (frontend, backend, f, b) => {
      const q = new SimplePirateQueue(frontend, backend, f, b, setup);
      q.#q.loops = Promise.all([
        q.#backendLoop(),
        q.#q.frontendLoop(q.#dispatch),
      ]);
      setup.log.info("simple pirate queue up", { frontend: f, backend: b });
      return q;
    });
    return Promise.resolve(q);
  }

  /** Counters and current worker counts (a snapshot). */
  get stats(): PirateQueueStats {
    return this.#q.stats(0);
  }

  /**
   * REQ workers: `[id][""][request…]`. A handle lives only while its worker
   * is idle (the queue does not track busy workers), so it is released when
   * the worker is taken and interned again when it replies.
   */
  readonly #dispatch: Dispatch = {
    frames: (id, m) => [id, EMPTY, ...m],
    taken: (h) => this.#q.forget(h),
    sent: () => {},
    gone: () => {},
  };

  async #backendLoop(): Promise<void> {
    const q = this.#q;
    while (!q.closed) {
      const m: Message | null = await received(() => q.backend.receive());
      if (m === null) return;
      // Router view of a REQ worker: [id(w)][""][rest…]
      if (m.length < 3 || m[1].length !== 0) {
        q.invalid("backend", 'expected [worker id][""][READY or reply]');
        continue;
      }
      const id = m[0];
      if (m.length === 3) {
        if (m[2].length !== 1 || m[2][0] !== PppCommand.READY) {
          q.invalid("backend", "a one-frame message must be READY (0x01)");
          continue;
        }
      } else {
        const reply = m.slice(2);
        if (!isClientRequest(reply)) {
          q.invalid("backend", 'a reply needs [client id][""][body…]');
          continue;
        }
        await q.forward(reply, false);
      }
      let h = q.env.findBytes(id);
      if (h < 0) {
        h = q.env.internBytes(id);
        q.ids.set(h, id);
      }
      q.queue.push(h, SERVICE, NEVER); // (again) the most recently ready
      q.ready.notify();
      if (m.length === 3) {
        q.emit({ type: "worker:ready", worker: hex(id), implicit: false });
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
  close(): Promise<void> {
    return this.#q.close();
  }

  /** Closes the queue (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
