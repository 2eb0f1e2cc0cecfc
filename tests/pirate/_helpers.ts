/**
 * Helpers of the Pirate tests: one place that creates Lazy Pirate clients
 * (so that a rename of its options touches only this file), an event
 * recorder, and a wait for a condition that events or counters satisfy.
 */
import { LazyPirateClient, silentLogger } from "../../mod.ts";
import type { Frame, Message } from "../../mod.ts";

/** Bind on loopback, port picked by the kernel. */
export const LOCAL = "tcp://127.0.0.1:*";

/** Options of {@linkcode lazyClient}. */
export interface LazyOptions {
  /** One attempt's wait, ms. */
  timeoutMs?: number;
  /** Sends per request in all. */
  attempts?: number;
  /** Checks a reply against its request. */
  validate?: (request: readonly Frame[], reply: Message) => boolean;
}

/** A Lazy Pirate client with quiet logs. */
export function lazyClient(
  endpoint: string,
  o: LazyOptions = {},
): Promise<LazyPirateClient> {
  return LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: o.timeoutMs ?? 5000,
    maxAttempts: o.attempts ?? 3,
    validateReply: o.validate,
    logger: silentLogger,
  });
}

/**
 * Waits until `test()` holds, re-checking when `poke()` is called (an
 * event arrived) and every 20 ms (counters change without events).
 */
export class Waiter {
  #subs = new Set<() => void>();
  /** Call on every event. */
  poke = (): void => {
    for (const s of [...this.#subs]) s();
  };
  /** Resolves once `test()` is true; rejects after `timeoutMs`. */
  until(
    test: () => boolean,
    timeoutMs = 30000,
    what = "condition",
  ): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        clearInterval(poll);
        this.#subs.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        clearInterval(poll);
        this.#subs.delete(check);
        reject(new Error(`${what} not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const poll = setInterval(check, 20);
      this.#subs.add(check);
    });
  }
}

/** Records events of type `E` and lets a test wait for conditions on them. */
export class Recorder<E extends { type: string }> extends Waiter {
  readonly seen: E[] = [];
  /** Pass as `onEvent`. */
  on = (e: E): void => {
    this.seen.push(e);
    this.poke();
  };
  /** Events of a type (and worker, when given). */
  count(type: E["type"], worker?: string): number {
    return this.seen.filter((e) =>
      e.type === type &&
      (worker === undefined ||
        (e as unknown as { worker?: string }).worker === worker)
    ).length;
  }
}

/** Waits for a condition without events (counters only). */
export function until(
  test: () => boolean,
  timeoutMs = 30000,
  what = "condition",
): Promise<void> {
  return new Waiter().until(test, timeoutMs, what);
}
