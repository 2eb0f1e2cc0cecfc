/**
 * Lazy Pirate: client-side reliability over a REQ socket (zguide
 * `lpclient`, chapter 4).
 * @module
 */
import {
  ClosedError,
  RequestTimeoutError,
  TimeoutError,
} from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import type { Logger } from "../../_util/logger.ts";
import { ReqSocket, type SocketOptions } from "../../transport/mod.ts";
import {
  checkFrames,
  checkOptions,
  checkSignal,
  count,
  durationMs,
  endpoint as checkEndpoint,
  logger as checkLogger,
  optionalFn,
} from "./_common.ts";

/** Options of {@linkcode LazyPirateClient}. */
export interface LazyPirateClientOptions {
  /** How long to wait for each attempt's reply, ms (guide REQUEST_TIMEOUT). @default 2500 */
  requestTimeoutMs?: number;
  /** Attempts per request in total: the first send plus resends (guide REQUEST_RETRIES). @default 3 */
  attempts?: number;
  /**
   * Checks that a reply belongs to its request (e.g. that it echoes a
   * sequence number). A reply that fails is counted in `stats.malformed`,
   * discarded, and the attempt fails: the socket is reopened and the request
   * resent, as after a timeout.
   * @default accept every reply
   */
  validateReply?: (request: readonly Frame[], reply: Message) => boolean;
  /** Socket options for each REQ socket (CURVE keys, reconnect interval...). @default {} */
  socketOptions?: SocketOptions;
  /** Diagnostics. @default silent */
  logger?: Logger;
}

/** Options of one {@linkcode LazyPirateClient.request} call. */
export interface LazyPirateRequestOptions {
  /** Abandons the request; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Counters of a {@linkcode LazyPirateClient}. */
export interface LazyPirateClientStats {
  /** Requests started. */
  requests: number;
  /** Requests answered. */
  replies: number;
  /** Resends after a timeout or a rejected reply. */
  retries: number;
  /** Replies rejected by `validateReply`. */
  malformed: number;
  /** Requests that failed with `RequestTimeoutError`. */
  failures: number;
}

/**
 * A Lazy Pirate client (zguide `lpclient`, chapter 4): sends each request
 * over a REQ socket, waits `requestTimeoutMs` for the reply, and on timeout
 * closes the socket (linger 0), opens a fresh one and resends the same
 * request, up to `attempts` times. A fresh socket has a fresh identity, so a
 * late reply to an abandoned attempt can never be mistaken for the current
 * one; `validateReply` adds an application check (the guide's sequence
 * echo). Concurrent `request()` calls are served one after the other.
 *
 * Requests must be idempotent: a server may see a request more than once.
 *
 * @example Ask a REP server, with retries
 * ```ts
 * import { LazyPirateClient, RepSocket } from "@reliable/zmq";
 * const server = new RepSocket();
 * const endpoint = server.bind("tcp://127.0.0.1:*");
 * (async () => { const m = await server.receive(); await server.send(m); })();
 * const client = await LazyPirateClient.connect(endpoint, { requestTimeoutMs: 1000 });
 * const [reply] = await client.request(["17"]);
 * console.log(new TextDecoder().decode(reply)); // "17"
 * client.close();
 * server.close();
 * ```
 */
export class LazyPirateClient implements AsyncDisposable {
  /** The server endpoint. */
  readonly endpoint: string;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #validate?: (request: readonly Frame[], reply: Message) => boolean;
  readonly #socketOptions: SocketOptions;
  readonly #log: Logger;
  #socket: ReqSocket | null = null;
  #closed = false;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #stats: LazyPirateClientStats = {
    requests: 0,
    replies: 0,
    retries: 0,
    malformed: 0,
    failures: 0,
  };

