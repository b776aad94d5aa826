/**
 * Data-attribute probes (DAMON 7.2/7.3, docs/probes.md). A probe is a list of
 * DAMON filters evaluated by the operation set at the same sampled address as the
 * access check; every region counts, per probe, the samples whose page passed the
 * probe's filters (`probe_hits`, at most DAMON_MAX_PROBES). Probes with weights
 * make the context "data attributes only": no access check at all, and the merge
 * score becomes the weighted sum of probe hits (mm/damon/core.c, `kdamond_fn`).
 *
 * Filter evaluation follows DAMOS filters: the first filter whose property test
 * equals its `matching` decides (`allow` = hit); when none decides, the result is
 * the opposite of the last filter's `allow`.
 */
import { multFrac, UINT_MAX } from "./arith.js";
import { nrSamplesPerAggr } from "./attrs.js";
import type { Attrs } from "./attrs.js";
import type { Region } from "./region.js";
import { DamonInvalidError } from "../util/errors.js";

/** `DAMON_MAX_PROBES`: the size of a region's `probe_hits` array. */
export const DAMON_MAX_PROBES = 4;
/** `U8_MAX`: probe hits are `unsigned char`. */
export const U8_MAX = 255;

/** Page properties a probe filter can test (the ops set reads them at the sampled address). */
export const PROBE_FILTER_TYPES = ["anon", "active", "memcg", "young", "hugepage_size", "unmapped"] as const;
export type ProbeFilterType = (typeof PROBE_FILTER_TYPES)[number];

/** One DAMON filter of a probe (`struct damon_filter`). */
export interface ProbeFilter {
  type: ProbeFilterType;
  matching: boolean;
  allow: boolean;
  /** `memcg`: cgroup path as written to sysfs (`path`). */
  memcgPath?: string;
  /** `memcg`: cgroup id, resolved by the ops set from `memcgPath`. */
  memcgId?: number;
  /** `hugepage_size`: inclusive [min, max] folio bytes. */
  minSz?: number;
  maxSz?: number;
}

/**
 * What a prep does before the sample interval when access checks are disabled
 * (`struct damon_prep`). `mkold` clears the Accessed bit at the sampled address,
 * so a `young` filter then means "accessed during this sample".
 */
export const PREP_ACTIONS = ["mkold"] as const;
export type PrepAction = (typeof PREP_ACTIONS)[number];

/** `struct damon_probe`: filters, preps and a weight (0 = no weight). */
export interface Probe {
  filters: ProbeFilter[];
  preps: PrepAction[];
  weight: number;
}

/** A probe with defaults (`damon_new_probe`: weight 0, no preps). */
export function newProbe(filters: ProbeFilter[], weight = 0, preps: PrepAction[] = []): Probe {
  return { filters, preps, weight };
}

/** `damon_has_probe_weights`: any weighted probe turns access checks off. */
export function hasProbeWeights(probes: readonly Probe[]): boolean {
  return probes.some((p) => p.weight !== 0);
}

/** `damon_has_prep`: whether any probe has a prep. */
export function hasPrep(probes: readonly Probe[]): boolean {
  return probes.some((p) => p.preps.length > 0);
}

/**
 * `damon_valid_probe_params`: at most 4 probes; with weights, the samples per
 * aggregation must fit the u8 hit counters and the weighted sum must not overflow
 * an unsigned int. Throws DamonInvalidError naming the failed rule.
 */
export function validateProbes(probes: readonly Probe[], attrs: Pick<Attrs, "sampleUs" | "aggrUs">): void {
  if (probes.length > DAMON_MAX_PROBES)
    throw new DamonInvalidError(`${probes.length} probes: at most ${DAMON_MAX_PROBES} are allowed`);
  for (const [i, p] of probes.entries()) {
    if (!Number.isInteger(p.weight) || p.weight < 0 || p.weight > UINT_MAX)
      throw new DamonInvalidError(`probe ${i}: weight ${p.weight} is not an unsigned int`);
    for (const f of p.filters)
      if (f.type === "hugepage_size" && (f.maxSz ?? 0) < (f.minSz ?? 0))
        throw new DamonInvalidError(`probe ${i}: hugepage_size max < min`);
  }
  if (!hasProbeWeights(probes)) return;
  if (Math.floor(attrs.aggrUs / (attrs.sampleUs || 1)) > U8_MAX)
    throw new DamonInvalidError(`weighted probes need at most ${U8_MAX} samples per aggregation`);
  const maxHits = nrSamplesPerAggr(attrs);
  let wsum = 0;
  for (const [i, p] of probes.entries()) {
    if (p.weight > Math.floor(UINT_MAX / maxHits))
      throw new DamonInvalidError(`probe ${i}: weight ${p.weight} overflows the weighted sum`);
    const add = p.weight * maxHits;
    if (UINT_MAX - wsum < add) throw new DamonInvalidError("probe weights overflow the weighted sum");
    wsum += add;
  }
}

