/**
 * Simple Pirate worker: a REQ that announces READY and answers requests
 * (zguide `spworker`, chapter 4).
 * @module
 */
import { ClosedError } from "../../errors.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Frame, Message } from "../../types.ts";
import { ReqSocket } from "../../transport/socket.ts";
import { PPP_READY, splitEnvelope } from "../../protocol/ppp/codec.ts";
import { checkFrames, logger as checkLogger, workerArgs } from "./_common.ts";

/**
 * A request handler: gets the request body (the frames after the client's
 * envelope) and returns the reply body. It may be async. Its `signal` aborts
 * when the worker closes.
 *
 * @example
 * ```ts
 * import type { PirateHandler } from "@reliable/zmq";
 * const upper: PirateHandler = (req) => [new TextDecoder().decode(req[0]).toUpperCase()];
 * ```
 */
export type PirateHandler = (
  request: Message,
  context: { readonly signal: AbortSignal },
) => readonly Frame[] | Promise<readonly Frame[]>;

/** Options of {@linkcode SimplePirateWorker.connect}. */
export interface SimplePirateWorkerOptions {
  /** The REQ socket's routing id, for readable traces. @default random `XXXX-XXXX` */
  identity?: string;
  /** Diagnostics. @default silent */
  logger?: Logger;
}

/** Counters of a Pirate worker. */
export interface PirateWorkerStats {
  /** Requests answered. */
  requests: number;
  /** Requests whose handler threw. */
  failures: number;
  /** Malformed messages dropped. */
  invalid: number;
  /** Fresh connections after the first (new READY each). */
  reconnects: number;
}

/**
 * A Simple Pirate worker (zguide `spworker`, chapter 4): a REQ socket that
 * sends READY (`0x01`) and then answers each request with the handler's
 * reply, returned behind the client's envelope. If the handler throws, the
 * request is dropped (the client's retry recovers) and the worker opens a
 * fresh socket and announces READY again, since a REQ cannot skip a reply.
 *
 * @example
 * ```ts ignore
 * import { SimplePirateWorker } from "@reliable/zmq";
 * const worker = await SimplePirateWorker.connect("tcp://127.0.0.1:5556", (req) => req);
 * ```
 */
export class SimplePirateWorker implements AsyncDisposable {
  /** The queue's backend endpoint. */
  readonly endpoint: string;
  /** The routing id this worker uses. */
  readonly identity: string;
  readonly #handler: PirateHandler;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #socket: ReqSocket | null = null;
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
    identity: string,
    log: Logger,
  ) {
    this.endpoint = endpoint;
    this.#handler = handler;
    this.identity = identity;
    this.#log = log;
  }

  /**
   * Connects to a Simple Pirate queue's backend and starts serving.
   *
   * @param endpoint The queue backend, e.g. `"tcp://127.0.0.1:5556"`.
   * @param handler Computes each reply.
   * @param options Identity, logger.
   * @returns The running worker.
   * @throws {TypeError} On a malformed argument.
   *
   * @example
   * ```ts ignore
   * const w = await SimplePirateWorker.connect("tcp://127.0.0.1:5556", async (req) => req);
   * ```
   */
  static connect(
    endpoint: string,
    handler: PirateHandler,
    options: SimplePirateWorkerOptions = {},
  ): Promise<SimplePirateWorker> {
    const owner = "SimplePirateWorker.connect()";
    const identity = workerArgs(owner, endpoint, handler, options);
    const w = new SimplePirateWorker(
      endpoint,
      handler,
      identity,
      checkLogger(owner, options.logger),
    );
    w.#loop = w.#run();
    return Promise.resolve(w);
  }

  /** Counters (a snapshot). */
  get stats(): PirateWorkerStats {
    return { ...this.#stats };
  }

  async #connect(): Promise<ReqSocket> {
    this.#socket?.close();
    const s = new ReqSocket({ routingId: this.identity });
    this.#socket = s;
    s.connect(this.endpoint);
    await s.send([PPP_READY]);
    this.#log.info("worker ready", { identity: this.identity });
    return s;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    try {
      let s = await this.#connect();
      while (!signal.aborted) {
        const m = await s.receive();
        const split = splitEnvelope(m);
        if (split === null) {
          // A REQ must answer; without an envelope there is nobody to answer.
          this.#stats.invalid++;
          this.#log.warn("invalid request, reconnecting");
          this.#stats.reconnects++;
          s = await this.#connect();
          continue;
        }
        let reply: readonly Frame[];
        try {
          reply = await this.#handler(split.body, { signal });
          checkFrames("PirateHandler result", reply);
        } catch (e) {
          if (signal.aborted) return;
          this.#stats.failures++;
          this.#log.error("handler failed; request dropped, reconnecting", {
            error: String(e),
          });
          this.#stats.reconnects++;
          s = await this.#connect();
          continue;
        }
        await s.send([...split.envelope, ...reply]);
        this.#stats.requests++;
      }
    } catch (e) {
      if (e instanceof ClosedError || signal.aborted) return;
      this.#log.error("worker stopped", { error: String(e) });
      throw e;
    }
  }

  /**
   * Stops serving and closes the socket. Idempotent.
   *
   * @example
   * ```ts ignore
   * await worker.close();
   * ```
   */
  async close(): Promise<void> {
    this.#abort.abort(new ClosedError("Worker closed"));
    this.#socket?.close();
    await this.#loop.catch(() => {});
  }

  /** Closes the worker (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
