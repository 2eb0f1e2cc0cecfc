/**
 * Sums flat counter records (every field a number) field by field: the
 * totals of a pool of slots, each with its own counters.
 *
 * @module
 */

/**
 * The field-by-field sum of `parts`; `zero` gives the fields (and the result
 * when `parts` is empty). `zero` itself is not changed.
 */
export function sumCounters<T extends { [K in keyof T]: number }>(
  zero: T,
  parts: Iterable<T>,
): T {
  const out = { ...zero };
  const keys = Object.keys(zero) as (keyof T)[];
  for (const p of parts) {
    for (const k of keys) (out[k] as number) += p[k];
  }
  return out;
}
