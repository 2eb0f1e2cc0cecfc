/**
 * Many deadlines on one timer: a binary heap of `(at, item)` entries with
 * one clock timer armed for the earliest. Per-request attempt timers,
 * request deadlines and tickless heartbeats use it instead of a platform
 * timer each, so that 100,000 outstanding requests cost 100,000 heap
 * entries and one timer, and moving or removing a deadline is O(log n).
 *
 * @module
 */
import type { Clock, Timer } from "../../_util/clock.ts";

/** An entry of a {@linkcode Deadlines} heap. */
export interface Deadline<T> {
  /** When it is due, in the clock's ms. */
  readonly at: number;
  /** What it is for. */
  readonly item: T;
}

class Entry<T> implements Deadline<T> {
  /** Position in the heap, -1 when not in it. */
  index = -1;
  constructor(public at: number, readonly item: T) {}
}

/**
 * A set of deadlines that calls `onDue(item)` for each one as it falls due,
 * earliest first, from one timer.
 *
 * @example
 * ```ts
 * import { Deadlines } from "./deadlines.ts";
 * import { FakeClock } from "../../_util/clock.ts";
 * const clock = new FakeClock();
 * const due: string[] = [];
 * const d = new Deadlines<string>(clock, (item) => due.push(item));
 * d.add(300, "c");
 * const b = d.add(200, "b");
 * d.add(100, "a");
 * d.remove(b);
 * clock.advance(1000);
 * console.log(due, d.size); // [ "a", "c" ] 0
 * ```
 */
export class Deadlines<T> {
  readonly #clock: Clock;
  readonly #onDue: (item: T) => void;
  readonly #heap: Entry<T>[] = [];
  #timer: Timer | undefined;
  #armedAt = Infinity;
  #closed = false;
  #firing = false;
  readonly #lazy: boolean;

  /**
   * @param clock The time source.
   * @param onDue Called for each entry once it is due (it has already left
   * the heap, so `onDue` may add it again).
   * @param options `lazy`: keep the armed timer when the last entry leaves
   * (it then fires once for nothing and is not re-armed), so that entries
   * added and removed one at a time, each due later than the one before,
   * arm no timer each (a request deadline per request).
   */
  constructor(
    clock: Clock,
    onDue: (item: T) => void,
    options?: { lazy?: boolean },
  ) {
    this.#clock = clock;
    this.#onDue = onDue;
    this.#lazy = options?.lazy === true;
  }

  /** Entries waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** When the earliest entry is due, or `Infinity`. */
  get nextAt(): number {
    return this.#heap.length ? this.#heap[0].at : Infinity;
  }

  /**
   * Adds a deadline. `Infinity` is kept but never falls due.
   *
   * @param at When it is due, in the clock's ms.
   * @param item What it is for.
   * @returns The entry, for {@linkcode Deadlines.remove} and
   * {@linkcode Deadlines.move}.
   */
  add(at: number, item: T): Deadline<T> {
    const e = new Entry(at, item);
    e.index = this.#heap.length;
    this.#heap.push(e);
    this.#up(e.index);
    this.#arm();
    return e;
  }

  /**
   * Removes an entry; one already due or removed is ignored.
   *
   * @param d The entry.
   * @returns Whether it was waiting.
   */
  remove(d: Deadline<T> | undefined): boolean {
    const e = d as Entry<T> | undefined;
    if (!e || e.index < 0 || this.#heap[e.index] !== e) return false;
    const i = e.index;
    const last = this.#heap.pop()!;
    e.index = -1;
    if (last !== e) {
      this.#heap[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
    this.#arm();
    return true;
  }

  /**
   * Gives a waiting entry a new time (or puts a fired one back).
   *
   * @param d The entry.
   * @param at Its new due time.
   */
  move(d: Deadline<T>, at: number): void {
    const e = d as Entry<T>;
    if (e.index < 0 || this.#heap[e.index] !== e) {
      e.at = at;
      e.index = this.#heap.length;
      this.#heap.push(e);
      this.#up(e.index);
    } else {
      const before = e.at;
      e.at = at;
      if (at < before) this.#up(e.index);
      else this.#down(e.index);
    }
    this.#arm();
  }

  /** Runs every entry that is due now (the timer does this by itself). */
  runDue(): void {
    if (this.#firing) return;
    this.#firing = true;
    try {
      const now = this.#clock.now();
      while (!this.#closed && this.#heap.length && this.#heap[0].at <= now) {
        const e = this.#heap[0];
        this.remove(e);
        this.#onDue(e.item);
      }
    } finally {
      this.#firing = false;
    }
    this.#arm();
  }

  /** Drops every entry and the timer; nothing falls due afterwards. */
  close(): void {
    this.#closed = true;
    for (const e of this.#heap) e.index = -1;
    this.#heap.length = 0;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
  }

  /**
   * Keeps the one timer armed no later than the earliest entry. It is
   * re-armed only when the earliest entry moves earlier than the timer, or
   * when the heap empties (so that an idle set holds no timer); when the
   * earliest moves later (the usual case: the oldest request answered) the
   * timer stays, fires early, finds nothing due and is armed again for the
   * entry that is then earliest. So a steady stream of requests costs one
   * timer per timeout period, not one per request.
   */
  #arm(): void {
    if (this.#closed || this.#firing) return;
    const at = this.nextAt;
    if (at === Infinity) {
      if (this.#lazy) return;
      if (this.#timer !== undefined) {
        this.#clock.clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      this.#armedAt = Infinity;
      return;
    }
    if (at >= this.#armedAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = this.#clock.setTimeout(this.#fire, at - this.#clock.now());
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    this.runDue();
  };

  #up(i: number): void {
    const h = this.#heap;
    const e = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].at <= e.at) break;
      h[i] = h[p];
      h[i].index = i;
      i = p;
    }
    h[i] = e;
    e.index = i;
  }

  #down(i: number): void {
    const h = this.#heap;
    const n = h.length;
    const e = h[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r].at < h[l].at ? r : l;
      if (h[c].at >= e.at) break;
      h[i] = h[c];
      h[i].index = i;
      i = c;
    }
    h[i] = e;
    e.index = i;
  }
}