  private constructor(endpoint: string, options: LazyPirateClientOptions) {
    const owner = "LazyPirateClient";
    this.endpoint = endpoint;
    this.#timeoutMs = durationMs(
      owner,
      "requestTimeoutMs",
      options.requestTimeoutMs,
      2500,
    );
    this.#attempts = count(owner, "attempts", options.attempts, 3, 1, 1000);
    this.#validate = optionalFn(owner, "validateReply", options.validateReply);
    if (
      options.socketOptions !== undefined &&
      (options.socketOptions === null ||
        typeof options.socketOptions !== "object")
    ) {
      throw new TypeError(`${owner}: socketOptions must be an object`);
    }
    this.#socketOptions = options.socketOptions ?? {};
    this.#log = checkLogger(owner, options.logger);
  }

  /**
   * Creates a client and connects its first REQ socket.
   *
   * @param endpoint The server endpoint, e.g. `"tcp://127.0.0.1:5555"`.
   * @param options Timeout, attempts, reply check, logger.
   * @returns The client.
   * @throws {TypeError} On a malformed endpoint or option.
   * @throws {RangeError} On an option out of range.
   *
   * @example
   * ```ts ignore
   * const client = await LazyPirateClient.connect("tcp://127.0.0.1:5555", { attempts: 5 });
   * ```
   */
  static connect(
    endpoint: string,
    options: LazyPirateClientOptions = {},
  ): Promise<LazyPirateClient> {
    checkEndpoint("LazyPirateClient.connect()", "endpoint", endpoint);
    checkOptions("LazyPirateClient.connect()", options);
    const client = new LazyPirateClient(endpoint, options);
    client.#open();
    return Promise.resolve(client);
  }

  /** Counters since the client was created (a snapshot). */
  get stats(): LazyPirateClientStats {
    return { ...this.#stats };
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  #open(): ReqSocket {
    const s = new ReqSocket(this.#socketOptions);
    try {
      s.connect(this.endpoint);
    } catch (e) {
      s.close();
      throw e;
    }
    this.#socket = s;
    return s;
  }

  #drop(): void {
    this.#socket?.close();
    this.#socket = null;
  }

  /**
   * Sends a request and returns its reply, retrying on a fresh socket after
   * each timeout.
   *
   * @param frames The request, one or more frames.
   * @param options An abort signal.
   * @returns The reply frames.
   * @throws {TypeError} If `frames` is not a non-empty array of frames.
   * @throws {RequestTimeoutError} After `attempts` attempts got no valid
   * reply (`attempts` and `elapsedMs` tell how many and how long).
   * @throws {ClosedError} If the client is or gets closed.
   *
   * @example
   * ```ts ignore
   * const reply = await client.request(["hello"], { signal: AbortSignal.timeout(10_000) });
   * ```
   */
  request(
    frames: readonly Frame[],
    options: LazyPirateRequestOptions = {},
  ): Promise<Message> {
    checkFrames("LazyPirateClient.request()", frames);
    checkOptions("LazyPirateClient.request()", options);
    checkSignal("LazyPirateClient.request()", options.signal);
    if (this.#closed) {
      return Promise.reject(
        new ClosedError(
          `Cannot send request to "${this.endpoint}": client is closed`,
        ),
      );
    }
    const copy = frames.slice();
    const run = this.#chain.then(() => this.#run(copy, options.signal));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #run(frames: Frame[], signal?: AbortSignal): Promise<Message> {
    this.#stats.requests++;
    const started = performance.now();
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (this.#closed) {
        throw new ClosedError(
          `Cannot send request to "${this.endpoint}": client is closed`,
        );
      }
      signal?.throwIfAborted();
      if (attempt > 1) this.#stats.retries++;
      const sock = this.#socket ?? this.#open();
      try {
        await sock.send(frames, { timeoutMs: this.#timeoutMs, signal });
        const reply = await sock.receive({
          timeoutMs: this.#timeoutMs,
          signal,
        });
        if (this.#validate && !this.#validate(frames, reply)) {
          this.#stats.malformed++;
          this.#log.warn("malformed reply discarded", { attempt });
          this.#drop();
          continue;
        }
        this.#stats.replies++;
        return reply;
      } catch (e) {
        if (e instanceof TimeoutError) {
          this.#log.warn("no reply, reopening the socket", {
            endpoint: this.endpoint,
            attempt,
            attempts: this.#attempts,
          });
          this.#drop();
          continue;
        }
        // Abort or close: the REQ state machine is mid-request; discard it.
        this.#drop();
        if (e instanceof ClosedError || this.#closed) {
          throw new ClosedError(
            `Request to "${this.endpoint}" abandoned: client is closed`,
            { cause: e },
          );
        }
        throw e;
      }
    }
    this.#stats.failures++;
    throw new RequestTimeoutError(
      this.endpoint,
      this.#attempts,
      performance.now() - started,
      this.#timeoutMs,
    );
  }

  /**
   * Closes the socket; a pending request rejects with `ClosedError`.
   * Idempotent.
   *
   * @example
   * ```ts ignore
   * client.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#drop();
  }

  /** Closes the client (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
