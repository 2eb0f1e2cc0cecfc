/**
 * Heartbeats, peer expiry and reconnect backoff as pure functions of time.
 * Every pattern that heartbeats (the Majordomo broker and worker, the
 * Paranoid Pirate queue and worker, Binary Star, Freelance) decides with
 * these, so one rule holds everywhere:
 *
 * - a peer is **expired** once it has been silent for `liveness` whole
 *   heartbeat intervals (`now - lastHeardAt >= heartbeatIntervalMs * liveness`);
 * - a **heartbeat is due** once nothing has been sent to the peer for one
 *   interval;
 * - reconnects wait `reconnectInitialMs`, doubling up to `reconnectMaxMs`,
 *   less a random share (`jitter`) so that many peers that lost the same
 *   server do not come back in step.
 *
 * @module
 */

/** Heartbeat interval and how many intervals of silence mean "dead". */
export interface LivenessPolicy {
  /** Interval between heartbeats, in ms. */
  readonly heartbeatIntervalMs: number;
  /** Silent intervals after which the peer counts as dead. */
  readonly liveness: number;
}

/**
 * How long a peer may be silent, in ms.
 *
 * @param p The policy.
 * @returns `heartbeatIntervalMs × liveness`.
 * @example
 * ```ts
 * import { expiryMs } from "./liveness.ts";
 * console.log(expiryMs({ heartbeatIntervalMs: 1000, liveness: 3 })); // 3000
 * ```
 */
export function expiryMs(p: LivenessPolicy): number {
  return p.heartbeatIntervalMs * p.liveness;
}

/**
 * Whether a peer last heard at `lastHeardAt` is dead at `now`.
 *
 * @param lastHeardAt When anything was last received from it.
 * @param now The current time.
 * @param p The policy.
 * @returns True once it has been silent for the whole expiry window.
 * @example
 * ```ts
 * import { isExpired } from "./liveness.ts";
 * const p = { heartbeatIntervalMs: 1000, liveness: 3 };
 * console.log(isExpired(0, 2999, p), isExpired(0, 3000, p)); // false true
 * ```
 */
export function isExpired(
  lastHeardAt: number,
  now: number,
  p: LivenessPolicy,
): boolean {
  return now - lastHeardAt >= expiryMs(p);
}

/**
 * Whether a heartbeat is due to a peer last sent something at `lastSentAt`.
 *
 * @param lastSentAt When anything was last sent to it.
 * @param now The current time.
 * @param intervalMs The heartbeat interval.
 * @returns True once a whole interval has passed.
 * @example
 * ```ts
 * import { heartbeatDue } from "./liveness.ts";
 * console.log(heartbeatDue(0, 999, 1000), heartbeatDue(0, 1000, 1000)); // false true
 * ```
 */
export function heartbeatDue(
  lastSentAt: number,
  now: number,
  intervalMs: number,
): boolean {
  return now - lastSentAt >= intervalMs;
}

/** A reconnect schedule. */
export interface BackoffPolicy {
  /** The first delay, in ms. */
  readonly reconnectInitialMs: number;
  /** The longest delay, in ms. */
  readonly reconnectMaxMs: number;
  /**
   * Share of each delay taken off at random, in [0, 1]: 0 waits exactly,
   * 0.5 waits between half and all of the delay.
   * @default 0
   */
  readonly jitter?: number;
}

/**
 * The delay before reconnect attempt `attempt` (1 for the first):
 * `reconnectInitialMs × 2^(attempt-1)`, at most `reconnectMaxMs`, less a
 * random share of up to `jitter`.
 *
 * @param attempt Which attempt this is, from 1.
 * @param p The schedule.
 * @param random A number in [0, 1) (`Math.random()` by default; tests pass
 * a fixed one).
 * @returns The delay, in ms.
 * @example
 * ```ts
 * import { backoffMs } from "./liveness.ts";
 * const p = { reconnectInitialMs: 100, reconnectMaxMs: 1000 };
 * console.log([1, 2, 3, 4, 5].map((n) => backoffMs(n, p))); // [ 100, 200, 400, 800, 1000 ]
 * ```
 */
