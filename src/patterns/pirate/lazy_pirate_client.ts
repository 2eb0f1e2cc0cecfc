/**
 * Lazy Pirate: client-side reliability over a REQ socket (zguide
 * `lpclient`, chapter 4), on the retry loop shared with `MajordomoClient`.
 * @module
 */
import type { ClientSecurity } from "../../security/settings.ts";
import { clientSecurity } from "../_kit/security.ts";
import { ClosedError, RequestTimeoutError } from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { checkEndpoint } from "../../_util/endpoint.ts";
import { ReqSocket, type SocketOptions } from "../../transport/mod.ts";
import { EventHub } from "../_kit/events.ts";
import { runWithRetries } from "../_kit/retry.ts";
import { ReqLine, Serial } from "../_kit/req_line.ts";

const CLS = "LazyPirateClient";
const KEYS = [
  "attemptTimeoutMs",
  "maxAttempts",
  "deadlineMs",
  "validateReply",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;

/**
 * Events of a {@linkcode LazyPirateClient}.
 *
 * @example
 * ```ts
 * import type { LazyPirateClientEvent } from "@reliable/zmq";
 * const onEvent = (e: LazyPirateClientEvent) => {
 *   if (e.type === "request:retry") console.log("attempt", e.attempt, "failed:", e.cause);
 * };
 * onEvent({ type: "request:retry", attempt: 1, cause: "timeout" });
 * ```
 */
export type LazyPirateClientEvent =
  | {
    /** An attempt failed; the socket is reopened and the request resent. */
    readonly type: "request:retry";
    /** The attempt that failed, from 1. */
    readonly attempt: number;
    /** `timeout`: no reply in time; `invalid`: `validateReply` refused it. */
    readonly cause: "timeout" | "invalid";
  }
  | {
    /** The request failed after its attempts (or its deadline). */
    readonly type: "request:failed";
    readonly attempts: number;
  };

/**
 * Options of {@linkcode LazyPirateClient}.
 *
 * @example
 * ```ts
 * import type { LazyPirateClientOptions } from "@reliable/zmq";
 * const options: LazyPirateClientOptions = { attemptTimeoutMs: 1000, maxAttempts: 5 };
 * ```
 */
export interface LazyPirateClientOptions {
  /** How long each attempt waits for its reply, ms (guide REQUEST_TIMEOUT). @default 2500 */
  attemptTimeoutMs?: number;
  /** Sends per request in all: the first plus resends (guide REQUEST_RETRIES). @default 3 */
  maxAttempts?: number;
  /** The whole request's limit from the call, ms; `Infinity`: only the attempts bound it. @default Infinity */
  deadlineMs?: number;
  /**
   * Checks that a reply belongs to its request (e.g. that it echoes a
   * sequence number). A reply that fails is counted in `stats.malformed`,
   * discarded, and the attempt fails: the socket is reopened and the request
   * resent (after a short, growing delay when it keeps happening).
   * @default accept every reply
   */
  validateReply?: (request: readonly Frame[], reply: Message) => boolean;
  /** Socket options for each REQ socket (CURVE keys, reconnect interval...). @default {} */
  socketOptions?: SocketOptions;
  /**
   * How to prove who this is to a secure server (docs/SECURITY.md): CURVE
   * with the server's public key (and this side's key pair, else a new
   * one), or PLAIN. Every REQ socket the client opens uses it.
   * @default none
   */
  security?: ClientSecurity;
  /** Diagnostics. @default warnings and errors to stderr */
  logger?: Logger;
  /** Receives the client's events. @default none */
  onEvent?: (event: LazyPirateClientEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * Options of one {@linkcode LazyPirateClient.request} call.
 *
 * @example
 * ```ts
 * import type { LazyPirateRequestOptions } from "@reliable/zmq";
 * const options: LazyPirateRequestOptions = { deadlineMs: 5_000, signal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface LazyPirateRequestOptions {
  /**
   * This request's limit from the call, ms; its attempts stop when it is
   * reached.
   * @default the client's `deadlineMs`
   */
  deadlineMs?: number;
  /** Abandons the request; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Counters of a {@linkcode LazyPirateClient}.
 *
 * @example
 * ```ts
 * import type { LazyPirateClientStats } from "@reliable/zmq";
 * const s: Partial<LazyPirateClientStats> = { retries: 0 };
 * console.log(s.retries); // 0
 * ```
 */
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
 * over a REQ socket, waits `attemptTimeoutMs` for the reply, and on timeout
 * closes the socket (linger 0), opens a fresh one and resends the same
 * request, up to `maxAttempts` times and within `deadlineMs`. A fresh
 * socket has a fresh identity, so a late reply to an abandoned attempt can
 * never be mistaken for the current one; `validateReply` adds an
 * application check (the guide's sequence echo). Concurrent `request()`
 * calls are served one after the other.
 *
 * Requests must be idempotent: a server may see a request more than once
 * (at most `maxAttempts` times).
 *
 * @example Ask a REP server, with retries
 * ```ts
 * import { LazyPirateClient, RepSocket } from "@reliable/zmq";
 * const server = new RepSocket();
 * const endpoint = server.bind("tcp://127.0.0.1:*");
 * (async () => { const m = await server.receive(); await server.send(m); })();
 * const client = await LazyPirateClient.connect(endpoint, { attemptTimeoutMs: 1000 });
 * const [reply] = await client.request(["17"]);
 * console.log(new TextDecoder().decode(reply)); // "17"
 * await client.close();
 * server.close();
 * ```
 */
export class LazyPirateClient implements AsyncDisposable {
  /** The server endpoint. */
  readonly endpoint: string;
  readonly #policy: {
    maxAttempts: number;
    attemptTimeoutMs: number;
    deadlineMs: number;
  };
  readonly #validate?: (request: readonly Frame[], reply: Message) => boolean;
  readonly #socketOptions: SocketOptions;
  readonly #log: Logger;
  readonly #events: EventHub<LazyPirateClientEvent>;
  readonly #clock: Clock;
  readonly #close = new AbortController();
  readonly #line: ReqLine;
  readonly #serial = new Serial();
  #closed = false;
  readonly #stats: LazyPirateClientStats = {
    requests: 0,
    replies: 0,
    retries: 0,
    malformed: 0,
    failures: 0,
  };

  private constructor(endpoint: string, options: LazyPirateClientOptions) {
    this.endpoint = endpoint;
    const o = opt.readOptions(CLS, options, KEYS);
    const attemptTimeoutMs = opt.durationMs(
      CLS,
      "attemptTimeoutMs",
      o.attemptTimeoutMs,
      2500,
      { min: 1 },
    );
    const deadlineMs = opt.durationMs(
      CLS,
      "deadlineMs",
      o.deadlineMs,
      Infinity,
      { min: 1, infinity: true },
    );
    opt.attemptWithinDeadline(CLS, attemptTimeoutMs, deadlineMs);
    this.#policy = {
      attemptTimeoutMs,
      deadlineMs,
      maxAttempts: opt.count(CLS, "maxAttempts", o.maxAttempts, 3, 1, 1000),
    };
    this.#validate = opt.fn(CLS, "validateReply", o.validateReply);
    if (
      o.socketOptions !== undefined &&
      (o.socketOptions === null || typeof o.socketOptions !== "object")
    ) {
      throw new TypeError(`${CLS}: socketOptions must be an object`);
    }
    this.#socketOptions = {
      ...o.socketOptions,
      ...clientSecurity(CLS, o.security, o.socketOptions),
    };
    this.#log = opt.logger(CLS, o.logger, CLS);
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: LazyPirateClientEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.#clock = opt.clock(CLS, o.clock);
    this.#line = new ReqLine((endpoint) => {
      const s = new ReqSocket({ lingerMs: 0, ...this.#socketOptions });
      try {
        s.connect(endpoint);
      } catch (e) {
        s.close();
        throw e;
      }
      return s;
    }, this.#clock);
  }

  /**
   * Creates a client and connects its first REQ socket.
   *
   * @param endpoint The server endpoint, e.g. `"tcp://127.0.0.1:5555"`.
   * @param options Timeouts, attempts, reply check, socket options, logger.
   * @returns The client.
   * @throws {TypeError} On a malformed endpoint, an unknown option key or a
   * badly typed option.
   * @throws {RangeError} On an option out of range.
   *
   * @example
   * ```ts
   * import { LazyPirateClient } from "@reliable/zmq";
   * const client = await LazyPirateClient.connect("tcp://127.0.0.1:5555", { maxAttempts: 5 });
   * await client.close();
   * ```
   */
  static connect(
    endpoint: string,
    options: LazyPirateClientOptions = {},
  ): Promise<LazyPirateClient> {
    try {
      checkEndpoint(`${CLS}.connect()`, endpoint, "connect");
      const client = new LazyPirateClient(endpoint, options);
      client.#line.socket(endpoint);
      return Promise.resolve(client);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Counters since the client was created (a snapshot). */
  get stats(): LazyPirateClientStats {
    return { ...this.#stats };
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   *
   * @param listener Called with every event.
   * @returns A function that removes it.
   */
  on(listener: (event: LazyPirateClientEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /**
   * Sends a request and returns its reply, retrying on a fresh socket after
   * each timeout.
   *
   * @param frames The request, one or more frames.
   * @param options This request's deadline and an abort signal.
   * @returns The reply frames.
   * @throws {TypeError} If `frames` is not a non-empty array of frames, or
   * an option is malformed.
   * @throws {RangeError} If `deadlineMs` is out of range.
   * @throws {RequestTimeoutError} After `maxAttempts` attempts (or the
   * deadline) got no valid reply (`attempts` and `elapsedMs` tell how many
   * and how long).
   * @throws {ClosedError} If the client is or gets closed.
   *
   * @example
   * ```ts ignore
   * // ignore: needs a REP server (see the class example)
   * const reply = await client.request(["hello"], { signal: AbortSignal.timeout(10_000) });
   * ```
   */
  request(
    frames: readonly Frame[],
    options?: LazyPirateRequestOptions,
  ): Promise<Message> {
    const calledAt = this.#clock.now();
    let args: opt.RequestArgs;
    try {
      args = opt.requestArgs(
        `${CLS}.request()`,
        frames,
        options,
        this.#policy.deadlineMs,
      );
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#closed) {
      return Promise.reject(
        new ClosedError(
          `Cannot send request to "${this.endpoint}": client is closed`,
        ),
      );
    }
    return this.#serial.run(() => this.#run(args, calledAt));
  }

  async #run(
    { frames, deadlineMs, signal }: opt.RequestArgs,
    calledAt: number,
  ): Promise<Message> {
    if (this.#closed) {
      throw new ClosedError(
        `Cannot send request to "${this.endpoint}": client is closed`,
      );
    }
    this.#stats.requests++;
    try {
      const reply = await runWithRetries<Message>({
        clock: this.#clock,
        policy: { ...this.#policy, deadlineMs },
        signal,
        startedAt: calledAt,
        attempt: async (_n, dueAt) => {
          const reply = await this.#line.attempt(this.endpoint, frames, dueAt, [
            this.#close.signal,
            signal,
          ]);
          if (reply === null) return { ok: false, cause: "timeout" };
          if (this.#validate && !this.#validate(frames, reply)) {
            this.#stats.malformed++;
            return { ok: false, cause: "lost", detail: "invalid" };
          }
          return { ok: true, value: reply };
        },
        afterFailure: () => this.#line.drop(),
        onRetry: (n, cause) => {
          this.#stats.retries++;
          const c = cause === "timeout" ? "timeout" : "invalid";
          this.#log.warn(
            c === "timeout"
              ? "no reply, reopening the socket"
              : "malformed reply discarded, reopening the socket",
            { endpoint: this.endpoint, attempt: n },
          );
          if (this.#events.active) {
            this.#events.emit({ type: "request:retry", attempt: n, cause: c });
          }
        },
        giveUp: (reason, n, elapsedMs) => {
          this.#stats.failures++;
          if (this.#events.active) {
            this.#events.emit({ type: "request:failed", attempts: n });
          }
          return reason === "deadline"
            ? new RequestTimeoutError(
              this.endpoint,
              n,
              elapsedMs,
              deadlineMs,
              { limit: "deadline" },
            )
            : new RequestTimeoutError(
              this.endpoint,
              n,
              elapsedMs,
              this.#policy.attemptTimeoutMs,
            );
        },
      });
      this.#stats.replies++;
      return reply;
    } catch (e) {
      if (this.#closed && !(e instanceof ClosedError)) {
        throw new ClosedError(
          `Request to "${this.endpoint}" abandoned: client is closed`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  /**
   * Closes the socket; a pending request rejects with `ClosedError`.
   * Idempotent.
   *
   * @returns Resolves once the socket is closed and the pending request
   * has settled.
   * @example
   * ```ts
   * import { LazyPirateClient } from "@reliable/zmq";
   * const client = await LazyPirateClient.connect("tcp://127.0.0.1:5555");
   * await client.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#close.abort(new ClosedError(`${CLS} closed`));
      this.#line.drop();
    }
    await this.#serial.idle();
  }

  /** Closes the client (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
