/**
 * The decisions of a Pirate worker without sockets or timers: its state
 * machine (`_fsm.ts`) plus, for the Paranoid worker, the time it keeps,
 * the kit's `PeerLiveness` towards the queue (heartbeat due, queue silent)
 * and the reconnect backoff (`backoffMs`, doubling, jittered, bounded).
 * Driven by events and `now` from the injected clock; the shell runs the
 * actions it returns. Private.
 *
 * @module
 */
import { type Machine, step } from "../_kit/fsm.ts";
import { backoffMs, PeerLiveness } from "../_kit/liveness.ts";
import type { WorkerAction, WorkerEvent, WorkerState } from "./_fsm.ts";

/** Timing of a worker (`Infinity` heartbeat: none, the Simple worker). */
export interface WorkerPolicy {
  /** Heartbeat interval, ms. */
  readonly heartbeatIntervalMs: number;
  /** Silent intervals after which the queue counts as dead. */
  readonly liveness: number;
  /** First reconnect delay, ms. */
  readonly reconnectInitialMs: number;
  /** Longest reconnect delay, ms. */
  readonly reconnectMaxMs: number;
  /** Share of each delay taken off at random, in [0, 1]. */
  readonly jitter: number;
}

/** What one event did. */
export interface Step {
  /** The state before. */
  readonly from: WorkerState;
  /** The state after. */
  readonly state: WorkerState;
  /** What the shell must do, in order (time bookkeeping already done). */
  readonly actions: readonly WorkerAction[];
  /** For `wait-backoff`: the delay, ms. */
  readonly delayMs?: number;
}

const NOTHING: readonly WorkerAction[] = [];
/** Slack for floating-point rounding when comparing due times, ms. */
const EPSILON_MS = 1e-6;

/** A worker's decisions. */
export class WorkerCore {
  readonly #machine: Machine<WorkerState, WorkerEvent, WorkerAction>;
  readonly #p: WorkerPolicy;
  readonly #random: () => number;
  #state: WorkerState = "connecting";
  #peer: PeerLiveness;
  /** Consecutive silent expiries (the backoff's attempt number). */
  #failures = 0;
  #backoffUntil = Infinity;

  /**
   * @param machine The worker's transition table.
   * @param policy Heartbeat, liveness and backoff.
   * @param now The current time (the first conversation starts now).
   * @param random Source of jitter in [0, 1).
   */
  constructor(
    machine: Machine<WorkerState, WorkerEvent, WorkerAction>,
    policy: WorkerPolicy,
    now: number,
    random: () => number = Math.random,
  ) {
    this.#machine = machine;
    this.#p = policy;
    this.#random = random;
    this.#peer = new PeerLiveness(policy, now);
  }

  /** The current state. */
  get state(): WorkerState {
    return this.#state;
  }

  /** Silent expiries in a row (reset by any message from the queue). */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Applies an event.
   * @param event What happened.
   * @param now The current time.
   * @returns The transition and the actions for the shell; an event the
   * state does not take changes nothing.
   */
  on(event: WorkerEvent, now: number): Step {
    const from = this.#state;
    const t = step(this.#machine, from, event);
    if (t === undefined) return { from, state: from, actions: NOTHING };
    this.#state = t.next;
    let delayMs: number | undefined;
    for (const a of t.actions) {
      switch (a) {
        case "heard":
          this.#peer.heard(now);
          break;
        case "reset-backoff":
          this.#failures = 0;
          break;
        case "send-heartbeat":
        case "send-reply":
        case "send-ready":
          this.#peer.sent(now);
          break;
        case "wait-backoff":
          this.#failures++;
          delayMs = Math.round(
            backoffMs(this.#failures, this.#p, this.#random()),
          );
          this.#backoffUntil = now + delayMs;
          break;
        case "open-socket":
          // A fresh conversation: heard and sent count from now.
          this.#peer = new PeerLiveness(this.#p, now);
          this.#backoffUntil = Infinity;
          break;
      }
    }
    return { from, state: t.next, actions: t.actions, delayMs };
  }

  /**
   * The time-driven event due at `now`, if any: the queue silent, a
   * heartbeat due, or the backoff over.
   * @param now The current time.
   * @returns The event to apply, or undefined.
   */
  due(now: number): WorkerEvent | undefined {
    // Compared with the very times nextDueAt() gives (a timer set for `at`
    // may see `at` less a rounding error): no due time is ever missed.
    const t = now + EPSILON_MS;
    switch (this.#state) {
      case "connecting":
      case "ready":
        if (t >= this.#peer.expiresAt()) return "silent";
        if (
          this.#state === "ready" &&
          t >= this.#peer.lastSentAt + this.#p.heartbeatIntervalMs
        ) {
          return "beat-due";
        }
        return undefined;
      case "waiting":
        return t >= this.#backoffUntil ? "backoff-done" : undefined;
      default:
        return undefined;
    }
  }

  /**
   * When {@linkcode WorkerCore.due} next has something (`Infinity`: never,
   * until an event).
   * @returns The time.
   */
  nextDueAt(): number {
    switch (this.#state) {
      case "connecting":
        return this.#peer.expiresAt();
      case "ready":
        return this.#peer.nextCheckAt();
      case "waiting":
        return this.#backoffUntil;
      default:
        return Infinity;
    }
  }
}
