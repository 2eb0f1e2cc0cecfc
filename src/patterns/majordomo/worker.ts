/**
 * The Majordomo worker (7/MDP worker side, zguide `mdwrkapi`).
 *
 * @module
 */
import { sumCounters } from "../../_util/counters.ts";
import type { ClientSecurity } from "../../security/settings.ts";
import { ClosedError } from "../../errors.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import type { Frame } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import { EventHub } from "../_kit/events.ts";
import { validateServiceName } from "../../protocol/mdp/codec.ts";
import { isMmiService } from "../../protocol/mmi/codec.ts";
import type { MajordomoWorkerEvent } from "./client_events.ts";
import { brokerEndpoints, socketOptionsOf } from "./_client_common.ts";
import { type SlotConfig, WorkerSlot } from "./_worker_slot.ts";

const CLS = "MajordomoWorker";
/** Most slots one worker may run. */
const MAX_CONCURRENCY = 4096;
const KEYS = [
  "concurrency",
  "heartbeatIntervalMs",
  "liveness",
  "reconnectInitialMs",
  "reconnectMaxMs",
  "onError",
  "lingerMs",
  "maxFrameBytes",
  "maxMessageBytes",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;

/**
 * Handles one request: gets the request body and returns the reply body
 * (at least one frame). May be async. A throw is an error reply (see
 * {@linkcode MajordomoWorker}).
 *
 * @example
 * ```ts
 * import type { MajordomoHandler } from "@reliable/zmq";
 * const upper: MajordomoHandler = (req) => req.map((f) => new TextDecoder().decode(f).toUpperCase());
 * ```
 */
export type MajordomoHandler = (
  request: Uint8Array[],
) => Frame[] | Promise<Frame[]>;

/**
 * Options of {@linkcode MajordomoWorker}.
 *
 * @example
 * ```ts
 * import type { MajordomoWorkerOptions } from "@reliable/zmq";
 * const options: MajordomoWorkerOptions = { heartbeatIntervalMs: 1000, onError: (e) => ["error", String(e)] };
 * ```
 */
export interface MajordomoWorkerOptions {
  /**
   * How many requests this worker serves at once. Each of the N slots is a
   * plain 7/MDP worker to the broker: its own DEALER, READY, heartbeats,
   * liveness and reconnect, holding one request at a time; the broker
   * spreads requests over them as over any workers (least recently used
   * first). The handler is called for each slot's request as it comes, so
   * async handlers overlap (up to N at once). An integer from 1 to 4096.
   * @default 1
   */
  concurrency?: number;
  /** How often the worker heartbeats the broker, in ms. Match the broker's. @default 2500 */
  heartbeatIntervalMs?: number;
  /**
   * Heartbeat intervals of silence from the broker after which it counts as
   * dead and the worker reconnects. The count pauses while a request is
   * being handled (a broker need not heartbeat busy workers).
   * @default 3
   */
  liveness?: number;
  /**
   * First wait before reconnecting after the broker was declared dead, in
   * ms; doubled after each further failure up to `reconnectMaxMs`, less a
   * random share of up to half (so that many workers do not come back in
   * step), and reset by any message from the broker. A dropped connection
   * or a DISCONNECT makes the worker reconnect at once.
   * @default 1000
   */
  reconnectInitialMs?: number;
  /** Ceiling of the reconnect backoff, in ms. @default 32000 */
  reconnectMaxMs?: number;
  /**
   * Called when the handler throws (or returns something that is not a
   * non-empty array of frames). Return frames to send them as the reply;
   * return `undefined` for the default: an error reply to a reliable-zmq
   * broker (its client gets `HandlerFailedError` at once), or, with any
   * other broker (7/MDP has no error reply), no reply: the worker then
   * re-registers (DISCONNECT, new socket, READY) so that it is not left
   * marked busy, and the client's retry or timeout takes over.
   * @default returns undefined
   */
  onError?: (error: unknown, request: Uint8Array[]) => Frame[] | undefined;
  /** How long `close()` keeps trying to deliver the final DISCONNECT, in ms. @default 500 */
  lingerMs?: number;
  /**
   * Largest frame accepted from the broker, in bytes (`ZMQ_MAXMSGSIZE`: a
   * larger one makes libzmq drop the connection, and the worker
   * reconnects). Matches the broker's default.
   * @default 16777216 (16 MiB)
   */
  maxFrameBytes?: number;
  /**
   * Largest request body handled, in bytes (all frames together); a larger
   * one is refused without running the handler, like a handler failure.
   * @default 67108864 (64 MiB)
   */
  maxMessageBytes?: number;
  /** Options for the worker's DEALER (CURVE keys, ...). @default {} */
  socketOptions?: SocketOptions;
  /**
   * How to prove who this is to a secure broker (docs/SECURITY.md): CURVE
   * with the broker's public key (and this side's key pair, else a new one
   * per instance), or PLAIN.
   * @default none
   */
  security?: ClientSecurity;
  /** Where diagnostics go. @default warnings and errors to stderr */
  logger?: Logger;
  /** Receives the worker's events. @default none */
  onEvent?: (event: MajordomoWorkerEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * Counters of a {@linkcode MajordomoWorker}.
 *
 * @example
 * ```ts
 * import type { MajordomoWorkerStats } from "@reliable/zmq";
 * const s: Partial<MajordomoWorkerStats> = { requests: 0 };
 * console.log(s.requests); // 0
 * ```
 */
export interface MajordomoWorkerStats {
  /** Requests received. */
  requests: number;
  /** Replies sent (error replies included). */
  replies: number;
  /** Handler failures (thrown errors or bad return values). */
  handlerErrors: number;
  /** Error replies sent to an RZ broker (`[WERR][message]`). */
  errorReplies: number;
  /** Requests over `maxMessageBytes`, refused without running. */
  oversize: number;
  /** Conversations opened with the broker (1 + re-registrations). */
  connections: number;
  /** Connection attempts that failed (refused, unreachable, handshake). */
  connectFailures: number;
  /** Malformed or unexpected messages from the broker (dropped). */
  invalidMessages: number;
}

/**
 * A Majordomo worker: registers one service with a broker and answers its
 * requests with a handler (7/MDP, zguide `mdwrkapi`), one at a time, or N
 * at once with `concurrency: N`.
 *
 * Each conversation with the broker starts on a new DEALER: it asks
 * `mmi.rz` (to learn whether the broker is a reliable-zmq one, which takes
 * error replies), then sends READY; `ready` resolves after the first.
 * Heartbeats go both ways; the broker counts as dead after `liveness`
 * silent intervals while idle (never while a request runs, since a broker
 * need not heartbeat busy workers), and the worker reconnects with a
 * jittered, growing backoff. A DISCONNECT from the broker, or a dropped
 * connection (seen through the socket monitor), starts a new conversation
 * at once. A worker that cannot connect says so: `connection:failed`
 * events and a rate-limited warning. `close()` finishes the request in
 * progress, sends DISCONNECT and closes.
 *
 * With `concurrency: N` the process runs N slots, each a plain 7/MDP
 * worker as above (its own DEALER, READY, heartbeats, liveness and
 * reconnect, one request at a time), so the broker sees N workers and
 * spreads requests over them; the handler runs for every slot's request as
 * it arrives, so async handlers overlap. Events carry the slot's number,
 * `stats` sums the slots and `slotStats` gives each; `ready` resolves once
 * every slot is registered; `close()` drains every slot's request in
 * progress, then disconnects each.
 *
 * When the handler throws, a reliable-zmq broker gets an error reply and
 * its client a `HandlerFailedError` at once; any other broker gets no
 * reply and the worker re-registers (see `onError`). Either way it is
 * logged at warn (rate-limited) and counted.
 *
 * @example An echo worker
 * ```ts
 * import { MajordomoBroker, MajordomoWorker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const [endpoint] = broker.endpoints;
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (req) => req);
 * await worker.ready;
 * console.log(worker.stats.connections); // 1
 * await worker.close();
 * await broker.close();
 * ```
 *
 * @example Eight requests at once in one process
 * ```ts
 * import { MajordomoAsyncClient, MajordomoBroker, MajordomoWorker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const [endpoint] = broker.endpoints;
 * let running = 0;
 * let most = 0;
 * const worker = await MajordomoWorker.connect(endpoint, "slow", async (req) => {
 *   most = Math.max(most, ++running);
 *   await new Promise((r) => setTimeout(r, 100)); // e.g. a database call
 *   running--;
 *   return req;
 * }, { concurrency: 8 });
 * await worker.ready; // all 8 slots registered
 * const client = await MajordomoAsyncClient.connect(endpoint);
 * const replies = await Promise.all(
 *   Array.from({ length: 8 }, (_, i) => client.request("slow", [`${i}`])),
 * );
 * console.log(replies.length, most > 1); // 8 true
 * await client.close();
 * await worker.close();
 * await broker.close();
 * ```
 */
export class MajordomoWorker implements AsyncDisposable {
  /**
   * The brokers: one, or the two of a Binary Star pair (primary first),
   * which the worker follows.
   */
  readonly endpoints: readonly string[];
  /** Resolves once connected to the broker and registered (READY sent), every slot. */
  readonly ready: Promise<void>;
  /** How many requests this worker serves at once (its slots). */
  readonly concurrency: number;
  readonly #serviceText: string;
  readonly #bad: RateLimitedLog;
  readonly #events: EventHub<MajordomoWorkerEvent>;
  readonly #config: SlotConfig;
  readonly #slots: WorkerSlot[] = [];
  #closing: Promise<void> | undefined;

  private constructor(
    endpoints: string[],
    service: string,
    handler: MajordomoHandler,
    options: MajordomoWorkerOptions,
  ) {
    this.endpoints = Object.freeze(endpoints);
    const serviceBytes = validateServiceName(service);
    if (isMmiService(service)) {
      throw new RangeError(
        `${CLS}.connect(): service "${service}" is reserved for the broker (8/MMI)`,
      );
    }
    this.#serviceText = service;
    const o = opt.readOptions(CLS, options, KEYS);
    this.concurrency = opt.count(
      CLS,
      "concurrency",
      o.concurrency,
      1,
      1,
      MAX_CONCURRENCY,
    );
    const hbMs = opt.durationMs(
      CLS,
      "heartbeatIntervalMs",
      o.heartbeatIntervalMs,
      2500,
      { min: 1 },
    );
    const liveness = opt.count(CLS, "liveness", o.liveness, 3, 1, 1000);
    const reconnectInitialMs = opt.durationMs(
      CLS,
      "reconnectInitialMs",
      o.reconnectInitialMs,
      1000,
      { min: 0 },
    );
    const reconnectMaxMs = opt.durationMs(
      CLS,
      "reconnectMaxMs",
      o.reconnectMaxMs,
      Math.max(32000, reconnectInitialMs),
      { min: reconnectInitialMs },
    );
    const onError = opt.fn<
      (e: unknown, r: Uint8Array[]) => Frame[] | undefined
    >(CLS, "onError", o.onError);
    const lingerMs = opt.durationMs(CLS, "lingerMs", o.lingerMs, 500);
    const maxFrameBytes = opt.count(
      CLS,
      "maxFrameBytes",
      o.maxFrameBytes,
      16 * 1024 * 1024,
      1,
    );
    const maxMessageBytes = opt.count(
      CLS,
      "maxMessageBytes",
      o.maxMessageBytes,
      64 * 1024 * 1024,
      1,
    );
    const socketOptions = socketOptionsOf(CLS, o.socketOptions, o.security);
    const log = opt.logger(CLS, o.logger, `${CLS} ${service}`);
    const clock = opt.clock(CLS, o.clock);
    this.#bad = new RateLimitedLog(log, clock);
    this.#events = new EventHub(
      log,
      opt.fn<(e: MajordomoWorkerEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.#config = {
      endpoints: this.endpoints,
      service: serviceBytes,
      serviceText: service,
      handler,
      hbMs,
      liveness,
      reconnectInitialMs,
      reconnectMaxMs,
      onError,
      lingerMs,
      maxFrameBytes,
      maxMessageBytes,
      socketOptions,
      log,
      bad: this.#bad,
      events: this.#events,
      clock,
    };
    // The slots (and so the sockets) are opened by connect().
    this.ready = Promise.resolve();
  }

  /**
   * Creates a worker and starts its conversation with the broker (one per
   * slot). Resolves at once; `worker.ready` resolves once it is registered.
   *
   * @param endpoint The broker's endpoint, e.g. `"tcp://127.0.0.1:5555"`.
   * @param service The service to serve (1-255 bytes, not `mmi.*`).
   * @param handler Turns a request body into a reply body.
   * @param options Concurrency, heartbeat, reconnect, error handling,
   * limits, logger.
   * @returns The worker.
   * @throws {TypeError} On a malformed endpoint, a badly typed argument or
   * an unknown option key.
   * @throws {RangeError} On a bad service name or option value (e.g.
   * `concurrency` not an integer from 1 to 4096).
   * @throws {ZmqError} When the endpoint is refused by ZeroMQ (e.g. an
   * unknown transport).
   * @example
   * ```ts
   * import { MajordomoWorker } from "@reliable/zmq";
   * const worker = await MajordomoWorker.connect("tcp://127.0.0.1:5555", "echo", (req) => req);
   * await worker.close(); // ready rejects with ClosedError: it never registered
   * ```
   */
  static connect(
    endpoint: string | readonly [string, string],
    service: string,
    handler: MajordomoHandler,
    options?: MajordomoWorkerOptions,
  ): Promise<MajordomoWorker> {
    try {
      const M = `${CLS}.connect()`;
      const endpoints = brokerEndpoints(M, endpoint);
      if (typeof service !== "string") {
        throw new TypeError(
          `${M}: service must be a string, got ${typeof service}`,
        );
      }
      if (typeof handler !== "function") {
        throw new TypeError(
          `${M}: handler must be a function, got ${typeof handler}`,
        );
      }
      const w = new MajordomoWorker(
        endpoints,
        service,
        handler,
        options ?? {},
      );
      w.#start();
      return Promise.resolve(w);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Opens every slot's first socket here, so that an endpoint ZeroMQ
   * refuses fails `connect()` instead of a background loop.
   */
  #start(): void {
    try {
      for (let i = 0; i < this.concurrency; i++) {
        this.#slots.push(new WorkerSlot(this.#config, i));
      }
    } catch (e) {
      void this.close();
      throw e;
    }
    const ready = this.#slots.length === 1
      ? this.#slots[0].ready
      : Promise.all(this.#slots.map((s) => s.ready)).then(() => {});
    ready.catch(() => {}); // a close before ready is not unhandled
    (this as { ready: Promise<void> }).ready = ready;
  }

  /** The broker the worker talks to now (of `endpoints`; slot 0's). */
  get endpoint(): string {
    return this.#slots[0]?.endpoint ?? this.endpoints[0];
  }

  /** The service this worker serves. */
  get service(): string {
    return this.#serviceText;
  }

  /** A snapshot of the worker's counters, summed over its slots. */
  get stats(): MajordomoWorkerStats {
    return sumCounters({
      requests: 0,
      replies: 0,
      handlerErrors: 0,
      errorReplies: 0,
      oversize: 0,
      connections: 0,
      connectFailures: 0,
      invalidMessages: 0,
    }, this.#slots.map((s) => s.stats));
  }

  /**
   * A snapshot of each slot's counters, by slot number (one entry when
   * `concurrency` is 1).
   *
   * @example
   * ```ts
   * import { MajordomoWorker } from "@reliable/zmq";
   * const w = await MajordomoWorker.connect("tcp://127.0.0.1:5555", "echo", (r) => r, { concurrency: 4 });
   * console.log(w.slotStats.map((s) => s.requests)); // [ 0, 0, 0, 0 ]
   * await w.close();
   * ```
   */
  get slotStats(): MajordomoWorkerStats[] {
    return this.#slots.map((s) => ({ ...s.stats }));
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   *
   * @param listener Called with every event.
   * @returns A function that removes it.
   */
  on(listener: (event: MajordomoWorkerEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /**
   * Stops serving: waits for the request in progress on every slot (their
   * replies are sent), sends DISCONNECT on each and closes the sockets.
   * Idempotent. `ready` rejects with `ClosedError` if the worker never
   * registered.
   *
   * @returns Resolves once the worker has stopped.
   * @example
   * ```ts
   * import { MajordomoWorker } from "@reliable/zmq";
   * const worker = await MajordomoWorker.connect("tcp://127.0.0.1:5555", "echo", (r) => r);
   * await worker.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const notReady = new ClosedError(
      `Worker "${this.#serviceText}" closed before it registered`,
    );
    this.#closing = Promise.all(this.#slots.map((s) => s.close(notReady)))
      .then(() => this.#bad.flush());
    return this.#closing;
  }

  /** Same as {@linkcode MajordomoWorker.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
