/**
 * Regions and targets (damon-spec.md §1.1, §1.2) and the region operations of
 * §1.8, §1.9 and §3.2: set, split at an offset, merge two, commit.
 *
 * A target keeps its regions in an address-sorted array; the kernel uses a linked
 * list, and every operation here keeps the same order semantics.
 */
import { alignDown, alignUp, weightedAverage } from "./arith.js";
import { DamonInvalidError } from "../util/errors.js";
import { DAMON_MAX_PROBES } from "./probe.js";

/** One monitoring region `[start, end)` and its access counters. */
export class Region {
  /** Start address (inclusive), in core address units. */
  start: number;
  /** End address (exclusive). */
  end: number;
  /** Sample intervals in the current aggregation window in which the region was found accessed. */
  nrAccesses = 0;
  /** `nrAccesses` of the previous complete aggregation window. */
  lastNrAccesses = 0;
  /** Consecutive aggregation windows the access frequency stayed similar. */
  age = 0;
  /** The address whose access is checked in the current sample interval. */
  samplingAddr = 0;
  /** Already counted by an access report in this sample interval (report mode, §5.5.2). */
  accessReported = false;
  /** Per probe: samples of the current window whose page passed the probe (u8, docs/probes.md). */
  probeHits = new Uint8Array(DAMON_MAX_PROBES);
  /** `probeHits` of the previous complete window. */
  lastProbeHits = new Uint8Array(DAMON_MAX_PROBES);

  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
    this.samplingAddr = start;
  }

  /** Size in bytes (core address units). */
  get size(): number {
    return this.end - this.start;
  }
}

/** A half-open address range. */
export interface AddrRange {
  start: number;
  end: number;
}

/** A monitoring target: one address space (vaddr: a process; paddr: physical memory). */
export class Target {
  /** Process id for virtual-address operation sets; undefined for physical ones. */
  pid: number | undefined;
  /** Regions in address order, non-overlapping (gaps allowed). */
  regions: Region[] = [];
  /** Marked for removal at the next online commit (§1.2). */
  obsolete = false;

  constructor(pid?: number) {
    this.pid = pid;
  }

  get nrRegions(): number {
    return this.regions.length;
  }
}

/** Creates a region with zeroed counters (C1). */
export function newRegion(start: number, end: number): Region {
  return new Region(start, end);
}

/** Appends a region at the tail of a target (the kernel's damon_add_region). */
export function addRegion(t: Target, r: Region): void {
  t.regions.push(r);
}

/** Removes a region from its target. */
export function destroyRegion(t: Target, r: Region): void {
  const i = t.regions.indexOf(r);
  if (i >= 0) t.regions.splice(i, 1);
}

/** Whether r is the last region of t (C37). */
export function isLastRegion(t: Target, r: Region): boolean {
  return t.regions.length > 0 && t.regions[t.regions.length - 1] === r;
}

/**
 * Shrinks r to its first `sz` bytes and returns the rest as a new region carrying
 * the same counters (the list insertion is the caller's).
 */
export function cutRegion(r: Region, sz: number): Region {
  const n = new Region(r.start + sz, r.end);
  n.nrAccesses = r.nrAccesses;
  n.lastNrAccesses = r.lastNrAccesses;
  n.age = r.age;
  // damon_split_region_at copies both probe-hit arrays.
  n.probeHits.set(r.probeHits);
  n.lastProbeHits.set(r.lastProbeHits);
  r.end = n.start;
  return n;
}

/**
 * Splits the region at index `idx` so it keeps its first `sz` bytes; the rest becomes
 * a new region right after it carrying the same counters (§3.2, C4).
 */
export function splitRegionAtIndex(t: Target, idx: number, sz: number): Region {
  const r = t.regions[idx];
  if (!(sz > 0 && sz < r.size)) throw new RangeError(`split size ${sz} outside (0, ${r.size})`);
  const n = cutRegion(r, sz);
  t.regions.splice(idx + 1, 0, n);
  return n;
}

/** Splits region r of t at offset `sz` (the kernel's damon_split_region_at). Returns the new right part. */
export function splitRegionAt(t: Target, r: Region, sz: number): Region {
  const idx = t.regions.indexOf(r);
  if (idx < 0) throw new RangeError("region is not in the target");
  return splitRegionAtIndex(t, idx, sz);
}

