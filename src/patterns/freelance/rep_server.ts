/**
 * Freelance models one and two: the server. Speaks REP on the wire (the
 * guide's flserver1 and flserver2), on a ROUTER so that malformed requests
 * can be dropped instead of answered and asynchronous handlers can run
 * concurrently.
 *
 * @module
 */
import type { Frame } from "../../types.ts";
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
import type { FreelanceHandler } from "./server.ts";
import { isReply } from "./_reply.ts";
import type { FreelanceServerEvent, FreelanceServerStats } from "./events.ts";
import { receiveLoop } from "../_kit/receive.ts";
import type {
  SecurityStats,
  ServerSecurity,
  ServerSecurityHandle,
} from "../../security/settings.ts";
import { serverSecurity } from "../_kit/security.ts";

const CLS = "FreelanceRepServer";
const KEYS = [
  "sequenced",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;

const PLAN: SocketPlan<"ROUTER"> = {
  kind: "ROUTER",
  defaults: { lingerMs: 0 },
};

/**
 * Options of {@linkcode FreelanceRepServer}.
 *
 * @example
 * ```ts
 * import type { FreelanceRepServerOptions } from "@reliable/zmq/freelance";
 * const options: FreelanceRepServerOptions = { sequenced: true };
 * ```
 */
export interface FreelanceRepServerOptions {
  /**
   * Model two: a request is `[seq][body…]`; the handler gets the body and
   * the reply is `[seq][reply…]`. Off (model one), the handler gets the
   * whole request and its result is the whole reply.
   * @default false
   */
  sequenced?: boolean;
  /** Socket options for the socket. @default {} */
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

/**
 * A Freelance server for models one and two (zguide `flserver1`,
 * `flserver2`): REP on the wire, so REQ clients (model one,
 * {@linkcode FreelanceRetryClient}) and DEALER clients that send
 * `[""][seq][body…]` (model two, {@linkcode FreelanceShotgunClient}) both
 * work. A request without the REQ envelope (no empty delimiter) or, when
 * `sequenced`, without a sequence frame and a body, is dropped, counted in
 * `stats.malformed` and logged at a bounded rate; so is a request whose
 * handler throws or returns no frame (`stats.handlerErrors`): the client
 * tries elsewhere.
 *
 * @example Model one: an echo server
 * ```ts
 * import { FreelanceRepServer, FreelanceRetryClient } from "@reliable/zmq/freelance";
 * const server = await FreelanceRepServer.bind("tcp://127.0.0.1:*", (req) => req);
 * const client = await FreelanceRetryClient.connect([server.endpoint]);
 * console.log((await client.request(["x"])).length); // 1
 * await client.close();
 * await server.close();
 * ```
 */
export class FreelanceRepServer implements AsyncDisposable {
  /** The bound endpoint (port resolved). */
  readonly endpoint: string;
  readonly #router: RouterSocket;
  readonly #security: ServerSecurityHandle | undefined;
  readonly #handler: FreelanceHandler;
  readonly #sequenced: boolean;
  readonly #log: Logger;
  readonly #bad: RateLimitedLog;
  readonly #events: EventHub<FreelanceServerEvent>;
  readonly #loop: Promise<void>;
  #closed = false;
  readonly #stats: FreelanceServerStats = {
    requests: 0,
    replies: 0,
    pings: 0,
    malformed: 0,
    handlerErrors: 0,
  };

  private constructor(
    bind: string,
    handler: FreelanceHandler,
    options: FreelanceRepServerOptions,
  ) {
    const M = `${CLS}.bind()`;
    const o = opt.readOptions(M, options, KEYS);
    this.#sequenced = opt.bool(M, "sequenced", o.sequenced, false);
    const user = checkSocketOptions(M, o.socketOptions, PLAN);
    this.#handler = handler;
    this.#log = opt.logger(CLS, o.logger, CLS);
    this.#bad = new RateLimitedLog(this.#log, opt.clock(CLS, o.clock));
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: FreelanceServerEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    const sec = serverSecurity(
      M,
      o.security,
      o.socketOptions,
      this.#log,
      o.clock,
    );
    this.#security = sec;
    let router: RouterSocket;
    try {
      router = openSocket(M, PLAN, { ...user, ...sec?.options });
    } catch (e) {
      sec?.registration.release();
      throw e;
    }
    try {
      this.endpoint = router.bind(bind);
    } catch (e) {
      router.close();
      sec?.registration.release();
      throw e;
    }
    this.#router = router;
    this.#loop = this.#run();
  }

  /**
   * Binds a server.
   *
   * @param endpoint Where to bind (`tcp://*:5555`, `tcp://127.0.0.1:*`).
   * @param handler Turns a request into a reply.
   * @param options Model two (`sequenced`), socket options, logger, events.
   * @returns The server, serving.
   * @throws {TypeError} On a malformed endpoint, handler or option.
   * @throws {AddressInUseError} If the endpoint is taken.
   * @example
   * ```ts
   * import { FreelanceRepServer } from "@reliable/zmq/freelance";
   * const server = await FreelanceRepServer.bind("tcp://127.0.0.1:*", () => ["OK"], { sequenced: true });
   * await server.close();
   * ```
   */
  static bind(
    endpoint: string,
    handler: FreelanceHandler,
    options: FreelanceRepServerOptions = {},
  ): Promise<FreelanceRepServer> {
    try {
      checkEndpoint(`${CLS}.bind()`, endpoint, "bind");
      if (typeof handler !== "function") {
        throw new TypeError(`${CLS}.bind(): handler must be a function`);
      }
      return Promise.resolve(
        new FreelanceRepServer(endpoint, handler, options),
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Admissions and refusals by the ZAP handler; `undefined` without `security`. */
  get securityStats(): SecurityStats | undefined {
    return this.#security?.stats();
  }

  /** Counters since the server was created (a snapshot; `pings` stays 0). */
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

  #malformed(code: string): void {
    this.#stats.malformed++;
    this.#bad.warn("malformed", "malformed request dropped", { code });
    if (this.#events.active) {
      this.#events.emit({ type: "message:malformed", code });
    }
  }

  #handle(frames: Uint8Array[]): void {
    // [id][address…][""][body…]: the envelope ends at the first empty frame.
    let d = 1;
    while (d < frames.length && frames[d].length !== 0) d++;
    if (d >= frames.length) return this.#malformed("MISSING_DELIMITER");
    const min = this.#sequenced ? 2 : 1;
    if (frames.length - d - 1 < min) {
      return this.#malformed(
        this.#sequenced ? "NO_SEQUENCE_OR_BODY" : "NO_BODY",
      );
    }
    // The reply goes out in the request's own array: its envelope is kept
    // and the handler's frames replace the body (one send, no copies).
    const cut = this.#sequenced ? d + 2 : d + 1;
    const body = frames.slice(cut);
    this.#stats.requests++;
    let out: readonly Frame[] | Promise<readonly Frame[]>;
    try {
      out = this.#handler(body);
    } catch (e) {
      return this.#failed(e);
    }
    if (out instanceof Promise) {
      out.then((r) => this.#answer(frames, cut, r), (e) => this.#failed(e));
    } else this.#answer(frames, cut, out);
  }

  #answer(frames: Frame[], cut: number, reply: unknown): void {
    if (!isReply(reply)) {
      return this.#failed(
        new TypeError("the handler must return a non-empty array of frames"),
      );
    }
    if (this.#closed) return;
    this.#stats.replies++;
    frames.length = cut;
    for (let i = 0; i < reply.length; i++) frames.push(reply[i]);
    try {
      if (this.#router.trySend(frames)) return;
    } catch {
      return;
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
