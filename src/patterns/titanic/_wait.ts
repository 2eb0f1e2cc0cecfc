/**
 * Waiting for a Titanic reply: poll `titanic.reply` with a growing pause
 * until the reply is there, the request is unknown or failed, or the
 * deadline passes. Pure of I/O: the fetch and the clock are passed in, so
 * tests drive it with a fake clock. Private.
 *
 * @module
 */
import type { Clock } from "../../_util/clock.ts";
import { TimeoutError, TitanicError } from "../../errors.ts";
import { backoffMs } from "../_kit/liveness.ts";
import type { TitanicReply } from "./client.ts";

/** The polling schedule. */
export interface PollSchedule {
  /** First pause after a pending answer, in ms. */
  pollInitialMs: number;
  /** Longest pause, in ms. */
  pollMaxMs: number;
}

/**
 * Polls until the reply is ready.
 * @param fetch One `titanic.reply` call.
 * @param clock Time.
 * @param schedule Pauses.
 * @param deadlineMs Give up this long after the call (`Infinity`: never).
 * @param uuid For messages.
 * @param signal Cancels the wait.
 * @returns The reply body.
 * @throws {TitanicError} On 400 (unknown UUID) or 500 (e.g. parked).
 * @throws {TimeoutError} When the deadline passes first.
 */
export async function pollForReply(
  fetch: () => Promise<TitanicReply>,
  clock: Clock,
  schedule: PollSchedule,
  deadlineMs: number,
  uuid: string,
  signal?: AbortSignal,
): Promise<Uint8Array[]> {
  const end = clock.now() + deadlineMs;
  for (let n = 1;; n++) {
    signal?.throwIfAborted();
    const r = await fetch();
    if (r.status === "ready") return r.reply;
    if (r.status === "unknown") {
      throw new TitanicError("titanic.reply", "400", `unknown request ${uuid}`);
    }
    if (r.status === "error") {
      throw new TitanicError("titanic.reply", "500", r.text);
    }
    const pause = backoffMs(n, {
      reconnectInitialMs: schedule.pollInitialMs,
      reconnectMaxMs: schedule.pollMaxMs,
    });
    const left = end - clock.now();
    if (left <= 0) {
      throw new TimeoutError(
        `No reply for Titanic request ${uuid} within ${deadlineMs} ms (still pending)`,
        deadlineMs,
      );
    }
    await clock.sleep(Math.min(pause, left), signal);
  }
}
