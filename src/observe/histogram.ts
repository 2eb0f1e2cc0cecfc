/**
 * A latency histogram with fixed logarithmic buckets: eight per doubling
 * from 1 µs to about 4.5 minutes (a quantile is within about 5 % of the
 * true value), plus the coarse Prometheus buckets of
 * {@linkcode PROMETHEUS_BUCKETS_SECONDS}. Recording is two array
 * increments and one `Math.log2`; it never allocates.
 *
 * @module
 */

/** Sub-buckets per doubling. */
const PER_OCTAVE = 8;
/** Fine buckets: 1 µs · 2^(i/8) for i < 224 (up to 2^28 µs, about 268 s). */
const FINE = 28 * PER_OCTAVE;

/**
 * The `le` bounds, in seconds, of the latency histograms in `/metrics`
 * (the last bucket, `+Inf`, is implied).
 *
 * @example
 * ```ts
 * import { PROMETHEUS_BUCKETS_SECONDS } from "@reliable/zmq/observe";
 * console.log(PROMETHEUS_BUCKETS_SECONDS[0]); // 0.0001
 * ```
 */
export const PROMETHEUS_BUCKETS_SECONDS: readonly number[] = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];
const COARSE_MS = PROMETHEUS_BUCKETS_SECONDS.map((s) => s * 1000);

/**
 * The fine bucket of a duration.
 * @param ms A duration in ms.
 * @returns The bucket index.
 */
function fineIndex(ms: number): number {
  const us = ms * 1000;
  if (!(us > 1)) return 0;
  const i = Math.floor(Math.log2(us) * PER_OCTAVE);
  return i < FINE ? i : FINE - 1;
}

/** The upper bound of fine bucket `i`, in ms. */
function fineUpper(i: number): number {
  return 2 ** ((i + 1) / PER_OCTAVE) / 1000;
}

/** Quantiles of a histogram, in ms (`NaN` when it is empty). */
export interface LatencySummary {
  /** Observations. */
  count: number;
  /** Median, ms. */
  p50: number;
  /** 90th percentile, ms. */
  p90: number;
  /** 99th percentile, ms. */
  p99: number;
  /** Largest observation, ms. */
  max: number;
  /** Mean, ms. */
  mean: number;
}

/**
 * Durations in ms, bucketed.
 *
 * @example
 * ```ts
 * import { LatencyHistogram } from "@reliable/zmq/observe";
 * const h = new LatencyHistogram();
 * for (let i = 1; i <= 100; i++) h.record(i);
 * const q = h.quantile(0.5);
 * console.log(q > 45 && q < 55, h.count); // true 100
 * ```
 */
export class LatencyHistogram {
  /** Observations per fine bucket. */
  readonly #fine = new Uint32Array(FINE);
  /** Observations per Prometheus bucket (not cumulative; last: +Inf). */
  readonly #coarse: Uint32Array | undefined;
  /** Observations. */
  count = 0;
  /** Their sum, ms. */
  sum = 0;
  /** The smallest, ms. */
  min: number = Infinity;
  /** The largest, ms. */
  max: number = -Infinity;

  /**
   * An empty histogram.
   * @param prometheus Whether to keep the coarse Prometheus buckets too.
   */
  constructor(prometheus = false) {
    this.#coarse = prometheus
      ? new Uint32Array(COARSE_MS.length + 1)
      : undefined;
  }

  /**
   * Adds one duration.
   * @param ms The duration in ms (negative counts as 0).
   */
  record(ms: number): void {
    if (!(ms > 0)) ms = 0;
    this.#fine[fineIndex(ms)]++;
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    const c = this.#coarse;
    if (c !== undefined) {
      let i = 0;
      while (i < COARSE_MS.length && ms > COARSE_MS[i]) i++;
      c[i]++;
    }
  }

  /** Forgets every observation. */
  reset(): void {
    this.#fine.fill(0);
    this.#coarse?.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  /**
   * Adds another histogram's observations to this one.
   * @param other The other histogram.
   */
  add(other: LatencyHistogram): void {
    const a = this.#fine, b = other.#fine;
    for (let i = 0; i < FINE; i++) a[i] += b[i];
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /**
   * The `q` quantile, interpolated within its bucket and kept within the
   * smallest and largest observation.
   * @param q From 0 to 1.
   * @param others More histograms to read as if merged with this one.
   * @returns The duration in ms, or `NaN` when there is no observation.
   */
  quantile(q: number, ...others: LatencyHistogram[]): number {
    let count = this.count, min = this.min, max = this.max;
    for (const o of others) {
      count += o.count;
      if (o.min < min) min = o.min;
      if (o.max > max) max = o.max;
    }
    if (count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * count));
    let seen = 0;
    for (let i = 0; i < FINE; i++) {
      let n = this.#fine[i];
      for (const o of others) n += o.#fine[i];
      if (n === 0) continue;
      if (seen + n >= rank) {
        const lo = i === 0 ? 0 : fineUpper(i - 1);
        const hi = fineUpper(i);
        const v = lo + (hi - lo) * ((rank - seen) / n);
        return Math.min(max, Math.max(min, v));
      }
      seen += n;
    }
    return max;
  }

  /**
   * Count, p50, p90, p99, max and mean.
   * @param others More histograms to read as if merged with this one.
   * @returns The summary (ms, rounded to µs).
   */
  summary(...others: LatencyHistogram[]): LatencySummary {
    let count = this.count, sum = this.sum, max = this.max;
    for (const o of others) {
      count += o.count;
      sum += o.sum;
      if (o.max > max) max = o.max;
    }
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return {
      count,
      p50: r(this.quantile(0.5, ...others)),
      p90: r(this.quantile(0.9, ...others)),
      p99: r(this.quantile(0.99, ...others)),
      max: count ? r(max) : NaN,
      mean: count ? r(sum / count) : NaN,
    };
  }

  /**
   * Cumulative counts at each of {@linkcode PROMETHEUS_BUCKETS_SECONDS}
   * then `+Inf` (only for a histogram made with `prometheus`).
   * @returns The cumulative counts.
   */
  cumulative(): number[] {
    const c = this.#coarse;
    if (c === undefined) {
      throw new Error("LatencyHistogram: made without Prometheus buckets");
    }
    const out: number[] = [];
    let n = 0;
    for (let i = 0; i < c.length; i++) out.push(n += c[i]);
    return out;
  }
}
