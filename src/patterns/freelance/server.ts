/**
 * Freelance model three (10/FLP): the server. A ROUTER whose identity is
 * its public endpoint; answers PING with PONG and each request with its
 * control frame followed by the handler's reply.
 *
 * @module
 */
import { AddressInUseError } from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import { checkEndpoint } from "../../_util/endpoint.ts";
import type { RouterSocket, SocketOptions } from "../../transport/mod.ts";
import {
  checkSocketOptions,
  openSocket,
  type SocketPlan,
} from "../../transport/_pattern_socket.ts";
import { EventHub } from "../_kit/events.ts";
import { decodeServerInbound, FLP_PONG } from "../../protocol/flp/codec.ts";
import type { FreelanceServerEvent, FreelanceServerStats } from "./events.ts";
import { receiveLoop } from "../_kit/receive.ts";
import { isReply } from "./_reply.ts";
import type {
  SecurityStats,
  ServerSecurity,
  ServerSecurityHandle,
} from "../../security/settings.ts";
import { serverSecurity } from "../_kit/security.ts";

const CLS = "FreelanceServer";
const KEYS = [
  "publicEndpoint",
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
      why:
        "a 10/FLP server's identity is its public endpoint (use the publicEndpoint option)",
    },
  },
  defaults: { lingerMs: 0 },
};

/**
 * A request handler: takes the request's body frames (the control frame
 * is taken off and put back by the server) and returns the reply, at least
 * one frame. A handler that throws or returns no frame leaves the request
 * unanswered (the client fails over); it is counted and logged.
 *
 * @example
 * ```ts
 * import type { FreelanceHandler } from "@reliable/zmq/freelance";
 * const echo: FreelanceHandler = (request) => request;
 * ```
 */
export type FreelanceHandler = (
  request: Message,
) => readonly Frame[] | Promise<readonly Frame[]>;

/**
 * Options of {@linkcode FreelanceServer}.
 *
 * @example
 * ```ts
 * import type { FreelanceServerOptions } from "@reliable/zmq/freelance";
 * const options: FreelanceServerOptions = { publicEndpoint: "tcp://10.1.2.3:5555" };
 * ```
 */
export interface FreelanceServerOptions {
  /**
   * The endpoint clients connect to, which becomes the server's identity
   * (clients address the server by it, byte for byte).
   * @default the bound endpoint, port resolved, a `*` host written `localhost`
   */
  publicEndpoint?: string;
  /** Socket options for the ROUTER. @default {} */
  socketOptions?: SocketOptions;
  /**
   * CURVE or PLAIN authentication, or address lists, for the clients that
   * connect (checked by the process's ZAP handler; docs/SECURITY.md).
   * @default none: anyone who can reach the port is served
   */
  security?: ServerSecurity;
  /** Diagnostics. @default warnings and errors to stderr */
  logger?: Logger;
  /** Receives the server's events. @default none */
  onEvent?: (event: FreelanceServerEvent) => void;
  /** The time source of the log rate limiter. @default the real clock */
  clock?: Clock;
}

const WILDCARD = /^tcp:\/\/(\*|0\.0\.0\.0|\[::\]):/;

/**
 * A Freelance server, model three (10/FLP; zguide `flserver3`, chapter 4):
 * a ROUTER bound to an endpoint whose identity is its public endpoint. It
 * answers a one-frame `"PING"` with `"PONG"`, and a request
 * `[control][body…]` with `[control][reply…]`, the reply being what the
 * handler returns (at least one frame, as the RFC requires; the guide's
 * flserver3 answers a request whose control frame is "PING" with a bare
 * PONG, ours does not). Requests are handled concurrently when the
 * handler is asynchronous. Malformed messages are dropped, counted in
 * `stats.malformed`, and logged at a bounded rate.
 *
 * @example
 * ```ts
 * import { FreelanceServer } from "@reliable/zmq/freelance";
 * const server = await FreelanceServer.bind("tcp://127.0.0.1:*", (req) => req);
 * console.log(server.endpoint.startsWith("tcp://127.0.0.1:")); // true
 * await server.close();
 * ```
 */
