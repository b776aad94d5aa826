/**
 * Zipf distribution over ranks 0..n-1 (P(rank) ∝ 1/(rank+1)^skew) as a
 * cumulative table, cached per (n, skew) since threads of a workload share it.
 */
const cache = new Map<string, Float64Array>();

/** Cumulative probabilities of ranks 0..n-1; the last entry is exactly 1. */
export function zipfCdf(n: number, skew: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`zipf: need at least one item, got ${n}`);
  if (!(skew >= 0)) throw new RangeError(`zipf: skew must be non-negative, got ${skew}`);
  const key = `${n}:${skew}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / Math.pow(i + 1, skew);
    cdf[i] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i] /= sum;
  cdf[n - 1] = 1;
  cache.set(key, cdf);
  return cdf;
}
