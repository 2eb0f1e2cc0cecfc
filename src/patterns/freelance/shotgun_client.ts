/**
 * Freelance model two (shotgun): a DEALER that sends each request to every
 * server and takes the first correctly numbered reply.
 *
 * @module
 */
import { ClosedError } from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { checkEndpoint } from "../../_util/endpoint.ts";
import type {
  DealerSocket,
  SocketMonitor,
  SocketOptions,
} from "../../transport/mod.ts";
import {
  checkSocketOptions,
  openSocket,
  type SocketPlan,
} from "../../transport/_pattern_socket.ts";
import { EventHub } from "../_kit/events.ts";
import { ShotgunCore } from "./_shotgun_core.ts";
import type { FreelanceRequestEvent, FreelanceRequestStats } from "./events.ts";
import type { FreelanceRequestOptions } from "./client.ts";
import { receiveLoop } from "../_kit/receive.ts";
import type { ClientSecurity } from "../../security/settings.ts";
import { clientSecurity } from "../_kit/security.ts";

const CLS = "FreelanceShotgunClient";
const KEYS = [
  "deadlineMs",
  "socketOptions",
  "security",
  "logger",
  "onEvent",
  "clock",
] as const;

const PLAN: SocketPlan<"DEALER"> = {
  kind: "DEALER",
  fixed: {
    immediate: {
      value: true,
      why:
        "copies must go only to servers that are connected, never wait in a dead server's queue",
    },
  },
  defaults: { lingerMs: 0 },
};

/**
 * Options of {@linkcode FreelanceShotgunClient}.
 *
 * @example
 * ```ts
 * import type { FreelanceShotgunClientOptions } from "@reliable/zmq/freelance";
 * const options: FreelanceShotgunClientOptions = { deadlineMs: 1000 };
 * ```
 */
export interface FreelanceShotgunClientOptions {
  /** A request's default limit from the call, ms (guide GLOBAL_TIMEOUT). @default 2500 */
  deadlineMs?: number;
  /** Socket options for the DEALER. @default {} */
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
 * A Freelance shotgun client, model two (zguide `flclient2`, chapter 4).
 * One DEALER connects to every server (libzmq's "immediate" mode: copies
 * go only to connected servers). Each request gets a sequence number and
 * is sent once per connected server as `[""][seq][body…]`; the first
 * reply carrying that number wins, and every other one is dropped and
 * counted (`stats.duplicates` for a request already answered, `stats.late`
 * for one that failed or was abandoned). A request with no reply within
 * its deadline fails with `NoServerAnsweredError`. Any number of requests
 * may be in flight. Servers answer with {@linkcode FreelanceRepServer}
 * (`sequenced: true`) or any REP server that echoes the sequence frame.
 *
 * Every server executes every request, so requests must be idempotent and
 * cheap.
 *
 * @example
 * ```ts
 * import { FreelanceRepServer, FreelanceShotgunClient } from "@reliable/zmq/freelance";
 * const a = await FreelanceRepServer.bind("tcp://127.0.0.1:*", () => ["OK"], { sequenced: true });
 * const b = await FreelanceRepServer.bind("tcp://127.0.0.1:*", () => ["OK"], { sequenced: true });
 * const client = await FreelanceShotgunClient.connect([a.endpoint, b.endpoint]);
 * const [ok] = await client.request(["name"]);
 * console.log(new TextDecoder().decode(ok)); // "OK"
 * await client.close();
 * await a.close();
 * await b.close();
 * ```
 */
export class FreelanceShotgunClient implements AsyncDisposable {
  readonly #dealer: DealerSocket;
  readonly #core: ShotgunCore;
  readonly #endpoints: string[] = [];
  readonly #deadlineMs: number;
  readonly #log: Logger;
  readonly #events: EventHub<FreelanceRequestEvent>;
  readonly #monitor: SocketMonitor;
  readonly #connected = new Set<string>();
  readonly #loops: Promise<void>[] = [];
  #closed = false;

