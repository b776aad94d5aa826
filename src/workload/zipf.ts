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

/** Above this many items a cumulative table is too big (8 bytes per item): sample without one. */
export const ZIPF_TABLE_MAX_ITEMS = 2 ** 22;

/** log1p(x)/x, accurate near 0. */
function log1pOverX(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}
/** expm1(x)/x, accurate near 0. */
function expm1OverX(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x / 3) * (1 + 0.25 * x));
}

/**
 * Zipf over ranks 0..n-1 with no table (Hörmann and Derflinger's rejection-inversion,
 * 1996): O(1) memory and expected O(1) time for any n, so a terabyte heap of 1 KiB
 * items (2^30 and more) can be Zipf-distributed. Exact, not an approximation.
 */
export class ZipfRejectionSampler {
  private readonly hX1: number;
  private readonly hN: number;
  private readonly cut: number;

  constructor(
    readonly n: number,
    private readonly skew: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`zipf: need at least one item, got ${n}`);
    if (!(skew >= 0)) throw new RangeError(`zipf: skew must be non-negative, got ${skew}`);
    this.hX1 = this.hIntegral(1.5) - 1;
    this.hN = this.hIntegral(n + 0.5);
    this.cut = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  /** A rank, drawing uniforms in [0, 1) from `next` (usually one, rarely more). */
  sample(next: () => number): number {
    for (;;) {
      const u = this.hN + next() * (this.hX1 - this.hN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.cut || u >= this.hIntegral(k + 0.5) - this.h(k)) return k - 1;
    }
  }

  /** ∫ x^-skew from 1 to x. */
  private hIntegral(x: number): number {
    const lx = Math.log(x);
    return expm1OverX((1 - this.skew) * lx) * lx;
  }

  private h(x: number): number {
    return Math.exp(-this.skew * Math.log(x));
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.skew);
    if (t < -1) t = -1; // rounding at the far end
    return Math.exp(log1pOverX(t) * x);
  }
}
