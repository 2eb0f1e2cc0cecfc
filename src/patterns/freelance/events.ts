/**
 * Events and counters of the Freelance classes.
 *
 * @module
 */

/**
 * Events of a {@linkcode FreelanceClient} (model three).
 *
 * @example
 * ```ts
 * import type { FreelanceClientEvent } from "@reliable/zmq/freelance";
 * const onEvent = (e: FreelanceClientEvent) => {
 *   if (e.type === "server:dead") console.log(e.endpoint, "is gone:", e.cause);
 * };
 * onEvent({ type: "server:dead", endpoint: "tcp://127.0.0.1:5555", cause: "expired" });
 * ```
 */
export type FreelanceClientEvent =
  | {
    /** A server answered for the first time, or again after being dead. */
    readonly type: "server:alive";
    readonly endpoint: string;
  }
  | {
    /** A server stopped being used. */
    readonly type: "server:dead";
    readonly endpoint: string;
    /** `expired`: silent too long; `lost`: its connection dropped. */
    readonly cause: "expired" | "lost";
  }
  | {
    /** A request was sent to another server. */
    readonly type: "request:failover";
    /** The server it leaves. */
    readonly from: string;
    /** `timeout`: no reply within `attemptTimeoutMs`; `server-dead`: the server went away. */
    readonly cause: "timeout" | "server-dead";
  }
  | {
    /** A request failed with `NoServerAnsweredError`. */
    readonly type: "request:failed";
    /** Sends in all. */
    readonly attempts: number;
  }
  | {
    /** A message that is not 10/FLP was dropped. */
    readonly type: "message:malformed";
    /** The malformation class (`ProtocolError.code`). */
    readonly code: string;
  };

/**
 * Counters of a {@linkcode FreelanceClient}.
 *
 * @example
 * ```ts
 * import type { FreelanceClientStats } from "@reliable/zmq/freelance";
 * const s: Partial<FreelanceClientStats> = { failovers: 0 };
 * console.log(s.failovers); // 0
 * ```
 */
export interface FreelanceClientStats {
  /** Requests started. */
  requests: number;
  /** Requests answered. */
  replies: number;
  /** Requests failed with `NoServerAnsweredError`. */
  failures: number;
  /** Requests abandoned through their `signal` or `close()`. */
  aborted: number;
  /** Sends to another server after a timeout or a server's death. */
  failovers: number;
  /** Replies dropped: their request was already answered, failed or abandoned. */
  late: number;
  /** Messages dropped as malformed 10/FLP. */
  malformed: number;
  /** Messages dropped because the sender is no server of this client (an identity that is not the endpoint connected to). */
  unknownSender: number;
  /** PINGs sent. */
  pings: number;
  /** PONGs received. */
  pongs: number;
  /** Servers alive now. */
  aliveServers: number;
  /** Requests waiting for a live server now. */
  waiting: number;
  /** Requests sent and not yet answered now. */
  inFlight: number;
}

/**
 * Events of a {@linkcode FreelanceServer}.
 *
 * @example
 * ```ts
 * import type { FreelanceServerEvent } from "@reliable/zmq/freelance";
 * const onEvent = (e: FreelanceServerEvent) => console.log(e.type);
 * onEvent({ type: "message:malformed", code: "BAD_COMMAND" }); // "message:malformed"
 * ```
 */
export type FreelanceServerEvent =
  | {
    /** A message that is not 10/FLP was dropped. */
    readonly type: "message:malformed";
    /** The malformation class. */
    readonly code: string;
  }
  | {
    /** The handler threw, or returned no frame: the request is not answered. */
    readonly type: "handler:failed";
    /** What it threw. */
    readonly error: unknown;
  };

/**
 * Counters of a {@linkcode FreelanceServer} or {@linkcode FreelanceRepServer}.
 *
 * @example
 * ```ts
 * import type { FreelanceServerStats } from "@reliable/zmq/freelance";
 * const s: Partial<FreelanceServerStats> = { malformed: 0 };
 * console.log(s.malformed); // 0
 * ```
 */
export interface FreelanceServerStats {
  /** Requests received. */
  requests: number;
  /** Replies sent. */
  replies: number;
  /** PINGs answered (model three). */
  pings: number;
  /** Messages dropped as malformed. */
  malformed: number;
  /** Requests the handler failed (threw or returned no frame). */
  handlerErrors: number;
}

/**
 * Events of a {@linkcode FreelanceShotgunClient} (model two) and a
 * {@linkcode FreelanceRetryClient} (model one).
 *
 * @example
 * ```ts
 * import type { FreelanceRequestEvent } from "@reliable/zmq/freelance";
 * const onEvent = (e: FreelanceRequestEvent) => console.log(e.type);
 * onEvent({ type: "request:failed", attempts: 3 }); // "request:failed"
 * ```
 */
export type FreelanceRequestEvent =
  | {
    /** Model one: an attempt at `endpoint` got no reply in time; the next server is tried. */
    readonly type: "request:retry";
    readonly endpoint: string;
    /** The attempt that failed, from 1. */
    readonly attempt: number;
  }
  | {
    /** The request failed with `NoServerAnsweredError`. */
    readonly type: "request:failed";
    /** Sends in all. */
    readonly attempts: number;
  };

/**
 * Counters of a {@linkcode FreelanceShotgunClient} or a
 * {@linkcode FreelanceRetryClient} (`duplicates`, `late` and `malformed`
 * stay 0 for model one: a fresh REQ socket per attempt never sees a stale
 * reply).
 *
 * @example
 * ```ts
 * import type { FreelanceRequestStats } from "@reliable/zmq/freelance";
 * const s: Partial<FreelanceRequestStats> = { duplicates: 0 };
 * console.log(s.duplicates); // 0
 * ```
 */
export interface FreelanceRequestStats {
  /** Requests started. */
  requests: number;
  /** Requests answered. */
  replies: number;
  /** Requests failed with `NoServerAnsweredError`. */
  failures: number;
  /** Requests abandoned through their `signal` or `close()`. */
  aborted: number;
  /** Copies sent (model two: one per connected server; model one: one per attempt). */
  sent: number;
  /** Model one: attempts after the first. */
  retries: number;
  /** Model two: replies to a request already answered (another server was faster). */
  duplicates: number;
  /** Model two: replies to a request that had failed or was abandoned, or to no request of ours. */
  late: number;
  /** Model two: replies that are not `[""][seq][reply…]`. */
  malformed: number;
}
