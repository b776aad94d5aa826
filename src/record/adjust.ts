/**
 * damo's record adjustment (`adjust`, and the first step of `report wss`):
 * skip the first N snapshots, then merge consecutive snapshots until each group
 * spans at least the new aggregation interval. Merging follows damo exactly: a
 * region of a later snapshot adds the largest nr_accesses among the overlapping
 * regions of that snapshot, and the parts it does not overlap become new regions
 * (appended, so the merged list is not re-sorted).
 */
import { makeSnapshot } from "./model.js";
import type { DamonRecord, Snapshot } from "./model.js";

interface MRegion {
  start: number;
  end: number;
  samples: number;
  age: number;
  szf: number;
  /** position in the merged list (damo appends, never sorts) */
  ord: number;
  /** damo's nr_acc_to_add for the snapshot being added; -1 when not touched */
  add: number;
}

function szfForSize(szf: number, size: number, newSize: number): number {
  if (Number.isNaN(szf)) return NaN;
  return Math.trunc((szf / size) * newSize);
}

/** damo's regions_intersect (an empty region intersects a region strictly around it). */
function intersects(a: MRegion, s: number, e: number): boolean {
  return !(a.end <= s || e <= a.start);
}

/**
 * The merged regions of one aggregated snapshot, built as damo's add_region
 * builds them but without its recursion (which overflows the stack when one region
 * covers thousands) and without its linear scan per added region (quadratic).
 *
 * damo adds a region R by finding the first listed region r that R intersects,
 * raising r's pending addition to R's nr_accesses, and adding the parts of R left
 * and right of r the same way (left part fully first), appending a part that
 * intersects nothing. So every listed region R intersects gets the addition, and
 * the uncovered gaps of R are appended in address order; each gap's
 * sz_filter_passed comes from the chain of parts it was cut from, which is the
 * Cartesian tree (by list position) of the regions R intersects. When the merged
 * regions and the snapshot's regions are non-empty and do not overlap (what DAMON
 * writes), that is computed from an address-sorted index in O(k log n) per region;
 * anything else takes a literal, iterative version of damo's algorithm.
 */
class Merger {
  readonly list: MRegion[] = [];
  /** the list sorted by start; valid while `plain` */
  private sorted: MRegion[] = [];
  /** false once an empty region is listed (the sorted index no longer applies) */
  private plain = true;

  addSnapshot(s: Snapshot): void {
    const touched: MRegion[] = [];
    if (this.plain && plainSnapshot(s)) this.addPlain(s, touched);
    else this.addLiteral(s, touched);
    for (const r of touched) {
      r.samples += r.add;
      r.add = -1;
    }
  }

  private region(s: number, e: number, samples: number, age: number, szf: number): MRegion {
    return { start: s, end: e, samples, age, szf, ord: -1, add: -1 };
  }

  private append(r: MRegion): void {
    r.ord = this.list.length;
    this.list.push(r);
  }

  private touch(r: MRegion, samples: number, touched: MRegion[]): void {
    if (r.add < 0) {
      touched.push(r);
      r.add = 0;
    }
    if (samples > r.add) r.add = samples;
  }

  /** damo's algorithm step by step, with an explicit stack instead of recursion. */
  private addLiteral(s: Snapshot, touched: MRegion[]): void {
    const stack: MRegion[] = [];
    for (let i = 0; i < s.nr; i++) {
      stack.push(this.region(s.start[i], s.end[i], s.samples[i], s.age[i], s.szFilterPassed[i]));
      while (stack.length > 0) {
        const part = stack.pop()!;
        const r = this.list.find((x) => intersects(x, part.start, part.end));
        if (r === undefined) {
          this.append(part);
          if (part.start === part.end) this.plain = false;
          continue;
        }
        this.touch(r, part.samples, touched);
        const size = part.end - part.start;
        // pushed right first so that the left part is finished first, as damo's recursion does
        if (r.end < part.end)
          stack.push(
            this.region(
              r.end,
              part.end,
              part.samples,
              part.age,
              szfForSize(part.szf, size, part.end - r.end),
            ),
          );
        if (part.start < r.start)
          stack.push(
            this.region(
              part.start,
              r.start,
              part.samples,
              part.age,
              szfForSize(part.szf, size, r.start - part.start),
            ),
          );
      }
    }
    if (this.plain) this.sorted = [...this.list].sort((a, b) => a.start - b.start);
  }

