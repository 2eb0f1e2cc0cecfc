/**
 * Waiters: a receive or send that could not complete at once waits in its
 * socket's FIFO queue, with an optional time limit and abort signal, until
 * the reactor reports the socket ready.
 *
 * Time limits share one process-wide timer, armed at the earliest deadline
 * of all waiters: a wait that ends before its deadline (the common case: a
 * worker's receive with its heartbeat as the limit) costs no timer of its
 * own (a `setTimeout`/`clearTimeout` pair costs about 5 µs in Deno). The
 * timer is cleared once no waiter has a deadline left (checked on the next
 * turn of the event loop, so that a receive that follows another does not
 * clear and re-arm it). Abort signals likewise get one listener each, shared
 * by every waiter that passed the signal, and kept until the signal aborts.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import type { Frame, Message, ReceiveSink } from "../types.ts";

/** Options of a wait: a time limit and a cancellation signal. */
export interface WaitOptions {
  /**
   * Give up after this many milliseconds with a `TimeoutError`: 0 to
   * 2^31-1 (about 24.8 days), or `Infinity` for no limit.
   * @default Infinity
   */
  timeoutMs?: number;
  /** Give up when this signal aborts, rejecting with its reason. */
  signal?: AbortSignal;
}

/** One pending receive or send. @internal */
export interface Waiter {
  /** Where a receive writes (`receiveInto`), or null. */
  readonly sink: ReceiveSink | null;
  /** What a send sends, or null for a receive. */
  readonly frames: readonly Frame[] | null;
  /** Settles the wait with its result. */
  resolve(value: Message | number | undefined): void;
  /** Settles the wait with an error. */
  reject(error: unknown): void;
  /** When the time limit passes (`performance.now()` scale), if any. */
  deadline?: number;
  /** The time limit as given, for the error. */
  timeoutMs?: number;
  /** Builds the error for a passed time limit. */
  timeoutError?: (timeoutMs: number) => Error;
  /** The abort signal listened to. */
  signal?: AbortSignal;
  /** The queue the waiter is in, and what to call when it leaves early. */
  queue?: Waiter[];
  changed?: () => void;
}

// ---- the shared deadline timer ------------------------------------------------

const timed = new Set<Waiter>();
let timer: ReturnType<typeof setTimeout> | undefined;
let timerAt = Infinity;
let idleCheck = false;

function arm(at: number): void {
  if (timer !== undefined) {
    if (timerAt <= at) return;
    clearTimeout(timer);
  }
  timerAt = at;
  timer = setTimeout(fire, Math.max(0, Math.ceil(at - performance.now())));
}

function fire(): void {
  timer = undefined;
  timerAt = Infinity;
  const now = performance.now();
  let next = Infinity;
  const due: Waiter[] = [];
  for (const w of timed) {
    if (w.deadline! <= now) due.push(w);
    else if (w.deadline! < next) next = w.deadline!;
  }
  if (next < Infinity) arm(next);
  for (const w of due) {
    if (!timed.has(w)) continue; // settled by an earlier one's callbacks
    leave(w);
    w.reject(w.timeoutError!(w.timeoutMs!));
  }
}

function checkIdle(): void {
  idleCheck = false;
  if (timed.size === 0 && timer !== undefined) {
    clearTimeout(timer);
    timer = undefined;
    timerAt = Infinity;
  }
}

// ---- shared abort listeners ---------------------------------------------------

const bySignal = new WeakMap<AbortSignal, Set<Waiter>>();

function watch(signal: AbortSignal, w: Waiter): void {
  let set = bySignal.get(signal);
  if (set === undefined) {
    const waiters = new Set<Waiter>();
    set = waiters;
    bySignal.set(signal, waiters);
    signal.addEventListener("abort", () => {
      const all = [...waiters];
      waiters.clear();
      for (const x of all) {
        leave(x);
        x.reject(signal.reason);
      }
    }, { once: true });
  }
  set.add(w);
  w.signal = signal;
}

/** Takes a waiter out of its queue early (time limit, abort). */
function leave(w: Waiter): void {
  const q = w.queue;
  if (q !== undefined) {
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
  }
  settle(w);
  w.changed?.();
}

/**
 * Releases a waiter's time limit and abort listening (before it is
 * settled).
 * @param w The waiter.
 * @internal
 */
export function settle(w: Waiter): void {
  if (w.deadline !== undefined) {
    w.deadline = undefined;
    timed.delete(w);
    if (timed.size === 0 && timer !== undefined && !idleCheck) {
      idleCheck = true;
      setImmediate(checkIdle);
    }
  }
  if (w.signal !== undefined) {
    bySignal.get(w.signal)?.delete(w);
    w.signal = undefined;
  }
  w.queue = undefined;
}

/**
 * Queues a waiter with its time limit and abort signal. A signal already
 * aborted rejects at once and queues nothing. When the time limit passes or
 * the signal aborts, the waiter leaves the queue, `changed` is called, and
 * the waiter is rejected.
 *
 * @param queue The socket's receive or send queue.
 * @param w The waiter.
 * @param options The caller's time limit and signal (already checked).
 * @param timeoutError Builds the error for a passed time limit.
 * @param changed Called whenever the queue changed.
 * @internal
 */
export function enqueue(
  queue: Waiter[],
  w: Waiter,
  options: WaitOptions | undefined,
  timeoutError: (timeoutMs: number) => Error,
  changed: () => void,
): void {
  const signal = options?.signal;
  if (signal?.aborted) {
    w.reject(signal.reason);
    return;
  }
  w.queue = queue;
  w.changed = changed;
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs !== undefined && timeoutMs !== Infinity) {
    w.timeoutMs = timeoutMs;
    w.timeoutError = timeoutError;
    w.deadline = performance.now() + timeoutMs;
    timed.add(w);
    arm(w.deadline);
  }
  if (signal) watch(signal, w);
  queue.push(w);
  changed();
}
