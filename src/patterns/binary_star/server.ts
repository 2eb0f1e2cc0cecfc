/**
 * A request-reply server on a Binary Star pair (zguide `bstarsrv`): a
 * {@linkcode BinaryStar} node whose voter ROUTER answers REQ (or DEALER)
 * clients with a handler, echo by default.
 *
 * @module
 */
import type { Frame, Message } from "../../types.ts";
import * as opt from "../../_util/options.ts";
import { checkEndpoint } from "../_kit/checks.ts";
import { BinaryStar, type BinaryStarOptions } from "./binary_star.ts";
import type {
  BinaryStarEvent,
  BinaryStarState,
  BinaryStarStats,
} from "./events.ts";
import type {
  SecurityStats,
  ServerSecurity,
  ServerSecurityHandle,
} from "../../security/settings.ts";
import { serverSecurity } from "../_kit/security.ts";

const CLS = "BinaryStarServer";

/**
 * Computes the reply to one request body (the frames after the client's
 * envelope). Throwing drops the request (the client times out and retries).
 *
 * @example
 * ```ts
 * import type { BinaryStarHandler } from "@reliable/zmq/binary-star";
 * const upper: BinaryStarHandler = ([body]) => [new TextDecoder().decode(body).toUpperCase()];
 * ```
 */
export type BinaryStarHandler = (
  body: Message,
) => readonly Frame[] | Promise<readonly Frame[]>;

/**
 * Options of {@linkcode BinaryStarServer.start}: the node's options plus
 * the client endpoint and the handler.
 *
 * @example
 * ```ts
 * import type { BinaryStarServerOptions } from "@reliable/zmq/binary-star";
 * const primary: BinaryStarServerOptions = {
 *   role: "primary", frontend: "tcp://*:5001",
 *   stateBind: "tcp://*:5003", statePeer: "tcp://backup-host:5004",
 * };
 * ```
 */
export interface BinaryStarServerOptions extends BinaryStarOptions {
  /** Where clients connect (the voter ROUTER binds), e.g. `"tcp://*:5001"`. */
  frontend: string;
  /** Computes each reply. @default echo */
  handler?: BinaryStarHandler;
  /**
   * CURVE or PLAIN authentication, or address lists, for the clients on
   * the frontend (docs/SECURITY.md). Give both servers of the pair the same
   * key pair and lists, so that one server key serves a client across
   * failover. The state channel between the two servers carries only state
   * numbers and is not encrypted: keep it on a private network.
   * @default none
   */
  security?: ServerSecurity;
}

/**
 * A server on a Binary Star pair (zguide `bstarsrv`): run one with `role:
 * "primary"` and one with `role: "backup"`; clients
 * ({@linkcode BinaryStarClient}, or any REQ client that switches servers
 * on silence) are served by whichever is active. The active server
 * answers each request with `handler(body)` behind the request's
 * envelope; the other drops requests unanswered (and counts each as a
 * vote: it takes over when its peer is silent).
 *
 * Nothing is carried from one server to the other: a request the dead
 * server was handling is lost, and the client's resend runs on the new
 * active server. Handlers should be idempotent.
 *
 * @example An echo pair and a client
 * ```ts
 * import { BinaryStarClient, BinaryStarServer } from "@reliable/zmq/binary-star";
 * import { silentLogger } from "@reliable/zmq";
 * const common = { heartbeatIntervalMs: 50, logger: silentLogger };
 * const primary = await BinaryStarServer.start({
 *   ...common, role: "primary", frontend: "tcp://127.0.0.1:*",
 *   stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5994",
 * });
 * const backup = await BinaryStarServer.start({
 *   ...common, role: "backup", frontend: "tcp://127.0.0.1:*",
 *   stateBind: "tcp://127.0.0.1:*", statePeer: primary.node.stateEndpoint,
 * });
 * primary.node.connectPeer(backup.node.stateEndpoint);
 * const client = await BinaryStarClient.connect(
 *   [primary.frontendEndpoint, backup.frontendEndpoint],
 *   { attemptTimeoutMs: 500, settleMs: 100, logger: silentLogger },
 * );
 * const [reply] = await client.request(["hello"]);
 * console.log(new TextDecoder().decode(reply)); // "hello"
 * await client.close();
 * await backup.close();
 * await primary.close();
 * ```
 */
