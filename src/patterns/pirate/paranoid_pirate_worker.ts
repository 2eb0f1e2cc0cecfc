/**
 * Paranoid Pirate worker: 6/PPP over a DEALER with heartbeats, liveness and
 * reconnect with a jittered exponential backoff (zguide `ppworker`,
 * chapter 4).
 * @module
 */
import type { ClientSecurity } from "../../security/settings.ts";
import { ProtocolError } from "../../errors.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { DealerSocket, type SocketOptions } from "../../transport/mod.ts";
import { decodeWorkerMessage } from "../../protocol/ppp/codec.ts";
import { PARANOID_WORKER } from "./_fsm.ts";
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

const CLS = "ParanoidPirateWorker";
const KEYS = [
  "heartbeatIntervalMs",
  "liveness",
  "reconnectInitialMs",
  "reconnectMaxMs",
  ...WORKER_KEYS,
] as const;

const KIND: WorkerKind = {
  name: CLS,
  machine: PARANOID_WORKER,
  alternates: false,
  open: (o) => new DealerSocket(o),
  decode: (m) => {
    const d = decodeWorkerMessage(m);
    if (d instanceof ProtocolError) {
      return { kind: "invalid", reason: d.reason };
    }
    return d.type === "heartbeat"
      ? { kind: "heartbeat" }
      : { kind: "request", envelope: d.envelope, body: d.body };
  },
};

/**
 * Options of {@linkcode ParanoidPirateWorker.connect}.
 *
 * @example
 * ```ts
 * import type { ParanoidPirateWorkerOptions } from "@reliable/zmq";
 * const options: ParanoidPirateWorkerOptions = { heartbeatIntervalMs: 250, reconnectMaxMs: 4000 };
 * ```
 */
