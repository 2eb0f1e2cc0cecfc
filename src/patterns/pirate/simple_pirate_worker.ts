/**
 * Simple Pirate worker: a REQ that announces READY and answers requests
 * (zguide `spworker`, chapter 4).
 * @module
 */
import type { ClientSecurity } from "../../security/settings.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { ReqSocket, type SocketOptions } from "../../transport/mod.ts";
import { splitEnvelope } from "../../protocol/ppp/codec.ts";
import { SIMPLE_WORKER } from "./_fsm.ts";
import {
  type PirateHandler,
  WORKER_KEYS,
  type WorkerKind,
  workerSetup,
  WorkerShell,
} from "./_worker_base.ts";
import type {
  PirateWorkerEvent,
  PirateWorkerState,
  PirateWorkerStats,
} from "./events.ts";

export type { PirateHandler } from "./_worker_base.ts";

const CLS = "SimplePirateWorker";

const KIND: WorkerKind = {
  name: CLS,
  machine: SIMPLE_WORKER,
  alternates: true,
  open: (o) => new ReqSocket(o),
  decode: (m) => {
    const s = splitEnvelope(m);
    return s === null
      ? {
        kind: "invalid",
        reason:
          "a request needs a client address, an empty delimiter and a body",
      }
      : { kind: "request", envelope: s.envelope, body: s.body };
  },
};

/** No heartbeats: the Simple worker's core keeps no time. */
const NO_TIME = {
  heartbeatIntervalMs: Infinity,
  liveness: 1,
  reconnectInitialMs: 0,
  reconnectMaxMs: 0,
  jitter: 0,
};

/**
 * Options of {@linkcode SimplePirateWorker.connect}.
 *
 * @example
 * ```ts
 * import type { SimplePirateWorkerOptions } from "@reliable/zmq";
 * const options: SimplePirateWorkerOptions = { identity: "worker-1" };
 * ```
 */
export interface SimplePirateWorkerOptions {
  /** The REQ socket's routing id, for readable traces. @default random `XXXX-XXXX` */
  identity?: string;
  /**
   * Largest frame of a request, in bytes; a larger request is refused
   * without running the handler (counted in `stats.oversize`; the worker
   * answers READY, which frees its place at the queue).
   * @default 16777216 (16 MiB)
   */
  maxFrameBytes?: number;
  /**
   * Largest request (all frames), in bytes; also the socket's
   * `ZMQ_MAXMSGSIZE` (a single frame above it is cut off by libzmq with
   * its connection, before it takes memory).
   * @default 67108864 (64 MiB), or `maxFrameBytes` if larger
   */
  maxMessageBytes?: number;
  /** Options for the REQ (CURVE keys, ...); the worker's own settings win. @default {} */
  socketOptions?: SocketOptions;
  /**
   * How to prove who this is to a secure queue (docs/SECURITY.md): CURVE
   * with the queue's public key (and this side's key pair, else a new one),
   * or PLAIN.
   * @default none
   */
  security?: ClientSecurity;
  /** Where diagnostics go. @default warnings and errors to stderr */
  logger?: Logger;
  /** Receives the worker's events. @default none */
  onEvent?: (event: PirateWorkerEvent) => void;
  /** The time source (used by the log's rate limit). @default the real clock */
  clock?: Clock;
}

/**
 * A Simple Pirate worker (zguide `spworker`, chapter 4): a REQ socket that
 * sends READY (`0x01`) and then answers each request with the handler's
 * reply, returned behind the client's envelope. If the handler throws (or
 * returns no frames), or a request is malformed or too large, the request
 * is dropped (the client's retry recovers; logged at warn, rate-limited)
 * and the worker answers READY instead, since a REQ must send before it
 * can receive again; the queue takes that as "ready for the next one".
 * There are no heartbeats: libzmq reconnects the REQ by itself.
 *
 * @example
 * ```ts
 * import { SimplePirateQueue, SimplePirateWorker } from "@reliable/zmq";
 * const queue = await SimplePirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
 * const worker = await SimplePirateWorker.connect(queue.backendEndpoint, (req) => req);
 * await worker.ready;
 * console.log(worker.state); // "ready"
 * await worker.close();
 * await queue.close();
 * ```
 */
export class SimplePirateWorker implements AsyncDisposable {
  /** The queue's backend endpoint. */
  readonly endpoint: string;
  /** The routing id this worker uses. */
  readonly identity: string;
  /** Resolves once connected to the queue with READY sent; rejects with `ClosedError` if closed first. */
  readonly ready: Promise<void>;
  readonly #w: WorkerShell;

  private constructor(w: WorkerShell) {
    this.#w = w;
    this.endpoint = w.endpoint;
    this.identity = w.identity;
    this.ready = w.ready;
  }

  /**
   * Connects to a Simple Pirate queue's backend, sends READY and starts
   * serving. Resolves at once; `ready` resolves once connected.
   *
   * @param endpoint The queue backend, e.g. `"tcp://127.0.0.1:5556"`.
   * @param handler Computes each reply.
   * @param options Identity, caps, socket options, events, logger, clock.
   * @returns The running worker.
   * @throws {TypeError} On a malformed argument or option, or an unknown
   * option key.
   * @throws {RangeError} On an option out of range.
   * @throws {ZmqError} When ZeroMQ refuses the endpoint.
   *
   * @example
   * ```ts
   * import { SimplePirateWorker } from "@reliable/zmq";
   * const w = await SimplePirateWorker.connect("tcp://127.0.0.1:5556", async (req) => req);
   * await w.close();
   * ```
   */
  static connect(
    endpoint: string,
    handler: PirateHandler,
    options?: SimplePirateWorkerOptions,
  ): Promise<SimplePirateWorker> {
    try {
      const owner = `${CLS}.connect()`;
      const o = opt.readOptions(owner, options, WORKER_KEYS);
      const s = workerSetup(owner, endpoint, handler, o);
      return Promise.resolve(
        new SimplePirateWorker(new WorkerShell(KIND, s, NO_TIME)),
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Counters (a snapshot; `reconnects` stays 0: libzmq reconnects the REQ). */
  get stats(): PirateWorkerStats {
    return this.#w.stats;
  }

  /** `"connecting"`, `"ready"`, `"busy"` or `"closed"`. */
  get state(): PirateWorkerState {
    return this.#w.state;
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   *
   * @param listener Called with every event, synchronously.
   * @returns A function that removes it.
   * @example
   * ```ts
   * import { SimplePirateWorker } from "@reliable/zmq";
   * const w = await SimplePirateWorker.connect("tcp://127.0.0.1:5556", (req) => req);
   * const off = w.on((e) => console.log(e.type));
   * off();
   * await w.close();
   * ```
   */
  on(listener: (event: PirateWorkerEvent) => void): () => void {
    return this.#w.events.on(listener);
  }

  /**
   * Stops serving: aborts the running handler's signal and waits for it to
   * settle (its reply is not sent), closes the socket. Idempotent.
   *
   * @returns Resolves once the worker has stopped.
   * @example
   * ```ts
   * import { SimplePirateWorker } from "@reliable/zmq";
   * const w = await SimplePirateWorker.connect("tcp://127.0.0.1:5556", (req) => req);
   * await w.close();
   * ```
   */
  close(): Promise<void> {
    return this.#w.close();
  }

  /** Closes the worker (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
