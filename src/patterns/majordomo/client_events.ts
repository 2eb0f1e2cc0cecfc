/**
 * The events the Majordomo clients and worker report through `onEvent`:
 * one `area:verb` discriminated union per class.
 *
 * @module
 */

/**
 * What an `mmi.rz` probe found behind an endpoint.
 *
 * @example
 * ```ts
 * import type { BrokerKind } from "@reliable/zmq";
 * const kind: BrokerKind = "rz";
 * console.log(kind); // "rz"
 * ```
 */
export type BrokerKind =
  /** A reliable-zmq broker: correlation, error replies, dedup. */
  | "rz"
  /** Any other 7/MDP broker: plain 7/MDP only. */
  | "foreign";

/**
 * Events of a {@linkcode MajordomoClient}.
 *
 * @example
 * ```ts
 * import type { MajordomoClientEvent } from "@reliable/zmq";
 * const onEvent = (e: MajordomoClientEvent) => {
 *   if (e.type === "request:retry") console.log("retry", e.service, e.attempt, e.cause);
 * };
 * onEvent({ type: "request:retry", service: "echo", attempt: 1, cause: "timeout" });
 * ```
 */
export type MajordomoClientEvent =
  | {
    /** The broker answered (or did not answer) the `mmi.rz` probe. */
    readonly type: "broker:detected";
    readonly kind: BrokerKind;
    /** The RZ broker's instance id (a new one: it restarted). */
    readonly instance?: string;
  }
  | {
    /** An attempt failed; the request is sent again. */
    readonly type: "request:retry";
    readonly service: string;
    /** The attempt that failed, from 1. */
    readonly attempt: number;
    /** `timeout`: no reply in time; `lost`: its worker died (RZ 502). */
    readonly cause: "timeout" | "lost";
  }
  | {
    /** A reply was dropped: late, for another request, or malformed. */
    readonly type: "reply:dropped";
    readonly reason: "stale" | "malformed" | "other-service";
  };

/**
 * Events of a {@linkcode MajordomoAsyncClient}.
 *
 * @example
 * ```ts
 * import type { MajordomoAsyncClientEvent } from "@reliable/zmq";
 * const onEvent = (e: MajordomoAsyncClientEvent) => {
 *   if (e.type === "connection:lost") console.log(e.outstanding, "to resend");
 * };
 * onEvent({ type: "connection:lost", outstanding: 3 });
 * ```
 */
export type MajordomoAsyncClientEvent =
  | {
    /** The broker's kind is known for this connection (`mmi.rz`). */
    readonly type: "broker:detected";
    readonly kind: BrokerKind;
    /** The RZ broker's instance id. */
    readonly instance?: string;
    /** Whether it differs from the previous one (the broker restarted). */
    readonly restarted: boolean;
  }
  | {
    /**
     * The connection to the broker dropped (it died, restarted, or was
     * silent for `failoverMs`). `outstanding` requests were sent on it and
     * will be resent, exactly those, once the new connection is probed.
     */
    readonly type: "connection:lost";
    readonly outstanding: number;
  }
  | {
    /** A request was sent again. */
    readonly type: "request:resent";
    readonly service: string;
    /** Its attempt number now (2 for the first resend). */
    readonly attempt: number;
    /**
     * `timeout`: its attempt timed out; `lost`: its worker died (RZ 502);
     * `reconnect`: it was outstanding on a connection that dropped.
     */
    readonly reason: "timeout" | "lost" | "reconnect";
  }
  | {
    /** A reply (or error reply) for a request already settled was dropped. */
    readonly type: "reply:duplicate";
    readonly service: string;
  }
  | {
    /** A malformed or unexpected message from the broker was dropped. */
    readonly type: "message:invalid";
    readonly reason: string;
  };

/**
 * Events of a {@linkcode MajordomoWorker}.
 *
 * @example
 * ```ts
 * import type { MajordomoWorkerEvent } from "@reliable/zmq";
 * const onEvent = (e: MajordomoWorkerEvent) => {
 *   if (e.type === "connection:failed") console.log("cannot reach", e.endpoint, e.reason);
 * };
 * onEvent({ type: "connection:failed", endpoint: "tcp://127.0.0.1:5555", reason: "refused" });
 * ```
 */
export type MajordomoWorkerEvent =
  & (
    | {
      /** Connected to the broker and sent READY. */
      readonly type: "worker:registered";
      readonly service: string;
      /** What the broker is (`rz`: handler errors go back as error replies). */
      readonly broker: BrokerKind;
    }
    | {
      /** A connection attempt failed (refused, unreachable, handshake failed). */
      readonly type: "connection:failed";
      readonly endpoint: string;
      readonly reason: string;
    }
    | {
      /** The connection to the broker dropped. */
      readonly type: "connection:lost";
      readonly endpoint: string;
    }
    | {
      /** The broker was silent for `liveness` heartbeats; reconnecting after `delayMs`. */
      readonly type: "broker:silent";
      readonly delayMs: number;
    }
    | {
      /** The broker sent DISCONNECT; the worker re-registers at once. */
      readonly type: "broker:disconnect";
    }
    | {
      /** The handler failed on a request. */
      readonly type: "handler:failed";
      readonly error: string;
      /** `error-reply`: sent to the RZ broker as `[WERR][message]`; `reconnect`: a foreign broker gets no reply, the worker re-registers; `on-error`: the `onError` option supplied a reply. */
      readonly outcome: "error-reply" | "reconnect" | "on-error";
    }
    | {
      /** A request over `maxMessageBytes` was refused without running. */
      readonly type: "request:oversize";
      readonly bytes: number;
    }
    | {
      /** A malformed or unexpected message from the broker was dropped. */
      readonly type: "message:invalid";
      readonly reason: string;
    }
  )
  & {
    /**
     * The slot that reports it, 0 to `concurrency - 1` (each slot is its
     * own 7/MDP worker to the broker). Always set by the worker.
     */
    readonly slot?: number;
  };
