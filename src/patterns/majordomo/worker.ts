/**
 * The Majordomo worker (7/MDP worker side, zguide `mdwrkapi`).
 *
 * @module
 */
import { ClosedError, ProtocolError, TimeoutError } from "../../errors.ts";
import { DealerSocket } from "../../transport/socket.ts";
import type { Frame } from "../../types.ts";
import type { Logger } from "../../_util/logger.ts";
import {
  decodeWorkerInbound,
  encodeReady,
  encodeWorkerReply,
  encodeWorkerSignal,
  MdpWorkerCommand,
  validateServiceName,
} from "../../protocol/mdp/codec.ts";
import { isMmiService } from "../../protocol/mmi/codec.ts";
import { readCorrelationId } from "./correlation.ts";
import { Deque } from "./_deque.ts";
import {
  checkEndpoint,
  checkOptions,
  delay,
  loggerOption,
  numberOption,
} from "./_validate.ts";

const CLS = "MajordomoWorker";
const HEARTBEAT = encodeWorkerSignal(MdpWorkerCommand.HEARTBEAT);
const DISCONNECT = encodeWorkerSignal(MdpWorkerCommand.DISCONNECT);

/**
 * Handles one request. Gets the request body frames (without the
 * correlation frame of an async client, see `correlation`) and returns the
 * reply frames (at least one). May be async.
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
 * import { MajordomoWorker } from "@reliable/zmq";
 * const worker = new MajordomoWorker("tcp://127.0.0.1:5555", "echo", (r) => r, {
 *   heartbeatIntervalMs: 1000,
 *   onError: (e) => ["error", String(e)],
 * });
 * await worker.close();
 * ```
 */
export interface MajordomoWorkerOptions {
  /**
   * How often the worker heartbeats the broker, in ms. Match the broker's.
   * @default 2500
   */
  heartbeatIntervalMs?: number;
  /**
   * Heartbeat intervals of silence from the broker after which it counts as
   * dead, and the worker reconnects. The countdown pauses while a request
   * is being handled (a broker need not heartbeat busy workers).
   * @default 3
   */
  liveness?: number;
  /**
   * Wait before reconnecting after the broker was declared dead, in ms;
   * doubled after each further failure up to `reconnectIntervalMaxMs`, and
   * reset by any message from the broker. (A DISCONNECT from the broker
   * makes the worker reconnect at once.)
   * @default 2500
   */
  reconnectIntervalMs?: number;
  /**
   * Ceiling of the reconnect backoff, in ms.
   * @default 32000
   */
  reconnectIntervalMaxMs?: number;
  /**
   * `"auto"`: when the first body frame is a `MajordomoAsyncClient`
   * correlation frame, it is taken off before the handler runs and put back
   * in front of the reply, so one handler serves sync and async clients.
   * `"none"`: the handler sees (and must echo) every frame.
   * @default "auto"
   */
  correlation?: "auto" | "none";
  /**
   * Called when the handler throws (or returns something that is not a
   * non-empty array of frames). Return frames to send them as the reply;
   * return `undefined` to send no reply: the worker then re-registers with
   * the broker (DISCONNECT, new socket, READY) so that it is not left
   * marked busy, and the client sees no reply for that attempt (a
   * `MajordomoClient` retries, then fails with `RequestTimeoutError`).
   * @default returns undefined
   */
  onError?: (error: unknown, request: Uint8Array[]) => Frame[] | undefined;
  /**
   * How long `close()` keeps trying to deliver the final DISCONNECT, in ms.
   * @default 500
   */
  lingerMs?: number;
  /** Where diagnostics go. @default silent */
  logger?: Logger;
}

/**
 * Counters of a {@linkcode MajordomoWorker}.
 *
 * @example
 * ```ts
 * import { MajordomoWorker } from "@reliable/zmq";
 * const worker = new MajordomoWorker("tcp://127.0.0.1:5555", "echo", (r) => r);
 * console.log(worker.stats.requests); // 0
 * await worker.close();
 * ```
 */
