/**
 * Time for every pattern, from one place: a {@linkcode Clock} gives the
 * current time and timers. The {@linkcode realClock} wraps
 * `performance.now()` and `setTimeout`; a {@linkcode FakeClock} lets a test
 * advance time by hand and run the timers that fall due, so that heartbeat
 * expiry, backoff, TTLs and retries can be tested without sockets and
 * without sleeping.
 *
 * Timer delays are safe at any size: `Infinity` means "never" (no timer is
 * armed), delays above the platform's limit (2^31-1 ms, about 24.8 days)
 * are chained instead of overflowing into an immediate timeout, and
 * negative or NaN delays count as 0.
 *
 * @module
 */
import { setImmediate } from "node:timers";

/** The largest delay one platform timer can take, in ms (2^31-1). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * An armed timer. Pass it to {@linkcode Clock.clearTimeout}; it has no
 * other use.
 */
export interface Timer {
  /** When the timer is due, in the clock's time (ms). */
  readonly at: number;
}

/**
 * A source of time and timers. Every pattern takes one (option `clock`),
 * so that its decisions can be driven by a {@linkcode FakeClock} in tests.
 *
 * @example Waiting on whatever clock a component was given
 * ```ts
 * import { realClock } from "./clock.ts";
 * const started = realClock.now();
 * await realClock.sleep(5);
 * console.log(realClock.now() - started >= 4); // true
 * ```
 */
export interface Clock {
  /** The current time in ms, monotonic (not wall-clock time). */
  now(): number;
  /**
   * Calls `fn` once after `ms`. `Infinity` arms nothing (never fires);
   * negative or NaN delays count as 0.
   */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Cancels a timer; `undefined` and fired timers are ignored. */
  clearTimeout(timer: Timer | undefined): void;
  /**
   * Resolves after `ms`, or rejects with `signal.reason` when `signal`
   * aborts first (at once if it has already aborted).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function normalDelay(ms: number): number {
  return ms > 0 ? ms : 0; // NaN and negatives become 0
}

class RealTimer implements Timer {
  id: ReturnType<typeof setTimeout> | undefined;
  constructor(readonly at: number) {}
}

function sleepOn(
  clock: Clock,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The real clock: `performance.now()` and the platform's timers, made safe
 * for delays of any size.
 *
 * @example
 * ```ts
 * import { realClock } from "./clock.ts";
 * const t = realClock.setTimeout(() => console.log("never"), Infinity);
 * realClock.clearTimeout(t);
 * ```
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn: () => void, ms: number): Timer {
    const delay = normalDelay(ms);
    const timer = new RealTimer(performance.now() + delay);
    if (delay === Infinity) return timer;
    const arm = (left: number) => {
      if (left > MAX_TIMER_MS) {
        timer.id = setTimeout(() => arm(left - MAX_TIMER_MS), MAX_TIMER_MS);
      } else {
        timer.id = setTimeout(() => {
          timer.id = undefined;
          fn();
        }, left);
      }
    };
    arm(delay);
    return timer;
  },
  clearTimeout(timer: Timer | undefined): void {
    if (timer instanceof RealTimer && timer.id !== undefined) {
      clearTimeout(timer.id);
      timer.id = undefined;
    }
  },
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(realClock, ms, signal);
  },
};

class FakeTimer implements Timer {
  cancelled = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fn: () => void,
  ) {}
}

/**
 * A clock for tests: time stands still until {@linkcode FakeClock.advance}
 * (synchronous) or {@linkcode FakeClock.tick} (lets promises settle
 * between timers) moves it, and timers run in due order as time passes
 * them, each seeing `now()` equal to its own due time.
 *
 * @example Driving a timeout without waiting for it
 * ```ts
 * import { FakeClock } from "./clock.ts";
 * const clock = new FakeClock();
 * let fired = 0;
 * clock.setTimeout(() => fired++, 1000);
 * clock.advance(999);
 * console.log(fired); // 0
 * clock.advance(1);
 * console.log(fired, clock.now()); // 1 1000
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  /**
   * A clock that reads `start` until it is advanced.
   * @param start The initial time, in ms.
   */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The fake current time. */
  now(): number {
    return this.#now;
  }

  /** Arms a fake timer (see {@linkcode Clock.setTimeout}). */
  setTimeout(fn: () => void, ms: number): Timer {
    const t = new FakeTimer(this.#now + normalDelay(ms), this.#seq++, fn);
    if (t.at !== Infinity) this.#timers.push(t);
    return t;
  }

  /** Cancels a fake timer. */
  clearTimeout(timer: Timer | undefined): void {
    if (timer instanceof FakeTimer) timer.cancelled = true;
  }

  /** A sleep on fake time (see {@linkcode Clock.sleep}). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Timers armed and not yet fired or cancelled. */
  get pending(): number {
    let n = 0;
    for (const t of this.#timers) if (!t.cancelled) n++;
    return n;
  }

  /** When the next timer is due, or `Infinity` when none is armed. */
  get nextAt(): number {
    const t = this.#next();
    return t ? t.at : Infinity;
  }

  #next(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    for (const t of this.#timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) {
        best = t;
      }
    }
    return best;
  }

  #fire(t: FakeTimer): void {
    t.cancelled = true;
    this.#now = Math.max(this.#now, t.at);
    t.fn();
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the
   * way (timers armed by those timers too), synchronously.
   *
   * @param ms How far to move, in ms (>= 0).
   * @throws {RangeError} If `ms` is negative or NaN.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) {
      throw new RangeError(`advance(): ms must be >= 0, got ${ms}`);
    }
    const end = this.#now + ms;
    for (;;) {
      const t = this.#next();
      if (!t || t.at > end) break;
      this.#fire(t);
    }
    this.#now = end;
  }

  /**
   * Like {@linkcode FakeClock.advance}, but lets pending promise callbacks
   * and I/O callbacks run after each timer, so that async code reacting to
   * a timer (an awaited sleep, a rejected wait) gets to act before the
   * next one is due.
   *
   * @param ms How far to move, in ms (>= 0).
   * @returns Resolves once time has moved and the work it caused settled.
   * @throws {RangeError} If `ms` is negative or NaN.
   */
  async tick(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`tick(): ms must be >= 0, got ${ms}`);
    const end = this.#now + ms;
    await settle();
    for (;;) {
      const t = this.#next();
      if (!t || t.at > end) break;
      this.#fire(t);
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

/** Lets queued promise and I/O callbacks run (one event-loop turn). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
