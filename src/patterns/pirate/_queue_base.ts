/**
 * Private machinery shared by the Simple and Paranoid Pirate queues: option
 * checks, the ROUTER pair, the core's `Envelope` and `WorkerQueue`, counters,
 * events, the frontend loop (LRU dispatch), reply forwarding and closing.
 * Each queue keeps its own backend loop (their wire formats differ).
 * @module
 */
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Message } from "../../types.ts";
import { RouterSocket } from "../../transport/mod.ts";
import { createCore, type Envelope, type WorkerQueue } from "../../core/mod.ts";
import type { PirateQueueEvent, PirateQueueStats } from "./events.ts";
import {
  copyFrames,
  endpoint as checkEndpoint,
  hex,
  logger as checkLogger,
  optionalFn,
  safeCall,
  Signal,
} from "./_common.ts";

/** The one service of a Pirate queue's `WorkerQueue`. @internal */
export const SERVICE = 0;

/** Which core implementation keeps the workers (the `core` option). @internal */
export type CoreChoice = "auto" | "wasm" | "ts";

/** Whether a Router-view message is `[id][""][body…]`. @internal */
export function isClientRequest(m: Message): boolean {
  return m.length >= 3 && m[0].length > 0 && m[1].length === 0;
}

/** Checks the `frontend` and `backend` options (defaults 5555 and 5556). @internal */
export function checkEndpoints(
  owner: string,
  options: { frontend?: string; backend?: string },
): { fe: string; be: string } {
  const fe = checkEndpoint(
    owner,
    "frontend",
    options.frontend ?? "tcp://*:5555",
  );
  const be = checkEndpoint(owner, "backend", options.backend ?? "tcp://*:5556");
  return { fe, be };
}

/** What a queue needs besides its sockets (see {@linkcode checkSetup}). @internal */
export interface QueueSetup {
  core: CoreChoice;
  log: Logger;
  onEvent?: (e: PirateQueueEvent) => void;
}

/** Checks the `core`, `logger` and `onEvent` options, in that order. @internal */
export function checkSetup(
  owner: string,
  options: { core?: unknown; logger?: Logger; onEvent?: unknown },
): QueueSetup {
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
  return { core, log, onEvent };
}

/**
 * Makes the frontend and backend ROUTERs (both `ROUTER_MANDATORY`), binds
 * them and hands them to `start`; closes both if binding or `start` throws.
 * @internal
 */
export function bindQueue<Q>(
  fe: string,
  be: string,
  start: (
    frontend: RouterSocket,
    backend: RouterSocket,
    f: string,
    b: string,
  ) => Q,
): Q {
  const frontend = new RouterSocket({ routerMandatory: true });
  // Handover: a worker that reconnects with its old identity takes it over.
  const backend = new RouterSocket({
    routerMandatory: true,
    routerHandover: true,
  });
  try {
    const f = frontend.bind(fe);
    const b = backend.bind(be);
    return start(frontend, backend, f, b);
  } catch (e) {
    frontend.close();
    backend.close();
    throw e;
  }
}

/**
 * Awaits a receive; `null` once the socket is closed (other errors
 * propagate). @internal
 */
export async function received<T>(
  receive: () => Promise<T>,
): Promise<T | null> {
  try {
    return await receive();
  } catch (e) {
    if (e instanceof ClosedError) return null;
    throw e;
  }
}

/** How a queue hands a client request to a worker (the frontend loop's hooks). @internal */
export interface Dispatch {
  /** The frames that carry client request `m` to the worker `id`. */
  frames(id: Uint8Array, m: Message): Message;
  /** Worker `h` left the idle queue for a request (before the send). */
  taken(h: number): void;
  /** The request went to worker `h` (before `requests` is counted). */
  sent(h: number): void;
  /** Worker `h` (identity `id`) is unreachable, before `worker:gone`. */
  gone(h: number, id: Uint8Array): void;
}

/**
 * The state and loops both queues share. Idle workers wait in the core's
 * `WorkerQueue` under {@linkcode SERVICE}, by handles the core's `Envelope`
 * interned; `ids` maps each handle the queue holds to its identity bytes.
 * Counters are updated before the event that reports them is emitted.
 * @internal
 */
