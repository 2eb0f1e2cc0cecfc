/**
 * The decisions of a Freelance model-one client without a socket: which
 * server each attempt goes to, and when to give up, on the kit's retry
 * loop (`runWithRetries`: an attempt waits `attemptTimeoutMs`, never past
 * the deadline; `maxAttempts` in all). Private.
 *
 * @module
 */
import { NoServerAnsweredError } from "../../errors.ts";
import type { Message } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import { runWithRetries } from "../_kit/retry.ts";

/**
 * Attempts per request when the caller sets none: three with one server
 * (the guide's MAX_RETRIES), else one per server.
 * @param servers How many servers there are.
 * @returns The count.
 */
export function defaultMaxAttempts(servers: number): number {
  return servers === 1 ? 3 : servers;
}

/**
 * Which server attempt `n` goes to: round the list from `start`.
 * @param start The index of the first server to try.
 * @param n The attempt, from 1.
 * @param servers How many servers there are.
 * @returns The server's index.
 */
export function serverFor(start: number, n: number, servers: number): number {
  return (start + n - 1) % servers;
}

/** One failover run. */
export interface FailoverRun {
  readonly clock: Clock;
  readonly endpoints: readonly string[];
  /** The first server to try (the last one that answered). */
  readonly start: number;
  readonly maxAttempts: number;
  readonly attemptTimeoutMs: number;
  readonly deadlineMs: number;
  readonly signal?: AbortSignal;
  /** Sends to `endpoint` and waits until `dueAt`: the reply, or null on timeout. */
  attempt(endpoint: string, dueAt: number): Promise<Message | null>;
  /** Called before the next attempt. */
  onRetry?(endpoint: string, attempt: number): void;
}

/**
 * Runs a request's attempts over the servers in turn.
 * @param run The servers, the limits and the attempt.
 * @returns The reply and the index of the server that gave it.
 * @throws {NoServerAnsweredError} When the attempts or the deadline ran out.
 */
export function failover(
  run: FailoverRun,
): Promise<{ reply: Message; index: number }> {
  const n = run.endpoints.length;
  const tried: string[] = [];
  return runWithRetries<{ reply: Message; index: number }>({
    clock: run.clock,
    signal: run.signal,
    policy: {
      maxAttempts: run.maxAttempts,
      attemptTimeoutMs: run.attemptTimeoutMs,
      deadlineMs: run.deadlineMs,
    },
    attempt: async (k, dueAt) => {
      const index = serverFor(run.start, k, n);
      const endpoint = run.endpoints[index];
      tried.push(endpoint);
      const reply = await run.attempt(endpoint, dueAt);
      return reply === null
        ? { ok: false, cause: "timeout" }
        : { ok: true, value: { reply, index } };
    },
    onRetry: (k) => run.onRetry?.(tried[k - 1], k),
    giveUp: (_reason, attempts, elapsedMs) =>
      new NoServerAnsweredError(tried, attempts, elapsedMs, run.deadlineMs),
  });
}
