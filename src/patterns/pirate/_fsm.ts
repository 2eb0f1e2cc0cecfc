/**
 * The Pirate workers' states as transition tables (the kit's `step` reads
 * them; the worker cores keep the time, the shells run the actions).
 * Private.
 *
 * Paranoid Pirate worker (6/PPP, zguide `ppworker`):
 *
 * ```text
 *  connecting ──connected / heartbeat──► ready ◄──replied / failed── busy
 *      ▲   │                              │  └──────request────────►  ▲
 *      │   └──────────silent─────┐        │ silent                    │
 *      │                         ▼        ▼                           │
 *      └─────backoff-done───── waiting ◄──┘         connecting ─request┘
 *  any ──close──► closed
 * ```
 *
 * Simple Pirate worker (REQ, zguide `spworker`): connecting, ready, busy,
 * closed; a failed or malformed request is answered with READY (a REQ must
 * send before it can receive again), which frees its place at the queue.
 *
 * @module
 */
import type { Machine } from "../_kit/fsm.ts";

/** Worker states. */
export type WorkerState =
  | "connecting"
  | "ready"
  | "busy"
  | "waiting"
  | "closed";

/** What happens to a worker. */
export type WorkerEvent =
  /** The socket's connection handshake succeeded. */
  | "connected"
  /** HEARTBEAT from the queue. */
  | "heartbeat"
  /** A well-formed request. */
  | "request"
  /** A malformed message. */
  | "invalid"
  /** A request over the size caps. */
  | "oversize"
  /** The handler returned a reply. */
  | "replied"
  /** The handler threw or returned no frames. */
  | "failed"
  /** A heartbeat to the queue is due. */
  | "beat-due"
  /** The queue was silent for liveness × interval. */
  | "silent"
  /** The reconnect backoff has passed. */
  | "backoff-done"
  /** `close()`. */
  | "close";

/** What the worker does, in order. */
export type WorkerAction =
  /** Count the queue as heard (liveness). */
  | "heard"
  /** Start the reconnect backoff from the beginning. */
  | "reset-backoff"
  /** Resolve `ready`, report `worker:ready`. */
  | "announce"
  /** Send HEARTBEAT. */
  | "send-heartbeat"
  /** Run the handler on the request. */
  | "run-handler"
  /** Send the handler's reply behind the request's envelope. */
  | "send-reply"
  /** Send READY on the same socket (frees the worker's place at the queue). */
  | "send-ready"
  /** Count, log and report a malformed message. */
  | "count-invalid"
  /** Count, log and report a refused oversize request. */
  | "refuse-request"
  /** Close the socket. */
  | "close-socket"
  /** Wait out the next backoff delay. */
  | "wait-backoff"
  /** Open a fresh socket and send READY. */
  | "open-socket"
  /** Abort the running handler's signal. */
  | "abort-handler"
  /** Stop every timer and loop. */
  | "stop";

const T = (next: WorkerState, ...actions: WorkerAction[]) => ({
  next,
  actions,
});

/** Every state and event, for tables and tests. */
export const STATES: readonly WorkerState[] = [
  "connecting",
  "ready",
  "busy",
  "waiting",
  "closed",
];
/** Every event. */
export const EVENTS: readonly WorkerEvent[] = [
  "connected",
  "heartbeat",
  "request",
  "invalid",
  "oversize",
  "replied",
  "failed",
  "beat-due",
  "silent",
  "backoff-done",
  "close",
];

/**
 * The Paranoid Pirate worker. A busy worker sends no heartbeats and its
 * liveness countdown pauses (a 6/PPP queue neither expects nor sends
 * heartbeats for busy workers); the countdown restarts with the reply.
 */
export const PARANOID_WORKER: Machine<WorkerState, WorkerEvent, WorkerAction> =
  {
    states: STATES,
    events: EVENTS,
    table: {
      connecting: {
        connected: T("ready", "announce"),
        heartbeat: T("ready", "heard", "reset-backoff", "announce"),
        request: T(
          "busy",
          "heard",
          "reset-backoff",
          "announce",
          "run-handler",
        ),
        invalid: T("connecting", "count-invalid"),
        oversize: T(
          "ready",
          "heard",
          "reset-backoff",
          "announce",
          "refuse-request",
          "send-ready",
        ),
        "beat-due": T("connecting"), // nothing goes out before the handshake
        silent: T("waiting", "close-socket", "wait-backoff"),
      },
      ready: {
        connected: T("ready"),
        heartbeat: T("ready", "heard", "reset-backoff"),
        request: T("busy", "heard", "reset-backoff", "run-handler"),
        invalid: T("ready", "count-invalid"),
        oversize: T("ready", "heard", "refuse-request", "send-ready"),
        "beat-due": T("ready", "send-heartbeat"),
        silent: T("waiting", "close-socket", "wait-backoff"),
      },
      busy: {
        connected: T("busy"),
        heartbeat: T("busy", "heard"),
        // 6/PPP gives a worker one request at a time: a second is a queue
        // bug; it is dropped (its client retries), never run in parallel.
        request: T("busy", "count-invalid"),
        invalid: T("busy", "count-invalid"),
        oversize: T("busy", "refuse-request"),
        replied: T("ready", "heard", "send-reply"),
        failed: T("ready", "heard", "send-ready"),
        "beat-due": T("busy"),
        silent: T("busy"), // the countdown is paused while busy
        close: T("closed", "abort-handler", "close-socket", "stop"),
      },
      waiting: {
        "backoff-done": T("connecting", "open-socket"),
        "beat-due": T("waiting"),
        silent: T("waiting"),
        close: T("closed", "stop"),
      },
      closed: { close: T("closed") },
    },
    fallback: { close: T("closed", "close-socket", "stop") },
  };

/**
 * The Simple Pirate worker (a REQ socket; no heartbeats, no backoff:
 * libzmq reconnects the REQ by itself).
 */
export const SIMPLE_WORKER: Machine<WorkerState, WorkerEvent, WorkerAction> = {
  states: STATES,
  events: EVENTS,
  table: {
    connecting: {
      connected: T("ready", "announce"),
      request: T("busy", "announce", "run-handler"),
      invalid: T("ready", "announce", "count-invalid", "send-ready"),
      oversize: T("ready", "announce", "refuse-request", "send-ready"),
    },
    ready: {
      connected: T("ready"),
      request: T("busy", "run-handler"),
      invalid: T("ready", "count-invalid", "send-ready"),
      oversize: T("ready", "refuse-request", "send-ready"),
    },
    busy: {
      connected: T("busy"),
      replied: T("ready", "send-reply"),
      failed: T("ready", "send-ready"),
      close: T("closed", "abort-handler", "close-socket", "stop"),
    },
    waiting: {},
    closed: { close: T("closed") },
  },
  fallback: { close: T("closed", "close-socket", "stop") },
};
