/**
 * The kernel's integer helpers (damon-spec.md §0.3), on JS numbers. Addresses and
 * sizes stay below 2^53, so plain numbers are exact; where a product can leave
 * that range the helpers fall back to bigint.
 */

/** C `UINT_MAX` (32-bit unsigned). */
export const UINT_MAX = 0xffffffff;
/** C `ULONG_MAX` on a 64-bit kernel. */
export const ULONG_MAX = (1n << 64n) - 1n;

/** Rounds x up to a multiple of a (the kernel's ALIGN; a is a power of two). */
export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Rounds x down to a multiple of a (ALIGN_DOWN). */
export function alignDown(x: number, a: number): number {
  return Math.floor(x / a) * a;
}

/** `mult_frac(x, n, d)`: x*n/d truncated, computed without overflowing x*n. */
export function multFrac(x: number, n: number, d: number): number {
  const q = Math.floor(x / d);
  const r = x - q * d;
  const hi = q * n;
  const lo = r * n;
  if (hi <= Number.MAX_SAFE_INTEGER && lo <= Number.MAX_SAFE_INTEGER) return hi + Math.floor(lo / d);
  return Number(multFracBig(BigInt(x), BigInt(n), BigInt(d)));
}

/** `mult_frac` on bigints (unsigned semantics; used where values may exceed 2^53). */
export function multFracBig(x: bigint, n: bigint, d: bigint): bigint {
  return (x / d) * n + ((x % d) * n) / d;
}

/** |a − b| (the kernel's abs_diff on unsigned values). */
export function absDiff(a: number, b: number): number {
  return a > b ? a - b : b - a;
}

/**
 * Size-weighted average `(a*wa + b*wb) / (wa+wb)`, truncated, as the kernel merges
 * two regions' counters; exact even when the products exceed 2^53.
 */
export function weightedAverage(a: number, wa: number, b: number, wb: number): number {
  const num = a * wa + b * wb;
  if (num <= Number.MAX_SAFE_INTEGER) return Math.floor(num / (wa + wb));
  return Number((BigInt(a) * BigInt(wa) + BigInt(b) * BigInt(wb)) / BigInt(wa + wb));
}
