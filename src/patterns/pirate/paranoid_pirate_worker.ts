/**
 * Paranoid Pirate worker: 6/PPP over a DEALER with heartbeats, liveness and
 * reconnect with a jittered exponential backoff (zguide `ppworker`,
 * chapter 4).
 * @module
 */
import { sumCounters } from "../../_util/counters.ts";
import type { ClientSecurity } from "../../security/settings.ts";
import { ProtocolError } from "../../errors.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { DealerSocket, type SocketOptions } from "../../transport/mod.ts";
import { decodeWorkerMessage } from "../../protocol/ppp/codec.ts";
import { PARANOID_WORKER } from "./_fsm.ts";
import { EventHub } from "../_kit/events.ts";
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
/** Most slots one worker may run. */
const MAX_CONCURRENCY = 4096;
const KEYS = [
  "concurrency",
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
  /**
   * How many requests this worker serves at once. Each of the N slots is a
   * plain 6/PPP worker to the queue: its own DEALER and identity, READY,
   * heartbeats, liveness and reconnect, one request at a time; the queue
   * spreads requests over them as over any workers. The handler is called
   * for each slot's request as it comes, so async handlers overlap. With
   * N > 1 and an `identity`, slot i uses `identity-i`. An integer from 1
   * to 4096.
   * @default 1
   */
  concurrency?: number;
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
  /**
   * The DEALER's routing id, kept across reconnects (with `concurrency`
   * N > 1, slot i's is `identity-i`).
   * @default random `XXXX-XXXX`, one per slot
   */
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
 * With `concurrency: N` one process runs N slots, each a worker as above
 * with its own identity, so the queue sees N workers and the handler runs
 * up to N requests at once. Events carry the slot's number, `stats` sums
 * the slots (`slotStats` gives each), `ready` waits for every slot and
 * `close()` closes them all.
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
 *
 * @example Four slots in one process
 * ```ts
 * import { LazyPirateClient, ParanoidPirateQueue, ParanoidPirateWorker } from "@reliable/zmq";
 * const queue = await ParanoidPirateQueue.bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
 * const worker = await ParanoidPirateWorker.connect(queue.backendEndpoint, async (req) => {
 *   await new Promise((r) => setTimeout(r, 50));
 *   return req;
 * }, { concurrency: 4, identity: "pool" });
 * await worker.ready;
 * console.log(worker.identities); // [ "pool-0", "pool-1", "pool-2", "pool-3" ]
 * const clients = await Promise.all([0, 1, 2, 3].map(() => LazyPirateClient.connect(queue.frontendEndpoint)));
 * await Promise.all(clients.map((c, i) => c.request([`${i}`])));
 * console.log(worker.stats.requests); // 4
 * for (const c of clients) await c.close();
 * await worker.close();
 * await queue.close();
 * ```
 */
export class ParanoidPirateWorker implements AsyncDisposable {
  /** The queue's backend endpoint. */
  readonly endpoint: string;
  /** The routing id this worker uses (slot 0's). */
  readonly identity: string;
  /** Every slot's routing id, by slot number. */
  readonly identities: readonly string[];
  /** How many requests this worker serves at once (its slots). */
  readonly concurrency: number;
  /** Resolves once every slot is connected to the queue with READY sent; rejects with `ClosedError` if closed first. */
  readonly ready: Promise<void>;
  readonly #w: readonly WorkerShell[];
  readonly #events: EventHub<PirateWorkerEvent>;

  private constructor(w: WorkerShell[], events: EventHub<PirateWorkerEvent>) {
    this.#w = w;
    this.#events = events;
    this.endpoint = w[0].endpoint;
    this.identity = w[0].identity;
    this.identities = Object.freeze(w.map((x) => x.identity));
    this.concurrency = w.length;
    if (w.length === 1) this.ready = w[0].ready;
    else {
      this.ready = Promise.all(w.map((x) => x.ready)).then(() => {});
      this.ready.catch(() => {}); // a close before ready is not unhandled
    }
  }

  /**
   * Connects to a Paranoid Pirate queue's backend, sends READY and starts
   * serving (every slot). Resolves at once; `ready` resolves once connected.
   *
   * @param endpoint The queue backend, e.g. `"tcp://127.0.0.1:5556"`.
   * @param handler Computes each reply.
   * @param options Concurrency, timing, identity, caps, socket options,
   * events, logger, clock.
   * @returns The running worker.
   * @throws {TypeError} On a malformed argument or option, or an unknown
   * option key.
   * @throws {RangeError} On an option out of range (e.g. `concurrency` not
   * an integer from 1 to 4096).
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
      const n = opt.count(
        owner,
        "concurrency",
        o.concurrency,
        1,
        1,
        MAX_CONCURRENCY,
      );
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
      const events = new EventHub<PirateWorkerEvent>(s.log, s.onEvent);
      const setups = n === 1 ? [s] : Array.from(
        { length: n },
        (_, i) =>
          workerSetup(owner, endpoint, handler, {
            ...o,
            identity: o.identity === undefined
              ? undefined
              : `${o.identity}-${i}`,
          }),
      );
      const shells: WorkerShell[] = [];
      try {
        for (let i = 0; i < n; i++) {
          shells.push(
            new WorkerShell(KIND, setups[i], policy, { events, slot: i }),
          );
        }
      } catch (e) {
        for (const w of shells) void w.close();
        throw e;
      }
      return Promise.resolve(new ParanoidPirateWorker(shells, events));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Counters (a snapshot), summed over the slots. */
  get stats(): PirateWorkerStats {
    if (this.#w.length === 1) return this.#w[0].stats;
    return sumCounters({
      requests: 0,
      failures: 0,
      invalid: 0,
      oversize: 0,
      reconnects: 0,
      connectFailures: 0,
    }, this.#w.map((w) => w.stats));
  }

  /** Each slot's counters (a snapshot), by slot number. */
  get slotStats(): PirateWorkerStats[] {
    return this.#w.map((w) => w.stats);
  }

  /**
   * `"connecting"`, `"ready"`, `"busy"`, `"waiting"` (to reconnect) or
   * `"closed"`. With several slots: `"busy"` if any slot is, else
   * `"ready"` if any is, else `"waiting"` if any is, else `"connecting"`,
   * or `"closed"` once all are.
   */
  get state(): PirateWorkerState {
    if (this.#w.length === 1) return this.#w[0].state;
    const states = new Set(this.#w.map((w) => w.state));
    for (const s of ["busy", "ready", "waiting", "connecting"] as const) {
      if (states.has(s)) return s;
    }
    return "closed";
  }

  /** Each slot's state, by slot number. */
  get slotStates(): PirateWorkerState[] {
    return this.#w.map((w) => w.state);
  }

  /** Whether a request is being processed (on any slot). */
  get busy(): boolean {
    return this.#w.some((w) => w.state === "busy");
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
    return this.#events.on(listener);
  }

  /**
   * Stops serving: aborts the running handlers' signal and waits for them
   * to settle (their replies are not sent; the clients' retries recover),
   * closes every slot's socket. Idempotent.
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
    if (this.#w.length === 1) return this.#w[0].close();
    return Promise.all(this.#w.map((w) => w.close())).then(() => {});
  }

  /** Closes the worker (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
