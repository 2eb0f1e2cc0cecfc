/**
 * Logging of bad input that no peer can turn into a flood: per kind of
 * problem (a key such as `"frontend:malformed"`), at most `burst` lines per
 * interval are written; the rest are counted, and the next line after the
 * interval (or {@linkcode RateLimitedLog.flush}) reports how many were
 * suppressed, with the last one as a sample.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { Logger } from "./logger.ts";

/** Options of {@linkcode RateLimitedLog}. */
export interface RateLimitedLogOptions {
  /** Length of one interval, in ms. @default 10000 */
  intervalMs?: number;
  /** Lines written per key per interval before suppression. @default 5 */
  burst?: number;
  /** Distinct keys tracked; further keys share one. @default 64 */
  maxKeys?: number;
}

interface KeyState {
  windowStart: number;
  written: number;
  suppressed: number;
  sample?: { message: string; fields?: Record<string, unknown> };
}

const OTHER = "(other)";

/**
 * A rate limiter in front of a logger's `warn`, keyed by the kind of
 * problem.
 *
 * @example At most two lines a second, whatever a peer sends
 * ```ts
 * import { RateLimitedLog } from "./rate_limit.ts";
 * import { FakeClock } from "./clock.ts";
 * const lines: string[] = [];
 * const logger = {
 *   debug() {}, info() {}, error() {},
 *   warn: (m: string) => lines.push(m),
 * };
 * const clock = new FakeClock();
 * const log = new RateLimitedLog(logger, clock, { intervalMs: 1000, burst: 2 });
 * for (let i = 0; i < 100; i++) log.warn("malformed", "malformed message dropped");
 * clock.advance(1000);
 * log.flush();
 * console.log(lines.length, log.suppressed); // 3 98
 * ```
 */
export class RateLimitedLog {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #burst: number;
  readonly #maxKeys: number;
  readonly #keys = new Map<string, KeyState>();
  #suppressed = 0;

  /**
   * @param log Where lines go (their `warn`).
   * @param clock The time source.
   * @param options Interval, burst and key bound.
   */
  constructor(log: Logger, clock: Clock, options: RateLimitedLogOptions = {}) {
    this.#log = log;
    this.#clock = clock;
    this.#intervalMs = options.intervalMs ?? 10000;
    this.#burst = options.burst ?? 5;
    this.#maxKeys = options.maxKeys ?? 64;
  }

  /** Lines suppressed so far, over all keys. */
  get suppressed(): number {
    return this.#suppressed;
  }

  /**
   * Logs a warning unless this key has used its burst in this interval.
   *
   * @param key The kind of problem.
   * @param message The line.
   * @param fields Structured details.
   */
  warn(key: string, message: string, fields?: Record<string, unknown>): void {
    const now = this.#clock.now();
    let s = this.#keys.get(key);
    if (s === undefined) {
      if (this.#keys.size >= this.#maxKeys) {
        key = OTHER;
        s = this.#keys.get(key);
      }
      if (s === undefined) {
        s = { windowStart: now, written: 0, suppressed: 0 };
        this.#keys.set(key, s);
      }
    }
    if (now - s.windowStart >= this.#intervalMs) {
      this.#report(key, s);
      s.windowStart = now;
      s.written = 0;
    }
    if (s.written < this.#burst) {
      s.written++;
      this.#log.warn(message, fields);
      return;
    }
    s.suppressed++;
    this.#suppressed++;
    s.sample = { message, fields };
  }

  /** Reports every key's suppressed lines now (call it on close). */
  flush(): void {
    for (const [key, s] of this.#keys) this.#report(key, s);
  }

  #report(key: string, s: KeyState): void {
    if (s.suppressed === 0) return;
    this.#log.warn(
      `${s.suppressed} more like this suppressed: ${s.sample?.message ?? key}`,
      { key, suppressed: s.suppressed, sample: s.sample?.fields },
    );
    s.suppressed = 0;
    s.sample = undefined;
  }
}
