/**
 * Events and counters of the Binary Star classes.
 *
 * @module
 */

/**
 * A Binary Star server's state: `PRIMARY` or `BACKUP` while it waits to
 * learn its peer's state, `ACTIVE` while it serves clients, `PASSIVE`
 * while it refuses them.
 *
 * @example
 * ```ts
 * import type { BinaryStarState } from "@reliable/zmq/binary-star";
 * const serving = (s: BinaryStarState) => s === "ACTIVE";
 * console.log(serving("PASSIVE")); // false
 * ```
 */
export type BinaryStarState = "PRIMARY" | "BACKUP" | "ACTIVE" | "PASSIVE";

/**
 * Events of a {@linkcode BinaryStar} node (and of the servers built on
 * it).
 *
 * @example
 * ```ts
 * import type { BinaryStarEvent } from "@reliable/zmq/binary-star";
 * const onEvent = (e: BinaryStarEvent) => {
 *   if (e.type === "pair:dual-active") console.error("split brain detected; resolved:", e.resolution);
 * };
 * onEvent({ type: "pair:dual-active", resolution: "yield" });
 * ```
 */
export type BinaryStarEvent =
  | {
    /** The node changed state. */
    readonly type: "state:changed";
    readonly from: BinaryStarState;
    readonly to: BinaryStarState;
    /** The event that caused it (`PEER_BACKUP`, `CLIENT_VOTE`...). */
    readonly cause: string;
  }
  | {
    /** The peer has been silent for the whole expiry window. */
    readonly type: "peer:lost";
    /** How long it has been silent, ms (on the node's running time). */
    readonly silentMs: number;
  }
  | {
    /** A client request was read and discarded (this node does not serve). */
    readonly type: "request:rejected";
    readonly state: BinaryStarState;
  }
  | {
    /**
     * A client request arrived while the peer was overdue (silent for more
     * than one heartbeat, not yet gone): it is held until the peer's
     * expiry instant (then it votes and is served) or the peer's next
     * state message (then it is dropped, `request:rejected`).
     */
    readonly type: "request:held";
    /** How long the peer had been silent, ms (on the node's running time). */
    readonly silentMs: number;
  }
  | {
    /**
     * Both nodes were active (split brain). `yield`: this node (the
     * primary) went passive; `stay`: this node (the backup) stays active
     * and the primary yields; `stop`: this node stopped (`dualActive:
     * "stop"`, the guide's behaviour).
     */
    readonly type: "pair:dual-active";
    readonly resolution: "yield" | "stay" | "stop";
  }
  | {
    /**
     * Both nodes were passive (nobody served). `take-over`: this node (the
     * primary) went active; `wait`: this node (the backup) waits for it;
     * `stop`: this node stopped.
     */
    readonly type: "pair:dual-passive";
    readonly resolution: "take-over" | "wait" | "stop";
  }
  | {
    /** The peer announces our own role: two primaries or two backups. */
    readonly type: "pair:misconfigured";
    readonly role: "primary" | "backup";
  }
  | {
    /** A malformed state message from the peer endpoint was dropped. */
    readonly type: "peer:malformed";
    readonly reason: string;
  };

/**
 * Counters of a {@linkcode BinaryStar} node.
 *
 * @example
 * ```ts
 * import type { BinaryStarStats } from "@reliable/zmq/binary-star";
 * const s: Partial<BinaryStarStats> = { accepted: 0 };
 * console.log(s.accepted); // 0
 * ```
 */
export interface BinaryStarStats {
  /** The node's state. */
  state: BinaryStarState;
  /** The peer's last announced state, or `null` before it was heard. */
  peerState: BinaryStarState | null;
  /** State changes. */
  transitions: number;
  /** Client requests handed to the handler. */
  accepted: number;
  /** Client requests read and discarded (held ones included, once dropped). */
  rejected: number;
  /**
   * Client requests held while the peer was overdue (each is later counted
   * as accepted or rejected).
   */
  held: number;
  /**
   * Failovers: requests (or held requests, at the peer's expiry) that made
   * this node active because the peer was silent.
   */
  votes: number;
  /** Times both nodes were seen active. */
  dualActive: number;
  /** Times both nodes were seen passive. */
  dualPassive: number;
  /** State messages published. */
  published: number;
  /** Malformed state messages dropped. */
  malformed: number;
}
