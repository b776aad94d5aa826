/**
 * Adaptive region adjustment (damon-spec.md §3.1–§3.3): merging similar adjacent
 * regions with aging, random splitting, the region size limit that enforces
 * min_nr_regions, and the newest `applyMinNrRegions`.
 */
import { absDiff, alignDown, alignUp } from "./arith.js";
import { nrSamplesPerAggr } from "./attrs.js";
import type { Context } from "./context.js";
import { absorbRegion, cutRegion, splitRegionAtIndex } from "./region.js";
import type { Region } from "./region.js";
import type { Target } from "./region.js";
import type { Rng } from "../util/rng.js";
import { hasProbeWeights, probeHitsWsum } from "./probe.js";

/**
 * A region's merge score (`damon_merge_score`): `nrAccesses` (or the last window's),
 * or with weighted probes the weighted sum of probe hits.
 */
export type MergeScore = (r: Region, last: boolean) => number;

const accessScore: MergeScore = (r, last) => (last ? r.lastNrAccesses : r.nrAccesses);

/** The merge score of a context: probe-hit weighted sums when any probe has a weight. */
export function mergeScoreOf(ctx: Context): MergeScore {
  if (!hasProbeWeights(ctx.probes)) return accessScore;
  return (r, last) => probeHitsWsum(r, last, false, ctx.probes, ctx);
}

/**
 * Merges adjacent regions of t whose scores (`nrAccesses`, §3.1) differ by at most
 * `thres`, never creating a region larger than `szLimit` (§3.1, C6, D12). When
 * `countAge` is set (the first pass of an aggregation, newest), ages are updated
 * first: reset when the score changed by more than `thres` or went from/to zero,
 * else +1.
 */
export function mergeRegionsOf(
  t: Target,
  thres: number,
  szLimit: number,
  countAge = true,
  score: MergeScore = accessScore,
): void {
  const src = t.regions;
  const out: Region[] = [];
  let prev: Region | null = null;
  for (const r of src) {
    const cur = score(r, false);
    if (countAge) {
      const last = score(r, true);
      if (absDiff(cur, last) > thres) r.age = 0;
      else if ((cur === 0) !== (last === 0)) r.age = 0;
      else r.age++;
    }
    if (
      prev !== null &&
      prev.end === r.start &&
      absDiff(score(prev, false), cur) <= thres &&
      prev.end - prev.start + (r.end - r.start) <= szLimit
    ) {
      absorbRegion(prev, r);
    } else {
      out.push(r);
      prev = r;
    }
  }
  t.regions = out;
}

/**
 * The kdamond-level merge (newest, §3.1): merge every target; while the region
 * count exceeds max_nr_regions, double the threshold (capped at samples per
 * aggregation) and merge again. Ages are counted only in the first pass.
 */
export function kdamondMergeRegions(ctx: Context, threshold: number, szLimit: number): void {
  const maxThres = nrSamplesPerAggr(ctx.attrs);
  const score = mergeScoreOf(ctx);
  let countAge = true;
  for (;;) {
    let nr = 0;
    for (const t of ctx.targets) {
      mergeRegionsOf(t, threshold, szLimit, countAge, score);
      nr += t.regions.length;
    }
    countAge = false;
    if (nr <= ctx.attrs.maxNrRegions || threshold >= maxThres) break;
    threshold = threshold < Math.floor(maxThres / 2) ? Math.max(1, threshold * 2) : maxThres;
  }
}

/** One random split size: 10%..90% of `size`, aligned down (0 means "skip"). */
function randomSubSize(rng: Rng, size: number, minSz: number): number {
  return alignDown(Math.floor((rng.randRange(1, 10) * size) / 10), minSz);
}

/**
 * Splits every region of t into up to `nrSubs` pieces of random sizes (§3.2, C7):
 * each attempt cuts 10–90 % off the left piece; attempts that give 0 or the whole
 * size are skipped but count.
 */
export function splitRegionsOf(t: Target, nrSubs: number, minSz: number, rng: Rng): void {
  const out: Region[] = [];
  const rights: Region[] = [];
  for (const r of t.regions) {
    out.push(r);
    let size = r.end - r.start;
    rights.length = 0;
    for (let i = 0; i < nrSubs - 1 && size > 2 * minSz; i++) {
      const sub = randomSubSize(rng, size, minSz);
      if (sub === 0 || sub >= size) continue;
      // The new right piece goes right after r, in front of earlier right pieces.
      rights.unshift(cutRegion(r, sub));
      size = sub;
    }
    for (const n of rights) out.push(n);
  }
  t.regions = out;
}

/**
 * The kdamond-level split once per aggregation (§3.2). Up to max/2 regions: split
 * everything in 2 (3 when the count did not change since last time and is below
 * max/3). Newest: between max/2 and max, split one of every `max/(max−n)` regions
 * in two, from a rotating offset, so the count keeps progressing toward max.
 */
export function kdamondSplitRegions(ctx: Context): void {
  const n = ctx.nrRegions;
  const max = ctx.attrs.maxNrRegions;
  // Every path remembers the count, the early returns included (the kernel's `done:` label).
  if (n < max) {
    if (n > Math.floor(max / 2)) splitSomeRegions(ctx, Math.floor(max / (max - n)));
    else {
      let nrSubs = 2;
      if (ctx.lastNrRegions === n && n < Math.floor(max / 3)) nrSubs = 3;
      for (const t of ctx.targets) splitRegionsOf(t, nrSubs, ctx.minRegionSz, ctx.rng);
    }
  }
  ctx.lastNrRegions = n;
}

/** `damon_split_some_regions`: one of every `step` regions in two, from a rotating offset. */
function splitSomeRegions(ctx: Context, step: number): void {
  const minSz = ctx.minRegionSz;
  const offset = ctx.splitRotation++ % step;
  let idx = 0;
  for (const t of ctx.targets) {
    for (let i = 0; i < t.regions.length; i++, idx++) {
      if (idx % step !== offset) continue;
      const size = t.regions[i].end - t.regions[i].start;
      if (size < 2 * minSz) continue;
      const sub = randomSubSize(ctx.rng, size, minSz);
      if (sub === 0 || sub >= size) continue;
      splitRegionAtIndex(t, i, sub);
      i++; // the new right piece is not revisited
    }
  }
}

/**
 * The largest region size merges may create (§3.3): total monitored bytes divided
 * by min_nr_regions, at least the minimum region size. This is how min_nr_regions
 * is enforced in steady state.
 */
export function regionSzLimit(ctx: Context): number {
  let sz = 0;
  for (const t of ctx.targets) for (const r of t.regions) sz += r.end - r.start;
  if (ctx.attrs.minNrRegions !== 0) sz = Math.floor(sz / ctx.attrs.minNrRegions);
  return Math.max(sz, ctx.minRegionSz);
}

/**
 * Newest `damon_apply_min_nr_regions` (§3.3, C36): splits every region larger than
 * the (aligned-up) size limit into limit-sized pieces from the left; returns the
 * limit, which the kdamond then uses for merges.
 */
export function applyMinNrRegions(ctx: Context): number {
  const maxSz = alignUp(regionSzLimit(ctx), ctx.minRegionSz);
  for (const t of ctx.targets) {
    if (!t.regions.some((r) => r.end - r.start > maxSz)) continue;
    const out: Region[] = [];
    for (const r of t.regions) {
      out.push(r);
      // Pieces of exactly maxSz from the left; the remainder comes last.
      for (let cur = r; cur.end - cur.start > maxSz;) {
        cur = cutRegion(cur, maxSz);
        out.push(cur);
      }
    }
    t.regions = out;
  }
  return maxSz;
}