/** What `probeHitsMvsum` needs of a context. */
export interface ProbeClock {
  attrs: Pick<Attrs, "sampleUs" | "aggrUs">;
  passedSampleIntervals: number;
  nextAggregationSis: number;
}

/** Time left in the current aggregation window, in bp (as `damon_nr_accesses_mvsum` computes it). */
function leftWindowBp(c: ProbeClock): number {
  const windowLen = Math.floor((c.attrs.aggrUs || 1) / (c.attrs.sampleUs || 1));
  const left =
    c.passedSampleIntervals >= c.nextAggregationSis ? 0 : c.nextAggregationSis - c.passedSampleIntervals;
  return multFrac(left, 10000, windowLen);
}

/**
 * `damon_probe_hits_mvsum`: pseudo moving sum of probe `i`'s hits over the last
 * window's worth of samples, truncated to u8 as the kernel's return type is.
 */
export function probeHitsMvsum(i: number, r: Region, c: ProbeClock): number {
  const leftBp = leftWindowBp(c);
  if (leftBp === 10000) return r.lastProbeHits[i];
  return (r.probeHits[i] + multFrac(r.lastProbeHits[i], leftBp, 10000)) & U8_MAX;
}

/**
 * `damon_probe_hits_wsum`: Σ hits·weight over the installed probes, from the last
 * complete window (`last`), the moving sum (`mv`), or the current window.
 */
export function probeHitsWsum(
  r: Region,
  last: boolean,
  mv: boolean,
  probes: readonly Probe[],
  c: ProbeClock,
): number {
  let sum = 0;
  for (let i = 0; i < probes.length; i++) {
    const w = probes[i].weight;
    if (last) sum += r.lastProbeHits[i] * w;
    else if (mv) sum += probeHitsMvsum(i, r, c) * w;
    else sum += r.probeHits[i] * w;
  }
  return sum >>> 0;
}

/**
 * `damon_update_probe_hits` (called from `damon_update_monitoring_result`): the
 * installed probes' hit counts rescaled for new intervals; a change in the middle
 * of a window drops the window's partial counts.
 */
export function updateProbeHits(
  r: Region,
  nrProbes: number,
  convert: (nr: number) => number,
  aggregating: boolean,
): void {
  for (let i = 0; i < nrProbes; i++) {
    r.lastProbeHits[i] = convert(r.lastProbeHits[i]);
    r.probeHits[i] = aggregating ? 0 : convert(r.probeHits[i]);
  }
}

/** The per-page properties a probe filter reads (filled by the ops set, reused, never allocated per sample). */
export interface PageAttrs {
  anon: boolean;
  active: boolean;
  memcgId: number;
  /** Folio size in bytes. */
  size: number;
  unmapped: boolean;
  /** The Accessed state; reading it consumes it (mkold), as the kernel's young filter does. */
  young(): boolean;
}

/** Whether the page has the filter's property. */
export function probeFilterHas(f: ProbeFilter, page: PageAttrs): boolean {
  switch (f.type) {
    case "anon":
      return page.anon;
    case "active":
      return page.active;
    case "memcg":
      return page.memcgId === f.memcgId;
    case "young":
      return page.young();
    case "hugepage_size":
      return page.size >= (f.minSz ?? 0) && page.size <= (f.maxSz ?? 0);
    case "unmapped":
      return page.unmapped;
  }
}

/** Whether a page is a hit of a probe with `filters` (first deciding filter, else the default). */
export function probeHit(filters: readonly ProbeFilter[], page: PageAttrs): boolean {
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i];
    if (probeFilterHas(f, page) === f.matching) return f.allow;
  }
  return filters.length === 0 ? true : !filters[filters.length - 1].allow;
}