export interface MajordomoWorkerStats {
  /** Requests received. */
  requests: number;
  /** Replies sent. */
  replies: number;
  /** Handler failures (thrown errors or bad return values). */
  handlerErrors: number;
  /** Connections opened (1 + reconnects). */
  connections: number;
  /** Malformed or unexpected messages from the broker (dropped). */
  invalidMessages: number;
}

interface Job {
  gen: number;
  address: Uint8Array;
  body: Uint8Array[];
}

/**
 * A Majordomo worker: registers one service with a broker and answers its
 * requests with a handler. Implements the 7/MDP worker side (zguide
 * `mdwrkapi`): READY on every (re)connection, heartbeats both ways,
 * reconnection with backoff when the broker goes silent, a fresh socket and
 * READY after a DISCONNECT, and DISCONNECT on `close()`.
 *
 * Requests from a `MajordomoAsyncClient` start with a correlation frame
 * that must come back first in the reply; with `correlation: "auto"` (the
 * default) the worker takes it off before the handler runs and puts it back
 * on the reply, so handlers never see it.
 *
 * It handles one request at a time. It keeps heartbeating while a request
 * runs (its heartbeats tell our broker it may expire this worker if it goes
 * silent mid-request), and it does not count broker silence while busy, so
 * a long request never looks like a dead broker.
 *
 * @example An echo worker
 * ```ts ignore
 * import { MajordomoWorker } from "@reliable/zmq";
 * const worker = new MajordomoWorker("tcp://127.0.0.1:5555", "echo", (req) => req);
 * worker.start();
 * // ... later
 * await worker.close();
 * ```
 */
