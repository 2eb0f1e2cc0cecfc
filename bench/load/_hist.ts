// A latency histogram that is cheap to record into and to merge across
// processes: log-linear buckets (16 per power of two, so about 4% wide) over
// microseconds, 1 µs to about 1.2 hours. Client processes send the buckets
// that changed since their last report; the orchestrator adds them up.

const SUB = 16; // buckets per power of two
const POWERS = 32; // 2^32 µs ≈ 71 minutes
const SIZE = SUB * POWERS;

/** Bucket index of a latency in microseconds. */
function indexOf(us: number): number {
  if (!(us >= 1)) return 0;
  const p = Math.floor(Math.log2(us));
  if (p >= POWERS) return SIZE - 1;
  const base = 2 ** p;
  return p * SUB + Math.floor(((us - base) / base) * SUB);
}

/** The upper bound, in µs, of a bucket. */
function upperOf(i: number): number {
  const p = Math.floor(i / SUB);
  return 2 ** p * (1 + ((i % SUB) + 1) / SUB);
}

export class Histogram {
  readonly counts = new Float64Array(SIZE);
  count = 0;
  maxUs = 0;

  /** Records one latency, in milliseconds. */
  recordMs(ms: number): void {
    const us = ms * 1000;
    this.counts[indexOf(us)]++;
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Adds a sparse delta (`[index, count, index, count, ...]`). */
  addSparse(pairs: readonly number[], maxUs: number): void {
    for (let k = 0; k + 1 < pairs.length; k += 2) {
      this.counts[pairs[k]] += pairs[k + 1];
      this.count += pairs[k + 1];
    }
    if (maxUs > this.maxUs) this.maxUs = maxUs;
  }

  /** Adds another histogram. */
  add(other: Histogram): void {
    for (let i = 0; i < SIZE; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  /** The non-zero buckets as `[index, count, ...]`. */
  sparse(): number[] {
    const out: number[] = [];
    for (let i = 0; i < SIZE; i++) {
      if (this.counts[i] > 0) out.push(i, this.counts[i]);
    }
    return out;
  }

  /** Empties the histogram. */
  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.maxUs = 0;
  }

  /** The latency, in ms, below which a fraction `q` of samples fall. */
  quantileMs(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(upperOf(i), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  /** The largest latency recorded, in ms. */
  get maxMs(): number {
    return this.maxUs / 1000;
  }
}
