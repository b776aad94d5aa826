/**
 * A small seedable PRNG (xoshiro128**): reproducible runs from a seed, no
 * allocation per draw, and fast enough for per-sample use. Never Math.random().
 */
/** The seed of a run when none is given: simulations, contexts, workloads and the CLI's --seed. */
export const DEFAULT_SEED = 1;
/** Seeds are 32 bits: a larger one would give the same runs as a smaller one. */
export const MAX_SEED = 0xffffffff;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 expands one seed into four non-zero state words.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 bits of randomness. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * Uniform integer in [l, r) — the kernel's `damon_rand(l, r)` (spec §1.5).
   * Works for any range below 2^53. Returns l when r <= l.
   */
  randRange(l: number, r: number): number {
    if (r <= l) return l;
    const span = r - l;
    if (span <= 0x100000000) return l + Math.floor((this.nextU32() / 0x100000000) * span);
    return l + Math.floor(this.nextFloat() * span);
  }

  /** A new generator whose seed derives from this one: independent streams per component. */
  fork(): Rng {
    return new Rng(this.nextU32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
