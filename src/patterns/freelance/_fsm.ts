/**
 * A Freelance client's view of one server, as a transition table (model
 * three, 10/FLP). Private.
 *
 * - `connecting`: connected (or connecting), never heard: not used.
 * - `alive`: heard within the expiry window: requests go to it.
 * - `dead`: silent for the whole window, or its connection dropped: not
 *   used; still pinged every interval, and alive again on any message.
 *
 * @module
 */
import type { Machine } from "../_kit/fsm.ts";

/** Where a server stands. */
export type ServerState = "connecting" | "alive" | "dead";
/** What can happen to a server. */
export type ServerEvent =
  /** Any well-formed message from it (PONG or reply). */
  | "heard"
  /** Silent for `heartbeatIntervalMs × liveness`. */
  | "expired"
  /** The transport says it is gone (disconnected, unroutable). */
  | "lost";
/** What the client does on a transition. */
export type ServerAction =
  /** Send the requests waiting for a live server. */
  | "dispatch-waiting"
  /** Send the requests it holds to other servers at once. */
  | "fail-over";

/**
 * The table.
 *
 * @example
 * ```ts ignore
 * // ignore: private module
 * import { step } from "../_kit/fsm.ts";
 * step(SERVER_MACHINE, "alive", "lost"); // { next: "dead", actions: ["fail-over"] }
 * ```
 */
export const SERVER_MACHINE: Machine<ServerState, ServerEvent, ServerAction> = {
  states: ["connecting", "alive", "dead"],
  events: ["heard", "expired", "lost"],
  table: {
    connecting: {
      heard: { next: "alive", actions: ["dispatch-waiting"] },
      expired: { next: "connecting", actions: [] },
      lost: { next: "connecting", actions: [] },
    },
    alive: {
      heard: { next: "alive", actions: [] },
      expired: { next: "dead", actions: ["fail-over"] },
      lost: { next: "dead", actions: ["fail-over"] },
    },
    dead: {
      heard: { next: "alive", actions: ["dispatch-waiting"] },
      expired: { next: "dead", actions: [] },
      lost: { next: "dead", actions: [] },
    },
  },
};
