/**
 * Binary Star's state machine as data (zguide chapter 4, the reactor
 * `bstar.c`; docs/BINARY_STAR.md has the diagrams, generated from these
 * tables by `deno task docs:fsm`). The kit's `step` reads the tables; the
 * core (`_core.ts`) keeps the time and turns messages into events; the
 * shell runs the actions. Private.
 *
 * Events:
 *
 * - `PEER_PRIMARY`, `PEER_BACKUP`, `PEER_ACTIVE`, `PEER_PASSIVE`: the
 *   peer's state message arrived (it says what the peer is);
 * - `CLIENT_REQUEST`: a request on the voter socket while the peer is
 *   alive (heard within the last heartbeat; or, for a caller that cannot
 *   hold requests, within `liveness` heartbeats);
 * - `CLIENT_OVERDUE`: a request while the peer is overdue (silent for more
 *   than one heartbeat) but not yet gone. A node that could take over holds
 *   it, unanswered, until the peer's expiry instant or its next state
 *   message, whichever comes first;
 * - `CLIENT_VOTE`: a request on the voter socket while the peer is silent
 *   (the guide's "client vote": the three-way decision, a client asks AND
 *   the peer is gone);
 * - `HELD_VOTE`: the peer-expiry timer ran out while requests were held:
 *   they are the vote (the peer is silent past the timeout AND a client
 *   asked, and is still waiting for its answer);
 * - `PEER_EXPIRED`: the peer-expiry timer ran out with no request held
 *   (reported; on its own it never makes a server active, only a client
 *   vote does).
 *
 * Held requests leave the hold on the next event that settles them: they
 * are served when it leaves the node ACTIVE (`serve-held`: `HELD_VOTE`, a
 * `CLIENT_VOTE`, a peer message that makes us active) and dropped
 * otherwise (`drop-held`: the peer spoke and still serves, so the client
 * must go back to it). Without the hold a request that reaches the
 * surviving server a little before it counts its peer gone is dropped,
 * and the client goes round both servers once more (a whole attempt
 * timeout and settle delay per server).
 *
 * The two roles share every row but the fatal ones. Two actives (the peer
 * says ACTIVE while we are) and two passives are detected and reported
 * (`dual-active`, `dual-passive`); the guide's reactor then aborts both
 * servers, which leaves no server at all. We resolve instead, the same
 * way on both sides: on two actives the primary yields (goes passive) and
 * the backup stays active, since clients only reach a backup that took
 * over; on two passives the primary takes over. With the `dualActive:
 * "stop"` option the shell follows the guide and stops the node instead.
 *
 * @module
 */
import type { Machine, Transition } from "../_kit/fsm.ts";

/** A server's state (the wire numbers 1-4). */
export type BstarStateName = "PRIMARY" | "BACKUP" | "ACTIVE" | "PASSIVE";

/** What happens to a server. */
export type BstarEvent =
  | "PEER_PRIMARY"
  | "PEER_BACKUP"
  | "PEER_ACTIVE"
  | "PEER_PASSIVE"
  | "CLIENT_REQUEST"
  | "CLIENT_OVERDUE"
  | "CLIENT_VOTE"
  | "HELD_VOTE"
  | "PEER_EXPIRED";

/** What the shell does, in order. */
export type BstarAction =
  /** Report (event, log) the transition into ACTIVE; call `onActive`. */
  | "become-active"
  /** Report the transition into PASSIVE; call `onPassive`. */
  | "become-passive"
  /** Hand the client request to the handler. */
  | "accept"
  /** Read and discard the client request (no reply; the client fails over). */
  | "reject"
  /**
   * Keep the client request unanswered until the peer's expiry instant or
   * its next state message.
   */
  | "hold"
  /** Hand the held requests to the handler (the node is now ACTIVE). */
  | "serve-held"
  /** Discard the held requests (the peer spoke; it still serves). */
  | "drop-held"
  /** Fatal: both servers active (split brain). Logged loudly, reported. */
  | "dual-active"
  /** Fatal: both servers passive (nobody serves). Logged loudly, reported. */
  | "dual-passive"
  /** Misconfiguration: the peer has our role (two primaries or two backups). */
  | "same-role"
  /** The peer has been silent for the expiry window. */
  | "peer-lost";

/** Every state. */
export const STATES: readonly BstarStateName[] = [
  "PRIMARY",
  "BACKUP",
  "ACTIVE",
  "PASSIVE",
];

/** Every event. */
export const EVENTS: readonly BstarEvent[] = [
  "PEER_PRIMARY",
  "PEER_BACKUP",
  "PEER_ACTIVE",
  "PEER_PASSIVE",
  "CLIENT_REQUEST",
  "CLIENT_OVERDUE",
  "CLIENT_VOTE",
  "HELD_VOTE",
  "PEER_EXPIRED",
];

/** The wire number of each state. */
export const STATE_NUMBER: { readonly [s in BstarStateName]: 1 | 2 | 3 | 4 } = {
  PRIMARY: 1,
  BACKUP: 2,
  ACTIVE: 3,
  PASSIVE: 4,
};

/** The event a peer's state number raises. */
export const PEER_EVENT: readonly BstarEvent[] = [
  "PEER_PRIMARY",
  "PEER_BACKUP",
  "PEER_ACTIVE",
  "PEER_PASSIVE",
];

