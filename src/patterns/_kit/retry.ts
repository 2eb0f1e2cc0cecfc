/**
 * The Lazy Pirate retry loop, shared by every client that retries a
 * request on silence (`LazyPirateClient`, `MajordomoClient`) and, for its
 * decisions, by the asynchronous Majordomo client:
 *
 * - each **attempt** waits at most `attemptTimeoutMs`, and never past the
 *   request's `deadlineMs` (counted from the call);
 * - after a failed attempt the request is sent again, at most
 *   `maxAttempts` times in all;
 * - a retry after a **timeout** goes at once (the attempt already waited);
 *   a retry after a **fast failure** (the worker holding it died, a reply
 *   failed a check) goes at once the first time, then after a jittered,
 *   doubling delay from `retryInitialMs` up to `attemptTimeoutMs`, so that
 *   a request that kills its worker cannot spin;
 * - it gives up when the attempts are spent or the deadline has passed.
 *
 * The decisions are pure functions of time ({@linkcode attemptTimeoutAt},
 * {@linkcode afterFailure}); {@linkcode runWithRetries} runs them on a
 * {@linkcode Clock}.
 *
 * @module
 */
import type { Clock } from "../../_util/clock.ts";
import { backoffMs } from "./liveness.ts";

/** The limits of one request's attempts. */
export interface RetryPolicy {
  /** Sends in all (the first plus retries). */
  readonly maxAttempts: number;
  /** How long one attempt waits for its reply, in ms. */
  readonly attemptTimeoutMs: number;
  /** The whole request's limit from the call, in ms (`Infinity`: none). */
  readonly deadlineMs: number;
  /** First delay before a retry after repeated fast failures, in ms. @default 100 */
  readonly retryInitialMs?: number;
}

/** Why an attempt failed. */
export type FailureCause =
  /** No reply within the attempt's time. */
  | "timeout"
  /** A fast failure: the request was lost (worker died) or its reply was refused. */
  | "lost";

/** What to do after a failed attempt. */
export type RetryDecision =
  | {
    /** Send again after `delayMs`. */
    readonly action: "retry";
    /** Wait before the next send, in ms (0: at once). */
    readonly delayMs: number;
  }
  | {
    /** Stop: the attempts are spent or the deadline is reached. */
    readonly action: "give-up";
    /** Which limit ended it. */
    readonly reason: "attempts" | "deadline";
  };

/**
 * When an attempt sent at `now` times out: `attemptTimeoutMs` later, but
 * never after the deadline.
 *
 * @param p The policy.
 * @param startedAt When the request was made.
 * @param now When the attempt is sent.
 * @returns The attempt's due time.
 * @example
 * ```ts
 * import { attemptTimeoutAt } from "./retry.ts";
 * const p = { maxAttempts: 3, attemptTimeoutMs: 1000, deadlineMs: 2500 };
 * console.log(attemptTimeoutAt(p, 0, 0), attemptTimeoutAt(p, 0, 2000)); // 1000 2500
 * ```
 */
export function attemptTimeoutAt(
  p: RetryPolicy,
  startedAt: number,
  now: number,
): number {
  return Math.min(now + p.attemptTimeoutMs, startedAt + p.deadlineMs);
}

/**
 * What to do after attempt number `attempt` (1 for the first) failed.
 *
 * @param p The policy.
 * @param attempt The attempt that failed, from 1.
 * @param cause Why it failed.
 * @param startedAt When the request was made.
 * @param now The current time.
 * @param fastFailures Fast failures so far, this one included (the
 * backoff grows with them).
 * @param random A number in [0, 1) for the jitter (tests pass a fixed one).
 * @returns Retry (with a delay) or give up (with the reason).
 * @example
 * ```ts
 * import { afterFailure } from "./retry.ts";
 * const p = { maxAttempts: 3, attemptTimeoutMs: 1000, deadlineMs: 10000 };
 * console.log(afterFailure(p, 1, "timeout", 0, 1000, 0)); // { action: "retry", delayMs: 0 }
 * console.log(afterFailure(p, 3, "timeout", 0, 3000, 0)); // { action: "give-up", reason: "attempts" }
 * ```
 */
