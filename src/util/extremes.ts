/**
 * Smallest and largest of a list, for lists of any length: `Math.min(...xs)` passes
 * every element as an argument and overflows the stack past about 100,000 (a replay
 * that skips idle time reaches that many aggregation windows in a second).
 */

/** The smallest of `xs` (Infinity for none, as Math.min()). */
export function minOf(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m || Number.isNaN(x)) m = x;
  return m;
}

/** The largest of `xs` (-Infinity for none, as Math.max()). */
export function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m || Number.isNaN(x)) m = x;
  return m;
}
