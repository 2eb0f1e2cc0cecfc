/**
 * The synchronous Majordomo client (7/MDP client side, zguide `mdcliapi`),
 * on the Lazy Pirate retry loop shared with `LazyPirateClient`.
 *
 * @module
 */
import type { ClientSecurity } from "../../security/settings.ts";
import {
  BrokerUnreachableError,
  ClosedError,
  ProtocolError,
  RequestTimeoutError,
  ServiceUnavailableError,
  TimeoutError,
  WorkerLostError,
} from "../../errors.ts";
import type {
  DealerSocket,
  SocketMonitor,
  SocketOptions,
} from "../../transport/mod.ts";
import type { Frame } from "../../types.ts";
import type { Clock, Timer } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { EventHub } from "../_kit/events.ts";
import { runWithRetries } from "../_kit/retry.ts";
import {
  decodeClientReply,
  encodeClientRequest,
  validateServiceName,
} from "../../protocol/mdp/codec.ts";
import {
  isMmiService,
  MMI_SERVICE,
  MMI_STATS,
  parseMmiStatus,
} from "../../protocol/mmi/codec.ts";
import {
  classifyRzReply,
  correlationFrame,
  MMI_RZ,
  parseRzInfo,
  type RzBrokerInfo,
  rzProbeBody,
} from "./correlation.ts";
import type { BrokerKind, MajordomoClientEvent } from "./client_events.ts";
import {
  brokerEndpoints,
  checkFrameLimit,
  errorReply,
  failoverSocketOptions,
  openDealer,
  randomFirstId,
  socketOptionsOf,
} from "./_client_common.ts";

