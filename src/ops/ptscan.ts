/**
 * The `ptscan` operation set (docs/ptscan.md), after Telescope (USENIX ATC'24): instead
 * of one sampled page per region, walk the target's page tables top-down each sampling
 * interval, test-and-clear the Accessed bits of the upper levels and descend only into
 * young subtrees, within a budget of entries (ptscan-walk.ts). The result feeds DAMON's
 * regions, so records, reports, schemes and the truth comparison work unchanged: each
 * young extent becomes its own region (the region is split at its edges), and the
 * regions the walk found young are sampled as vaddr samples regions (one page each per
 * interval) for how often they are used; the others count no access. The core then
 * merges and splits the regions at each aggregation as for any other set.
 */
import type { Context } from "../core/context.js";
import type { Ops } from "../core/ops.js";
import { cutRegion, type Region, type Target } from "../core/region.js";
import type { CostAccount } from "../mm/cost-model.js";
import type { Machine } from "../mm/machine.js";
import { PAGE_SIZE } from "../mm/vma.js";
import { describeOps } from "./descriptor.js";
import { PageTableWalk, youngExtents } from "./ptscan-walk.js";
import { SameFolioCache } from "./same-folio.js";
import { applyThreeRegions } from "./vaddr.js";

/** Default budget: page-table entries read per sampling interval (64 table pages). */
export const PTSCAN_DEFAULT_BUDGET = 32768;
/**
 * The young extents are fitted into max_nr_regions / this many (docs/ptscan.md): each
 * extent and the gaps beside it become regions, within the region limit.
 */
export const PTSCAN_REGIONS_PER_EXTENT = 4;

/** A walk spacing out its passes is hurried when the sampled use falls under this share of its average. */
const HURRY_SHARE = 0.5;
/** Weight of the last interval in that average. */
const USED_AVG_WEIGHT = 0.25;

export interface PtscanOpsOptions {
  /** Page-table entries read per sampling interval (at least 512: one table page). */
  budget?: number;
  /** Cost account the walk is charged to (default: the machine's kdamond account). */
  account?: CostAccount;
}

export class PtscanOps implements Ops {
  readonly name = "ptscan";
  readonly budget: number;
  private readonly account: CostAccount;
  /** One walk per target process. */
  private readonly walks = new Map<Target, PageTableWalk>();
  /** The young extents of each target's last walk (sorted byte ranges). */
  private readonly extents = new Map<Target, number[]>();
  /** Regions whose sampled page was cleared at this sample's start. */
  private readonly sampled = new Set<Region>();
  private readonly folioCache = new SameFolioCache();
  /** Per target: a moving average of the bytes of sampled regions found used per interval. */
  private readonly usedBytesAvg = new Map<Target, number>();

  constructor(
    private readonly machine: Machine,
    opts: PtscanOpsOptions = {},
  ) {
    this.budget = opts.budget ?? PTSCAN_DEFAULT_BUDGET;
    if (!(Number.isInteger(this.budget) && this.budget >= 512))
      throw new RangeError(`ptscan budget must be an integer of at least 512 entries, got ${this.budget}`);
    this.account = opts.account ?? machine.kdamondCost;
  }

  /** The walk of target `t` (tests read its state). */
  walkOf(t: Target): PageTableWalk | undefined {
    return this.walks.get(t);
  }

  /** The monitored span is the vaddr layout (three regions); the walk decides what is young in it. */
  init(ctx: Context): void {
    for (const t of ctx.targets) if (t.regions.length === 0) applyThreeRegions(this.machine, ctx, t);
  }

  update(ctx: Context): void {
    for (const t of ctx.targets) applyThreeRegions(this.machine, ctx, t);
  }

  /**
   * Regions the last walk found young (at least half covered by its extents) are
   * sampled as vaddr samples them: one page per region, its Accessed bit cleared now
   * and tested at the end of the interval. So a region's count is the share of samples
   * its pages are used in, not whether any of its 2 MiB spans was.
   */
  prepareAccessChecks(ctx: Context): void {
    const m = this.machine;
    this.sampled.clear();
    for (const t of ctx.targets) {
      if (t.pid === undefined || !m.isAlive(t.pid)) continue;
      const ext = this.extents.get(t);
      if (ext === undefined) continue;
      for (const r of halfCovered(t, ext)) {
        r.samplingAddr = ctx.rng.randRange(r.start, r.end);
        m.mkoldVaddr(t.pid, r.samplingAddr, this.account);
        this.sampled.add(r);
      }
    }
  }

