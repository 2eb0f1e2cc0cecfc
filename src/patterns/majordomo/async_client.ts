/**
 * The asynchronous Majordomo client (zguide `mdcliapi2`, with the
 * per-request retries, failover and correlation the guide leaves as an
 * exercise). The decisions live in `_async_core.ts`; this shell owns the
 * sockets.
 *
 * @module
 */
import type { ClientSecurity } from "../../security/settings.ts";
import { ClosedError, ProtocolError } from "../../errors.ts";
import type {
  DealerSocket,
  SocketMonitor,
  SocketOptions,
} from "../../transport/mod.ts";
import type { Frame } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import { EventHub } from "../_kit/events.ts";
import {
  encodeClientRequest,
  validateServiceName,
} from "../../protocol/mdp/codec.ts";
import { MMI_SERVICE, parseMmiStatus } from "../../protocol/mmi/codec.ts";
import { AsyncClientCore, type AsyncPort, type Req } from "./_async_core.ts";
import type { MajordomoAsyncClientEvent } from "./client_events.ts";
import {
  brokerEndpoints,
  failoverSocketOptions,
  openDealer,
  randomFirstId,
  socketOptionsOf,
} from "./_client_common.ts";
import { Deque } from "./_deque.ts";

const CLS = "MajordomoAsyncClient";
const REQUEST = `${CLS}.request()`;
const REQUEST_KEYS = ["deadlineMs", "signal"] as const;
const te = new TextEncoder();
/** Most service names whose encoded bytes a client keeps. */
const SERVICE_CACHE = 256;