/**
 * Folds r's counters into l as size-weighted averages and extends l over r (§3.1 step 3).
 * `lastNrAccesses` and `lastProbeHits` of l are kept. Does not touch the target's list.
 */
export function absorbRegion(l: Region, r: Region): void {
  const sl = l.size;
  const sr = r.size;
  l.nrAccesses = weightedAverage(l.nrAccesses, sl, r.nrAccesses, sr);
  l.age = weightedAverage(l.age, sl, r.age, sr);
  // damon_merge_two_regions averages the current probe hits only (last ones are l's).
  for (let i = 0; i < DAMON_MAX_PROBES; i++)
    l.probeHits[i] = weightedAverage(l.probeHits[i], sl, r.probeHits[i], sr);
  l.end = r.end;
}

/** Merges r into l (the kernel's damon_merge_two_regions, C5) and removes r from t. */
export function mergeTwoRegions(t: Target, l: Region, r: Region): void {
  absorbRegion(l, r);
  destroyRegion(t, r);
}

function intersects(r: Region, range: AddrRange): boolean {
  return !(r.end <= range.start || range.end <= r.start);
}

/**
 * Sets the target's regions to cover exactly `ranges` (§1.8, C10): regions that
 * intersect none of the ranges are removed; intersecting ones are resized (keeping
 * their counters); holes are filled with new regions. Ranges are aligned to
 * `minRegionSz`; invalid or overlapping ranges throw DamonInvalidError before any
 * change (newest validation).
 */
export function setRegions(t: Target, ranges: readonly AddrRange[], minRegionSz: number): void {
  let prevEnd = -Infinity;
  for (const [i, range] of ranges.entries()) {
    const s = alignDown(range.start, minRegionSz);
    const e = alignUp(range.end, minRegionSz);
    if (!(s < e))
      throw new DamonInvalidError(`range ${i} [${range.start}, ${range.end}) is empty after alignment`);
    if (prevEnd > s)
      throw new DamonInvalidError(`range ${i} overlaps or precedes range ${i - 1} after alignment`);
    prevEnd = e;
  }

  const regions = t.regions.filter((r) => ranges.some((range) => intersects(r, range)));
  t.regions = regions;
  if (regions.length === 0) {
    for (const range of ranges) {
      regions.push(new Region(alignDown(range.start, minRegionSz), alignUp(range.end, minRegionSz)));
    }
    return;
  }

  // `cursor` plays the kernel's list iterator: each range continues scanning from the
  // region where the previous one stopped (regions.length stands for the list head).
  let cursor = 0;
  for (const range of ranges) {
    let first = -1;
    let last = -1;
    for (; cursor < regions.length; cursor++) {
      const r = regions[cursor];
      if (intersects(r, range)) {
        if (first < 0) first = cursor;
        last = cursor;
      }
      if (r.start >= range.end) break;
    }
    if (first < 0) {
      regions.splice(
        cursor,
        0,
        new Region(alignDown(range.start, minRegionSz), alignUp(range.end, minRegionSz)),
      );
      cursor++;
      continue;
    }
    regions[first].start = alignDown(range.start, minRegionSz);
    regions[last].end = alignUp(range.end, minRegionSz);
    // Fill holes between consecutive regions from first to last.
    for (let i = first; i < last; i++) {
      const cur = regions[i];
      const next = regions[i + 1];
      if (cur.end !== next.start) {
        regions.splice(i + 1, 0, new Region(cur.end, next.start));
        i++;
        last++;
        cursor++;
      }
    }
  }
}

/**
 * Online commit of a target's regions (§1.9, C25): if `src` has regions, dst's
 * regions are set to src's ranges (contiguous src regions coalesced, newest);
 * surviving dst regions keep their counters. An empty src leaves dst unchanged.
 */
export function commitTargetRegions(dst: Target, src: Target, minRegionSz: number): void {
  if (src.regions.length === 0) return;
  const ranges: AddrRange[] = [];
  for (const r of src.regions) {
    const last = ranges[ranges.length - 1];
    if (last && last.end === r.start) last.end = r.end;
    else ranges.push({ start: r.start, end: r.end });
  }
  setRegions(dst, ranges, minRegionSz);
}

/** Total bytes covered by a target's regions. */
export function targetSize(t: Target): number {
  let sz = 0;
  for (const r of t.regions) sz += r.end - r.start;
  return sz;
}
