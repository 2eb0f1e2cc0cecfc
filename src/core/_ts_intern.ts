/**
 * A byte-keyed intern table on typed arrays: open addressing with linear
 * probing and backward-shift deletion, keys stored in one arena that is
 * compacted in place. Private.
 *
 * @module
 */

/**
 * Keyed hash: FNV-style, four bytes (little-endian) per step, then a final
 * mix. The WASM table uses the same function.
 */
export function hashBytes(
  seed: number,
  b: Uint8Array,
  off: number,
  len: number,
): number {
  let h = seed ^ 0x811c9dc5 ^ len;
  let i = off;
  const end = off + len, end4 = off + (len & ~3);
  for (; i < end4; i += 4) {
    h = Math.imul(
      h ^ (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)),
      0x01000193,
    );
    h ^= h >>> 15;
  }
  for (; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

const DEAD = -1;

/** The intern table of `TsEnvelope`. */
export class TsInternTable {
  readonly seed: number;
  #table = new Int32Array(64); // handle + 1, 0 = empty
  #mask = 63;
  #keyOff = new Int32Array(64);
  #keyLen = new Int32Array(64);
  #keyHash = new Int32Array(64);
  #live = new Uint8Array(64);
  #free = new Int32Array(64);
  #freeTop = 0;
  #next = 0;
  /** Live handles. */
  count = 0;
  // Arena of records [i32 handle or DEAD][i32 len][bytes, padded to 4].
  #arena = new Uint8Array(4096);
  #arena32 = new Int32Array(this.#arena.buffer);
  #top = 0;
  #garbage = 0;

  constructor(seed: number) {
    this.seed = seed | 0;
  }

  /** Finds the handle of `b[off..off+len)` with hash `h`, or -1. */
  find(b: Uint8Array, off: number, len: number, h: number): number {
    const t = this.#table, mask = this.#mask, a = this.#arena;
    let slot = h & mask;
    for (;;) {
      const e = t[slot];
      if (e === 0) return -1;
      const k = e - 1;
      if (this.#keyHash[k] === h && this.#keyLen[k] === len) {
        let p = this.#keyOff[k], i = off;
        const end = off + len;
        while (i < end && a[p] === b[i]) {
          p++;
          i++;
        }
        if (i === end) return k;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Interns `b[off..off+len)` with hash `h`. */
  intern(b: Uint8Array, off: number, len: number, h: number): number {
    const found = this.find(b, off, len, h);
    if (found >= 0) return found;
    if ((this.count + 1) * 2 > this.#table.length) this.#growTable();
    let k: number;
    if (this.#freeTop > 0) k = this.#free[--this.#freeTop];
    else {
      k = this.#next++;
      if (k >= this.#live.length) this.#growHandles();
    }
    // The key may live in the arena itself (bytesOf view): copy it first.
    const need = 8 + ((len + 3) & ~3);
    if (this.#top + need > this.#arena.length) {
      if (b.buffer === this.#arena.buffer) b = b.slice(off, off + len), off = 0;
      this.#makeRoom(need);
    }
    const p = this.#top;
    this.#arena32[p >> 2] = k;
    this.#arena32[(p >> 2) + 1] = len;
    this.#arena.set(b.subarray(off, off + len), p + 8);
    this.#top += need;
    this.#keyOff[k] = p + 8;
    this.#keyLen[k] = len;
    this.#keyHash[k] = h;
    this.#live[k] = 1;
    this.count++;
    const t = this.#table, mask = this.#mask;
    let slot = h & mask;
    while (t[slot] !== 0) slot = (slot + 1) & mask;
    t[slot] = k + 1;
    return k;
  }

  /** Frees a handle. */
  release(k: number): boolean {
    if (!this.isLive(k)) return false;
    const t = this.#table, mask = this.#mask, kh = this.#keyHash;
    let i = kh[k] & mask;
    while (t[i] !== k + 1) i = (i + 1) & mask;
    // Backward-shift deletion.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = t[j];
      if (e === 0) break;
      const ideal = kh[e - 1] & mask;
      const stays = i <= j ? i < ideal && ideal <= j : i < ideal || ideal <= j;
      if (stays) continue;
      t[i] = e;
      i = j;
    }
    t[i] = 0;
    this.#live[k] = 0;
    this.#arena32[(this.#keyOff[k] - 8) >> 2] = DEAD;
    this.#garbage += 8 + ((this.#keyLen[k] + 3) & ~3);
    if (this.#freeTop >= this.#free.length) {
      const f = new Int32Array(this.#free.length * 2);
      f.set(this.#free);
      this.#free = f;
    }
    this.#free[this.#freeTop++] = k;
    this.count--;
    return true;
  }

  /** Whether a handle is live. */
  isLive(k: number): boolean {
    return typeof k === "number" && (k | 0) === k && k >= 0 &&
      k < this.#next && this.#live[k] === 1;
  }

  /** A view of a live handle's bytes. */
  bytesOf(k: number): Uint8Array {
    const off = this.#keyOff[k];
    return this.#arena.subarray(off, off + this.#keyLen[k]);
  }

  #growTable(): void {
    const size = this.#table.length * 2;
    const t = new Int32Array(size), mask = size - 1;
    for (let k = 0; k < this.#next; k++) {
      if (this.#live[k] !== 1) continue;
      let slot = this.#keyHash[k] & mask;
      while (t[slot] !== 0) slot = (slot + 1) & mask;
      t[slot] = k + 1;
    }
    this.#table = t;
    this.#mask = mask;
  }

  #growHandles(): void {
    const cap = this.#live.length * 2;
    const g = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.#keyOff = g(this.#keyOff);
    this.#keyLen = g(this.#keyLen);
    this.#keyHash = g(this.#keyHash);
    const live = new Uint8Array(cap);
    live.set(this.#live);
    this.#live = live;
  }

  /** Compacts the arena in place, then grows it if still too small. */
  #makeRoom(need: number): void {
    if (this.#garbage > 0) {
      const a = this.#arena, a32 = this.#arena32;
      let src = 0, dst = 0;
      while (src < this.#top) {
        const k = a32[src >> 2];
        const size = 8 + ((a32[(src >> 2) + 1] + 3) & ~3);
        if (k !== DEAD) {
          if (src !== dst) a.copyWithin(dst, src, src + size);
          this.#keyOff[k] = dst + 8;
          dst += size;
        }
        src += size;
      }
      this.#top = dst;
      this.#garbage = 0;
    }
    if (this.#top + need > this.#arena.length) {
      let cap = this.#arena.length * 2;
      while (cap < this.#top + need) cap *= 2;
      const a = new Uint8Array(cap);
      a.set(this.#arena.subarray(0, this.#top));
      this.#arena = a;
      this.#arena32 = new Int32Array(a.buffer);
    }
  }
}
