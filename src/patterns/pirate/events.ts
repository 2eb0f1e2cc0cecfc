/**
 * Events and counters of the Pirate queues and workers.
 * @module
 */

/**
 * What a Pirate queue reports through its `onEvent` option (and
 * listeners added with `on()`), one `area:verb` discriminated union.
 * Worker identities are hex strings.
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
    /** True when registered by a heartbeat or a reply, not READY (e.g. after a queue restart). */
    readonly implicit: boolean;
  }
  | {
    /** A worker was forgotten: silent for liveness × interval, or busy past `maxBusyMs`. */
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
    /** A message over `maxFrameBytes` or `maxMessageBytes` was refused and its memory released. */
    readonly type: "message:oversize";
    readonly socket: "frontend" | "backend";
    /** Its size in bytes. */
    readonly bytes: number;
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
  /** Messages refused for their size (either socket). */
  oversize: number;
  /** Workers expired (silent, or busy past `maxBusyMs`). */
  expired: number;
  /** Workers found gone when a send to them failed. */
  gone: number;
  /** Replies dropped (client gone or no outstanding request). */
  droppedReplies: number;
  /** Workers waiting for a request now. */
  idleWorkers: number;
  /**
   * Workers processing a request now. The Simple queue counts workers
   * handed a request that have not answered yet: without heartbeats, one
   * that died busy stays counted until it comes back.
   */
  busyWorkers: number;
  /**
   * Requests read from a client and held by the queue until a worker is
   * idle: 0 or 1, since the queue reads clients only while a worker is
   * idle; the others wait in libzmq's pipe of each client connection,
   * which is not counted.
   */
  queued: number;
}

/**
 * The state of a Pirate worker: connecting (READY sent, no connection
 * yet), ready (idle), busy (a handler runs), waiting (the queue went silent;
 * waiting out the backoff before reconnecting; Paranoid only) or closed.
 *
 * @example
 * ```ts
 * import type { PirateWorkerState } from "@reliable/zmq";
 * const s: PirateWorkerState = "ready";
 * console.log(s); // "ready"
 * ```
 */
export type PirateWorkerState =
  | "connecting"
  | "ready"
  | "busy"
  | "waiting"
  | "closed";

/**
 * What a Pirate worker reports through its `onEvent` option (and
 * listeners added with `on()`).
 *
 * @example
 * ```ts
 * import type { PirateWorkerEvent } from "@reliable/zmq";
 * const onEvent = (e: PirateWorkerEvent) => {
 *   if (e.type === "queue:silent") console.log(`reconnecting in ${e.delayMs} ms`);
 * };
 * onEvent({ type: "queue:silent", delayMs: 1000 });
 * ```
 */
export type PirateWorkerEvent =
  & (
    | {
      /** Connected to the queue with READY sent: serving. */
      readonly type: "worker:ready";
      /** Conversations opened so far (1 for the first). */
      readonly connection: number;
    }
    | {
      /** A connection attempt failed (refused, unreachable, handshake); libzmq retries. */
      readonly type: "connection:failed";
      readonly endpoint: string;
      readonly reason: string;
    }
    | {
      /** The connection to the queue dropped; libzmq reconnects by itself. */
      readonly type: "connection:lost";
      readonly endpoint: string;
    }
    | {
      /** The queue was silent for liveness × interval: the worker waits `delayMs`, then reconnects. */
      readonly type: "queue:silent";
      readonly delayMs: number;
    }
    | {
      /** The worker opened a fresh socket and sent READY again (after `queue:silent`). */
      readonly type: "worker:reconnected";
      /** Why: the queue was silent (the only cause today). */
      readonly cause: "silent";
    }
    | {
      /** The handler threw or returned no frames; the request is dropped (the client retries). */
      readonly type: "handler:failed";
      readonly error: string;
    }
    | {
      /** A malformed message from the queue was dropped. */
      readonly type: "message:invalid";
      readonly reason: string;
    }
    | {
      /** A request over the size caps was refused without running the handler. */
      readonly type: "message:oversize";
      readonly bytes: number;
      readonly reason: string;
    }
  )
  & {
    /**
     * The slot that reports it, 0 to `concurrency - 1` (each slot is its
     * own worker to the queue, with its own identity). Set by the
     * Paranoid Pirate worker.
     */
    readonly slot?: number;
  };

/**
 * Counters of a Pirate worker (a snapshot).
 *
 * @example
 * ```ts
 * import type { PirateWorkerStats } from "@reliable/zmq";
 * const s: Partial<PirateWorkerStats> = { requests: 0 };
 * console.log(s.requests); // 0
 * ```
 */
export interface PirateWorkerStats {
  /** Requests answered. */
  requests: number;
  /** Requests whose handler threw or returned no frames. */
  failures: number;
  /** Malformed messages dropped. */
  invalid: number;
  /** Requests refused for their size. */
  oversize: number;
  /** Fresh connections after the first (new READY each). */
  reconnects: number;
  /** Connection attempts that failed (libzmq retried them). */
  connectFailures: number;
}