export class BinaryStarServer implements AsyncDisposable {
  /** The Binary Star node (state, events, callbacks). */
  readonly node: BinaryStar;
  /** Where clients connect, as bound. */
  readonly frontendEndpoint: string;

  readonly #security: ServerSecurityHandle | undefined;

  private constructor(
    node: BinaryStar,
    frontendEndpoint: string,
    security: ServerSecurityHandle | undefined,
  ) {
    this.node = node;
    this.frontendEndpoint = frontendEndpoint;
    this.#security = security;
  }

  /** Admissions and refusals by the ZAP handler; `undefined` without `security`. */
  get securityStats(): SecurityStats | undefined {
    return this.#security?.stats();
  }

  /**
   * Starts the node and binds the client frontend.
   *
   * @param options The node's options, `frontend` and `handler`.
   * @returns The running server.
   * @throws {TypeError} On a bad endpoint or option.
   * @throws {RangeError} On an option out of range.
   * @throws {ZmqError} When an endpoint cannot be bound.
   * @example
   * ```ts
   * import { BinaryStarServer } from "@reliable/zmq/binary-star";
   * const server = await BinaryStarServer.start({
   *   role: "backup", frontend: "tcp://127.0.0.1:*",
   *   stateBind: "tcp://127.0.0.1:*", statePeer: "tcp://127.0.0.1:5993",
   * });
   * console.log(server.state); // "BACKUP"
   * await server.close();
   * ```
   */
  static async start(
    options: BinaryStarServerOptions,
  ): Promise<BinaryStarServer> {
    const M = `${CLS}.start()`;
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${M}: options must be an object`);
    }
    const { frontend, handler, security, ...nodeOptions } = options;
    checkEndpoint(M, "frontend", frontend, "bind");
    const fn = opt.fn<BinaryStarHandler>(M, "handler", handler) ??
      ((body: Message) => body);
    const sec = serverSecurity(
      M,
      security,
      nodeOptions.socketOptions,
      opt.logger(M, nodeOptions.logger, CLS),
    );
    let node: BinaryStar;
    try {
      node = await BinaryStar.start(nodeOptions);
    } catch (e) {
      sec?.registration.release();
      throw e;
    }
    try {
      const bound = node.voter(frontend, async (msg) => {
        // The envelope: up to and including the first empty frame (REQ);
        // a DEALER client without one has just its routing id.
        let cut = msg.findIndex((f, i) => i > 0 && f.byteLength === 0);
        cut = cut < 0 ? 1 : cut + 1;
        if (cut >= msg.length) return undefined;
        const reply = await fn(msg.slice(cut));
        return [...msg.slice(0, cut), ...reply];
      }, sec?.options);
      return new BinaryStarServer(node, bound, sec);
    } catch (e) {
      await node.close();
      sec?.registration.release();
      throw e;
    }
  }

  /** The node's state. */
  get state(): BinaryStarState {
    return this.node.state;
  }

  /** The node's counters. */
  get stats(): BinaryStarStats {
    return this.node.stats;
  }

  /**
   * Adds an event listener.
   * @param listener Called with every event of the node.
   * @returns A function that removes it.
   */
  on(listener: (event: BinaryStarEvent) => void): () => void {
    return this.node.on(listener);
  }

  /**
   * Stops the server. Idempotent.
   * @returns Resolves once stopped.
   */
  close(): Promise<void> {
    return this.node.close().then(() => this.#security?.registration.release());
  }

  /** Same as {@linkcode BinaryStarServer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