export class FreelanceServer implements AsyncDisposable {
  /** The identity, which clients connect to. */
  readonly endpoint: string;
  readonly #router: RouterSocket;
  readonly #security: ServerSecurityHandle | undefined;
  readonly #handler: FreelanceHandler;
  readonly #log: Logger;
  readonly #bad: RateLimitedLog;
  readonly #events: EventHub<FreelanceServerEvent>;
  readonly #publicEndpoint: string | undefined;
  #loop: Promise<void>;
  #closed = false;
  readonly #stats: FreelanceServerStats = {
    requests: 0,
    replies: 0,
    pings: 0,
    malformed: 0,
    handlerErrors: 0,
  };

  private constructor(
    handler: FreelanceHandler,
    options: FreelanceServerOptions,
  ) {
    const M = `${CLS}.bind()`;
    const o = opt.readOptions(M, options, KEYS);
    if (o.publicEndpoint !== undefined) {
      checkEndpoint(M, o.publicEndpoint, "connect");
    }
    const user = checkSocketOptions(M, o.socketOptions, PLAN);
    this.#handler = handler;
    this.#log = opt.logger(CLS, o.logger, CLS);
    this.#bad = new RateLimitedLog(this.#log, opt.clock(CLS, o.clock));
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: FreelanceServerEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    this.#security = serverSecurity(
      M,
      o.security,
      o.socketOptions,
      this.#log,
      o.clock,
    );
    try {
      this.#router = openSocket(M, PLAN, {
        ...user,
        ...this.#security?.options,
      });
    } catch (e) {
      this.#security?.registration.release();
      throw e;
    }
    this.#publicEndpoint = o.publicEndpoint;
    this.endpoint = "";
    this.#loop = Promise.resolve();
  }

  /** Binds with the identity set (see `bind`), then starts serving. */
  async #bind(bind: string): Promise<void> {
    const router = this.#router;
    let identity = this.#publicEndpoint;
    if (identity === undefined && !/:\*$/.test(bind)) {
      identity = bind.replace(WILDCARD, "tcp://localhost:");
    }
    if (identity !== undefined) {
      router.setOption("routingId", identity);
      router.bind(bind);
    } else {
      // A wildcard port: learn it, then bind again with the identity set (a
      // listener takes the socket's options when it binds). libzmq closes
      // the first listener in its I/O thread, so the port may still be
      // held for a moment.
      const first = router.bind(bind);
      identity = first.replace(WILDCARD, "tcp://localhost:");
      router.setOption("routingId", identity);
      router.unbind(first);
      for (let i = 0;; i++) {
        try {
          router.bind(first);
          break;
        } catch (e) {
          if (!(e instanceof AddressInUseError) || i >= 200) throw e;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
    (this as { endpoint: string }).endpoint = identity;
    this.#loop = this.#run();
  }

  /**
   * Binds a server.
   *
   * @param endpoint Where to bind (`tcp://*:5555`, `tcp://127.0.0.1:*`).
   * @param handler Turns a request body into a reply.
   * @param options Public endpoint, socket options, logger, events.
   * @returns The server, serving.
   * @throws {TypeError} On a malformed endpoint, handler or option.
   * @throws {AddressInUseError} If the endpoint is taken.
   * @example
   * ```ts
   * import { FreelanceServer } from "@reliable/zmq/freelance";
   * const server = await FreelanceServer.bind("tcp://127.0.0.1:*", () => ["OK"]);
   * await server.close();
   * ```
   */
  static bind(
    endpoint: string,
    handler: FreelanceHandler,
    options: FreelanceServerOptions = {},
  ): Promise<FreelanceServer> {
    try {
      checkEndpoint(`${CLS}.bind()`, endpoint, "bind");
      if (typeof handler !== "function") {
        throw new TypeError(`${CLS}.bind(): handler must be a function`);
      }
      const server = new FreelanceServer(handler, options);
      return server.#bind(endpoint).then(() => server, (e) => {
        server.#router.close();
        server.#security?.registration.release();
        throw e;
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Admissions and refusals by the ZAP handler; `undefined` without `security`. */
  get securityStats(): SecurityStats | undefined {
    return this.#security?.stats();
  }

  /** Counters since the server was created (a snapshot). */
  get stats(): FreelanceServerStats {
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
  on(listener: (event: FreelanceServerEvent) => void): () => void {
    return this.#events.on(listener);
  }

  #run(): Promise<void> {
    return receiveLoop(
      this.#router,
      (m) => this.#handle(m),
      () => this.#closed,
      this.#log,
      // No tryReceive drain: a failed look costs libzmq a poll(2) and
      // receive() looks once anyway (a ready message resolves at once).
      0,
    );
  }

  #handle(frames: Uint8Array[]): void {
    const m = decodeServerInbound(frames);
    if (m instanceof Error) {
      this.#stats.malformed++;
      this.#bad.warn("malformed", "malformed 10/FLP message dropped", {
        code: m.code,
        frame: m.frame,
      });
      if (this.#events.active) {
        this.#events.emit({ type: "message:malformed", code: m.code });
      }
      return;
    }
    if (m.type === "ping") {
      this.#stats.pings++;
      this.#reply([m.sender, FLP_PONG]);
      return;
    }
    this.#stats.requests++;
    let out: readonly Frame[] | Promise<readonly Frame[]>;
    try {
      out = this.#handler(m.body);
    } catch (e) {
      return this.#failed(e);
    }
    if (out instanceof Promise) {
      out.then(
        (r) => this.#answer(m.sender, m.control, r),
        (e) => this.#failed(e),
      );
    } else this.#answer(m.sender, m.control, out);
  }

  #answer(client: Uint8Array, control: Uint8Array, reply: unknown): void {
    if (!isReply(reply)) {
      return this.#failed(
        new TypeError(
          "the handler must return a non-empty array of frames (10/FLP replies need at least one frame)",
        ),
      );
    }
    this.#stats.replies++;
    const frames: Frame[] = [client, control];
    for (let i = 0; i < reply.length; i++) frames.push(reply[i]);
    this.#reply(frames);
  }

  #reply(frames: Frame[]): void {
    if (this.#closed) return;
    try {
      if (this.#router.trySend(frames)) return;
    } catch {
      return; // closed, or the client is gone
    }
    this.#router.send(frames).catch(() => {});
  }

  #failed(e: unknown): void {
    this.#stats.handlerErrors++;
    this.#bad.warn("handler", "handler failed; request not answered", {
      error: String(e),
    });
    if (this.#events.active) {
      this.#events.emit({ type: "handler:failed", error: e });
    }
  }

  /**
   * Stops serving and closes the socket. Idempotent.
   *
   * @returns Resolves once the socket is closed.
   * @example
   * ```ts
   * import { FreelanceServer } from "@reliable/zmq/freelance";
   * const server = await FreelanceServer.bind("tcp://127.0.0.1:*", (r) => r);
   * await server.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#router.close();
      this.#security?.registration.release();
      this.#bad.flush();
    }
    await this.#loop;
  }

  /** Closes the server (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
