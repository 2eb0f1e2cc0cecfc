/**
 * The Majordomo worker (7/MDP worker side, zguide `mdwrkapi`).
 *
 * @module
 */
import type { ClientSecurity } from "../../security/settings.ts";
import { ClosedError, ProtocolError } from "../../errors.ts";
import type {
  DealerSocket,
  MonitorEvent,
  SocketMonitor,
  SocketOptions,
} from "../../transport/mod.ts";
import type { Frame } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import { EventHub } from "../_kit/events.ts";
import { backoffMs, PeerLiveness } from "../_kit/liveness.ts";
import {
  decodeClientReply,
  decodeWorkerInbound,
  encodeClientRequest,
  encodeReady,
  encodeWorkerReply,
  encodeWorkerSignal,
  MdpWorkerCommand,
  validateServiceName,
} from "../../protocol/mdp/codec.ts";
import { isMmiService } from "../../protocol/mmi/codec.ts";
import {
  MMI_RZ,
  parseRzInfo,
  rzProbeBody,
  workerErrorFrame,
} from "./correlation.ts";
import type { BrokerKind, MajordomoWorkerEvent } from "./client_events.ts";
import {
  brokerEndpoints,
  openDealer,
  receiveUntil,
  socketOptionsOf,
} from "./_client_common.ts";

