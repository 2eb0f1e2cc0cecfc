/**
 * A FIFO over a growable ring buffer: O(1) push, shift, unshift and peek.
 * Private to the Majordomo pattern.
 *
 * @module
 */

/** A first-in first-out queue. */
export class Deque<T> {
  #buf: (T | undefined)[] = new Array(16);
  #head = 0;
  #size = 0;

  /** Number of items. */
  get length(): number {
    return this.#size;
  }

  /**
   * Appends an item.
   * @param item The item.
   */
  push(item: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#size) & (this.#buf.length - 1)] = item;
    this.#size++;
  }

  /**
   * Puts an item back at the front.
   * @param item The item.
   */
  unshift(item: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#buf.length - 1);
    this.#buf[this.#head] = item;
    this.#size++;
  }

  /** @returns The oldest item, removed, or undefined. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.#size--;
    if (this.#size === 0) this.#head = 0;
    return item;
  }

  /** @returns The oldest item, or undefined. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[this.#head];
  }

  /** Removes everything. */
  clear(): void {
    this.#buf = new Array(16);
    this.#head = 0;
    this.#size = 0;
  }

  /** @returns The items, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) {
      out.push(this.#buf[(this.#head + i) & (this.#buf.length - 1)] as T);
    }
    return out;
  }

  #grow(): void {
    const old = this.#buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) {
      next[i] = old[(this.#head + i) & (old.length - 1)];
    }
    this.#buf = next;
    this.#head = 0;
  }
}
