/**
 * Waiters: a receive or send that could not complete at once waits in its
 * socket's FIFO queue, with an optional time limit and abort signal, until
 * the reactor reports the socket ready.
 *
 * @module
 */
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
  /** The time limit's timer. */
  timer?: ReturnType<typeof setTimeout>;
  /** The abort signal listened to. */
  signal?: AbortSignal;
  /** The abort listener. */
  onAbort?: () => void;
}

/**
 * Releases a waiter's timer and abort listener (before it is settled).
 * @param w The waiter.
 * @internal
 */
export function settle(w: Waiter): void {
  if (w.timer !== undefined) clearTimeout(w.timer);
  if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
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
  const drop = (): void => {
    const i = queue.indexOf(w);
    if (i >= 0) queue.splice(i, 1);
    settle(w);
    changed();
  };
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs !== undefined && timeoutMs !== Infinity) {
    w.timer = setTimeout(() => {
      drop();
      w.reject(timeoutError(timeoutMs));
    }, timeoutMs);
  }
  if (signal) {
    w.signal = signal;
    w.onAbort = () => {
      drop();
      w.reject(signal.reason);
    };
    signal.addEventListener("abort", w.onAbort, { once: true });
  }
  queue.push(w);
  changed();
}
