/**
 * Events and counters of the Pirate queues.
 * @module
 */

/**
 * What a Pirate queue reports through its `onEvent` option, one
 * `area:verb` discriminated union. Worker identities are hex strings.
 *
 * @example
 * ```ts
 * import type { PirateQueueEvent } from "@reliable/zmq";
 * const onEvent = (e: PirateQueueEvent) => {
 *   if (e.type === "worker:expired") console.log("lost", e.worker);
 * };
 * onEvent({ type: "worker:expired", worker: "00aabbccdd", busy: false });
 * ```
 */
export type PirateQueueEvent =
  | {
    /** A worker registered (READY, or a heartbeat from an unknown worker). */
    readonly type: "worker:ready";
    readonly worker: string;
    /** True when registered by a heartbeat after a queue restart. */
    readonly implicit: boolean;
  }
  | {
    /** A worker was silent for liveness × interval and was forgotten. */
    readonly type: "worker:expired";
    readonly worker: string;
    /** Whether it was busy (its request is lost; the client retries). */
    readonly busy: boolean;
  }
  | {
    /** A worker's connection is gone (ROUTER could not route to it). */
    readonly type: "worker:gone";
    readonly worker: string;
  }
  | {
    /** A malformed message was dropped. */
    readonly type: "message:invalid";
    readonly socket: "frontend" | "backend";
    readonly reason: string;
  }
  | {
    /** A reply was dropped: its client is gone, or no request was outstanding. */
    readonly type: "reply:dropped";
    readonly reason: string;
  };

/**
 * Counters of a Pirate queue (a snapshot).
 *
 * @example
 * ```ts
 * import type { PirateQueueStats } from "@reliable/zmq";
 * const s: Partial<PirateQueueStats> = { requests: 0 };
 * console.log(s.requests); // 0
 * ```
 */
export interface PirateQueueStats {
  /** Client requests dispatched to a worker. */
  requests: number;
  /** Replies forwarded to clients. */
  replies: number;
  /** Malformed frontend messages dropped. */
  invalidFrontend: number;
  /** Malformed backend messages dropped. */
  invalidBackend: number;
  /** Workers expired for silence. */
  expired: number;
  /** Replies dropped (client gone or no outstanding request). */
  droppedReplies: number;
  /** Workers waiting for a request now. */
  idleWorkers: number;
  /** Workers processing a request now. */
  busyWorkers: number;
}