  private constructor(options: FreelanceShotgunClientOptions) {
    const o = opt.readOptions(CLS, options, KEYS);
    this.#deadlineMs = opt.durationMs(CLS, "deadlineMs", o.deadlineMs, 2500, {
      min: 1,
    });
    const user = {
      ...checkSocketOptions(`${CLS}.connect()`, o.socketOptions, PLAN),
      ...clientSecurity(`${CLS}.connect()`, o.security, o.socketOptions),
    };
    this.#log = opt.logger(CLS, o.logger, CLS);
    this.#events = new EventHub(
      this.#log,
      opt.fn<(e: FreelanceRequestEvent) => void>(CLS, "onEvent", o.onEvent),
    );
    const clock = opt.clock(CLS, o.clock);
    const dealer = openSocket(`${CLS}.connect()`, PLAN, user);
    this.#dealer = dealer;
    const events = this.#events;
    this.#core = new ShotgunCore(clock, {
      send: (frames, copies) => {
        let n = 0;
        while (n < copies && dealer.trySend(frames)) n++;
        return n;
      },
      event: (e) => {
        if (events.active) events.emit(e);
      },
    }, () => this.#endpoints);
    this.#monitor = dealer.monitor();
    this.#loops.push(this.#watch(), this.#receive());
  }

  /**
   * Creates a client connected to some servers (more may be added with
   * {@linkcode FreelanceShotgunClient.connect}).
   *
   * @param endpoints The servers' endpoints.
   * @param options Deadline, socket options, logger, events.
   * @returns The client.
   * @throws {TypeError} On a malformed endpoint or option.
   * @throws {RangeError} On an option out of range.
   * @example
   * ```ts
   * import { FreelanceShotgunClient } from "@reliable/zmq/freelance";
   * const client = await FreelanceShotgunClient.connect(["tcp://127.0.0.1:5555"]);
   * await client.close();
   * ```
   */
  static connect(
    endpoints: string | readonly string[],
    options: FreelanceShotgunClientOptions = {},
  ): Promise<FreelanceShotgunClient> {
    try {
      const list = typeof endpoints === "string" ? [endpoints] : endpoints;
      if (!Array.isArray(list)) {
        throw new TypeError(
          `${CLS}.connect(): endpoints must be a string or an array of strings`,
        );
      }
      for (const e of list) checkEndpoint(`${CLS}.connect()`, e, "connect");
      const client = new FreelanceShotgunClient(options);
      for (const e of list) client.connect(e);
      return Promise.resolve(client);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Connects to one more server (twice to one endpoint does nothing).
   *
   * @param endpoint The server's endpoint.
   * @throws {TypeError} On a malformed endpoint.
   * @throws {ClosedError} If the client is closed.
   */
  connect(endpoint: string): void {
    checkEndpoint(`${CLS}.connect()`, endpoint, "connect");
    if (this.#closed) throw new ClosedError(`${CLS} is closed`);
    if (this.#endpoints.includes(endpoint)) return;
    this.#dealer.connect(endpoint);
    this.#endpoints.push(endpoint);
  }

  /** The servers' endpoints. */
  get endpoints(): readonly string[] {
    return [...this.#endpoints];
  }

  /** Counters since the client was created (a snapshot). */
  get stats(): FreelanceRequestStats {
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
  on(listener: (event: FreelanceRequestEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /**
   * Sends a request to every connected server and returns the first
   * reply. A request made while no server is connected goes out as soon as
   * one is.
   *
   * @param frames The request, one or more frames.
   * @param options This request's deadline and an abort signal.
   * @returns The reply frames (without the sequence number).
   * @throws {TypeError} If `frames` is not a non-empty array of frames.
   * @throws {NoServerAnsweredError} When no reply came within the deadline.
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
        false,
      );
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#core.request(a.frames, a.deadlineMs, a.signal);
  }

  #receive(): Promise<void> {
    return receiveLoop(
      this.#dealer,
      (m) => this.#core.receive(m),
      () => this.#closed,
      this.#log,
      // No tryReceive drain: a failed look costs libzmq a poll(2) and
      // receive() looks once anyway (a ready message resolves at once).
      0,
    );
  }

  async #watch(): Promise<void> {
    try {
      for await (const ev of this.#monitor) {
        if (ev.type === "handshake-succeeded") this.#connected.add(ev.endpoint);
        else if (ev.type === "disconnected") {
          this.#connected.delete(ev.endpoint);
        } else continue;
        this.#core.setServers(this.#connected.size);
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
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#core.close();
      this.#monitor.close();
      this.#dealer.close();
    }
    await Promise.all(this.#loops);
  }

  /** Closes the client (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
