/**
 * Quantiles the way the exporter's sources need them: damo's percentile index
 * (int(p × n), clamped; src/report/dist.ts) over snapshot values, and
 * DAMON_STAT's byte-weighted idle-time percentiles over regions.
 */
import type { QuantileValue } from "./reading.js";
import { QUANTILES } from "./reading.js";

/** damo's pick: sorted[int(q × n)] (the last one for q = 1). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  return sorted[Math.min(n - 1, Math.trunc(q * n))];
}

export function quantilesOf(values: readonly number[], qs: readonly number[] = QUANTILES): QuantileValue[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  return qs.map((q) => ({ quantile: q, value: quantileOfSorted(sorted, q) }));
}

export interface IdleRegion {
  start: number;
  end: number;
  nrAccesses: number;
  age: number;
}

/**
 * DAMON_STAT's idle time of a region, in µs: its age if it saw no access, else
 * minus its age (6.18's "negative idle time": hot for that long).
 */
export function idleUs(r: IdleRegion, aggrUs: number): number {
  const t = r.age * aggrUs;
  return r.nrAccesses === 0 ? t : -t;
}

/**
 * Byte-weighted idle-time quantiles, in seconds: regions sorted by idle time, the
 * q-quantile is the idle time of the region holding the q × total-th byte (as
 * DAMON_STAT computes its percentiles).
 */
export function idleQuantiles(
  regions: readonly IdleRegion[],
  aggrUs: number,
  qs: readonly number[] = QUANTILES,
): QuantileValue[] {
  if (regions.length === 0) return [];
  const items = regions.map((r) => ({ idle: idleUs(r, aggrUs), sz: r.end - r.start }));
  items.sort((a, b) => a.idle - b.idle);
  const total = items.reduce((s, x) => s + x.sz, 0);
  const out: QuantileValue[] = [];
  let i = 0;
  let acc = items[0].sz;
  for (const q of qs) {
    const want = q * total;
    while (acc < want && i < items.length - 1) acc += items[++i].sz;
    out.push({ quantile: q, value: items[i].idle / 1e6 });
  }
  return out;
}

/** DAMON_STAT's bandwidth estimate: Σ bytes × nr_accesses per aggregation, per second. */
export function bandwidthBytesPerSec(regions: readonly IdleRegion[], aggrUs: number): number {
  if (aggrUs <= 0) return 0;
  let b = 0;
  for (const r of regions) b += (r.end - r.start) * r.nrAccesses;
  return (b * 1e6) / aggrUs;
}