  checkAccesses(ctx: Context): number {
    const m = this.machine;
    let max = 0;
    let nrRegions = 0;
    for (const t of ctx.targets) nrRegions += t.regions.length;
    for (const t of ctx.targets) {
      if (t.pid === undefined || !m.isAlive(t.pid)) continue;
      // The sampled pages of the young regions: accessed in this interval or not.
      const cache = this.folioCache;
      cache.reset();
      let used = 0;
      for (const r of t.regions) {
        if (!this.sampled.has(r)) continue;
        const a = r.samplingAddr;
        let accessed = cache.lookup(a);
        if (accessed === null) {
          accessed = m.youngVaddr(t.pid, a, this.account);
          cache.store(a, m.lastFolioBytes, accessed);
        }
        if (accessed) {
          r.nrAccesses++;
          used += r.size;
        }
      }
      // Then the walk narrows down where the young memory is, for the next samples.
      let w = this.walks.get(t);
      if (w === undefined) {
        w = new PageTableWalk(m, m.process(t.pid), this.account);
        this.walks.set(t, w);
      }
      // The young regions' pages much less used than lately: the hot set may have moved,
      // so the walk should not wait for its next spaced-out pass to look.
      const avg = this.usedBytesAvg.get(t) ?? 0;
      if (used < HURRY_SHARE * avg) w.hurry();
      this.usedBytesAvg.set(t, avg + (used - avg) * USED_AVG_WEIGHT);
      w.step(this.budget);
      const all = youngExtents(w.young, PAGE_SIZE, Math.max(PAGE_SIZE, ctx.minRegionSz));
      const ext = fitExtents(
        all,
        Math.max(1, Math.floor(ctx.attrs.maxNrRegions / PTSCAN_REGIONS_PER_EXTENT)),
      );
      this.extents.set(t, ext);
      const before = t.regions.length;
      splitAtExtents(t, ext, Math.max(0, ctx.attrs.maxNrRegions - nrRegions));
      nrRegions += t.regions.length - before;
    }
    for (const t of ctx.targets) for (const r of t.regions) if (r.nrAccesses > max) max = r.nrAccesses;
    return max;
  }

  targetValid(t: Target): boolean {
    return t.pid !== undefined && this.machine.isAlive(t.pid);
  }

  cleanup(): void {
    this.walks.clear();
    this.extents.clear();
    this.usedBytesAvg.clear();
    this.sampled.clear();
  }
}

/**
 * Splits t's regions at the edges of the extents (sorted byte ranges [s, e, ...]) that
 * fall inside them, at most `maxSplits` times (the region limit), so each young extent
 * is its own region. A piece keeps its region's counters, as a DAMON split does.
 */
export function splitAtExtents(t: Target, ext: readonly number[], maxSplits: number): void {
  if (ext.length === 0 || maxSplits <= 0) return;
  const out: Region[] = [];
  let e = 0;
  let left = maxSplits;
  for (const r of t.regions) {
    let cur = r;
    while (e < ext.length && ext[e + 1] <= cur.start) e += 2;
    for (let j = e; j < ext.length && ext[j] < cur.end && left > 0; j += 2) {
      for (const b of [ext[j], ext[j + 1]]) {
        if (b > cur.start && b < cur.end && left > 0) {
          out.push(cur);
          cur = cutRegion(cur, b - cur.start);
          left--;
        }
      }
    }
    out.push(cur);
  }
  t.regions = out;
}

/**
 * At most `max` extents: the smallest gaps between neighbours are closed first. Without
 * this the region limit would go to the first extents in address order (say, scattered
 * cold pages at the start of a mapping) and a hot set further up would get no region.
 */
export function fitExtents(ext: readonly number[], max: number): number[] {
  const n = ext.length / 2;
  if (n <= max) return [...ext];
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(ext[2 * i] - ext[2 * i - 1]);
  // Close the n − max smallest gaps (ties at the threshold close too).
  const limit = [...gaps].sort((a, b) => a - b)[n - max - 1];
  const out = [ext[0], ext[1]];
  for (let i = 1; i < n; i++) {
    if (gaps[i - 1] <= limit) out[out.length - 1] = ext[2 * i + 1];
    else out.push(ext[2 * i], ext[2 * i + 1]);
  }
  return out;
}

/** The regions of t at least half covered by the extents (sorted byte ranges [s, e, ...]). */
export function halfCovered(t: Target, ext: readonly number[]): Region[] {
  const out: Region[] = [];
  if (ext.length === 0) return out;
  let e = 0;
  for (const r of t.regions) {
    while (e < ext.length && ext[e + 1] <= r.start) e += 2;
    let covered = 0;
    for (let j = e; j < ext.length && ext[j] < r.end; j += 2) {
      covered += Math.min(ext[j + 1], r.end) - Math.max(ext[j], r.start);
    }
    if (covered * 2 >= r.size) out.push(r);
  }
  return out;
}

/** `ptscan`: Telescope-like page-table scan of the workload's process (docs/ptscan.md). */
export const ptscanDescriptor = describeOps({
  name: "ptscan",
  space: "vaddr",
  reportBased: false,
  takes: ["ptscanBudget"],
  primitives: (m, o) => new PtscanOps(m, { budget: o.ptscanBudget }),
});