export interface ParanoidPirateWorkerOptions {
  /** Heartbeat interval, ms (guide HEARTBEAT_INTERVAL); match the queue's. @default 1000 */
  heartbeatIntervalMs?: number;
  /** Intervals of silence from the queue before it counts as dead (guide HEARTBEAT_LIVENESS). @default 3 */
  liveness?: number;
  /**
   * First wait before reconnecting after the queue went silent, ms (guide
   * INTERVAL_INIT). Each further silence doubles it up to `reconnectMaxMs`;
   * a random share of up to half is taken off each wait, so that many
   * workers do not come back in step; any message from the queue resets it.
   * @default 1000
   */
  reconnectInitialMs?: number;
  /** Ceiling of the reconnect backoff, ms (guide INTERVAL_MAX). @default 32000 */
  reconnectMaxMs?: number;
  /** The DEALER's routing id, kept across reconnects. @default random `XXXX-XXXX` */
  identity?: string;
  /**
   * Largest frame of a request, in bytes; a larger request is refused
   * without running the handler (counted in `stats.oversize`; the worker
   * frees its place at the queue with READY, the client retries or fails).
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
  /** Options for the DEALER (CURVE keys, ...); the worker's own settings win. @default {} */
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
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * A Paranoid Pirate worker (zguide `ppworker`, chapter 4; 6/PPP): a DEALER
 * that sends READY, answers requests one at a time, and heartbeats the
 * queue every `heartbeatIntervalMs` while idle.
 *
 * - `ready` resolves once the connection is up (READY is the first thing
 *   on it). A worker that cannot connect says so: `connection:failed`
 *   events and a rate-limited warning, while libzmq keeps trying.
 * - If the queue is silent for `liveness` intervals, the worker closes its
 *   socket, waits (1 s, 2 s, 4 s ... up to 32 s by default, less up to a
 *   half at random; back to the start on any message from the queue),
 *   opens a fresh socket and sends READY again.
 * - While a request runs it sends no heartbeats and its liveness countdown
 *   pauses (a 6/PPP queue neither expects nor sends heartbeats for busy
 *   workers); the countdown restarts with the reply.
 * - If the handler throws (or returns no frames), the request is dropped
 *   (the client's retry recovers) and the worker sends READY again on the
 *   same socket, which frees its place at the queue. Logged at warn.
 * - Malformed and oversized messages are dropped, counted and logged at
 *   most a few times per interval.
 *
 * The decisions are a transition table (connecting, ready, busy, waiting,
 * closed) and pure functions of time from the injected `clock`.
 *
 * @example
 * ```ts
 * import { ParanoidPirateQueue, ParanoidPirateWorker } from "@reliable/zmq";
 * const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
 * const worker = await ParanoidPirateWorker.connect(queue.backendEndpoint, (req) => req);
 * await worker.ready;
 * console.log(worker.state); // "ready"
 * await worker.close();
 * await queue.close();
 * ```
 */
export class ParanoidPirateWorker implements AsyncDisposable {
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
   * Connects to a Paranoid Pirate queue's backend, sends READY and starts
   * serving. Resolves at once; `ready` resolves once connected.
   *
   * @param endpoint The queue backend, e.g. `"tcp://127.0.0.1:5556"`.
   * @param handler Computes each reply.
   * @param options Timing, identity, caps, socket options, events, logger, clock.
   * @returns The running worker.
   * @throws {TypeError} On a malformed argument or option, or an unknown
   * option key.
   * @throws {RangeError} On an option out of range.
   * @throws {ZmqError} When ZeroMQ refuses the endpoint.
   *
   * @example
   * ```ts
   * import { ParanoidPirateWorker } from "@reliable/zmq";
   * const w = await ParanoidPirateWorker.connect("tcp://127.0.0.1:5556", (req) => req, {
   *   heartbeatIntervalMs: 250,
   * });
   * await w.close(); // never connected: ready rejects with ClosedError
   * ```
   */
  static connect(
    endpoint: string,
    handler: PirateHandler,
    options?: ParanoidPirateWorkerOptions,
  ): Promise<ParanoidPirateWorker> {
    try {
      const owner = `${CLS}.connect()`;
      const o = opt.readOptions(owner, options, KEYS);
      const s = workerSetup(owner, endpoint, handler, o);
      const reconnectInitialMs = opt.durationMs(
        owner,
        "reconnectInitialMs",
        o.reconnectInitialMs,
        1000,
        { min: 1 },
      );
      const policy = {
        heartbeatIntervalMs: opt.durationMs(
          owner,
          "heartbeatIntervalMs",
          o.heartbeatIntervalMs,
          1000,
          { min: 1 },
        ),
        liveness: opt.count(owner, "liveness", o.liveness, 3, 1, 1000),
        reconnectInitialMs,
        reconnectMaxMs: opt.durationMs(
          owner,
          "reconnectMaxMs",
          o.reconnectMaxMs,
          Math.max(32000, reconnectInitialMs),
          { min: reconnectInitialMs },
        ),
        jitter: 0.5,
      };
      return Promise.resolve(
        new ParanoidPirateWorker(new WorkerShell(KIND, s, policy)),
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Counters (a snapshot). */
  get stats(): PirateWorkerStats {
    return this.#w.stats;
  }

  /** `"connecting"`, `"ready"`, `"busy"`, `"waiting"` (to reconnect) or `"closed"`. */
  get state(): PirateWorkerState {
    return this.#w.state;
  }

  /** Whether a request is being processed. */
  get busy(): boolean {
    return this.#w.state === "busy";
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   *
   * @param listener Called with every event, synchronously.
   * @returns A function that removes it.
   * @example
   * ```ts
   * import { ParanoidPirateWorker } from "@reliable/zmq";
   * const w = await ParanoidPirateWorker.connect("tcp://127.0.0.1:5556", (req) => req);
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
   * import { ParanoidPirateWorker } from "@reliable/zmq";
   * const w = await ParanoidPirateWorker.connect("tcp://127.0.0.1:5556", (req) => req);
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
