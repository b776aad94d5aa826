/**
 * Smallest and largest of a list, for lists of any length: `Math.min(...xs)` passes
 * every element as an argument and overflows the stack past about 100,000 (a replay
 * that skips idle time reaches that many aggregation windows in a second).
 */

/** The smallest of `xs` (Infinity for none, as Math.min()). */
export function minOf(xs: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] < m || Number.isNaN(xs[i])) m = xs[i];
  return m;
}

/** The largest of `xs` (-Infinity for none, as Math.max()). */
export function maxOf(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m || Number.isNaN(xs[i])) m = xs[i];
  return m;
}