export class QueueBase {
  readonly frontend: RouterSocket;
  readonly backend: RouterSocket;
  readonly coreImpl: "wasm" | "ts";
  readonly env: Envelope;
  readonly queue: WorkerQueue;
  /** Identity bytes by handle, for every worker the queue holds a handle of. */
  readonly ids = new Map<number, Uint8Array>();
  /** Notified when a worker becomes idle, and on close. */
  readonly ready = new Signal();
  readonly log: Logger;
  readonly #onEvent?: (e: PirateQueueEvent) => void;
  readonly counts = {
    requests: 0,
    replies: 0,
    invalidFrontend: 0,
    invalidBackend: 0,
    expired: 0,
    droppedReplies: 0,
  };
  closed = false;
  loops: Promise<unknown> = Promise.resolve();

  constructor(frontend: RouterSocket, backend: RouterSocket, s: QueueSetup) {
    this.frontend = frontend;
    this.backend = backend;
    const core = createCore({ impl: s.core });
    this.coreImpl = core.impl;
    this.env = core.createEnvelope();
    this.queue = core.createWorkerQueue();
    this.log = s.log;
    this.#onEvent = s.onEvent;
  }

  /** Counters and worker counts (a snapshot). */
  stats(busyWorkers: number): PirateQueueStats {
    return { ...this.counts, idleWorkers: this.queue.size(), busyWorkers };
  }

  /** Reports an event to the listener (its errors are logged). */
  emit(e: PirateQueueEvent): void {
    safeCall(this.log, this.#onEvent, e);
  }

  /** Counts, logs and reports a dropped malformed message. */
  invalid(socket: "frontend" | "backend", reason: string): void {
    if (socket === "frontend") this.counts.invalidFrontend++;
    else this.counts.invalidBackend++;
    this.log.warn("invalid message dropped", { socket, reason });
    this.emit({ type: "message:invalid", socket, reason });
  }

  /** Drops a worker: out of the queue, its handle released. */
  forget(h: number): void {
    this.queue.remove(h);
    this.ids.delete(h);
    this.env.release(h);
  }

  /**
   * Sends a reply to its client (`copy`: copy the frames first when the send
   * must wait, for views that do not outlive the next message).
   * @returns Whether the frontend is closed.
   */
  async forward(out: Message, copy: boolean): Promise<boolean> {
    try {
      if (!this.frontend.trySend(out)) {
        await this.frontend.send(copy ? copyFrames(out) : out);
      }
      this.counts.replies++;
    } catch (e) {
      if (e instanceof ClosedError) return true;
      if (!(e instanceof HostUnreachableError)) throw e;
      this.counts.droppedReplies++;
      this.emit({ type: "reply:dropped", reason: "client gone" });
    }
    return false;
  }

  /**
   * Reads clients only while a worker is idle; sends each valid request to
   * the least recently used idle worker, skipping workers that are gone.
   */
  async frontendLoop(d: Dispatch): Promise<void> {
    while (!this.closed) {
      if (this.queue.size(SERVICE) === 0) {
        await this.ready.wait();
        continue;
      }
      const m = await received(() => this.frontend.receive());
      if (m === null) return;
      if (!isClientRequest(m)) {
        this.invalid("frontend", 'expected [client id][""][body…]');
        continue;
      }
      for (;;) {
        const h = this.queue.pop(SERVICE);
        if (h < 0) {
          await this.ready.wait(); // none idle any more; hold the request
          if (this.closed) return;
          continue;
        }
        const id = this.ids.get(h)!;
        d.taken(h);
        const out = d.frames(id, m);
        try {
          if (!this.backend.trySend(out)) await this.backend.send(out);
          d.sent(h);
          this.counts.requests++;
          break;
        } catch (e) {
          if (e instanceof ClosedError) return;
          if (!(e instanceof HostUnreachableError)) throw e;
          d.gone(h, id);
          this.emit({ type: "worker:gone", worker: hex(id) });
        }
      }
    }
  }

  /** Stops the loops (after `stop`, once) and closes both sockets. Idempotent. */
  async close(stop?: () => void): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      stop?.();
      this.frontend.close();
      this.backend.close();
      this.ready.notify();
    }
    await this.loops.then(() => {}, () => {});
  }
}
