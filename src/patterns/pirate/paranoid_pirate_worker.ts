/**
 * Paranoid Pirate worker: 6/PPP over a DEALER with heartbeats, liveness and
 * reconnect with exponential backoff (zguide `ppworker`, chapter 4).
 * @module
 */
import { ClosedError, ProtocolError } from "../../errors.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Frame } from "../../types.ts";
import { DealerSocket } from "../../transport/socket.ts";
import {
  decodeWorkerMessage,
  PPP_HEARTBEAT,
  PPP_READY,
} from "../../protocol/ppp/codec.ts";
import type {
  PirateHandler,
  PirateWorkerStats,
} from "./simple_pirate_worker.ts";
import {
  checkFrames,
  count,
  durationMs,
  logger as checkLogger,
  sleep,
  workerArgs,
} from "./_common.ts";

/** Options of {@linkcode ParanoidPirateWorker.connect}. */
export interface ParanoidPirateWorkerOptions {
  /** Heartbeat interval, ms (guide HEARTBEAT_INTERVAL). @default 1000 */
  heartbeatIntervalMs?: number;
  /** Intervals of silence from the queue before it counts as dead (guide HEARTBEAT_LIVENESS). @default 3 */
  liveness?: number;
  /** First reconnect delay, ms (guide INTERVAL_INIT). @default 1000 */
  reconnectInitialMs?: number;
  /** Reconnect delay ceiling, ms; the delay doubles up to it (guide INTERVAL_MAX). @default 32000 */
  reconnectMaxMs?: number;
  /** The DEALER's routing id, kept across reconnects. @default random `XXXX-XXXX` */
  identity?: string;
  /** Diagnostics. @default silent */
  logger?: Logger;
}

/**
 * A Paranoid Pirate worker (zguide `ppworker`, chapter 4; 6/PPP): a DEALER
 * that sends READY, answers requests one at a time, and heartbeats the queue
 * every `heartbeatIntervalMs`, driven by the clock.
 *
 * - If the queue is silent for `liveness` intervals, the worker waits
 *   (1 s, 2 s, 4 s ... up to 32 s by default; back to the start on any
 *   message from the queue), opens a fresh socket and sends READY again.
 * - While a request is in progress it sends no heartbeats and pauses its
 *   liveness countdown, since the guide's queue neither expects nor sends
 *   heartbeats for busy workers (§4.7); the countdown restarts with the
 *   reply.
 * - If the handler throws, the request is dropped (the client's retry
 *   recovers) and the worker announces READY again on the same socket.
 * - Malformed messages are dropped and counted.
 *
 * @example
 * ```ts ignore
 * import { ParanoidPirateWorker } from "@reliable/zmq";
 * const worker = await ParanoidPirateWorker.connect("tcp://127.0.0.1:5556", (req) => req);
 * ```
 */