export function afterFailure(
  p: RetryPolicy,
  attempt: number,
  cause: FailureCause,
  startedAt: number,
  now: number,
  fastFailures: number,
  random: number = Math.random(),
): RetryDecision {
  if (attempt >= p.maxAttempts) {
    return { action: "give-up", reason: "attempts" };
  }
  const delayMs = cause === "lost" && fastFailures > 1
    ? backoffMs(fastFailures - 1, {
      reconnectInitialMs: Math.min(p.retryInitialMs ?? 100, p.attemptTimeoutMs),
      reconnectMaxMs: p.attemptTimeoutMs,
      jitter: 0.5,
    }, random)
    : 0;
  if (now + delayMs >= startedAt + p.deadlineMs) {
    return { action: "give-up", reason: "deadline" };
  }
  return { action: "retry", delayMs };
}

/** The outcome of one attempt, as {@linkcode runWithRetries} sees it. */
export type AttemptOutcome<T> =
  | {
    /** The reply. */
    readonly ok: true;
    /** What the request resolves with. */
    readonly value: T;
  }
  | {
    /** The attempt failed; the loop decides whether to retry. */
    readonly ok: false;
    /** Why. */
    readonly cause: FailureCause;
    /** Details for the error raised when the loop gives up. */
    readonly detail?: string;
  };

/** What {@linkcode runWithRetries} needs from its client. */
export interface RetryLoop<T> {
  /** The time source. */
  readonly clock: Clock;
  /** The limits. */
  readonly policy: RetryPolicy;
  /** Cancels the request; it rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** When the request was made (defaults to when the loop starts). */
  readonly startedAt?: number;
  /**
   * Runs attempt `n`: sends and waits until `dueAt` (clock time) for the
   * reply. Throws to end the request with that error (a typed error reply,
   * a close).
   */
  attempt(n: number, dueAt: number): Promise<AttemptOutcome<T>>;
  /**
   * Called after a failed attempt, before the decision: may clean up (a
   * Lazy Pirate client drops its socket), may find the answer some other
   * way (return `{ value }`), or may end the request by throwing (an MMI
   * check that says the service does not exist).
   */
  afterFailure?(
    n: number,
    outcome: AttemptOutcome<T> & { ok: false },
  ): Promise<{ value: T } | void> | { value: T } | void;
  /** Called before retry `n + 1` is sent (for events and logs). */
  onRetry?(n: number, cause: FailureCause, delayMs: number): void;
  /** Builds the error the request fails with when the loop gives up. */
  giveUp(
    reason: "attempts" | "deadline",
    attempts: number,
    elapsedMs: number,
    last: AttemptOutcome<T> & { ok: false },
  ): Error;
}

/**
 * Runs a request's attempts until one succeeds, one throws, or the policy
 * gives up.
 *
 * @param loop The client's side of the loop.
 * @returns The value of the successful attempt.
 * @throws The error an attempt or `afterFailure` threw, `signal.reason`
 * on abort, or `giveUp(...)`.
 * @example
 * ```ts
 * import { runWithRetries } from "./retry.ts";
 * import { FakeClock } from "../../_util/clock.ts";
 * let n = 0;
 * const value = await runWithRetries({
 *   clock: new FakeClock(),
 *   policy: { maxAttempts: 3, attemptTimeoutMs: 100, deadlineMs: Infinity },
 *   attempt: () => Promise.resolve(++n < 3 ? { ok: false, cause: "timeout" } : { ok: true, value: n }),
 *   giveUp: () => new Error("gave up"),
 * });
 * console.log(value); // 3
 * ```
 */
export async function runWithRetries<T>(loop: RetryLoop<T>): Promise<T> {
  const { clock, policy, signal } = loop;
  const startedAt = loop.startedAt ?? clock.now();
  let fast = 0;
  for (let n = 1;; n++) {
    signal?.throwIfAborted();
    const outcome = await loop.attempt(
      n,
      attemptTimeoutAt(policy, startedAt, clock.now()),
    );
    if (outcome.ok) return outcome.value;
    if (outcome.cause === "lost") fast++;
    const found = await loop.afterFailure?.(n, outcome);
    if (found) return found.value;
    signal?.throwIfAborted();
    const now = clock.now();
    const d = afterFailure(policy, n, outcome.cause, startedAt, now, fast);
    if (d.action === "give-up") {
      throw loop.giveUp(d.reason, n, now - startedAt, outcome);
    }
    loop.onRetry?.(n, outcome.cause, d.delayMs);
    if (d.delayMs > 0) await clock.sleep(d.delayMs, signal);
  }
}
