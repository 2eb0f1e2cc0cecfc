/**
 * Freelance model three (10/FLP): a ROUTER client that talks to several
 * servers directly, heartbeats them, and sends each request to one live
 * server, failing over within the request's deadline.
 *
 * @module
 */
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import { checkEndpoint } from "../../_util/endpoint.ts";
import type {
  RouterSocket,
  SocketMonitor,
  SocketOptions,
} from "../../transport/mod.ts";
import {
  checkSocketOptions,
  openSocket,
  type SocketPlan,
} from "../../transport/_pattern_socket.ts";
import { EventHub } from "../_kit/events.ts";
import { ClientCore, type SendResult } from "./_client_core.ts";
import type { FreelanceClientEvent, FreelanceClientStats } from "./events.ts";
import { receiveLoop } from "../_kit/receive.ts";
import type { ClientSecurity } from "../../security/settings.ts";
import { clientSecurity } from "../_kit/security.ts";

const CLS = "FreelanceClient";
const KEYS = [
  "heartbeatIntervalMs",
  "liveness",
  "attemptTimeoutMs",
  "deadlineMs",
  "watchConnections",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;

const PLAN: SocketPlan<"ROUTER"> = {
  kind: "ROUTER",
  fixed: {
    routingId: {
      value: undefined,
      why: "10/FLP clients must leave their identity unset",
    },
    routerMandatory: {
      value: true,
      why: "the client must know when a server is unreachable",
    },
  },
  defaults: { lingerMs: 0 },
};

/**
 * Options of {@linkcode FreelanceClient}.
 *
 * @example
 * ```ts
 * import type { FreelanceClientOptions } from "@reliable/zmq/freelance";
 * const options: FreelanceClientOptions = { heartbeatIntervalMs: 500, deadlineMs: 5000 };
 * ```
 */
export interface FreelanceClientOptions {
  /** A server not heard for this long is pinged, ms (guide PING_INTERVAL). @default 2000 */
  heartbeatIntervalMs?: number;
  /** Silent intervals after which a server counts as dead (guide SERVER_TTL = 3 × PING_INTERVAL). @default 3 */
  liveness?: number;
  /** How long one server gets to answer before the request goes to another, ms. @default 1000 */
  attemptTimeoutMs?: number;
  /** A request's default limit from the call, ms (guide GLOBAL_TIMEOUT). @default 3000 */
  deadlineMs?: number;
  /**
   * Watch the ROUTER's connection events: ping a server as soon as its
   * connection is up, and stop using one (failing its requests over) as
   * soon as its connection drops, instead of waiting for heartbeats.
   * Matches events by endpoint, so it helps only where the endpoint
   * connected to is the address libzmq reports (`tcp://127.0.0.1:5555`,
   * not `tcp://localhost:5555`); heartbeats cover the rest.
   * @default true
   */
  watchConnections?: boolean;
  /** Socket options for the ROUTER (CURVE keys, high-water marks...). @default {} */
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
  onEvent?: (event: FreelanceClientEvent) => void;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * Options of one {@linkcode FreelanceClient.request} call.
 *
 * @example
 * ```ts
 * import type { FreelanceRequestOptions } from "@reliable/zmq/freelance";
 * const options: FreelanceRequestOptions = { deadlineMs: 500, signal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface FreelanceRequestOptions {
  /** This request's limit from the call, ms. @default the client's `deadlineMs` */
  deadlineMs?: number;
  /** Abandons the request; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * A Freelance client, model three (10/FLP; zguide `flcliapi`, chapter 4).
 * One ROUTER connects to every server; each server's routing identity is
 * its public endpoint, so the client addresses it by name. The client
 * pings each server one `heartbeatIntervalMs` after it last heard from it
 * and stops using a server silent for `liveness` intervals (or whose
 * connection drops). Each request goes to one live server; with no reply
 * in `attemptTimeoutMs` (or when that server dies) it goes to another,
 * until a reply arrives or the request's deadline passes, when it fails
 * with `NoServerAnsweredError`. The first reply wins, from whichever
 * server; later ones are counted in `stats.late` and dropped. Any number
 * of requests may be in flight; each carries its own control frame.
 *
 * Requests must be idempotent: one may be executed by several servers.
 *
 * @example Two servers, one client
 * ```ts
 * import { FreelanceClient, FreelanceServer } from "@reliable/zmq/freelance";
 * const a = await FreelanceServer.bind("tcp://127.0.0.1:*", (req) => ["A", ...req]);
 * const b = await FreelanceServer.bind("tcp://127.0.0.1:*", (req) => ["B", ...req]);
 * const client = await FreelanceClient.connect([a.endpoint, b.endpoint]);
 * const reply = await client.request(["hello"], { deadlineMs: 5000 });
 * console.log(new TextDecoder().decode(reply[1])); // "hello"
 * await client.close();
 * await a.close();
 * await b.close();
 * ```
 */
export class FreelanceClient implements AsyncDisposable {
  readonly #router: RouterSocket;
  readonly #core: ClientCore;
  readonly #deadlineMs: number;
  readonly #log: Logger;
  readonly #bad: RateLimitedLog;
  readonly #events: EventHub<FreelanceClientEvent>;
  readonly #monitor: SocketMonitor | undefined;
  readonly #loops: Promise<void>[] = [];
  #closed = false;

  private constructor(options: FreelanceClientOptions) {
    const o = opt.readOptions(CLS, options, KEYS);
    const heartbeatIntervalMs = opt.durationMs(
      CLS,
      "heartbeatIntervalMs",
      o.heartbeatIntervalMs,
      2000,
      { min: 1 },
    );
    const liveness = opt.count(CLS, "liveness", o.liveness, 3, 1, 1000);
    const attemptTimeoutMs = opt.durationMs(
      CLS,
      "attemptTimeoutMs",
      o.attemptTimeoutMs,
      1000,
      { min: 1 },
    );
    this.#deadlineMs = opt.durationMs(CLS, "deadlineMs", o.deadlineMs, 3000, {
      min: 1,
    });
    opt.attemptWithinDeadline(CLS, attemptTimeoutMs, this.#deadlineMs);
    const watch = opt.bool(CLS, "watchConnections", o.watchConnections, true);
    const user = {
      ...checkSocketOptions(`${CLS}.connect()`, o.socketOptions, PLAN),
      ...clientSecurity(`${CLS}.connect()`, o.security, o.socketOptions),
    };
    this.#log = opt.logger(CLS, o.logger, CLS);
    const clock = opt.clock(CLS, o.clock);
    this.#bad = new RateLimitedLog(this.#log, clock);
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: FreelanceClientEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.#router = openSocket(`${CLS}.connect()`, PLAN, user);
    const router = this.#router;
    const send = (frames: readonly Frame[]): SendResult => {
      try {
        return router.trySend(frames) ? "sent" : "busy";
      } catch (e) {
        if (e instanceof HostUnreachableError) return "unreachable";
        throw e;
      }
    };
    const events = this.#events;
    this.#core = new ClientCore(
      clock,
      { heartbeatIntervalMs, liveness, attemptTimeoutMs },
      {
        send,
        event: (e) => {
          if (events.active) events.emit(e);
          if (e.type === "server:dead") {
            this.#log.info("server dead", {
              endpoint: e.endpoint,
              cause: e.cause,
            });
          } else if (e.type === "server:alive") {
            this.#log.info("server alive", { endpoint: e.endpoint });
          }
        },
        malformed: (e) =>
          this.#bad.warn("malformed", "malformed 10/FLP message dropped", {
            code: e.code,
            frame: e.frame,
          }),
        unknownSender: (id) =>
          this.#bad.warn(
            "unknown-sender",
            "message from an identity that is no server of this client dropped (a server's identity must be the exact endpoint the client connects to)",
            { identity: new TextDecoder().decode(id).slice(0, 100) },
          ),
      },
    );
    if (watch) {
      this.#monitor = router.monitor();
      this.#loops.push(this.#watch(this.#monitor));
    }
    this.#loops.push(this.#receive());
  }

  /**
   * Creates a client connected to some servers (more may be added with
   * {@linkcode FreelanceClient.connect}).
   *
   * @param endpoints The servers' endpoints, each exactly the identity the
   * server set (`tcp://127.0.0.1:5555`).
   * @param options Timing, socket options, logger, events.
   * @returns The client; requests made before a server answers wait for one.
   * @throws {TypeError} On a malformed endpoint or option.
   * @throws {RangeError} On an option out of range.
   * @example
   * ```ts
   * import { FreelanceClient } from "@reliable/zmq/freelance";
   * const client = await FreelanceClient.connect(["tcp://127.0.0.1:5555", "tcp://127.0.0.1:5556"]);
   * await client.close();
   * ```
   */
  static connect(
    endpoints: string | readonly string[],
    options: FreelanceClientOptions = {},
  ): Promise<FreelanceClient> {
    try {
      const list = typeof endpoints === "string" ? [endpoints] : endpoints;
      if (!Array.isArray(list)) {
        throw new TypeError(
          `${CLS}.connect(): endpoints must be a string or an array of strings`,
        );
      }
      for (const e of list) checkEndpoint(`${CLS}.connect()`, e, "connect");
      const client = new FreelanceClient(options);
      for (const e of list) client.connect(e);
      return Promise.resolve(client);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Connects to one more server. Connecting twice to one endpoint does
   * nothing.
   *
   * @param endpoint The server's endpoint, exactly its identity.
   * @throws {TypeError} On a malformed endpoint.
   * @throws {ClosedError} If the client is closed.
   * @example
   * ```ts
   * import { FreelanceClient } from "@reliable/zmq/freelance";
   * const client = await FreelanceClient.connect([]);
   * client.connect("tcp://127.0.0.1:5555");
   * client.connect("tcp://127.0.0.1:5556");
   * console.log(client.servers.length); // 2
   * await client.close();
   * ```
   */
  connect(endpoint: string): void {
    checkEndpoint(`${CLS}.connect()`, endpoint, "connect");
    if (this.#closed) throw new ClosedError(`${CLS} is closed`);
    if (this.#core.servers.some((s) => s.endpoint === endpoint)) return;
    this.#router.connect(endpoint);
    this.#core.addServer(endpoint);
  }

  /** Each server and its state (`connecting`, `alive`, `dead`). */
  get servers(): {
    endpoint: string;
    state: "connecting" | "alive" | "dead";
  }[] {
    return this.#core.servers;
  }

  /** Counters since the client was created (a snapshot). */
  get stats(): FreelanceClientStats {
    return this.#core.stats;
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
  on(listener: (event: FreelanceClientEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /**
   * Sends a request to one live server and returns the first reply,
   * failing over to other servers within the deadline.
   *
   * @param frames The request, one or more frames.
   * @param options This request's deadline and an abort signal.
   * @returns The reply frames (without the control frame).
   * @throws {TypeError} If `frames` is not a non-empty array of frames.
   * @throws {NoServerAnsweredError} When no server answered within the
   * deadline (`peers` lists the servers tried).
   * @throws {ClosedError} If the client is or gets closed.
   * @example
   * ```ts ignore
   * // ignore: needs servers (see the class example)
   * const reply = await client.request(["lookup", "x"], { deadlineMs: 2000 });
   * ```
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
        false,
      );
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#core.request(a.frames, a.deadlineMs, a.signal);
  }

  #receive(): Promise<void> {
    return receiveLoop(
      this.#router,
      (m) => this.#core.receive(m),
      () => this.#closed,
      this.#log,
      // No tryReceive drain: a failed look costs libzmq a poll(2) and
      // receive() looks once anyway (a ready message resolves at once).
      0,
    );
  }

  async #watch(monitor: SocketMonitor): Promise<void> {
    try {
      for await (const ev of monitor) {
        if (ev.type === "handshake-succeeded") {
          this.#core.connected(ev.endpoint);
        } else if (ev.type === "disconnected") {
          this.#core.disconnected(ev.endpoint);
        }
      }
    } catch {
      // the monitor ends with the socket
    }
  }

  /**
   * Closes the client; pending requests reject with `ClosedError`.
   * Idempotent.
   *
   * @returns Resolves once the socket is closed.
   * @example
   * ```ts
   * import { FreelanceClient } from "@reliable/zmq/freelance";
   * const client = await FreelanceClient.connect("tcp://127.0.0.1:5555");
   * await client.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#core.close();
      this.#monitor?.close();
      this.#router.close();
      this.#bad.flush();
    }
    await Promise.all(this.#loops);
  }

  /** Closes the client (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
