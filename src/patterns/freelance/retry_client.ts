/**
 * Freelance model one (simple retry and failover): tries each server in
 * turn over a fresh REQ socket, with a timeout per try.
 *
 * @module
 */
import { ClosedError } from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { checkEndpoint } from "../../_util/endpoint.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import {
  checkSocketOptions,
  openSocket,
  type SocketPlan,
} from "../../transport/_pattern_socket.ts";
import { EventHub } from "../_kit/events.ts";
import { exchange } from "../_kit/req_line.ts";
import { defaultMaxAttempts, failover } from "./_retry_core.ts";
import type { FreelanceRequestEvent, FreelanceRequestStats } from "./events.ts";
import type { FreelanceRequestOptions } from "./client.ts";
import type { ClientSecurity } from "../../security/settings.ts";
import { clientSecurity } from "../_kit/security.ts";

const CLS = "FreelanceRetryClient";
const KEYS = [
  "attemptTimeoutMs",
  "maxAttempts",
  "deadlineMs",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;

const PLAN: SocketPlan<"REQ"> = { kind: "REQ", defaults: { lingerMs: 0 } };

/**
 * Options of {@linkcode FreelanceRetryClient}.
 *
 * @example
 * ```ts
 * import type { FreelanceRetryClientOptions } from "@reliable/zmq/freelance";
 * const options: FreelanceRetryClientOptions = { attemptTimeoutMs: 500 };
 * ```
 */
export interface FreelanceRetryClientOptions {
  /** How long each server gets to answer, ms (guide REQUEST_TIMEOUT). @default 1000 */
  attemptTimeoutMs?: number;
  /** Attempts per request. @default 3 with one server (guide MAX_RETRIES), else one per server */
  maxAttempts?: number;
  /** A request's default limit from the call, ms; `Infinity`: only the attempts bound it. @default Infinity */
  deadlineMs?: number;
  /** Socket options for each REQ socket. @default {} */
  socketOptions?: SocketOptions;
  /**
   * CURVE (`curve: { serverKey }`, optionally the client's own key pair) or
   * PLAIN credentials for the servers; one server key for all of them, so
   * the servers of one service share a key pair (docs/SECURITY.md).
   * @default none
   */
  security?: ClientSecurity;
  /** Diagnostics. @default warnings and errors to stderr */
  logger?: Logger;
  /** Receives the client's events. @default none */
  onEvent?: (event: FreelanceRequestEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * A Freelance client, model one (zguide `flclient1`, chapter 4). For each
 * attempt it opens a fresh REQ socket to one server, sends, waits
 * `attemptTimeoutMs`, and closes the socket whatever happened, so a late
 * reply can never be taken for a later request's. Attempts go round the
 * servers, starting with the last one that answered; a request fails with
 * `NoServerAnsweredError` once `maxAttempts` are spent or its deadline has
 * passed. Concurrent requests run side by side, each on its own sockets.
 *
 * The price: every request pays a full timeout for each dead server it
 * tries before a live one. Requests must be idempotent.
 *
 * @example
 * ```ts
 * import { FreelanceRepServer, FreelanceRetryClient } from "@reliable/zmq/freelance";
 * const server = await FreelanceRepServer.bind("tcp://127.0.0.1:*", (req) => req);
 * // The first endpoint has no server: its attempt times out, then the second answers.
 * const client = await FreelanceRetryClient.connect(["tcp://127.0.0.1:1", server.endpoint], {
 *   attemptTimeoutMs: 200,
 * });
 * const [reply] = await client.request(["ping"]);
 * console.log(new TextDecoder().decode(reply), client.stats.retries); // "ping" 1
 * await client.close();
 * await server.close();
 * ```
 */
export class FreelanceRetryClient implements AsyncDisposable {
  /** The servers, in the order given. */
  readonly endpoints: readonly string[];
  readonly #attemptTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #deadlineMs: number;
  readonly #socketOptions: Readonly<SocketOptions>;
  readonly #log: Logger;
  readonly #events: EventHub<FreelanceRequestEvent>;
  readonly #clock: Clock;
  readonly #close = new AbortController();
  readonly #running = new Set<Promise<unknown>>();
  #start = 0;
  #closed = false;
  readonly #stats: FreelanceRequestStats = {
    requests: 0,
    replies: 0,
    failures: 0,
    aborted: 0,
    sent: 0,
    retries: 0,
    duplicates: 0,
    late: 0,
    malformed: 0,
  };

  private constructor(
    endpoints: readonly string[],
    options: FreelanceRetryClientOptions,
  ) {
    this.endpoints = Object.freeze([...endpoints]);
    const o = opt.readOptions(CLS, options, KEYS);
    this.#attemptTimeoutMs = opt.durationMs(
      CLS,
      "attemptTimeoutMs",
      o.attemptTimeoutMs,
      1000,
      { min: 1 },
    );
    this.#maxAttempts = opt.count(
      CLS,
      "maxAttempts",
      o.maxAttempts,
      defaultMaxAttempts(endpoints.length),
      1,
      1000,
    );
    this.#deadlineMs = opt.durationMs(
      CLS,
      "deadlineMs",
      o.deadlineMs,
      Infinity,
      { min: 1, infinity: true },
    );
    opt.attemptWithinDeadline(CLS, this.#attemptTimeoutMs, this.#deadlineMs);
    this.#socketOptions = {
      ...checkSocketOptions(`${CLS}.connect()`, o.socketOptions, PLAN),
      ...clientSecurity(`${CLS}.connect()`, o.security, o.socketOptions),
    };
    this.#log = opt.logger(CLS, o.logger, CLS);
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: FreelanceRequestEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.#clock = opt.clock(CLS, o.clock);
  }

  /**
   * Creates a client for some servers. Nothing is connected until a
   * request is made.
   *
   * @param endpoints The servers' endpoints, at least one.
   * @param options Timeouts, attempts, deadline, socket options, logger.
   * @returns The client.
   * @throws {TypeError} On a malformed endpoint or option, or no endpoint.
   * @throws {RangeError} On an option out of range.
   * @example
   * ```ts
   * import { FreelanceRetryClient } from "@reliable/zmq/freelance";
   * const client = await FreelanceRetryClient.connect(["tcp://127.0.0.1:5555", "tcp://127.0.0.1:5556"]);
   * await client.close();
   * ```
   */
  static connect(
    endpoints: string | readonly string[],
    options: FreelanceRetryClientOptions = {},
  ): Promise<FreelanceRetryClient> {
    try {
      const list = typeof endpoints === "string" ? [endpoints] : endpoints;
      if (!Array.isArray(list) || list.length === 0) {
        throw new TypeError(
          `${CLS}.connect(): endpoints must be a string or a non-empty array of strings`,
        );
      }
      for (const e of list) checkEndpoint(`${CLS}.connect()`, e, "connect");
      return Promise.resolve(new FreelanceRetryClient(list, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Counters since the client was created (a snapshot). */
  get stats(): FreelanceRequestStats {
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
  on(listener: (event: FreelanceRequestEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /**
   * Sends a request to the servers in turn until one answers.
   *
   * @param frames The request, one or more frames.
   * @param options This request's deadline and an abort signal.
   * @returns The reply frames.
   * @throws {TypeError} If `frames` is not a non-empty array of frames.
   * @throws {NoServerAnsweredError} When the attempts or the deadline ran
   * out (`peers` lists the servers tried).
   * @throws {ClosedError} If the client is or gets closed.
   */
  request(
    frames: readonly Frame[],
    options?: FreelanceRequestOptions,
  ): Promise<Message> {
    let a: opt.RequestArgs;
    try {
      a = opt.requestArgs(
        `${CLS}.request()`,
        frames,
        options,
        this.#deadlineMs,
      );
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#closed) {
      return Promise.reject(new ClosedError(`${CLS} is closed`));
    }
    const p = this.#run(a.frames, a.deadlineMs, a.signal);
    this.#running.add(p);
    const done = () => this.#running.delete(p);
    p.then(done, done);
    return p;
  }

  async #run(
    frames: Frame[],
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Message> {
    this.#stats.requests++;
    const all = signal
      ? AbortSignal.any([signal, this.#close.signal])
      : this.#close.signal;
    try {
      const { reply, index } = await failover({
        clock: this.#clock,
        endpoints: this.endpoints,
        start: this.#start,
        maxAttempts: this.#maxAttempts,
        attemptTimeoutMs: Math.min(this.#attemptTimeoutMs, deadlineMs),
        deadlineMs,
        signal: all,
        attempt: (endpoint, dueAt) =>
          this.#attempt(endpoint, frames, dueAt, all),
        onRetry: (endpoint, attempt) => {
          this.#stats.retries++;
          this.#log.debug("no reply, trying the next server", {
            endpoint,
            attempt,
          });
          if (this.#events.active) {
            this.#events.emit({ type: "request:retry", endpoint, attempt });
          }
        },
      });
      this.#start = index;
      this.#stats.replies++;
      return reply;
    } catch (e) {
      if (this.#closed) {
        this.#stats.aborted++;
        throw new ClosedError(`Request abandoned: ${CLS} is closed`, {
          cause: e,
        });
      }
      if (e instanceof Error && e.name === "NoServerAnsweredError") {
        this.#stats.failures++;
        if (this.#events.active) {
          this.#events.emit({
            type: "request:failed",
            attempts: (e as { attempts?: number }).attempts ?? 0,
          });
        }
      } else this.#stats.aborted++;
      throw e;
    }
  }

  async #attempt(
    endpoint: string,
    frames: Frame[],
    dueAt: number,
    signal: AbortSignal,
  ): Promise<Message | null> {
    const sock = openSocket(`${CLS}.request()`, PLAN, this.#socketOptions);
    try {
      sock.connect(endpoint);
      this.#stats.sent++;
      return await exchange(sock, frames, dueAt, this.#clock, [signal]);
    } finally {
      sock.close();
    }
  }

  /**
   * Closes the client; pending requests reject with `ClosedError`.
   * Idempotent.
   *
   * @returns Resolves once every pending request has settled.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#close.abort(new ClosedError(`${CLS} closed`));
    }
    await Promise.allSettled([...this.#running]);
  }

  /** Closes the client (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