  private addPlain(s: Snapshot, touched: MRegion[]): void {
    const sorted = this.sorted;
    const gaps: MRegion[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const cstack: number[] = [];
    const tasks: { lo: number; hi: number; szf: number; node: number }[] = [];
    for (let i = 0; i < s.nr; i++) {
      const rs = s.start[i];
      const re = s.end[i];
      const samples = s.samples[i];
      const age = s.age[i];
      // first listed region (by address) ending after rs
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid].end <= rs) lo = mid + 1;
        else hi = mid;
      }
      const a = lo;
      let b = a;
      while (b < sorted.length && sorted[b].start < re) b++;
      if (a === b) {
        gaps.push(this.region(rs, re, samples, age, s.szFilterPassed[i]));
        continue;
      }
      // Cartesian tree of sorted[a..b) by list position: damo's order of splitting R
      const k = b - a;
      left.length = k;
      right.length = k;
      cstack.length = 0;
      for (let j = 0; j < k; j++) {
        this.touch(sorted[a + j], samples, touched);
        left[j] = -1;
        right[j] = -1;
        let last = -1;
        while (cstack.length > 0 && sorted[a + cstack[cstack.length - 1]].ord > sorted[a + j].ord)
          last = cstack.pop()!;
        left[j] = last;
        if (cstack.length > 0) right[cstack[cstack.length - 1]] = j;
        cstack.push(j);
      }
      tasks.length = 0;
      tasks.push({ lo: rs, hi: re, szf: s.szFilterPassed[i], node: cstack[0] });
      while (tasks.length > 0) {
        const t = tasks.pop()!;
        if (t.node < 0) {
          gaps.push(this.region(t.lo, t.hi, samples, age, t.szf));
          continue;
        }
        const r = sorted[a + t.node];
        const size = t.hi - t.lo;
        if (r.end < t.hi)
          tasks.push({
            lo: r.end,
            hi: t.hi,
            szf: szfForSize(t.szf, size, t.hi - r.end),
            node: right[t.node],
          });
        if (t.lo < r.start)
          tasks.push({
            lo: t.lo,
            hi: r.start,
            szf: szfForSize(t.szf, size, r.start - t.lo),
            node: left[t.node],
          });
      }
    }
    if (gaps.length === 0) return;
    for (const g of gaps) this.append(g);
    // merge the (per region ascending) gaps into the address index
    gaps.sort((x, y) => x.start - y.start);
    const out: MRegion[] = new Array<MRegion>(sorted.length + gaps.length);
    let p = 0;
    let q = 0;
    for (let o = 0; o < out.length; o++)
      out[o] =
        q >= gaps.length || (p < sorted.length && sorted[p].start < gaps[q].start) ? sorted[p++] : gaps[q++];
    this.sorted = out;
  }
}

/** Whether a snapshot's regions are all non-empty and pairwise disjoint. */
function plainSnapshot(s: Snapshot): boolean {
  const idx = Array.from({ length: s.nr }, (_, i) => i).sort((x, y) => s.start[x] - s.start[y]);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    if (!(s.start[i] < s.end[i])) return false;
    if (j > 0 && s.end[idx[j - 1]] > s.start[i]) return false;
  }
  return true;
}

function toSnapshot(startNs: number, endNs: number, regions: MRegion[]): Snapshot {
  return makeSnapshot(
    startNs,
    endNs,
    regions.map((r) => ({
      start: r.start,
      end: r.end,
      nrAccesses: r.samples,
      age: r.age,
      szFilterPassed: r.szf,
    })),
  );
}

/** Merges snapshots into one (damo's aggregate_snapshots). */
export function aggregateSnapshots(snaps: readonly Snapshot[]): Snapshot {
  if (snaps.length === 1) {
    const s = snaps[0];
    return { ...s, totalBytes: null };
  }
  const m = new Merger();
  for (const s of snaps) m.addSnapshot(s);
  return toSnapshot(snaps[0].startNs, snaps[snaps.length - 1].endNs, m.list);
}

/** Groups snapshots until each group spans >= aggrUs (a trailing partial group is dropped). */
export function adjustedSnapshots(snaps: readonly Snapshot[], aggrUs: number): Snapshot[] {
  const out: Snapshot[] = [];
  let group: Snapshot[] = [];
  for (const s of snaps) {
    group.push(s);
    if (group[group.length - 1].endNs - group[0].startNs >= aggrUs * 1000) {
      out.push(aggregateSnapshots(group));
      group = [];
    }
  }
  return out;
}

/** damo's adjust_records: in place on the given records. */
export function adjustRecords(records: DamonRecord[], aggrUs: number, skip: number): void {
  for (const rec of records) {
    if (rec.intervals) rec.intervals = { ...rec.intervals, aggrUs };
    rec.snapshots = adjustedSnapshots(rec.snapshots.slice(skip), aggrUs);
  }
}