// The promise executor of every request: one shared function (no closure
// per call) that hands the promise's settle functions to `request()`.
let nextResolve: (body: Uint8Array[]) => void = () => {};
let nextReject: (e: unknown) => void = () => {};
function capture(
  resolve: (body: Uint8Array[]) => void,
  reject: (e: unknown) => void,
): void {
  nextResolve = resolve;
  nextReject = reject;
}
const KEYS = [
  "deadlineMs",
  "attemptTimeoutMs",
  "maxAttempts",
  "failoverMs",
  "maxInFlight",
  "fallbackConcurrency",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;

/**
 * Options of {@linkcode MajordomoAsyncClient}. The three times are
 * different things: `deadlineMs` bounds a whole request, `attemptTimeoutMs`
 * one try of it, `failoverMs` the broker's silence.
 *
 * @example
 * ```ts
 * import { MajordomoAsyncClient } from "@reliable/zmq";
 * const client = await MajordomoAsyncClient.connect("tcp://127.0.0.1:5555", {
 *   deadlineMs: 60_000, attemptTimeoutMs: 10_000, maxInFlight: 100,
 * });
 * await client.close();
 * ```
 */
export interface MajordomoAsyncClientOptions {
  /**
   * Default limit of each request, from the call to giving up, in ms
   * (per call: `request(..., { deadlineMs })`).
   * @default 30000
   */
  deadlineMs?: number;
  /**
   * How long one attempt waits before the request is sent again, in ms.
   * Against a reliable-zmq broker a resend of a request the broker still
   * holds is dropped there, so a slow handler still runs once; against
   * another broker the resend goes on a new connection and may run the
   * request again, so set it above your slowest handler. Must not exceed
   * `deadlineMs`.
   * @default 5000
   */
  attemptTimeoutMs?: number;
  /**
   * Sends per request in all (the first plus resends for any reason), so
   * also the most times one request can run.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * How long the broker's connection may be silent at the ZeroMQ level
   * (ZMTP heartbeats, answered by the broker's I/O thread even while it is
   * busy) before the client drops it, connects anew and resends what was
   * outstanding on it, in ms; `Infinity`: never. A broker that dies is
   * noticed at once (its connection closes); this is for one that hangs.
   * @default 10000
   */
  failoverMs?: number;
  /**
   * Most requests outstanding; further calls wait for a free place.
   * @default 1000
   */
  maxInFlight?: number;
  /**
   * Against a broker that is not a reliable-zmq one (plain 7/MDP has no
   * request id), each request in flight needs a DEALER of its own; this
   * many at most. Others wait their turn.
   * @default 32
   */
  fallbackConcurrency?: number;
  /** Options for every DEALER the client opens (CURVE keys, ...). @default {} */
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
  onEvent?: (event: MajordomoAsyncClientEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * Per-call options of {@linkcode MajordomoAsyncClient.request}.
 *
 * @example
 * ```ts
 * import type { MajordomoAsyncRequestOptions } from "@reliable/zmq";
 * const options: MajordomoAsyncRequestOptions = { deadlineMs: 1000, signal: AbortSignal.timeout(5000) };
 * ```
 */
export interface MajordomoAsyncRequestOptions {
  /** Limit of this request, in ms from the call (at least `attemptTimeoutMs`... or less: then one attempt). */
  deadlineMs?: number;
  /** Cancels this request; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Counters of a {@linkcode MajordomoAsyncClient} (a snapshot).
 *
 * @example
 * ```ts
 * import type { MajordomoAsyncClientStats } from "@reliable/zmq";
 * const s: Partial<MajordomoAsyncClientStats> = { duplicates: 0 };
 * console.log(s.duplicates); // 0
 * ```
 */
export interface MajordomoAsyncClientStats {
  /** Requests sent (first sends). */
  sent: number;
  /** Resends in all (`resentTimeout + resentLost + resentReconnect`). */
  resent: number;
  /** Resends after an attempt timed out. */
  resentTimeout: number;
  /** Resends after the worker holding the request died (RZ 502). */
  resentLost: number;
  /** Resends of requests outstanding on a connection that dropped. */
  resentReconnect: number;
  /** Requests answered. */
  replies: number;
  /** Error replies received (RZ 500, 502, 503, 504). */
  errorReplies: number;
  /** Replies for requests already settled, dropped. */
  duplicates: number;
  /** Requests that failed (any error but a close). */
  failed: number;
  /** Connections replaced after a drop or `failoverMs` of silence. */
  reconnects: number;
  /** Malformed or unexpected messages from the broker, dropped. */
  invalid: number;
  /** What the broker is on the current connection. */
  broker: "rz" | "foreign" | "unknown";
}

/**
 * An asynchronous Majordomo client: many requests in flight, each with its
 * own deadline, attempts and `AbortSignal`; replies matched to requests in
 * any order; each call resolves or rejects exactly once.
 *
 * **With a reliable-zmq broker** (detected once per connection by its
 * `mmi.rz` answer) every request carries a correlation id that the broker
 * takes off before the worker sees the request and puts back on the
 * reply, so any 7/MDP worker serves it. The broker also drops a resend of
 * a request it still holds, tells the client at once when a request fails
 * (`HandlerFailedError`, `RequestRejectedError`, `RequestExpiredError`),
 * and tells it when the worker holding a request died (the request is
 * resent at once).
 *
 * **With any other 7/MDP broker** the client falls back to plain 7/MDP:
 * each request in flight gets a DEALER of its own (up to
 * `fallbackConcurrency`), so a reply is unambiguous; an attempt that times
 * out closes its DEALER, so a late reply can never be taken for another
 * request.
 *
 * **Delivery contract.** Execution is *at least once* (unless the request
 * fails), resolution *exactly once*: a duplicate or late reply is dropped
 * and counted. A request runs at most `maxAttempts` times: every send,
 * whatever its cause, is an attempt. Against a reliable-zmq broker it runs
 * more than once only when its worker died or the broker's connection
 * dropped while it ran; against another broker also when an attempt timed
 * out while the handler was still running. Make handlers idempotent, or
 * deduplicate on a key in the request.
 *
 * **Failures are resent per request**: an attempt that times out resends
 * that request alone (at most `maxAttempts` sends, never the whole window);
 * a connection that drops (broker killed or restarted, seen through the
 * socket monitor, or silent for `failoverMs`) is replaced, and exactly the
 * requests that were outstanding on it are resent.
 *
 * @example
 * ```ts
 * import { MajordomoAsyncClient, MajordomoBroker, MajordomoWorker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const [endpoint] = broker.endpoints;
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (req) => req);
 * const client = await MajordomoAsyncClient.connect(endpoint);
 * const replies = await Promise.all(["a", "b", "c"].map((x) => client.request("echo", [x])));
 * console.log(replies.map(([r]) => new TextDecoder().decode(r))); // [ "a", "b", "c" ]
 * await client.close();
 * await worker.close();
 * await broker.close();
 * ```
 */
export class MajordomoAsyncClient implements AsyncDisposable {
  /**
   * The brokers: one, or the two of a Binary Star pair (primary first),
   * which the client follows.
   */
  readonly endpoints: readonly string[];
  #at = 0;
  readonly #deadlineMs: number;
  readonly #attemptTimeoutMs: number;
  readonly #maxInFlight: number;
  readonly #failoverMs: number;
  readonly #socketOptions: SocketOptions;
  readonly #log: Logger;
  readonly #events: EventHub<MajordomoAsyncClientEvent>;
  readonly #clock: Clock;
  readonly #core: AsyncClientCore;
  readonly #waiting = new Deque<() => boolean>();
  readonly #slots = new Map<number, DealerSocket>();
  /** Service name → its validated bytes (bounded). */
  readonly #services = new Map<string, Uint8Array>();
  #sock: DealerSocket | null = null;
  #monitor: SocketMonitor | null = null;
  #gen = 0;
  #nextSlot = 1;
  #nextId = randomFirstId();
  #closed = false;
  readonly #loops = new Set<Promise<void>>();

  private constructor(
    endpoints: string[],
    options: MajordomoAsyncClientOptions,
  ) {
    this.endpoints = Object.freeze(endpoints);
    const o = opt.readOptions(CLS, options, KEYS);
    this.#deadlineMs = opt.durationMs(CLS, "deadlineMs", o.deadlineMs, 30000, {
      min: 1,
      infinity: true,
    });
    this.#attemptTimeoutMs = opt.durationMs(
      CLS,
      "attemptTimeoutMs",
      o.attemptTimeoutMs,
      Math.min(5000, this.#deadlineMs),
      { min: 1 },
    );
    opt.attemptWithinDeadline(CLS, this.#attemptTimeoutMs, this.#deadlineMs);
    const maxAttempts = opt.count(CLS, "maxAttempts", o.maxAttempts, 3, 1, 100);
    this.#failoverMs = opt.durationMs(CLS, "failoverMs", o.failoverMs, 10000, {
      min: 2,
      infinity: true,
    });
    this.#maxInFlight = opt.count(CLS, "maxInFlight", o.maxInFlight, 1000, 1);
    const fallbackConcurrency = opt.count(
      CLS,
      "fallbackConcurrency",
      o.fallbackConcurrency,
      32,
      1,
      4096,
    );
    this.#socketOptions = socketOptionsOf(CLS, o.socketOptions, o.security);
    this.#log = opt.logger(CLS, o.logger, CLS);
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: MajordomoAsyncClientEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.#clock = opt.clock(CLS, o.clock);
    const port: AsyncPort = {
      sendMain: (frames) => this.#send(this.#sock, frames),
      replaceMain: (other) => {
        if (other && this.endpoints.length > 1) this.#at = 1 - this.#at;
        this.#openMain();
      },
      openSlot: () => this.#openSlot(),
      sendSlot: (id, frames) => this.#send(this.#slots.get(id) ?? null, frames),
      closeSlot: (id) => {
        this.#slots.get(id)?.close();
        this.#slots.delete(id);
      },
      settled: (r) => {
        if (r.onAbort) r.signal!.removeEventListener("abort", r.onAbort);
        if (this.#waiting.length > 0) this.#wake();
      },
    };
    this.#core = new AsyncClientCore(
      this.#clock,
      port,
      {
        deadlineMs: this.#deadlineMs,
        attemptTimeoutMs: this.#attemptTimeoutMs,
        maxAttempts,
        fallbackConcurrency,
        pair: endpoints.length > 1,
      },
      this.#events,
      this.#log,
      new RateLimitedLog(this.#log, this.#clock),
      endpoints.join(" or "),
    );
  }

  /**
   * Creates a client, opens its DEALER and asks the broker what it is
   * (`mmi.rz`); resolves at once (a broker that is not up yet is fine:
   * requests wait for it, within their deadlines).
   *
   * @param endpoint The broker's endpoint, e.g. `"tcp://127.0.0.1:5555"`.
   * @param options Deadline, attempts, failover, window, sockets, logger.
   * @returns The client.
   * @throws {TypeError} On a malformed endpoint, an unknown option key or
   * a badly typed option.
   * @throws {RangeError} On an option out of range (a time over 2^31-1 ms,
   * `attemptTimeoutMs` over `deadlineMs`).
   * @example
   * ```ts
   * import { MajordomoAsyncClient } from "@reliable/zmq";
   * const client = await MajordomoAsyncClient.connect("tcp://127.0.0.1:5555");
   * await client.close();
   * ```
   */
  static connect(
    endpoint: string | readonly [string, string],
    options?: MajordomoAsyncClientOptions,
  ): Promise<MajordomoAsyncClient> {
    try {
      const endpoints = brokerEndpoints(`${CLS}.connect()`, endpoint);
      const client = new MajordomoAsyncClient(endpoints, options ?? {});
      client.#openMain();
      client.#core.start();
      return Promise.resolve(client);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The broker the client talks to now (of `endpoints`). */
  get endpoint(): string {
    return this.endpoints[this.#at];
  }

  /** A snapshot of the client's counters. */
  get stats(): MajordomoAsyncClientStats {
    return { ...this.#core.counters, broker: this.#core.mode ?? "unknown" };
  }

  /** Requests made and not yet settled. */
  get outstanding(): number {
    return this.#core.outstanding;
  }

  /**
   * Adds an event listener (besides the `onEvent` option).
   *
   * @param listener Called with every event.
   * @returns A function that removes it.
   */
  on(listener: (event: MajordomoAsyncClientEvent) => void): () => void {
    return this.#events.on(listener);
  }

  // ---- sockets ----------------------------------------------------------------

  #dealer(beforeConnect?: (sock: DealerSocket) => void): DealerSocket {
    return openDealer(this.endpoint, this.#socketOptions, {
      sendHighWaterMark: 0,
      receiveHighWaterMark: 0,
      ...failoverSocketOptions(this.#failoverMs),
    }, beforeConnect);
  }

  #openMain(): void {
    this.#sock?.close();
    this.#monitor?.close();
    let monitor: SocketMonitor | null = null;
    const sock = this.#dealer((s) => monitor = s.monitor());
    const gen = ++this.#gen;
    this.#sock = sock;
    this.#monitor = monitor!;
    this.#track(this.#receive(sock, (m) => {
      if (gen === this.#gen) this.#core.onMainMessage(m);
    }));
    this.#track(this.#watch(this.#monitor, gen));
  }

  #track(p: Promise<void>): void {
    this.#loops.add(p);
    const del = () => this.#loops.delete(p);
    p.then(del, del);
  }

  #openSlot(): number {
    const id = this.#nextSlot++;
    const sock = this.#dealer();
    this.#slots.set(id, sock);
    // A slot carries one request at a time: after its reply there is
    // nothing to drain, so each wake-up looks at the empty socket once.
    this.#track(this.#receive(sock, (m) => {
      if (this.#slots.get(id) === sock) this.#core.onSlotMessage(id, m);
    }, 0));
    return id;
  }

  #send(sock: DealerSocket | null, frames: Uint8Array[]): void {
    if (sock === null || sock.closed) return;
    try {
      if (sock.trySend(frames)) return;
    } catch {
      return; // closed meanwhile: the request's timers take over
    }
    sock.send(frames).catch(() => {});
  }

  async #receive(
    sock: DealerSocket,
    deliver: (m: Uint8Array[]) => void,
    drain = 1024,
  ): Promise<void> {
    for (;;) {
      try {
        deliver(await sock.receive());
        // Drain what is already there without a promise per message.
        for (let i = 0; i < drain && !sock.closed; i++) {
          const m = sock.tryReceive();
          if (m === null) break;
          deliver(m);
        }
      } catch (e) {
        if (sock.closed || this.#closed || e instanceof ClosedError) return;
        // Anything else (a signal interrupting libzmq, EINTR) must not end
        // the loop: every reply of the socket would be lost with it.
        this.#log.warn("receive failed; receiving again", {
          error: String(e),
        });
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }

  async #watch(monitor: SocketMonitor, gen: number): Promise<void> {
    for (;;) {
      let ev;
      try {
        ev = await monitor.next();
      } catch {
        return;
      }
      if (ev === null || gen !== this.#gen || this.#closed) return;
      if (ev.type === "handshake-succeeded") this.#core.onConnected();
      else if (ev.type === "disconnected") {
        this.#core.onDisconnected(); // replaces the socket (gen moves on)
        return;
      }
    }
  }

  // ---- requests ---------------------------------------------------------------

  /**
   * Sends a request and resolves with its reply, whenever it comes.
   *
   * @param service The service name (1-255 bytes).
   * @param body The request, one or more frames.
   * @param options This request's deadline and abort signal.
   * @returns The reply body.
   * @throws {TypeError} On a badly typed argument or an unknown option.
   * @throws {RangeError} On an empty service name or body, or a frame over
   * the broker's advertised limit (nothing is sent).
   * @throws {RequestTimeoutError} When the deadline passes first (or the
   * attempts ran out on a foreign broker).
   * @throws {BrokerUnreachableError} When nothing at all was heard from
   * the broker since the call.
   * @throws {ServiceUnavailableError} When the first attempt timed out and
   * the broker's MMI says the service has no worker.
   * @throws {HandlerFailedError} The worker's handler failed (RZ 500).
   * @throws {RequestRejectedError} The broker refused it at a bound (RZ 503).
   * @throws {RequestExpiredError} It expired in the broker's queue (RZ 504).
   * @throws {WorkerLostError} Its worker died on every attempt (RZ 502).
   * @throws {ClosedError} When the client is or gets closed.
   * @example
   * ```ts ignore
   * // ignore: needs a broker with an "echo" worker (see the class example)
   * const ac = new AbortController();
   * const [reply] = await client.request("echo", ["x"], { signal: ac.signal, deadlineMs: 1000 });
   * ```
   */
  request(
    service: string,
    body: readonly Frame[],
    options?: MajordomoAsyncRequestOptions,
  ): Promise<Uint8Array[]> {
    let serviceBytes: Uint8Array;
    let frames: Uint8Array[];
    let deadlineMs: number;
    let signal: AbortSignal | undefined;
    try {
      if (typeof service !== "string") {
        throw new TypeError(
          `${REQUEST}: service must be a string, got ${typeof service}`,
        );
      }
      opt.frames(REQUEST, "body", body);
      const known = this.#services.get(service);
      if (known === undefined) {
        // First use of this name: the codec checks it (and the body).
        const all = encodeClientRequest(service, body);
        serviceBytes = all[2];
        frames = all.slice(3);
        if (this.#services.size >= SERVICE_CACHE) this.#services.clear();
        this.#services.set(service, serviceBytes);
      } else {
        serviceBytes = known;
        frames = new Array<Uint8Array>(body.length);
        for (let i = 0; i < body.length; i++) {
          const f = body[i];
          frames[i] = typeof f === "string" ? te.encode(f) : f;
        }
      }
      if (options === undefined) {
        deadlineMs = this.#deadlineMs;
      } else {
        const o = opt.readOptions(REQUEST, options, REQUEST_KEYS);
        deadlineMs = opt.durationMs(
          REQUEST,
          "deadlineMs",
          o.deadlineMs,
          this.#deadlineMs,
          { min: 1, infinity: true },
        );
        signal = opt.signal(REQUEST, o.signal);
      }
      if (this.#closed) throw this.#closedError(service);
      signal?.throwIfAborted();
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#core.outstanding >= this.#maxInFlight) {
      return this.#requestLater(
        service,
        serviceBytes,
        frames,
        deadlineMs,
        signal,
      );
    }
    return this.#start(service, serviceBytes, frames, deadlineMs, signal);
  }

  async #requestLater(
    service: string,
    serviceBytes: Uint8Array,
    frames: Uint8Array[],
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array[]> {
    await this.#waitForRoom(signal);
    if (this.#closed) throw this.#closedError(service);
    signal?.throwIfAborted();
    return await this.#start(service, serviceBytes, frames, deadlineMs, signal);
  }

  /** Hands a request to the core: one promise, no closure unless a signal. */
  #start(
    service: string,
    serviceBytes: Uint8Array,
    frames: Uint8Array[],
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array[]> {
    const p = new Promise<Uint8Array[]>(capture);
    const req: Req = this.#core.submit(
      this.#nextId++,
      service,
      serviceBytes,
      frames,
      deadlineMs,
      nextResolve,
      nextReject,
    );
    if (signal && req.state !== "done") {
      const core = this.#core;
      req.signal = signal;
      req.onAbort = () => core.abort(req, signal.reason);
      signal.addEventListener("abort", req.onAbort, { once: true });
    }
    return p;
  }

  #closedError(service: string): ClosedError {
    return new ClosedError(
      `Cannot send request to service "${service}": client is closed`,
    );
  }

  #waitForRoom(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const onAbort = () => {
        if (done) return;
        done = true;
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(() => {
        signal?.removeEventListener("abort", onAbort);
        if (done) return false; // aborted meanwhile: pass the place on
        done = true;
        resolve();
        return true;
      });
    });
  }

  #wake(): void {
    while (this.#core.outstanding < this.#maxInFlight) {
      const w = this.#waiting.shift();
      if (!w) return;
      if (w()) return;
    }
  }

  /**
   * Asks the broker (8/MMI) whether a service has a registered worker.
   *
   * @param service The service name.
   * @param options Deadline and abort signal.
   * @returns `true` on 200, `false` on 404.
   * @throws {RequestTimeoutError} When the broker does not answer in time.
   * @throws {ProtocolError} On any other status (e.g. 501).
   * @example
   * ```ts ignore
   * // ignore: needs a running broker
   * console.log(await client.serviceAvailable("echo"));
   * ```
   */
  async serviceAvailable(
    service: string,
    options?: MajordomoAsyncRequestOptions,
  ): Promise<boolean> {
    if (typeof service !== "string") {
      throw new TypeError(
        `${CLS}.serviceAvailable(): service must be a string, got ${typeof service}`,
      );
    }
    validateServiceName(service);
    const status = parseMmiStatus(
      await this.request(MMI_SERVICE, [service], options),
    );
    if (status === "200") return true;
    if (status === "404") return false;
    throw new ProtocolError("MMI", 0, `unexpected status ${status ?? "?"}`);
  }

  /**
   * Closes the client: every outstanding request rejects with
   * `ClosedError`, every socket is closed. Idempotent.
   *
   * @returns Resolves once everything is closed.
   * @example
   * ```ts
   * import { MajordomoAsyncClient } from "@reliable/zmq";
   * const client = await MajordomoAsyncClient.connect("tcp://127.0.0.1:5555");
   * await client.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#gen++;
      this.#core.close(new ClosedError(`${CLS} closed`));
      for (let w = this.#waiting.shift(); w; w = this.#waiting.shift()) w();
      this.#monitor?.close();
      this.#sock?.close();
      this.#sock = null;
      for (const s of this.#slots.values()) s.close();
      this.#slots.clear();
    }
    await Promise.all([...this.#loops]);
  }

  /** Same as {@linkcode MajordomoAsyncClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