const CLS = "MajordomoWorker";
const HEARTBEAT = encodeWorkerSignal(MdpWorkerCommand.HEARTBEAT);
const DISCONNECT = encodeWorkerSignal(MdpWorkerCommand.DISCONNECT);
const te = new TextEncoder();
const KEYS = [
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

interface Job {
  gen: number;
  address: Uint8Array;
  body: Uint8Array[];
}

/**
 * A Majordomo worker: registers one service with a broker and answers its
 * requests with a handler, one at a time (7/MDP, zguide `mdwrkapi`).
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
 */
export class MajordomoWorker implements AsyncDisposable {
  /**
   * The brokers: one, or the two of a Binary Star pair (primary first),
   * which the worker follows.
   */
  readonly endpoints: readonly string[];
  #at = 0;
  /** Resolves once connected to the broker and registered (READY sent). */
  readonly ready: Promise<void>;
  readonly #service: Uint8Array;
  readonly #serviceText: string;
  readonly #handler: MajordomoHandler;
  readonly #hbMs: number;
  readonly #liveness: number;
  readonly #reconnectInitialMs: number;
  readonly #reconnectMaxMs: number;
  readonly #onError?: (e: unknown, r: Uint8Array[]) => Frame[] | undefined;
  readonly #lingerMs: number;
  readonly #maxFrameBytes: number;
  readonly #maxMessageBytes: number;
  readonly #socketOptions: SocketOptions;
  readonly #log: Logger;
  readonly #bad: RateLimitedLog;
  readonly #events: EventHub<MajordomoWorkerEvent>;
  readonly #clock: Clock;
  readonly #stop = new AbortController();
  #resolveReady!: () => void;
  #rejectReady!: (e: unknown) => void;
  #sock: DealerSocket | null = null;
  #monitor: SocketMonitor | null = null;
  #kind: BrokerKind = "foreign";
  #gen = 0;
  #busy = false;
  #peer: PeerLiveness | null = null;
  #restart = false;
  #connected = false;
  #wake: (() => void) | null = null;
  #loop: Promise<void> = Promise.resolve();
  #current: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  readonly #stats: MajordomoWorkerStats = {
    requests: 0,
    replies: 0,
    handlerErrors: 0,
    errorReplies: 0,
    oversize: 0,
    connections: 0,
    connectFailures: 0,
    invalidMessages: 0,
  };

  private constructor(
    endpoints: string[],
    service: string,
    handler: MajordomoHandler,
    options: MajordomoWorkerOptions,
  ) {
    this.endpoints = Object.freeze(endpoints);
    this.#service = validateServiceName(service);
    if (isMmiService(service)) {
      throw new RangeError(
        `${CLS}.connect(): service "${service}" is reserved for the broker (8/MMI)`,
      );
    }
    this.#serviceText = service;
    this.#handler = handler;
    const o = opt.readOptions(CLS, options, KEYS);
    this.#hbMs = opt.durationMs(
      CLS,
      "heartbeatIntervalMs",
      o.heartbeatIntervalMs,
      2500,
      { min: 1 },
    );
    this.#liveness = opt.count(CLS, "liveness", o.liveness, 3, 1, 1000);
    this.#reconnectInitialMs = opt.durationMs(
      CLS,
      "reconnectInitialMs",
      o.reconnectInitialMs,
      1000,
      { min: 0 },
    );
    this.#reconnectMaxMs = opt.durationMs(
      CLS,
      "reconnectMaxMs",
      o.reconnectMaxMs,
      Math.max(32000, this.#reconnectInitialMs),
      { min: this.#reconnectInitialMs },
    );
    this.#onError = opt.fn(CLS, "onError", o.onError);
    this.#lingerMs = opt.durationMs(CLS, "lingerMs", o.lingerMs, 500);
    this.#maxFrameBytes = opt.count(
      CLS,
      "maxFrameBytes",
      o.maxFrameBytes,
      16 * 1024 * 1024,
      1,
    );
    this.#maxMessageBytes = opt.count(
      CLS,
      "maxMessageBytes",
      o.maxMessageBytes,
      64 * 1024 * 1024,
      1,
    );
    this.#socketOptions = socketOptionsOf(CLS, o.socketOptions, o.security);
    this.#log = opt.logger(CLS, o.logger, `${CLS} ${service}`);
    this.#clock = opt.clock(CLS, o.clock);
    this.#bad = new RateLimitedLog(this.#log, this.#clock);
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: MajordomoWorkerEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // a close before ready is not unhandled
  }

  /**
   * Creates a worker and starts its conversation with the broker. Resolves
   * at once; `worker.ready` resolves once it is registered.
   *
   * @param endpoint The broker's endpoint, e.g. `"tcp://127.0.0.1:5555"`.
   * @param service The service to serve (1-255 bytes, not `mmi.*`).
   * @param handler Turns a request body into a reply body.
   * @param options Heartbeat, reconnect, error handling, limits, logger.
   * @returns The worker.
   * @throws {TypeError} On a malformed endpoint, a badly typed argument or
   * an unknown option key.
   * @throws {RangeError} On a bad service name or option value.
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
      // The first socket is opened here, so that an endpoint ZeroMQ refuses
      // fails the call instead of a background loop.
      const first = w.#open();
      w.#loop = w.#run(first);
      return Promise.resolve(w);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The broker the worker talks to now (of `endpoints`). */
  get endpoint(): string {
    return this.endpoints[this.#at];
  }

  /** The service this worker serves. */
  get service(): string {
    return this.#serviceText;
  }

  /** A snapshot of the worker's counters. */
  get stats(): MajordomoWorkerStats {
    return { ...this.#stats };
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

  #emit(e: MajordomoWorkerEvent): void {
    if (this.#events.active) this.#events.emit(e);
  }

  #open(): DealerSocket {
    return openDealer(this.endpoint, this.#socketOptions, {
      // Replaced sockets go at once; close() sets lingerMs for the final
      // DISCONNECT.
      lingerMs: 0,
      maxMessageSize: this.#maxFrameBytes,
    }, (s) => this.#monitor = s.monitor());
  }

  async #run(first: DealerSocket): Promise<void> {
    const stop = this.#stop.signal;
    let failures = 0;
    let sock: DealerSocket | null = first;
    while (!stop.aborted) {
      sock ??= this.#open();
      const gen = ++this.#gen;
      this.#sock = sock;
      this.#restart = false;
      this.#connected = false;
      const watching = this.#watch(gen);
      const outcome = await this.#converse(sock, gen);
      this.#sock = null;
      this.#monitor?.close();
      this.#monitor = null;
      if (stop.aborted) {
        // close() sends DISCONNECT after the request in progress.
        this.#sock = sock;
        await watching;
        break;
      }
      if (outcome === "restart") this.#trySend(sock, DISCONNECT);
      // A Binary Star pair: whatever ended the conversation (silence,
      // DISCONNECT from a passive broker, a dropped connection, no answer
      // to the probe), the other broker is the one to try next.
      if (this.endpoints.length > 1) this.#at = 1 - this.#at;
      // The next socket opens before the old one closes (when there is no
      // wait): the process's ZeroMQ context is never left without a socket
      // in between.
      const next = outcome === "silent" ? null : this.#open();
      sock.close();
      await watching;
      sock = next;
      if (outcome === "silent") {
        failures++;
        const delayMs = backoffMs(failures, {
          reconnectInitialMs: this.#reconnectInitialMs,
          reconnectMaxMs: this.#reconnectMaxMs,
          jitter: 0.5,
        });
        this.#log.warn("broker silent; reconnecting", {
          endpoint: this.endpoint,
          delayMs: Math.round(delayMs),
        });
        this.#emit({ type: "broker:silent", delayMs });
        try {
          await this.#clock.sleep(delayMs, stop);
        } catch {
          break; // closed
        }
      } else {
        failures = 0;
      }
    }
    if (sock !== null && sock !== this.#sock) {
      this.#monitor?.close();
      sock.close(); // opened for a next conversation that never started
    }
  }

  /** Watches the socket's connection events until it closes. */
  async #watch(gen: number): Promise<void> {
    const monitor = this.#monitor;
    if (monitor === null) return;
    for (;;) {
      let ev: MonitorEvent | null;
      try {
        ev = await monitor.next();
      } catch {
        ev = null;
      }
      if (ev === null || gen !== this.#gen) break;
      if (ev.type === "handshake-succeeded") {
        this.#connected = true;
      } else if (
        ev.type === "connect-retried" || ev.type.startsWith("handshake-failed")
      ) {
        this.#stats.connectFailures++;
        const reason = ev.type === "connect-retried"
          ? "connection refused or unreachable; retrying"
          : ev.type;
        this.#bad.warn("connect", `cannot connect to the broker: ${reason}`, {
          endpoint: this.endpoint,
        });
        this.#emit({
          type: "connection:failed",
          endpoint: this.endpoint,
          reason,
        });
      } else if (ev.type === "disconnected") {
        this.#connected = false;
        this.#emit({ type: "connection:lost", endpoint: this.endpoint });
        this.#restart = true; // start a new conversation at once
        this.#wake?.();
      }
    }
    monitor.close();
  }

  /**
   * One conversation: probe, READY, then serve until the broker goes
   * silent, disconnects us, or the connection drops.
   */
  async #converse(
    sock: DealerSocket,
    gen: number,
  ): Promise<"silent" | "restart" | "again" | "stopped"> {
    const stop = this.#stop.signal;
    const kind = await this.#probe(sock, stop);
    if (kind === null) return stop.aborted ? "stopped" : "again";
    this.#kind = kind;
    this.#trySend(sock, encodeReady(this.#service));
    this.#stats.connections++;
    this.#resolveReady();
    this.#emit({
      type: "worker:registered",
      service: this.#serviceText,
      broker: kind,
    });
    const peer = new PeerLiveness(
      { heartbeatIntervalMs: this.#hbMs, liveness: this.#liveness },
      this.#clock.now(),
    );
    this.#peer = peer;
    while (!stop.aborted && !this.#restart && !sock.closed) {
      let msg: Uint8Array[] | null;
      try {
        msg = await this.#receive(sock, peer.nextCheckAt(), stop);
      } catch {
        break; // closed or stopped
      }
      const now = this.#clock.now();
      if (msg !== null) {
        const m = decodeWorkerInbound(msg);
        if (m instanceof ProtocolError) {
          this.#invalid(m.reason);
        } else {
          peer.heard(now);
          if (m.type === "request") this.#take(gen, m.address, m.body);
          else if (m.type === "disconnect") {
            this.#log.info("broker sent DISCONNECT; re-registering");
            this.#emit({ type: "broker:disconnect" });
            return "again";
          }
        }
      }
      if (peer.heartbeatDue(now)) {
        this.#trySend(sock, HEARTBEAT);
        peer.sent(now);
      }
      if (this.#busy) peer.heard(now); // the countdown pauses while busy
      else if (peer.expired(now)) return "silent";
    }
    if (stop.aborted) return "stopped";
    return this.#restart ? "restart" : "again";
  }

  /** Receives until `dueAt`; wakes early when the monitor asks for a restart. */
  #receive(
    sock: DealerSocket,
    dueAt: number,
    stop: AbortSignal,
  ): Promise<Uint8Array[] | null> {
    const ac = new AbortController();
    this.#wake = () => ac.abort();
    const signal = AbortSignal.any([stop, ac.signal]);
    return receiveUntil(sock, this.#clock, dueAt, signal).catch((e) => {
      if (ac.signal.aborted && !stop.aborted) return null;
      throw e;
    }).finally(() => {
      this.#wake = null;
    });
  }

  /** Asks `mmi.rz` before READY; null when stopped or restarting. */
  async #probe(
    sock: DealerSocket,
    stop: AbortSignal,
  ): Promise<BrokerKind | null> {
    this.#trySend(sock, encodeClientRequest(MMI_RZ, rzProbeBody()));
    // A broker that is connected but does not answer (not 7/MDP-conforming)
    // counts as foreign after liveness × heartbeat.
    let connectedSince = Infinity;
    // A Binary Star pair: a passive broker drops the probe, a dead one
    // never connects; either way, after liveness × heartbeat, try the
    // other broker. The probe is resent every heartbeat meanwhile (each
    // one is a client's vote for the broker that may take over).
    const pair = this.endpoints.length > 1;
    const startedAt = this.#clock.now();
    let sentAt = startedAt;
    for (;;) {
      const now = this.#clock.now();
      if (this.#connected && connectedSince === Infinity) connectedSince = now;
      const giveUpAt = (pair ? startedAt : connectedSince) +
        this.#hbMs * this.#liveness;
      if (now >= giveUpAt) return pair ? null : "foreign";
      if (pair && now - sentAt >= this.#hbMs) {
        this.#trySend(sock, encodeClientRequest(MMI_RZ, rzProbeBody()));
        sentAt = now;
      }
      let msg: Uint8Array[] | null;
      try {
        msg = await this.#receive(
          sock,
          Math.min(giveUpAt, now + this.#hbMs),
          stop,
        );
      } catch {
        return null;
      }
      if (this.#restart || stop.aborted) return null;
      if (msg === null) continue;
      const reply = decodeClientReply(msg);
      if (reply instanceof ProtocolError || reply.service !== MMI_RZ) {
        this.#invalid("unexpected message before READY");
        continue;
      }
      return parseRzInfo(reply.body) ? "rz" : "foreign";
    }
  }

  #invalid(reason: string): void {
    this.#stats.invalidMessages++;
    this.#bad.warn("invalid", "invalid message from broker dropped", {
      reason,
    });
    this.#emit({ type: "message:invalid", reason });
  }

  #take(gen: number, address: Uint8Array, body: Uint8Array[]): void {
    this.#stats.requests++;
    const job: Job = { gen, address, body };
    // 7/MDP gives a worker one request at a time; a second one while busy
    // would be a broker bug: it waits its turn rather than running in
    // parallel.
    const prev = this.#current;
    this.#current = prev.then(() => this.#handle(job));
  }

  async #handle(job: Job): Promise<void> {
    this.#busy = true;
    try {
      const reply = await this.#run1(job);
      const sock = this.#sock;
      if (reply === null) return;
      if (sock === null || job.gen !== this.#gen || sock.closed) {
        this.#log.warn("reply dropped: the connection it came on is gone");
        return;
      }
      const frames = encodeWorkerReply(job.address, reply);
      try {
        if (!sock.trySend(frames)) await sock.send(frames);
        this.#stats.replies++;
      } catch (e) {
        this.#log.warn("reply not sent", { error: String(e) });
      }
    } finally {
      this.#busy = false;
      this.#peer?.heard(this.#clock.now());
    }
  }

  /** Runs the handler; returns the reply frames, or null for "no reply". */
  async #run1(job: Job): Promise<Frame[] | null> {
    let size = 0;
    for (const f of job.body) size += f.byteLength;
    let error: unknown;
    if (size > this.#maxMessageBytes) {
      this.#stats.oversize++;
      this.#emit({ type: "request:oversize", bytes: size });
      error = new RangeError(
        `request of ${size} bytes is over the worker's limit of ${this.#maxMessageBytes} bytes (maxMessageBytes)`,
      );
    } else {
      try {
        const reply = await this.#handler(job.body);
        checkReply(reply);
        return reply;
      } catch (e) {
        error = e;
      }
    }
    this.#stats.handlerErrors++;
    const message = error instanceof Error ? error.message : String(error);
    if (this.#onError) {
      try {
        const r = this.#onError(error, job.body);
        if (r !== undefined) {
          checkReply(r);
          this.#failed(message, "on-error");
          return r;
        }
      } catch (e2) {
        this.#log.error("onError failed", { error: String(e2) });
      }
    }
    if (this.#kind === "rz") {
      this.#stats.errorReplies++;
      this.#failed(message, "error-reply");
      return [workerErrorFrame(), te.encode(message)];
    }
    // A foreign broker: 7/MDP has no error reply. Re-register so that the
    // broker does not keep us busy; the client retries or times out.
    this.#failed(message, "reconnect");
    if (job.gen === this.#gen && !this.#stop.signal.aborted) {
      this.#restart = true;
      this.#wake?.();
    }
    return null;
  }

  #failed(message: string, outcome: "error-reply" | "reconnect" | "on-error") {
    this.#bad.warn("handler", "handler failed", {
      service: this.#serviceText,
      error: message,
      outcome,
    });
    this.#emit({ type: "handler:failed", error: message, outcome });
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
   * sends DISCONNECT and closes the socket. Idempotent. `ready` rejects
   * with `ClosedError` if the worker never registered.
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
    this.#stop.abort(new ClosedError(`${CLS} closed`));
    this.#rejectReady(
      new ClosedError(
        `Worker "${this.#serviceText}" closed before it registered`,
      ),
    );
    this.#closing = (async () => {
      await this.#loop;
      await this.#current;
      const s = this.#sock;
      this.#sock = null;
      if (s && !s.closed) {
        try {
          s.setOption("linger", this.#lingerMs);
        } catch {
          // closed meanwhile
        }
        this.#trySend(s, DISCONNECT);
        s.close();
      }
      this.#bad.flush();
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
