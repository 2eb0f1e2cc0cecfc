/**
 * The Binary Star client (zguide `bstarcli`): Lazy Pirate over the two
 * servers of a pair, switching server after each silent attempt.
 *
 * @module
 */
import { ClosedError, PeerUnavailableError } from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { ReqSocket, type SocketOptions } from "../../transport/mod.ts";
import { EventHub } from "../_kit/events.ts";
import { runWithRetries } from "../_kit/retry.ts";
import { ReqLine, Serial } from "../_kit/req_line.ts";
import { checkEndpoint, checkSocketOptions } from "../_kit/checks.ts";
import type { ClientSecurity } from "../../security/settings.ts";
import { clientSecurity } from "../_kit/security.ts";

const CLS = "BinaryStarClient";
const KEYS = [
  "attemptTimeoutMs",
  "settleMs",
  "deadlineMs",
  "validateReply",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;

/**
 * Events of a {@linkcode BinaryStarClient}.
 *
 * @example
 * ```ts
 * import type { BinaryStarClientEvent } from "@reliable/zmq/binary-star";
 * const onEvent = (e: BinaryStarClientEvent) => {
 *   if (e.type === "server:switched") console.log("now asking", e.to);
 * };
 * onEvent({ type: "server:switched", from: "tcp://a:5001", to: "tcp://b:5002", attempt: 1 });
 * ```
 */
export type BinaryStarClientEvent =
  | {
    /** An attempt got no reply; the client moves to the other server. */
    readonly type: "server:switched";
    readonly from: string;
    readonly to: string;
    /** The attempt that failed, from 1. */
    readonly attempt: number;
  }
  | {
    /**
     * The server the client had just left answered after all, during the
     * settle delay or the next attempt: the reply is taken and the client
     * stays with it.
     */
    readonly type: "reply:late";
    readonly from: string;
    /** The attempt that had timed out, from 1. */
    readonly attempt: number;
  }
  | {
    /** The request failed: neither server answered within its deadline. */
    readonly type: "request:failed";
    readonly attempts: number;
  };

/**
 * Options of {@linkcode BinaryStarClient.connect}.
 *
 * @example
 * ```ts
 * import type { BinaryStarClientOptions } from "@reliable/zmq/binary-star";
 * const guide: BinaryStarClientOptions = { attemptTimeoutMs: 1000, settleMs: 2000 };
 * ```
 */
export interface BinaryStarClientOptions {
  /** How long one attempt waits for its reply, ms (guide REQUEST_TIMEOUT). @default 1000 */
  attemptTimeoutMs?: number;
  /**
   * How long to wait after switching server before resending, ms (guide
   * SETTLE_DELAY). Make it at least the pair's failover timeout
   * (`heartbeatIntervalMs × liveness`), or the resend reaches the passive
   * server before it may take over and is dropped again.
   * @default 2000
   */
  settleMs?: number;
  /**
   * The whole request's limit from the call, ms. The guide's client tries
   * forever; ours fails with `PeerUnavailableError` when neither server
   * answered in time.
   * @default 30000
   */
  deadlineMs?: number;
  /**
   * Checks that a reply belongs to its request. A reply that fails it is
   * dropped and the attempt counts as silent.
   * @default accept every reply
   */
  validateReply?: (request: readonly Frame[], reply: Message) => boolean;
  /** Options for each REQ socket. @default {} */
  socketOptions?: SocketOptions;
  /**
   * CURVE (`curve: { serverKey }`, optionally the client's own key pair) or
   * PLAIN credentials; the two servers of a pair share one key pair, so one
   * server key works across failover (docs/SECURITY.md).
   * @default none
   */
  security?: ClientSecurity;
  /** Diagnostics. @default warnings and errors to stderr */
  logger?: Logger;
  /** Receives the client's events. @default none */
  onEvent?: (event: BinaryStarClientEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * Options of one {@linkcode BinaryStarClient.request} call.
 *
 * @example
 * ```ts
 * import type { BinaryStarRequestOptions } from "@reliable/zmq/binary-star";
 * const once: BinaryStarRequestOptions = { deadlineMs: 5_000 };
 * ```
 */
export interface BinaryStarRequestOptions {
  /**
   * This request's limit from the call, ms.
   * @default the client's `deadlineMs`
   */
  deadlineMs?: number;
  /** Abandons the request; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Counters of a {@linkcode BinaryStarClient}.
 *
 * @example
 * ```ts
 * import type { BinaryStarClientStats } from "@reliable/zmq/binary-star";
 * const s: Partial<BinaryStarClientStats> = { switches: 0 };
 * console.log(s.switches); // 0
 * ```
 */
export interface BinaryStarClientStats {
  /** Requests made. */
  requests: number;
  /** Requests answered. */
  replies: number;
  /** Server switches (silent attempts). */
  switches: number;
  /** Requests that failed with `PeerUnavailableError`. */
  failures: number;
  /**
   * Replies that arrived after their attempt's timeout, during the settle
   * delay or the next attempt, from the server the client had just left
   * (taken, not lost).
   */
  lateReplies: number;
}

/** A silent attempt's socket, still listened to for its reply. */
interface Late {
  /** Which server (0 primary, 1 backup). */
  readonly server: number;
  readonly endpoint: string;
  /** The attempt that timed out, from 1. */
  readonly attempt: number;
  /** Resolves with a valid reply; never rejects (pending when stopped). */
  readonly reply: Promise<Message>;
  readonly stop: AbortController;
}

/**
 * A client of a Binary Star pair (zguide `bstarcli`): it knows both
 * servers, sends each request on a REQ socket to the current one, and when
 * no reply comes within `attemptTimeoutMs` it switches to the other server
 * (connecting at once), waits `settleMs` and resends. During the settle
 * delay and the next attempt it still takes a late reply to that request
 * from the server it left (and stays with that server); a silent socket is
 * closed when the client goes back to its server or the request ends, so a
 * late reply can never be taken for a later request. It stays on the server that
 * answered. When neither answers within `deadlineMs` the request fails
 * with `PeerUnavailableError`. Requests run one at a time.
 *
 * A request may run on both servers (the first got it and died, or was
 * merely slow): use idempotent requests.
 *
 * @example
 * ```ts
 * import { BinaryStarClient } from "@reliable/zmq/binary-star";
 * import { PeerUnavailableError } from "@reliable/zmq";
 * const client = await BinaryStarClient.connect(
 *   ["tcp://127.0.0.1:5991", "tcp://127.0.0.1:5992"],
 *   { attemptTimeoutMs: 50, settleMs: 50, deadlineMs: 300 },
 * );
 * try {
 *   await client.request(["hello"]);
 * } catch (e) {
 *   console.log(e instanceof PeerUnavailableError); // true: nobody there
 * }
 * await client.close();
 * ```
 */
export class BinaryStarClient implements AsyncDisposable {
  /** The two servers, primary first. */
  readonly endpoints: readonly [string, string];
  readonly #policy: {
    maxAttempts: number;
    attemptTimeoutMs: number;
    deadlineMs: number;
  };
  readonly #settleMs: number;
  readonly #validate?: (request: readonly Frame[], reply: Message) => boolean;
  readonly #socketOptions: SocketOptions;
  readonly #log: Logger;
  readonly #events: EventHub<BinaryStarClientEvent>;
  readonly #clock: Clock;
  readonly #close = new AbortController();
  /** One REQ line per server, so a silent attempt's socket can be heard during the settle delay. */
  readonly #lines: readonly [ReqLine, ReqLine];
  readonly #serial = new Serial();
  #server = 0;
  #closed = false;
  readonly #stats: BinaryStarClientStats = {
    requests: 0,
    replies: 0,
    switches: 0,
    failures: 0,
    lateReplies: 0,
  };

  private constructor(
    endpoints: readonly [string, string],
    options: BinaryStarClientOptions,
  ) {
    this.endpoints = endpoints;
    const o = opt.readOptions(CLS, options, KEYS);
    const attemptTimeoutMs = opt.durationMs(
      CLS,
      "attemptTimeoutMs",
      o.attemptTimeoutMs,
      1000,
      { min: 1 },
    );
    const deadlineMs = opt.durationMs(
      CLS,
      "deadlineMs",
      o.deadlineMs,
      30_000,
      { min: 1, infinity: true },
    );
    opt.attemptWithinDeadline(CLS, attemptTimeoutMs, deadlineMs);
    this.#policy = {
      attemptTimeoutMs,
      deadlineMs,
      maxAttempts: Number.MAX_SAFE_INTEGER,
    };
    this.#settleMs = opt.durationMs(CLS, "settleMs", o.settleMs, 2000);
    this.#validate = opt.fn(CLS, "validateReply", o.validateReply);
    this.#socketOptions = {
      ...checkSocketOptions(CLS, o.socketOptions),
      ...clientSecurity(CLS, o.security, o.socketOptions),
    };
    this.#log = opt.logger(CLS, o.logger, CLS);
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: BinaryStarClientEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.#clock = opt.clock(CLS, o.clock);
    const open = (endpoint: string) => {
      const s = new ReqSocket({ lingerMs: 0, ...this.#socketOptions });
      try {
        s.connect(endpoint);
      } catch (e) {
        s.close();
        throw e;
      }
      return s;
    };
    this.#lines = [
      new ReqLine(open, this.#clock),
      new ReqLine(open, this.#clock),
    ];
  }

  /**
   * Creates a client of a pair and connects to the primary.
   *
   * @param endpoints The primary's and the backup's client endpoints.
   * @param options Timeouts, settle delay, deadline, logger, events.
   * @returns The client.
   * @throws {TypeError} On malformed endpoints or options.
   * @throws {RangeError} On an option out of range.
   * @example
   * ```ts
   * import { BinaryStarClient } from "@reliable/zmq/binary-star";
   * const client = await BinaryStarClient.connect(["tcp://127.0.0.1:5001", "tcp://127.0.0.1:5002"]);
   * console.log(client.endpoint); // "tcp://127.0.0.1:5001"
   * await client.close();
   * ```
   */
  static connect(
    endpoints: readonly [string, string],
    options: BinaryStarClientOptions = {},
  ): Promise<BinaryStarClient> {
    const M = `${CLS}.connect()`;
    try {
      if (!Array.isArray(endpoints) || endpoints.length !== 2) {
        throw new TypeError(
          `${M}: endpoints must be an array of two endpoints (primary, backup)`,
        );
      }
      checkEndpoint(M, "endpoints[0]", endpoints[0], "connect");
      checkEndpoint(M, "endpoints[1]", endpoints[1], "connect");
      const client = new BinaryStarClient(
        [endpoints[0], endpoints[1]],
        options,
      );
      client.#lines[0].socket(client.endpoint);
      return Promise.resolve(client);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The server the client asks now. */
  get endpoint(): string {
    return this.endpoints[this.#server];
  }

  /** A snapshot of the counters. */
  get stats(): BinaryStarClientStats {
    return { ...this.#stats };
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   * @param listener Called with every event.
   * @returns A function that removes it.
   */
  on(listener: (event: BinaryStarClientEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /**
   * Sends a request and returns its reply, failing over between the two
   * servers on silence.
   *
   * @param frames The request, one or more frames.
   * @param options This request's deadline (default: the client's
   * `deadlineMs`) and an abort signal.
   * @returns The reply frames.
   * @throws {TypeError} If `frames` is not a non-empty array of frames, or
   * an option is malformed.
   * @throws {RangeError} If `deadlineMs` is out of range.
   * @throws {PeerUnavailableError} When neither server answered within the
   * deadline (`peers` lists the servers tried, in order).
   * @throws {ClosedError} If the client is or gets closed.
   * @example
   * ```ts ignore
   * // ignore: needs a running pair (see BinaryStarServer)
   * const reply = await client.request(["hello"]);
   * ```
   */
  request(
    frames: readonly Frame[],
    options?: BinaryStarRequestOptions,
  ): Promise<Message> {
    const calledAt = this.#clock.now();
    const M = `${CLS}.request()`;
    let args: opt.RequestArgs;
    try {
      args = opt.requestArgs(M, frames, options, this.#policy.deadlineMs);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#closed) {
      return Promise.reject(new ClosedError(`${M}: client is closed`));
    }
    return this.#serial.run(() => this.#run(args, calledAt));
  }

  async #run(
    { frames, deadlineMs, signal }: opt.RequestArgs,
    calledAt: number,
  ): Promise<Message> {
    if (this.#closed) throw new ClosedError(`${CLS}: client is closed`);
    this.#stats.requests++;
    const tried: string[] = [];
    // The last silent attempt's socket, still listened to: a reply to this
    // same request that arrives late (a loaded host, a server that took
    // over just as we gave up) is taken, during the settle delay and the
    // next attempt, instead of being thrown away with the socket.
    let late: Late | null = null;
    try {
      const reply = await runWithRetries<Message>({
        clock: this.#clock,
        policy: { ...this.#policy, deadlineMs },
        signal,
        startedAt: calledAt,
        attempt: async (_n, dueAt) => {
          tried.push(this.endpoint);
          const line = this.#lines[this.#server];
          const cut = new AbortController();
          const mine = line.attempt(this.endpoint, frames, dueAt, [
            this.#close.signal,
            signal,
            cut.signal,
          ]);
          let reply: Message | null;
          if (late === null) {
            reply = await mine;
          } else {
            const won = await Promise.race([
              mine.then((m) => ({ late: false as const, m })),
              late.reply.then((m) => ({ late: true as const, m })),
            ]);
            if (won.late) {
              // The server we left answered: abandon this attempt (its
              // socket, now waiting for a reply, is dropped) and stay there.
              mine.catch(() => {});
              cut.abort(new ClosedError("superseded by a late reply"));
              this.#tookLate(late);
              late = null;
              return { ok: true, value: won.m };
            }
            reply = won.m;
          }
          if (reply === null) return { ok: false, cause: "timeout" };
          if (this.#validate && !this.#validate(frames, reply)) {
            return { ok: false, cause: "timeout", detail: "invalid" };
          }
          return { ok: true, value: reply };
        },
        afterFailure: async (n) => {
          // Switch server and settle (guide: at least the failover
          // timeout), then the loop resends on the other server's socket.
          const silent = this.#server;
          const from = this.endpoint;
          // A socket still waiting on the server we go back to cannot
          // send again: close it (the resend opens a fresh one).
          this.#forget(late);
          late = this.#listen(silent, from, frames, n, signal);
          this.#server = 1 - silent;
          this.#stats.switches++;
          this.#log.warn("no reply; switching server", {
            from,
            to: this.endpoint,
            attempt: n,
          });
          if (this.#events.active) {
            this.#events.emit({
              type: "server:switched",
              from,
              to: this.endpoint,
              attempt: n,
            });
          }
          // Open the other server's socket now, so that its connection
          // and handshake happen during the settle delay and the resend
          // goes out as soon as the delay ends.
          try {
            this.#lines[this.#server].socket(this.endpoint);
          } catch { /* opened again (and reported) by the next attempt */ }
          const left = calledAt + deadlineMs - this.#clock.now();
          const wait = Math.min(this.#settleMs, Math.max(0, left));
          if (wait <= 0) return;
          const reply = await this.#settle(late, wait, signal);
          if (reply === null) return;
          this.#tookLate(late);
          late = null;
          return { value: reply };
        },
        giveUp: (_reason, n, elapsedMs) => {
          this.#stats.failures++;
          if (this.#events.active) {
            this.#events.emit({ type: "request:failed", attempts: n });
          }
          return new PeerUnavailableError(
            `Neither server of the Binary Star pair answered: ${n} attempt(s) in ${
              Math.round(elapsedMs)
            } ms (deadline ${deadlineMs} ms; tried ${tried.join(", ")})`,
            tried,
          );
        },
      });
      this.#stats.replies++;
      return reply;
    } catch (e) {
      if (this.#closed && !(e instanceof ClosedError)) {
        throw new ClosedError(`${CLS}: request abandoned, client is closed`, {
          cause: e,
        });
      }
      throw e;
    } finally {
      this.#forget(late);
    }
  }

  /** Starts listening for a late reply on a silent attempt's socket. */
  #listen(
    server: number,
    endpoint: string,
    frames: readonly Frame[],
    attempt: number,
    signal: AbortSignal | undefined,
  ): Late {
    const stop = new AbortController();
    const list = [stop.signal, this.#close.signal];
    if (signal) list.push(signal);
    const all = AbortSignal.any(list);
    const reply = new Promise<Message>((resolve) => {
      this.#lines[server].socket(endpoint).receive({ signal: all }).then(
        (m) => {
          // An invalid reply counts as silence: keep waiting elsewhere.
          if (!this.#validate || this.#validate(frames, m)) resolve(m);
        },
        () => {/* stopped, or the socket closed: never resolves */},
      );
    });
    return { server, endpoint, attempt, reply, stop };
  }

  /** Stops listening to a silent socket and closes it (a REQ still waiting). */
  #forget(late: Late | null): void {
    if (late === null) return;
    late.stop.abort();
    this.#lines[late.server].drop();
  }

  /** A late reply was taken: stay with its server (its socket is usable again). */
  #tookLate(late: Late): void {
    if (this.#server !== late.server) {
      this.#lines[this.#server].drop();
      this.#server = late.server;
    }
    this.#stats.lateReplies++;
    if (this.#events.active) {
      this.#events.emit({
        type: "reply:late",
        from: late.endpoint,
        attempt: late.attempt,
      });
    }
  }

  /**
   * The settle delay: sleeps `wait` ms, or less if the late reply arrives
   * meanwhile.
   * @returns The late reply, or null after the whole delay.
   * @throws {ClosedError} When the client is closed meanwhile.
   * @throws The request's abort reason when it is aborted.
   */
  async #settle(
    late: Late,
    wait: number,
    signal: AbortSignal | undefined,
  ): Promise<Message | null> {
    const done = new AbortController();
    const list = [done.signal, this.#close.signal];
    if (signal) list.push(signal);
    const slept = this.#clock.sleep(wait, AbortSignal.any(list)).then(() =>
      null
    );
    try {
      return await Promise.race([slept, late.reply]);
    } catch (e) {
      if (this.#closed) {
        throw new ClosedError(`${CLS}: request abandoned, client is closed`);
      }
      throw e;
    } finally {
      done.abort();
      slept.catch(() => {});
    }
  }

  /**
   * Closes the socket; a pending request rejects with `ClosedError`.
   * Idempotent.
   * @returns Resolves once the pending request has settled.
   * @example
   * ```ts
   * import { BinaryStarClient } from "@reliable/zmq/binary-star";
   * const client = await BinaryStarClient.connect(["tcp://127.0.0.1:5001", "tcp://127.0.0.1:5002"]);
   * await client.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#close.abort(new ClosedError(`${CLS} closed`));
      for (const line of this.#lines) line.drop();
    }
    await this.#serial.idle();
  }

  /** Closes the client (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