const CLS = "MajordomoClient";
/** The reason the wait watchdog aborts a receive with when its time is up. */
const TIMED_OUT = Symbol("timed out");
const M_REQ = `${CLS}.request()`;
const td = new TextDecoder();
const KEYS = [
  "attemptTimeoutMs",
  "maxAttempts",
  "deadlineMs",
  "failoverMs",
  "checkServiceOnTimeout",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;
const REQUEST_KEYS = [
  "attemptTimeoutMs",
  "maxAttempts",
  "deadlineMs",
  "signal",
] as const;

/**
 * Options of {@linkcode MajordomoClient}.
 *
 * @example
 * ```ts
 * import { MajordomoClient } from "@reliable/zmq";
 * const client = await MajordomoClient.connect("tcp://127.0.0.1:5555", { attemptTimeoutMs: 1000, maxAttempts: 5 });
 * await client.close();
 * ```
 */
export interface MajordomoClientOptions {
  /**
   * How long one attempt waits for its reply before the request is sent
   * again, in ms (the guide's `mdcliapi` uses 2500; ours is longer so that
   * a handler of a few seconds runs once with any broker). Against a
   * reliable-zmq broker a resend of a request that is still running is
   * dropped by the broker and the first reply is taken, so a slower
   * service still runs once; against another broker the resend goes on a
   * new socket and may run it again.
   * @default 5000
   */
  attemptTimeoutMs?: number;
  /** Sends in all (the first plus retries) before giving up. @default 3 */
  maxAttempts?: number;
  /**
   * The whole request's limit from the call, in ms; `Infinity`: only the
   * attempts bound it.
   * @default Infinity
   */
  deadlineMs?: number;
  /**
   * How long the broker's connection may be silent at the ZeroMQ level
   * (ZMTP heartbeats, answered by the broker's I/O thread even while it
   * is busy) before it is dropped and remade, in ms; `Infinity`: never.
   * @default 10000
   */
  failoverMs?: number;
  /**
   * After the first attempt times out, ask the broker's `mmi.service`
   * whether the service has a worker: a 404 fails the request at once
   * with `ServiceUnavailableError`; no answer at all fails it with
   * `BrokerUnreachableError`.
   * @default true
   */
  checkServiceOnTimeout?: boolean;
  /** Options for the client's DEALER socket (CURVE keys, ...). @default {} */
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
  /** Receives the client's events. @default none */
  onEvent?: (event: MajordomoClientEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * Per-call options of {@linkcode MajordomoClient.request}.
 *
 * @example
 * ```ts
 * import type { MajordomoRequestOptions } from "@reliable/zmq";
 * const options: MajordomoRequestOptions = { attemptTimeoutMs: 500, maxAttempts: 1, signal: AbortSignal.timeout(2000) };
 * ```
 */
export interface MajordomoRequestOptions {
  /** Overrides the client's `attemptTimeoutMs`. */
  attemptTimeoutMs?: number;
  /** Overrides the client's `maxAttempts`. */
  maxAttempts?: number;
  /** Overrides the client's `deadlineMs`. */
  deadlineMs?: number;
  /** Cancels the call; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Counters of a {@linkcode MajordomoClient}.
 *
 * @example
 * ```ts
 * import type { MajordomoClientStats } from "@reliable/zmq";
 * const s: Partial<MajordomoClientStats> = { retries: 0 };
 * console.log(s.retries); // 0
 * ```
 */
export interface MajordomoClientStats {
  /** Requests made. */
  requests: number;
  /** Requests answered. */
  replies: number;
  /** Resends (after a timeout or a lost worker). */
  retries: number;
  /** Requests that failed (any error). */
  failures: number;
  /** Error replies from an RZ broker (500, 502, 503, 504). */
  errorReplies: number;
  /** Replies dropped: late, for another request, or malformed. */
  dropped: number;
  /** Sockets opened (1 + Lazy Pirate reopens against a foreign broker). */
  sockets: number;
}

/**
 * A synchronous Majordomo client: one request at a time, with the Lazy
 * Pirate reliability of the zguide's `mdcliapi` (shared with
 * `LazyPirateClient`). Calls made while one is in progress wait their turn.
 *
 * **Against a reliable-zmq broker** (it answers `mmi.rz`; asked once per
 * socket) each request carries a correlation frame: a resend goes on the
 * same socket with the same id, so the broker drops it while the first
 * copy still runs and the first reply is taken, late or not. Error replies
 * fail the call at once with a typed error: `HandlerFailedError` (the
 * handler threw), `RequestRejectedError` (a broker bound),
 * `RequestExpiredError` (queued too long); a request whose worker died is
 * retried at once (`WorkerLostError` when every attempt was lost).
 *
 * **Against any other 7/MDP broker** it is the guide's client: on silence
 * it closes the socket and resends on a new one (a new identity, so a late
 * reply to an abandoned attempt can never be taken for this one).
 *
 * Errors tell apart what went wrong: `ServiceUnavailableError` (MMI says
 * no worker, asked after the first timeout), `BrokerUnreachableError`
 * (nothing at all heard from the broker), `RequestTimeoutError` (the
 * broker is there but the service did not answer), `ClosedError`, or
 * `signal.reason` when aborted. `elapsedMs` counts from the call.
 *
 * @example
 * ```ts
 * import { MajordomoBroker, MajordomoClient, MajordomoWorker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const [endpoint] = broker.endpoints;
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (req) => req);
 * await worker.ready;
 * const client = await MajordomoClient.connect(endpoint);
 * const [reply] = await client.request("echo", ["hello"]);
 * console.log(new TextDecoder().decode(reply)); // "hello"
 * await client.close();
 * await worker.close();
 * await broker.close();
 * ```
 */
export class MajordomoClient implements AsyncDisposable {
  /**
   * The brokers: one, or the two of a Binary Star pair (primary first),
   * which the client follows.
   */
  readonly endpoints: readonly string[];
  #at = 0;
  readonly #attemptTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #deadlineMs: number;
  readonly #failoverMs: number;
  readonly #checkService: boolean;
  readonly #socketOptions: SocketOptions;
  readonly #log: Logger;
  readonly #events: EventHub<MajordomoClientEvent>;
  readonly #clock: Clock;
  readonly #close = new AbortController();
  #sock: DealerSocket | null = null;
  /** What the current socket's broker is; null until probed. */
  #kind: BrokerKind | null = null;
  #info: RzBrokerInfo | null = null;
  #nextId = randomFirstId();
  #heardAt = -Infinity;
  #connected = false;
  #turn: Promise<unknown> = Promise.resolve();
  /** The retry policy of a request without per-call options. */
  readonly #policy: {
    readonly maxAttempts: number;
    readonly attemptTimeoutMs: number;
    readonly deadlineMs: number;
  };
  /** Requests called and not yet settled (0: the next one runs at once). */
  #active = 0;
  #closed = false;
  /** The socket receive in flight, owned by the client (see `#receive`). */
  #recv: Promise<Uint8Array[]> | null = null;
  /** The socket `#recv` was issued on. */
  #recvSock: DealerSocket | null = null;
  /** Ends the wait in progress with a timeout (the watchdog calls it). */
  #wake: ((v: typeof TIMED_OUT) => void) | null = null;
  /** When the wait in progress gives up (clock time); Infinity: none. */
  #waitDueAt = Infinity;
  /** The watchdog timer, armed for `#watchdogAt` when not undefined. */
  #watchdog: Timer | undefined;
  #watchdogAt = Infinity;
  readonly #stats: MajordomoClientStats = {
    requests: 0,
    replies: 0,
    retries: 0,
    failures: 0,
    errorReplies: 0,
    dropped: 0,
    sockets: 0,
  };

  private constructor(endpoints: string[], options: MajordomoClientOptions) {
    this.endpoints = Object.freeze(endpoints);
    const o = opt.readOptions(CLS, options, KEYS);
    this.#deadlineMs = opt.durationMs(
      CLS,
      "deadlineMs",
      o.deadlineMs,
      Infinity,
      { min: 1, infinity: true },
    );
    this.#attemptTimeoutMs = opt.durationMs(
      CLS,
      "attemptTimeoutMs",
      o.attemptTimeoutMs,
      Math.min(5000, this.#deadlineMs),
      { min: 1 },
    );
    this.#maxAttempts = opt.count(CLS, "maxAttempts", o.maxAttempts, 3, 1);
    opt.attemptWithinDeadline(CLS, this.#attemptTimeoutMs, this.#deadlineMs);
    this.#policy = Object.freeze({
      maxAttempts: this.#maxAttempts,
      attemptTimeoutMs: this.#attemptTimeoutMs,
      deadlineMs: this.#deadlineMs,
    });
    this.#failoverMs = opt.durationMs(
      CLS,
      "failoverMs",
      o.failoverMs,
      10000,
      { min: 2, infinity: true },
    );
    this.#checkService = opt.bool(
      CLS,
      "checkServiceOnTimeout",
      o.checkServiceOnTimeout,
      true,
    );
    this.#socketOptions = socketOptionsOf(CLS, o.socketOptions, o.security);
    this.#log = opt.logger(CLS, o.logger, CLS);
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: MajordomoClientEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.#clock = opt.clock(CLS, o.clock);
  }

  /**
   * Creates a client and opens its socket (ZeroMQ connects in the
   * background: a broker that is not up yet is fine).
   *
   * @param endpoint The broker's endpoint, e.g. `"tcp://127.0.0.1:5555"`.
   * @param options Attempts, timeouts, socket options, logger, events.
   * @returns The client.
   * @throws {TypeError} On a malformed endpoint, an unknown option key or
   * a badly typed option.
   * @throws {RangeError} On an option out of range (a time over 2^31-1 ms,
   * an attempt timeout longer than the deadline).
   * @example
   * ```ts
   * import { MajordomoClient } from "@reliable/zmq";
   * const client = await MajordomoClient.connect("tcp://127.0.0.1:5555", { attemptTimeoutMs: 1000 });
   * await client.close();
   * ```
   */
  static connect(
    endpoint: string | readonly [string, string],
    options?: MajordomoClientOptions,
  ): Promise<MajordomoClient> {
    try {
      const endpoints = brokerEndpoints(`${CLS}.connect()`, endpoint);
      const client = new MajordomoClient(endpoints, options ?? {});
      client.#open();
      return Promise.resolve(client);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The broker the client asks now (of `endpoints`). */
  get endpoint(): string {
    return this.endpoints[this.#at];
  }

  /** A snapshot of the client's counters. */
  get stats(): MajordomoClientStats {
    return { ...this.#stats };
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   *
   * @param listener Called with every event.
   * @returns A function that removes it.
   */
  on(listener: (event: MajordomoClientEvent) => void): () => void {
    return this.#events.on(listener);
  }

  #open(): DealerSocket {
    let monitor: SocketMonitor | null = null;
    const sock = openDealer(
      this.endpoint,
      this.#socketOptions,
      failoverSocketOptions(this.#failoverMs),
      (s) => monitor = s.monitor(),
    );
    this.#sock = sock;
    this.#kind = null;
    this.#info = null;
    this.#connected = false;
    this.#stats.sockets++;
    void this.#watch(sock, monitor!);
    return sock;
  }

  /** Tracks whether the socket has a live connection to the broker. */
  async #watch(sock: DealerSocket, monitor: SocketMonitor): Promise<void> {
    for (;;) {
      let ev;
      try {
        ev = await monitor.next();
      } catch {
        ev = null;
      }
      if (ev === null) return; // the socket closed
      if (this.#sock !== sock) continue;
      if (ev.type === "handshake-succeeded") this.#connected = true;
      else if (ev.type === "disconnected") this.#connected = false;
    }
  }

  /** Whether nothing says the broker is there since `since`. */
  #unreachable(since: number): boolean {
    return this.#heardAt < since && !this.#connected;
  }

  #drop(): void {
    this.#sock?.close();
    this.#sock = null;
  }

  #closedError(service: string): ClosedError {
    return new ClosedError(
      `Cannot send request to service "${service}": client is closed`,
    );
  }

  /**
   * Sends a request to a service and waits for its reply.
   *
   * @param service The service name (1-255 bytes).
   * @param body The request, one or more frames.
   * @param options Per-call attempts, timeouts and abort signal.
   * @returns The reply body.
   * @throws {TypeError} On a badly typed argument or unknown option.
   * @throws {RangeError} On an empty service name or body, or a frame
   * over the broker's advertised limit (nothing is sent).
   * @throws {ServiceUnavailableError} The first attempt timed out and MMI
   * reports no worker for the service.
   * @throws {BrokerUnreachableError} Nothing at all was heard from the broker.
   * @throws {RequestTimeoutError} The broker is there but no attempt got a reply.
   * @throws {HandlerFailedError} The worker's handler failed (RZ broker).
   * @throws {RequestRejectedError} The broker refused it at a bound (RZ).
   * @throws {RequestExpiredError} It expired in the broker's queue (RZ).
   * @throws {WorkerLostError} Every attempt's worker died (RZ).
   * @throws {ClosedError} When the client is or gets closed.
   * @example
   * ```ts ignore
   * // ignore: needs a broker with an "echo" worker (see the class example)
   * const [reply] = await client.request("echo", ["hello"], { attemptTimeoutMs: 500 });
   * ```
   */
  request(
    service: string,
    body: readonly Frame[],
    options?: MajordomoRequestOptions,
  ): Promise<Uint8Array[]> {
    const calledAt = this.#clock.now();
    let frames: Uint8Array[];
    let policy: {
      maxAttempts: number;
      attemptTimeoutMs: number;
      deadlineMs: number;
    };
    let signal: AbortSignal | undefined;
    const M = M_REQ;
    try {
      if (typeof service !== "string") {
        throw new TypeError(
          `${M}: service must be a string, got ${typeof service}`,
        );
      }
      opt.frames(M, "body", body);
      frames = encodeClientRequest(service, body);
      const o = opt.readOptions(M, options, REQUEST_KEYS);
      // Without per-call options: the client's own, checked once.
      policy = options === undefined ? this.#policy : {
        attemptTimeoutMs: opt.durationMs(
          M,
          "attemptTimeoutMs",
          o.attemptTimeoutMs,
          this.#attemptTimeoutMs,
          { min: 1 },
        ),
        maxAttempts: opt.count(
          M,
          "maxAttempts",
          o.maxAttempts,
          this.#maxAttempts,
          1,
        ),
        deadlineMs: opt.durationMs(
          M,
          "deadlineMs",
          o.deadlineMs,
          this.#deadlineMs,
          { min: 1, infinity: true },
        ),
      };
      if (options !== undefined) {
        opt.attemptWithinDeadline(
          M,
          policy.attemptTimeoutMs,
          policy.deadlineMs,
        );
        signal = opt.signal(M, o.signal);
      }
      if (this.#closed) throw this.#closedError(service);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = () =>
      this.#request(service, frames, policy, signal, calledAt, true);
    // Requests run one at a time, in call order; with none in progress this
    // one starts at once (no turn of the promise chain).
    const result = this.#active === 0 ? run() : this.#turn.then(run, run);
    this.#active++;
    this.#turn = result;
    return result;
  }

  /**
   * Sends, waiting at most until `dueAt`: a DEALER whose connection never
   * completes (refused by a secure broker, say) has nowhere to queue.
   * @returns `false` when `dueAt` came first.
   */
  async #sendBy(
    sock: DealerSocket,
    frames: Uint8Array[],
    dueAt: number,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (sock.trySend(frames)) return true;
    try {
      await sock.send(frames, {
        timeoutMs: Math.max(1, Math.ceil(dueAt - this.#clock.now())),
        signal,
      });
      return true;
    } catch (e) {
      if (e instanceof TimeoutError && !(signal?.aborted)) return false;
      throw e;
    }
  }

  /** Sends `frames` and waits until `dueAt` for the matching answer. */
  async #exchange(
    service: string,
    frames: Uint8Array[],
    id: number,
    dueAt: number,
    signal: AbortSignal | undefined,
  ): Promise<
    | { kind: "reply"; body: Uint8Array[] }
    | { kind: "error"; code: string; text: string }
    | { kind: "timeout" }
  > {
    const sock = this.#sock ?? this.#open();
    if (
      !sock.trySend(frames) && !await this.#sendBy(sock, frames, dueAt, signal)
    ) {
      return { kind: "timeout" };
    }
    for (;;) {
      const msg = await this.#receive(sock, dueAt, signal);
      if (msg === null) return { kind: "timeout" };
      const reply = decodeClientReply(msg);
      if (reply instanceof ProtocolError) {
        this.#dropped("malformed");
        continue;
      }
      if (reply.service !== service) {
        this.#dropped("other-service");
        continue;
      }
      if (id < 0) return { kind: "reply", body: reply.body };
      const rz = classifyRzReply(reply.body);
      if (rz.kind === "plain" || rz.id !== id) {
        this.#dropped("stale");
        continue;
      }
      if (rz.kind === "error") {
        return { kind: "error", code: rz.code, text: rz.text };
      }
      return { kind: "reply", body: rz.body };
    }
  }

  /**
   * Waits for the next message until `dueAt` (null when that comes first),
   * or until `signal` aborts (rejects with its reason).
   *
   * Without a timer, an abort controller or an abort listener of its own
   * (without `signal`): the socket receive is issued with no options and
   * belongs to the client (`#recv`), not to the wait: a wait that times out
   * leaves it in flight, and the next wait on the same socket takes it over,
   * so a late message is the next one read, exactly as if it had stayed in
   * the socket. Time is kept by one watchdog timer, armed for the earliest
   * due time and left running between requests: it re-arms itself when it
   * finds the wait in progress due later, ends that wait when it is due, and
   * stops when no wait is in progress. Successive requests with the same
   * attempt timeout so cost no timer call at all.
   */
  async #receive(
    sock: DealerSocket,
    dueAt: number,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array[] | null> {
    let onAbort: (() => void) | undefined;
    try {
      this.#close.signal.throwIfAborted();
      signal?.throwIfAborted();
      let p = this.#recv;
      if (p === null || this.#recvSock !== sock) {
        if (!(dueAt > this.#clock.now())) {
          const ready = sock.tryReceive();
          if (ready !== null) this.#heardAt = this.#clock.now();
          return ready;
        }
        p = sock.receive();
        this.#recv = p;
        this.#recvSock = sock;
      }
      const recv = p;
      this.#waitDueAt = dueAt;
      if (this.#watchdogAt > dueAt) this.#armWatchdog(dueAt);
      const got = await new Promise<Uint8Array[] | typeof TIMED_OUT>(
        (resolve, reject) => {
          this.#wake = resolve;
          recv.then(resolve, (e) => {
            if (this.#recv === recv) this.#recv = null;
            reject(e);
          });
          if (signal !== undefined) {
            onAbort = () => reject(signal.reason);
            signal.addEventListener("abort", onAbort, { once: true });
          }
        },
      );
      if (got === TIMED_OUT) return null;
      // The message came from the receive in flight: it is consumed.
      if (this.#recv === recv) this.#recv = null;
      this.#heardAt = this.#clock.now();
      return got;
    } catch (e) {
      if (this.#closed) throw new ClosedError(`${CLS} closed`, { cause: e });
      throw e;
    } finally {
      this.#wake = null;
      this.#waitDueAt = Infinity;
      if (onAbort !== undefined) signal!.removeEventListener("abort", onAbort);
    }
  }

  #armWatchdog(at: number): void {
    this.#clock.clearTimeout(this.#watchdog);
    this.#watchdogAt = at;
    this.#watchdog = this.#clock.setTimeout(
      this.#onWatchdog,
      at - this.#clock.now(),
    );
  }

  readonly #onWatchdog = (): void => {
    this.#watchdog = undefined;
    this.#watchdogAt = Infinity;
    const due = this.#waitDueAt;
    if (due === Infinity) return; // no wait in progress: stop
    if (this.#clock.now() < due) return this.#armWatchdog(due);
    this.#wake?.(TIMED_OUT);
  };

  #dropped(reason: "stale" | "malformed" | "other-service"): void {
    this.#stats.dropped++;
    if (this.#events.active) {
      this.#events.emit({ type: "reply:dropped", reason });
    }
  }

  /** Asks `mmi.rz` on the current socket unless known. Null: no answer by `dueAt`. */
  async #probe(
    dueAt: number,
    signal: AbortSignal | undefined,
  ): Promise<BrokerKind | null> {
    if (this.#kind !== null) return this.#kind;
    const r = await this.#exchange(
      MMI_RZ,
      encodeClientRequest(MMI_RZ, rzProbeBody()),
      -1,
      dueAt,
      signal,
    );
    if (r.kind === "timeout") return null;
    const info = r.kind === "reply" ? parseRzInfo(r.body) : null;
    this.#kind = info ? "rz" : "foreign";
    this.#info = info;
    if (this.#events.active) {
      this.#events.emit({
        type: "broker:detected",
        kind: this.#kind,
        instance: info?.instance,
      });
    }
    return this.#kind;
  }

  async #request(
    service: string,
    frames: Uint8Array[],
    policy: {
      maxAttempts: number;
      attemptTimeoutMs: number;
      deadlineMs: number;
    },
    signal: AbortSignal | undefined,
    calledAt: number,
    checkMmi: boolean,
  ): Promise<Uint8Array[]> {
    try {
      if (this.#closed) throw this.#closedError(service);
      this.#stats.requests++;
      const mmi = isMmiService(service);
      const id = mmi ? -1 : this.#nextId++;
      // Built on the first attempt that needs them (an RZ broker).
      let body: Uint8Array[] | null = null;
      let rzFrames: Uint8Array[] | null = null;
      let checked = false;
      let lastDetail = "";
      const attempts = { n: 0 };
      try {
        const reply = await runWithRetries<Uint8Array[]>({
          clock: this.#clock,
          policy,
          signal,
          startedAt: calledAt,
          attempt: async (n, dueAt) => {
            if (this.#closed) throw this.#closedError(service);
            attempts.n = n;
            const kind = mmi
              ? "foreign"
              : this.#kind ?? await this.#probe(dueAt, signal);
            if (kind === null) return { ok: false, cause: "timeout" };
            if (kind === "rz") {
              body ??= frames.slice(3);
              checkFrameLimit(M_REQ, body, this.#info!.maxFrameBytes);
              rzFrames ??= mmi ? frames : [
                frames[0],
                frames[1],
                frames[2],
                correlationFrame(id),
                ...body,
              ];
            }
            const r = await this.#exchange(
              service,
              kind === "rz" ? rzFrames! : frames,
              kind === "rz" ? id : -1,
              dueAt,
              signal,
            );
            if (r.kind === "reply") return { ok: true, value: r.body };
            if (r.kind === "timeout") return { ok: false, cause: "timeout" };
            this.#stats.errorReplies++;
            if (r.code === "502") {
              lastDetail = r.text;
              return { ok: false, cause: "lost", detail: r.text };
            }
            throw errorReply(service, r.code, r.text);
          },
          afterFailure: async (n, outcome) => {
            if (this.endpoints.length > 1 && outcome.cause === "timeout") {
              // A Binary Star pair: the silent broker is dead or passive;
              // resend on a new socket to the other one.
              this.#drop();
              this.#at = 1 - this.#at;
              return;
            }
            if (this.#kind !== "rz") this.#drop(); // Lazy Pirate: a new socket
            if (
              outcome.cause !== "timeout" || checked || !checkMmi ||
              !this.#checkService || mmi
            ) return;
            checked = true;
            return await this.#checkAfterTimeout(
              service,
              id,
              n,
              policy,
              signal,
              calledAt,
            );
          },
          onRetry: (n, cause) => {
            this.#stats.retries++;
            this.#log.warn("no reply; retrying", {
              service,
              attempt: n,
              cause,
            });
            if (this.#events.active) {
              this.#events.emit({
                type: "request:retry",
                service,
                attempt: n,
                cause,
              });
            }
          },
          giveUp: (reason, n, elapsedMs, last) => {
            if (last.cause === "lost") {
              return new WorkerLostError(service, lastDetail, n);
            }
            if (this.#unreachable(calledAt)) {
              return new BrokerUnreachableError(
                this.endpoints.join(" or "),
                service,
                n,
                elapsedMs,
              );
            }
            return reason === "deadline"
              ? new RequestTimeoutError(
                service,
                n,
                elapsedMs,
                policy.deadlineMs,
                {
                  limit: "deadline",
                },
              )
              : new RequestTimeoutError(
                service,
                n,
                elapsedMs,
                policy.attemptTimeoutMs,
              );
          },
        });
        this.#stats.replies++;
        return reply;
      } catch (e) {
        this.#stats.failures++;
        if (!(e instanceof ClosedError) && this.#kind !== "rz") this.#drop();
        throw e;
      }
    } finally {
      this.#active--;
    }
  }

  /**
   * After the first timeout: is the service there at all (MMI), is the
   * broker there at all? In RZ mode the late reply to the request itself
   * may come meanwhile, on the same socket, and is taken.
   */
  async #checkAfterTimeout(
    service: string,
    id: number,
    attempt: number,
    policy: { attemptTimeoutMs: number; deadlineMs: number },
    signal: AbortSignal | undefined,
    calledAt: number,
  ): Promise<{ value: Uint8Array[] } | void> {
    const dueAt = Math.min(
      this.#clock.now() + policy.attemptTimeoutMs,
      calledAt + policy.deadlineMs,
    );
    const sock = this.#sock ?? this.#open();
    const mmi = encodeClientRequest(MMI_SERVICE, [service]);
    if (!await this.#sendBy(sock, mmi, dueAt, signal)) return;
    for (;;) {
      const msg = await this.#receive(sock, dueAt, signal);
      if (msg === null) break;
      const reply = decodeClientReply(msg);
      if (reply instanceof ProtocolError) {
        this.#dropped("malformed");
        continue;
      }
      if (reply.service === MMI_SERVICE) {
        if (parseMmiStatus(reply.body) === "404") {
          throw new ServiceUnavailableError(
            service,
            `Service "${service}" is not available: no reply to the first attempt and the broker reports no worker (MMI 404)`,
          );
        }
        return; // 200 (or 501): the broker is there; retry
      }
      if (reply.service === service && this.#kind === "rz") {
        const rz = classifyRzReply(reply.body);
        if (rz.kind === "reply" && rz.id === id) return { value: rz.body };
        if (rz.kind === "error" && rz.id === id) {
          this.#stats.errorReplies++;
          if (rz.code !== "502") throw errorReply(service, rz.code, rz.text);
          return;
        }
      }
      this.#dropped("stale");
    }
    // Nothing at all since the call and no connection: no broker there.
    if (this.#unreachable(calledAt)) {
      this.#drop();
      throw new BrokerUnreachableError(
        this.endpoint,
        service,
        attempt,
        this.#clock.now() - calledAt,
      );
    }
  }

  /**
   * Asks the broker (8/MMI `mmi.service`) whether a service has at least
   * one registered worker.
   *
   * @param service The service name.
   * @param options Per-call attempts, timeouts and abort signal.
   * @returns `true` on 200, `false` on 404.
   * @throws {RequestTimeoutError} When the broker does not answer.
   * @throws {BrokerUnreachableError} When nothing at all was heard from it.
   * @throws {ProtocolError} When the broker answers something else (e.g.
   * 501: it has no MMI).
   * @example
   * ```ts ignore
   * // ignore: needs a running broker
   * if (!(await client.serviceAvailable("echo"))) console.log("no echo worker");
   * ```
   */
  async serviceAvailable(
    service: string,
    options?: MajordomoRequestOptions,
  ): Promise<boolean> {
    if (typeof service !== "string") {
      throw new TypeError(
        `${CLS}.serviceAvailable(): service must be a string, got ${typeof service}`,
      );
    }
    validateServiceName(service);
    const reply = await this.request(MMI_SERVICE, [service], options);
    const status = parseMmiStatus(reply);
    if (status === "200") return true;
    if (status === "404") return false;
    throw new ProtocolError("MMI", 0, `unexpected status ${status ?? "?"}`);
  }

  /**
   * Fetches the broker's statistics from `mmi.stats`, a service our
   * `MajordomoBroker` adds beyond 8/MMI (other brokers answer 501).
   *
   * @param options Per-call attempts, timeouts and abort signal.
   * @returns The statistics as the broker sends them (JSON).
   * @throws {RequestTimeoutError} When the broker does not answer.
   * @throws {ProtocolError} When the broker does not implement `mmi.stats`.
   * @example
   * ```ts ignore
   * // ignore: needs a running broker
   * const stats = await client.brokerStats();
   * console.log(stats.workers, stats.queued);
   * ```
   */
  async brokerStats(
    options?: MajordomoRequestOptions,
  ): Promise<Record<string, unknown>> {
    const reply = await this.request(MMI_STATS, ["stats"], options);
    const status = parseMmiStatus(reply);
    if (status !== "200" || reply.length < 2) {
      throw new ProtocolError(
        "MMI",
        0,
        `mmi.stats not available (status ${status ?? "?"})`,
      );
    }
    return JSON.parse(td.decode(reply[1]));
  }

  /**
   * Closes the client; a request in progress rejects with `ClosedError`.
   * Idempotent.
   *
   * @returns Resolves once the socket is closed and the request in
   * progress has settled.
   * @example
   * ```ts
   * import { MajordomoClient } from "@reliable/zmq";
   * const client = await MajordomoClient.connect("tcp://127.0.0.1:5555");
   * await client.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const err = new ClosedError(`${CLS} closed`);
      this.#close.abort(err);
      this.#clock.clearTimeout(this.#watchdog);
      this.#watchdog = undefined;
      this.#watchdogAt = Infinity;
      this.#drop();
    }
    await this.#turn.then(() => {}, () => {});
  }

  /** Same as {@linkcode MajordomoClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