export class ParanoidPirateWorker implements AsyncDisposable {
  /** The queue's backend endpoint. */
  readonly endpoint: string;
  /** The routing id this worker uses. */
  readonly identity: string;
  readonly #handler: PirateHandler;
  readonly #intervalMs: number;
  readonly #liveness: number;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #socket: DealerSocket | null = null;
  #busy = false;
  #lastHeard = 0;
  #nextBeat = 0;
  #backoffMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #reconnecting = false;
  #loop: Promise<void> = Promise.resolve();
  readonly #stats: PirateWorkerStats = {
    requests: 0,
    failures: 0,
    invalid: 0,
    reconnects: 0,
  };

  private constructor(
    endpoint: string,
    handler: PirateHandler,
    o: Required<Omit<ParanoidPirateWorkerOptions, "logger">> & {
      logger: Logger;
    },
  ) {
    this.endpoint = endpoint;
    this.#handler = handler;
    this.identity = o.identity;
    this.#intervalMs = o.heartbeatIntervalMs;
    this.#liveness = o.liveness;
    this.#initialMs = o.reconnectInitialMs;
    this.#maxMs = o.reconnectMaxMs;
    this.#backoffMs = o.reconnectInitialMs;
    this.#log = o.logger;
  }

  /**
   * Connects to a Paranoid Pirate queue's backend, sends READY and starts
   * serving.
   *
   * @param endpoint The queue backend, e.g. `"tcp://127.0.0.1:5556"`.
   * @param handler Computes each reply.
   * @param options Timing, identity, logger.
   * @returns The running worker.
   * @throws {TypeError} On a malformed argument.
   * @throws {RangeError} On an option out of range.
   *
   * @example
   * ```ts ignore
   * const w = await ParanoidPirateWorker.connect("tcp://127.0.0.1:5556", (req) => req, { heartbeatIntervalMs: 250 });
   * ```
   */
  static connect(
    endpoint: string,
    handler: PirateHandler,
    options: ParanoidPirateWorkerOptions = {},
  ): Promise<ParanoidPirateWorker> {
    const owner = "ParanoidPirateWorker.connect()";
    const identity = workerArgs(owner, endpoint, handler, options);
    const reconnectInitialMs = durationMs(
      owner,
      "reconnectInitialMs",
      options.reconnectInitialMs,
      1000,
    );
    const reconnectMaxMs = durationMs(
      owner,
      "reconnectMaxMs",
      options.reconnectMaxMs,
      32000,
    );
    if (reconnectMaxMs < reconnectInitialMs) {
      throw new RangeError(
        `${owner}: reconnectMaxMs must be >= reconnectInitialMs`,
      );
    }
    const w = new ParanoidPirateWorker(endpoint, handler, {
      heartbeatIntervalMs: durationMs(
        owner,
        "heartbeatIntervalMs",
        options.heartbeatIntervalMs,
        1000,
      ),
      liveness: count(owner, "liveness", options.liveness, 3, 1, 1000),
      reconnectInitialMs,
      reconnectMaxMs,
      identity,
      logger: checkLogger(owner, options.logger),
    });
    w.#open();
    w.#timer = setInterval(() => w.#tick(), Math.max(10, w.#intervalMs / 4));
    w.#loop = w.#run();
    return Promise.resolve(w);
  }

  /** Counters (a snapshot). */
  get stats(): PirateWorkerStats {
    return { ...this.#stats };
  }

  /** Whether a request is being processed. */
  get busy(): boolean {
    return this.#busy;
  }

  #open(): DealerSocket {
    this.#socket?.close();
    const s = new DealerSocket({ routingId: this.identity });
    s.connect(this.endpoint);
    this.#socket = s;
    const now = performance.now();
    this.#lastHeard = now;
    this.#nextBeat = now + this.#intervalMs;
    s.trySend([PPP_READY]) || void s.send([PPP_READY]).catch(() => {});
    this.#log.info("worker ready", { identity: this.identity });
    return s;
  }

  #tick(): void {
    if (this.#abort.signal.aborted || this.#busy || this.#reconnecting) return;
    const now = performance.now();
    if (now - this.#lastHeard > this.#intervalMs * this.#liveness) {
      void this.#reconnect();
      return;
    }
    if (now >= this.#nextBeat) {
      // Catch up without bursts after a stall.
      this.#nextBeat = Math.max(this.#nextBeat + this.#intervalMs, now);
      try {
        this.#socket?.trySend([PPP_HEARTBEAT]);
      } catch {
        // closed under us: the loop notices
      }
    }
  }

  async #reconnect(): Promise<void> {
    this.#reconnecting = true;
    const wait = this.#backoffMs;
    this.#log.warn("queue silent, reconnecting", { inMs: wait });
    this.#socket?.close(); // ends the pending receive
    this.#socket = null;
    try {
      await sleep(wait, this.#abort.signal);
    } catch {
      return;
    }
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#maxMs);
    this.#stats.reconnects++;
    this.#open();
    this.#reconnecting = false;
    this.#wake?.();
  }

  #wake: (() => void) | undefined;

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const s = this.#socket;
      if (s === null || this.#reconnecting) {
        await new Promise<void>((r) => this.#wake = r);
        continue;
      }
      let m;
      try {
        m = await s.receive();
      } catch (e) {
        if (e instanceof ClosedError) continue; // reconnect or close
        throw e;
      }
      this.#lastHeard = performance.now();
      this.#backoffMs = this.#initialMs;
      const msg = decodeWorkerMessage(m);
      if (msg instanceof ProtocolError) {
        this.#stats.invalid++;
        this.#log.warn("invalid message dropped", { reason: msg.reason });
        continue;
      }
      if (msg.type === "heartbeat") continue;
      this.#busy = true;
      let reply: readonly Frame[] | undefined;
      try {
        reply = await this.#handler(msg.body, { signal });
        checkFrames("PirateHandler result", reply);
      } catch (e) {
        reply = undefined;
        if (signal.aborted) return;
        this.#stats.failures++;
        this.#log.error("handler failed; request dropped", {
          error: String(e),
        });
      }
      try {
        if (reply !== undefined) {
          await s.send([...msg.envelope, ...reply]);
          this.#stats.requests++;
        } else {
          await s.send([PPP_READY]); // a fresh conversation frees our slot
        }
      } catch (e) {
        if (!(e instanceof ClosedError)) throw e;
      } finally {
        this.#busy = false;
        const now = performance.now();
        this.#lastHeard = now; // the countdown restarts with the reply
        this.#nextBeat = now + this.#intervalMs;
      }
    }
  }

  /**
   * Stops serving, cancels the handler's signal and closes the socket.
   * Idempotent.
   *
   * @example
   * ```ts ignore
   * await worker.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#abort.signal.aborted) {
      this.#abort.abort(new ClosedError("Worker closed"));
      clearInterval(this.#timer);
      this.#socket?.close();
      this.#socket = null;
      this.#wake?.();
    }
    await this.#loop.catch(() => {});
  }

  /** Closes the worker (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