export class MajordomoWorker implements AsyncDisposable {
  readonly #endpoint: string;
  readonly #service: Uint8Array;
  readonly #serviceText: string;
  readonly #handler: MajordomoHandler;
  readonly #hbMs: number;
  readonly #liveness: number;
  readonly #reconnectMs: number;
  readonly #reconnectMaxMs: number;
  readonly #auto: boolean;
  readonly #onError?: (e: unknown, r: Uint8Array[]) => Frame[] | undefined;
  readonly #lingerMs: number;
  readonly #log: Logger;
  readonly #jobs = new Deque<Job>();
  readonly #stop = new AbortController();
  #sock: DealerSocket | null = null;
  #gen = 0;
  #busy = false;
  #lastHeard = 0;
  #reconnectNow = false;
  #loop: Promise<void> | undefined;
  #current: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  readonly #stats: MajordomoWorkerStats = {
    requests: 0,
    replies: 0,
    handlerErrors: 0,
    connections: 0,
    invalidMessages: 0,
  };

  /**
   * Creates a worker. It connects on {@linkcode MajordomoWorker.start}.
   *
   * @param endpoint The broker's endpoint, e.g. `"tcp://127.0.0.1:5555"`.
   * @param service The service to serve (1-255 bytes, not `mmi.*`).
   * @param handler Turns a request body into a reply body.
   * @param options Heartbeat, reconnect, error handling, logger.
   * @throws {TypeError} On a badly typed argument.
   * @throws {RangeError} On a bad service name or option value.
   */
  constructor(
    endpoint: string,
    service: string,
    handler: MajordomoHandler,
    options?: MajordomoWorkerOptions,
  ) {
    this.#endpoint = checkEndpoint("MajordomoWorker()", endpoint);
    if (typeof service !== "string") {
      throw new TypeError(`${CLS}: service must be a string`);
    }
    this.#service = validateServiceName(service);
    if (isMmiService(service)) {
      throw new RangeError(
        `${CLS}: "${service}" is reserved for the broker (8/MMI)`,
      );
    }
    this.#serviceText = service;
    if (typeof handler !== "function") {
      throw new TypeError(`${CLS}: handler must be a function`);
    }
    this.#handler = handler;
    const o = checkOptions(CLS, options);
    this.#hbMs = numberOption(
      CLS,
      "heartbeatIntervalMs",
      o.heartbeatIntervalMs,
      2500,
      1,
    );
    this.#liveness = numberOption(CLS, "liveness", o.liveness, 3, 1);
    this.#reconnectMs = numberOption(
      CLS,
      "reconnectIntervalMs",
      o.reconnectIntervalMs,
      2500,
      0,
    );
    this.#reconnectMaxMs = numberOption(
      CLS,
      "reconnectIntervalMaxMs",
      o.reconnectIntervalMaxMs,
      32000,
      this.#reconnectMs,
    );
    if (
      o.correlation !== undefined && o.correlation !== "auto" &&
      o.correlation !== "none"
    ) {
      throw new TypeError(`${CLS}: correlation must be "auto" or "none"`);
    }
    this.#auto = o.correlation !== "none";
    if (o.onError !== undefined && typeof o.onError !== "function") {
      throw new TypeError(`${CLS}: onError must be a function`);
    }
    this.#onError = o.onError;
    this.#lingerMs = numberOption(CLS, "lingerMs", o.lingerMs, 500, 0);
    this.#log = loggerOption(CLS, o.logger);
  }

  /** The service this worker serves. */
  get service(): string {
    return this.#serviceText;
  }

  /** A copy of the worker's counters. */
  get stats(): MajordomoWorkerStats {
    return { ...this.#stats };
  }

  /**
   * Connects to the broker, registers and starts serving. Idempotent.
   *
   * @throws {ClosedError} When the worker is closed.
   * @example
   * ```ts ignore
   * import { MajordomoWorker } from "@reliable/zmq";
   * new MajordomoWorker("tcp://127.0.0.1:5555", "echo", (r) => r).start();
   * ```
   */
  start(): void {
    if (this.#stop.signal.aborted) {
      throw new ClosedError(
        `Cannot start worker "${this.#serviceText}": it is closed`,
      );
    }
    if (!this.#loop) this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    let backoff = this.#reconnectMs;
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      const sock = new DealerSocket({ linger: this.#lingerMs });
      try {
        sock.connect(this.#endpoint);
      } catch (e) {
        sock.close();
        this.#log.error("cannot connect", { error: String(e) });
        await delay(backoff, stop);
        backoff = Math.min(backoff * 2, this.#reconnectMaxMs);
        continue;
      }
      this.#sock = sock;
      const gen = ++this.#gen;
      this.#stats.connections++;
      this.#reconnectNow = false;
      sock.trySend(encodeReady(this.#service));
      this.#log.debug("READY sent", { service: this.#serviceText });
      let now = performance.now();
      this.#lastHeard = now;
      let nextBeat = now + this.#hbMs;
      let dead = false;
      while (!stop.aborted && !this.#reconnectNow) {
        // Take what is ready without arming a timer; wait only when idle.
        let msg: Uint8Array[] | null = sock.closed ? null : sock.tryReceive();
        if (msg === null && sock.closed) break;
        if (msg === null) {
          try {
            msg = await sock.receive({
              timeoutMs: Math.max(1, nextBeat - performance.now()),
              signal: stop,
            });
          } catch (e) {
            if (e instanceof ClosedError || stop.aborted) break;
            if (!(e instanceof TimeoutError)) throw e;
          }
        }
        now = performance.now();
        if (msg !== null) {
          const m = decodeWorkerInbound(msg);
          if (m instanceof ProtocolError) {
            this.#stats.invalidMessages++;
            this.#log.warn("invalid message from broker dropped", {
              reason: m.message,
            });
          } else {
            this.#lastHeard = now;
            backoff = this.#reconnectMs;
            if (m.type === "request") {
              this.#stats.requests++;
              this.#jobs.push({ gen, address: m.address, body: m.body });
              if (!this.#busy) this.#current = this.#work();
            } else if (m.type === "disconnect") {
              this.#log.info("broker sent DISCONNECT; reconnecting");
              break;
            }
          }
        }
        if (now >= nextBeat) {
          this.#trySend(sock, HEARTBEAT);
          nextBeat = now + this.#hbMs;
        }
        if (
          !this.#busy && now - this.#lastHeard > this.#hbMs * this.#liveness
        ) {
          this.#log.warn("broker silent; reconnecting", {
            afterMs: Math.round(now - this.#lastHeard),
          });
          dead = true;
          break;
        }
      }
      if (this.#reconnectNow && !stop.aborted) {
        this.#trySend(sock, DISCONNECT);
      }
      this.#sock = null;
      if (stop.aborted) {
        // close() sends DISCONNECT after the current request finished.
        this.#sock = sock;
        break;
      }
      sock.close();
      this.#jobs.clear();
      if (dead) {
        await delay(backoff, stop);
        backoff = Math.min(backoff * 2, this.#reconnectMaxMs);
      }
    }
  }

  async #work(): Promise<void> {
    this.#busy = true;
    try {
      for (let job = this.#jobs.shift(); job; job = this.#jobs.shift()) {
        await this.#handle(job);
      }
    } finally {
      this.#busy = false;
      this.#lastHeard = performance.now();
    }
  }

  async #handle(job: Job): Promise<void> {
    let body = job.body;
    let corr: Uint8Array | undefined;
    if (this.#auto && body.length > 1 && readCorrelationId(body[0]) >= 0) {
      corr = body[0];
      body = body.slice(1);
    }
    let reply: Frame[] | undefined;
    try {
      reply = await this.#handler(body);
      checkReply(reply);
    } catch (e) {
      this.#stats.handlerErrors++;
      this.#log.error("handler failed", { error: String(e) });
      reply = undefined;
      if (this.#onError) {
        try {
          reply = this.#onError(e, body);
          if (reply !== undefined) checkReply(reply);
        } catch (e2) {
          this.#log.error("onError failed", { error: String(e2) });
          reply = undefined;
        }
      }
      if (reply === undefined) {
        // No reply: re-register so the broker does not keep us busy.
        if (job.gen === this.#gen && !this.#stop.signal.aborted) {
          this.#reconnectNow = true;
          const sock = this.#sock;
          if (sock !== null && !sock.closed) {
            this.#trySend(sock, DISCONNECT);
            sock.close();
          }
        }
        return;
      }
    }
    const sock = this.#sock;
    if (sock === null || job.gen !== this.#gen) {
      this.#log.warn("reply dropped: the connection it came on is gone");
      return;
    }
    const frames = encodeWorkerReply(
      job.address,
      corr ? [corr, ...reply] : reply,
    );
    try {
      if (!sock.trySend(frames)) await sock.send(frames);
      this.#stats.replies++;
    } catch (e) {
      this.#log.warn("reply not sent", { error: String(e) });
    }
  }

  #trySend(sock: DealerSocket, frames: Uint8Array[]): void {
    try {
      sock.trySend(frames);
    } catch {
      // closed meanwhile
    }
  }

  /**
   * Stops serving: waits for the request in progress (its reply is sent),
   * sends DISCONNECT and closes the socket. Idempotent.
   *
   * @returns Resolves once the worker has stopped.
   * @example
   * ```ts ignore
   * await worker.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#stop.abort();
    this.#closing = (async () => {
      await this.#loop; // ends promptly: its waits watch the stop signal
      await this.#current;
      const s = this.#sock;
      this.#sock = null;
      if (s && !s.closed) {
        this.#trySend(s, DISCONNECT);
        s.close();
      }
    })();
    return this.#closing;
  }

  /** Same as {@linkcode MajordomoWorker.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function checkReply(reply: unknown): asserts reply is Frame[] {
  if (!Array.isArray(reply) || reply.length === 0) {
    throw new TypeError("handler must return a non-empty array of frames");
  }
  for (const f of reply) {
    if (typeof f !== "string" && !(f instanceof Uint8Array)) {
      throw new TypeError(
        "handler returned a frame that is not bytes or string",
      );
    }
  }
}
