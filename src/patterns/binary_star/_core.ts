/**
 * The decisions of one Binary Star server, without sockets or timers: the
 * role's transition table (`_fsm.ts`), the peer's liveness (the kit's
 * `PeerLiveness`: the peer is gone after `liveness` silent heartbeats),
 * when to publish our state, which event a client request raises
 * (`CLIENT_VOTE` once the peer is gone, `CLIENT_OVERDUE` while it is
 * overdue, silent for more than one heartbeat, else `CLIENT_REQUEST`), and
 * how many requests are held, so that the expiry raises `HELD_VOTE`
 * rather than `PEER_EXPIRED` when some are waiting. Time is
 * the caller's `now`; the shell passes the kit's running time, so that a
 * paused server does not count its own pause as the peer's silence.
 * Private.
 *
 * @module
 */
import { type Machine, step } from "../_kit/fsm.ts";
import { type LivenessPolicy, PeerLiveness } from "../_kit/liveness.ts";
import {
  type BstarAction,
  type BstarEvent,
  type BstarStateName,
  machineOf,
  PEER_EVENT,
} from "./_fsm.ts";

/** What one event did. */
export interface BstarStep {
  /** The event. */
  readonly event: BstarEvent;
  /** The state before. */
  readonly from: BstarStateName;
  /** The state after. */
  readonly state: BstarStateName;
  /** What the shell must do, in order. */
  readonly actions: readonly BstarAction[];
  /** Whether a client request is to be handled (`accept` among the actions). */
  readonly accept: boolean;
  /** Whether the client request is held (`hold` among the actions). */
  readonly hold: boolean;
  /**
   * Held requests this step settled: served (`serve-held`) or dropped
   * (`drop-held`); 0 when none.
   */
  readonly released: number;
}

/** Slack for floating-point rounding when comparing due times, ms. */
const EPSILON_MS = 1e-6;

/** One server's decisions. */
export class BinaryStarCore {
  /** Which server this is. */
  readonly role: "primary" | "backup";
  readonly #machine: Machine<BstarStateName, BstarEvent, BstarAction>;
  readonly #p: LivenessPolicy;
  readonly #peer: PeerLiveness;
  #state: BstarStateName;
  /** Whether the current silence has been reported (PEER_EXPIRED once). */
  #lostReported = false;
  /** The peer's last state number (0: never heard). */
  #peerState = 0;
  /** Client requests held until the peer is heard or gone. */
  #held = 0;

  /**
   * @param role Primary or backup.
   * @param policy Heartbeat interval and silent heartbeats before the peer
   * counts as gone.
   * @param now The start time (the peer's expiry counts from it, as in
   * the guide's reactor).
   */
  constructor(role: "primary" | "backup", policy: LivenessPolicy, now: number) {
    this.role = role;
    this.#machine = machineOf(role);
    this.#p = policy;
    this.#peer = new PeerLiveness(policy, now);
    this.#state = role === "primary" ? "PRIMARY" : "BACKUP";
  }

  /** The current state. */
  get state(): BstarStateName {
    return this.#state;
  }

  /** The peer's last announced state number (0 before it was heard). */
  get peerState(): number {
    return this.#peerState;
  }

  /** When the peer was last heard. */
  get peerHeardAt(): number {
    return this.#peer.lastHeardAt;
  }

  /** Client requests held now (until the peer is heard or gone). */
  get held(): number {
    return this.#held;
  }

  /**
   * Whether the peer is overdue at `now`: silent for more than one
   * heartbeat (one state message missed), whether or not it is gone yet.
   * @param now The current time.
   * @returns True after more than one silent heartbeat.
   */
  peerOverdue(now: number): boolean {
    return now - this.#peer.lastHeardAt > this.#p.heartbeatIntervalMs;
  }

  /**
   * Whether the peer counts as gone at `now`.
   * @param now The current time.
   * @returns True after `liveness` silent heartbeats.
   */
  peerExpired(now: number): boolean {
    return now + EPSILON_MS >= this.#peer.expiresAt();
  }

  /**
   * Applies an event.
   * @param event What happened.
   * @returns The transition and the actions.
   */
  apply(event: BstarEvent): BstarStep {
    const from = this.#state;
    const t = step(this.#machine, from, event)!;
    this.#state = t.next;
    const hold = t.actions.includes("hold");
    let released = 0;
    if (hold) this.#held++;
    else if (
      t.actions.includes("serve-held") || t.actions.includes("drop-held")
    ) {
      released = this.#held;
      this.#held = 0;
    }
    return {
      event,
      from,
      state: t.next,
      actions: t.actions,
      accept: t.actions.includes("accept"),
      hold,
      released,
    };
  }

  /**
   * The peer's state message arrived.
   * @param peerState Its state number, 1-4.
   * @param now The current time.
   * @returns The step.
   */
  onPeerState(peerState: 1 | 2 | 3 | 4, now: number): BstarStep {
    this.#peer.heard(now);
    this.#lostReported = false;
    this.#peerState = peerState;
    return this.apply(PEER_EVENT[peerState - 1]);
  }

  /**
   * A request arrived on the voter socket.
   * @param now The current time.
   * @param canHold Whether the caller can keep the request unanswered
   * until the peer is heard or gone (`hold` in the step); a caller that
   * cannot gets `CLIENT_REQUEST` while the peer is overdue, as if it were
   * alive.
   * @returns The step; `accept` says whether to handle it now, `hold`
   * whether to keep it until a later step's `serve-held` or `drop-held`.
   */
  onClientRequest(now: number, canHold = false): BstarStep {
    return this.apply(
      this.peerExpired(now)
        ? "CLIENT_VOTE"
        : canHold && this.peerOverdue(now)
        ? "CLIENT_OVERDUE"
        : "CLIENT_REQUEST",
    );
  }

  /** @param now When our state was published. */
  published(now: number): void {
    this.#peer.sent(now);
  }

  /**
   * Whether our state is due to be published at `now`.
   * @param now The current time.
   * @returns True once a heartbeat interval has passed since the last one.
   */
  publishDue(now: number): boolean {
    return now + EPSILON_MS >= this.#peer.lastSentAt +
        this.#p.heartbeatIntervalMs;
  }

  /**
   * The expiry timer: once per silence, when the peer has just crossed
   * its expiry, `HELD_VOTE` if requests are held (they vote), else
   * `PEER_EXPIRED`.
   * @param now The current time.
   * @returns The step, or undefined when nothing is due.
   */
  checkExpiry(now: number): BstarStep | undefined {
    if (this.#lostReported || !this.peerExpired(now)) return undefined;
    this.#lostReported = true;
    return this.apply(this.#held > 0 ? "HELD_VOTE" : "PEER_EXPIRED");
  }

  /**
   * When something is next due: a publish, or the peer's expiry.
   * @returns The time.
   */
  nextDueAt(): number {
    const publish = this.#peer.lastSentAt + this.#p.heartbeatIntervalMs;
    return this.#lostReported
      ? publish
      : Math.min(publish, this.#peer.expiresAt());
  }
}