export function backoffMs(
  attempt: number,
  p: BackoffPolicy,
  random: number = Math.random(),
): number {
  const n = Math.max(1, Math.floor(attempt));
  const full = Math.min(
    p.reconnectMaxMs,
    p.reconnectInitialMs * 2 ** Math.min(n - 1, 52),
  );
  const jitter = Math.min(1, Math.max(0, p.jitter ?? 0));
  return full - full * jitter * random;
}

/**
 * One peer's heartbeat bookkeeping: when it was last heard and last sent
 * to. Pure of time: every method takes `now`.
 *
 * @example A worker's view of its broker
 * ```ts
 * import { PeerLiveness } from "./liveness.ts";
 * const broker = new PeerLiveness({ heartbeatIntervalMs: 1000, liveness: 3 }, 0);
 * broker.heard(500);
 * console.log(broker.heartbeatDue(1000), broker.expired(3499), broker.expired(3500)); // true false true
 * console.log(broker.nextCheckAt()); // 1000
 * ```
 */
export class PeerLiveness {
  /** When the peer was last heard. */
  lastHeardAt: number;
  /** When the peer was last sent anything. */
  lastSentAt: number;
  readonly #p: LivenessPolicy;

  /**
   * @param policy Interval and liveness.
   * @param now The time the conversation starts (counts as heard and sent).
   */
  constructor(policy: LivenessPolicy, now: number) {
    this.#p = policy;
    this.lastHeardAt = now;
    this.lastSentAt = now;
  }

  /** The policy. */
  get policy(): LivenessPolicy {
    return this.#p;
  }

  /** @param now When something arrived from the peer. */
  heard(now: number): void {
    this.lastHeardAt = now;
  }

  /** @param now When something was sent to the peer. */
  sent(now: number): void {
    this.lastSentAt = now;
  }

  /** @param now The current time. @returns Whether a heartbeat is due. */
  heartbeatDue(now: number): boolean {
    return heartbeatDue(this.lastSentAt, now, this.#p.heartbeatIntervalMs);
  }

  /** @param now The current time. @returns Whether the peer is dead. */
  expired(now: number): boolean {
    return isExpired(this.lastHeardAt, now, this.#p);
  }

  /** When the peer expires if nothing more arrives. */
  expiresAt(): number {
    return this.lastHeardAt + expiryMs(this.#p);
  }

  /** The next time something must be checked: a heartbeat or the expiry. */
  nextCheckAt(): number {
    return Math.min(
      this.lastSentAt + this.#p.heartbeatIntervalMs,
      this.expiresAt(),
    );
  }
}

/**
 * Time that only runs while its owner runs, for judging peers' silence: it
 * follows the real clock, except that a gap between two calls longer than
 * `maxStepMs` counts as `maxStepMs`. A server that was paused (SIGSTOP, a
 * long GC, a slow disk) and wakes up with its peers' heartbeats still
 * unread therefore never expires them for silence it did not witness; a
 * peer that really died still expires after the usual number of turns.
 *
 * @example A pause of 10 s counts as one heartbeat interval
 * ```ts
 * import { RunningClock } from "./liveness.ts";
 * const t = new RunningClock(100);
 * t.advance(0);
 * t.advance(50);
 * console.log(t.advance(10_050), t.lastGap); // 150 10000
 * ```
 */
export class RunningClock {
  readonly #maxStep: number;
  #last = NaN;
  #now = 0;
  /** The real gap before the last {@linkcode RunningClock.advance}, in ms. */
  lastGap = 0;

  /** @param maxStepMs The most one gap may count (a heartbeat interval). */
  constructor(maxStepMs: number) {
    this.#maxStep = maxStepMs;
  }

  /** The running time at the last {@linkcode RunningClock.advance}. */
  get now(): number {
    return this.#now;
  }

  /**
   * Moves to real time `now` (the first call starts at it).
   * @param now The real current time.
   * @returns The running time.
   */
  advance(now: number): number {
    if (this.#last !== this.#last) {
      this.#last = now;
      this.#now = now;
      this.lastGap = 0;
      return now;
    }
    const gap = now - this.#last;
    if (gap <= 0) {
      this.lastGap = 0;
      return this.#now;
    }
    this.#last = now;
    this.lastGap = gap;
    return this.#now += gap < this.#maxStep ? gap : this.#maxStep;
  }
}