const T = (
  next: BstarStateName,
  ...actions: BstarAction[]
): Transition<BstarStateName, BstarAction> => ({ next, actions });

type Row = {
  readonly [e in BstarEvent]: Transition<BstarStateName, BstarAction>;
};

const PRIMARY: Row = {
  // The backup is there and waiting: we serve.
  PEER_PRIMARY: T("PRIMARY", "same-role", "drop-held"),
  PEER_BACKUP: T("ACTIVE", "become-active", "serve-held"),
  // The backup took over while we were away: we come back passive.
  PEER_ACTIVE: T("PASSIVE", "become-passive", "drop-held"),
  PEER_PASSIVE: T("PRIMARY", "drop-held"),
  // A failback may be in progress: wait until the peer is heard or gone.
  CLIENT_REQUEST: T("PRIMARY", "reject"),
  CLIENT_OVERDUE: T("PRIMARY", "hold"),
  CLIENT_VOTE: T("ACTIVE", "become-active", "accept", "serve-held"),
  HELD_VOTE: T("ACTIVE", "peer-lost", "become-active", "serve-held"),
  PEER_EXPIRED: T("PRIMARY", "peer-lost"),
};

const BACKUP: Row = {
  PEER_PRIMARY: T("BACKUP"),
  PEER_BACKUP: T("BACKUP", "same-role"),
  PEER_ACTIVE: T("PASSIVE", "become-passive"),
  PEER_PASSIVE: T("BACKUP"),
  // A backup never serves before it has seen an active primary (and so
  // never holds a request either).
  CLIENT_REQUEST: T("BACKUP", "reject"),
  CLIENT_OVERDUE: T("BACKUP", "reject"),
  CLIENT_VOTE: T("BACKUP", "reject"),
  HELD_VOTE: T("BACKUP", "peer-lost", "drop-held"),
  PEER_EXPIRED: T("BACKUP", "peer-lost"),
};

const ACTIVE_SHARED = {
  // A restarted peer announcing its role sees us ACTIVE and goes passive.
  PEER_PRIMARY: T("ACTIVE"),
  PEER_BACKUP: T("ACTIVE"),
  PEER_PASSIVE: T("ACTIVE"),
  CLIENT_REQUEST: T("ACTIVE", "accept"),
  CLIENT_OVERDUE: T("ACTIVE", "accept"),
  CLIENT_VOTE: T("ACTIVE", "accept"),
  // An active node never holds; kept total (nothing to serve).
  HELD_VOTE: T("ACTIVE", "peer-lost", "serve-held"),
  PEER_EXPIRED: T("ACTIVE", "peer-lost"),
} as const;

const PASSIVE_SHARED = {
  // The peer restarts and will see us ACTIVE: we take over.
  PEER_PRIMARY: T("ACTIVE", "become-active", "serve-held"),
  PEER_BACKUP: T("ACTIVE", "become-active", "serve-held"),
  // The peer still serves: requests held in the meantime are dropped.
  PEER_ACTIVE: T("PASSIVE", "drop-held"),
  // The peer is alive: it serves; the client is refused and moves over.
  CLIENT_REQUEST: T("PASSIVE", "reject"),
  // The peer is late: hold the request until it is heard or gone.
  CLIENT_OVERDUE: T("PASSIVE", "hold"),
  // Failover: a client asks and the peer is gone.
  CLIENT_VOTE: T("ACTIVE", "become-active", "accept", "serve-held"),
  // Failover: the peer is gone and held requests are waiting.
  HELD_VOTE: T("ACTIVE", "peer-lost", "become-active", "serve-held"),
  PEER_EXPIRED: T("PASSIVE", "peer-lost"),
} as const;

/** The primary's table. */
export const PRIMARY_MACHINE: Machine<
  BstarStateName,
  BstarEvent,
  BstarAction
> = {
  states: STATES,
  events: EVENTS,
  table: {
    PRIMARY,
    BACKUP,
    ACTIVE: {
      ...ACTIVE_SHARED,
      // Two actives: the primary yields.
      PEER_ACTIVE: T("PASSIVE", "dual-active", "become-passive"),
    },
    PASSIVE: {
      ...PASSIVE_SHARED,
      // Two passives: the primary takes over.
      PEER_PASSIVE: T("ACTIVE", "dual-passive", "become-active", "serve-held"),
    },
  },
};

/** The backup's table. */
export const BACKUP_MACHINE: Machine<
  BstarStateName,
  BstarEvent,
  BstarAction
> = {
  states: STATES,
  events: EVENTS,
  table: {
    PRIMARY,
    BACKUP,
    ACTIVE: {
      ...ACTIVE_SHARED,
      // Two actives: the backup stays (the primary yields).
      PEER_ACTIVE: T("ACTIVE", "dual-active"),
    },
    PASSIVE: {
      ...PASSIVE_SHARED,
      // Two passives: the backup waits (the primary takes over).
      PEER_PASSIVE: T("PASSIVE", "dual-passive", "drop-held"),
    },
  },
};

/**
 * A role's table.
 * @param role Which server this is.
 * @returns Its machine.
 */
export function machineOf(
  role: "primary" | "backup",
): Machine<BstarStateName, BstarEvent, BstarAction> {
  return role === "primary" ? PRIMARY_MACHINE : BACKUP_MACHINE;
}
